"""Gap assessment rules: every control and clause requirement once, valid ratings, notes, a
Control Mapping whose rows name real controls."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.data import catalog
from toolkit.data.signals import signals
from toolkit.findings import WARNING, Finding
from toolkit.kinds.gap.model import ANNEX, CLAUSES, FULL, MAPPING, NOT, PARTIAL, RANK
from toolkit.kinds.soc2.model import MATRIX
from toolkit.rules import Context, at, missing, rule, table_ok
from toolkit.workbook.reader import Record, TableData, WorkbookData

_SHEETS = ((ANNEX, "Control ID"), (CLAUSES, "Clause"))


def _known(sheet: str) -> dict[str, str]:
    if sheet == ANNEX:
        return {k: v.title for k, v in catalog.annex_a().items()}
    return {k: v.title for k, v in catalog.requirements().items()}


def _tables(book: WorkbookData) -> Iterator[tuple[str, str, TableData]]:
    """(sheet, key column, table) for each gap sheet the workbook has."""
    for sheet, key in _SHEETS:
        table = book.tables.get(sheet)
        if table is not None and table_ok(table):
            yield sheet, key, table


def _first_rows(book: WorkbookData) -> Iterator[tuple[str, str, Record]]:
    """(sheet, id, record) for the first row of each known id on both gap sheets."""
    for sheet, key, table in _tables(book):
        seen: set[str] = set()
        known = _known(sheet)
        for rec in table.records:
            k = rec.get(key)
            if isinstance(k, str) and k in known and k not in seen:
                seen.add(k)
                yield sheet, k, rec


@rule("GAP001", "gap", "An Annex A control or clause requirement is missing from the gap assessment")
def requirement_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: no row for A.5.23, or for clause 9.3.2. Good: all 93 controls and all 30 requirements."""
    for sheet, key, table in _tables(book):
        present = {rec.get(key) for rec in table.records}
        for k, title in _known(sheet).items():
            if k not in present:
                yield missing("GAP001", table.sheet, k, f"{k} ({title}) has no row; every one must be rated")


@rule("GAP002", "gap", "A control or clause is rated more than once")
def requirement_duplicate(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: A.8.5 on two rows. Good: one row each."""
    for sheet, key, table in _tables(book):
        first: dict[str, int] = {}
        for rec in table.records:
            k = rec.get(key)
            if not isinstance(k, str) or k not in _known(sheet):
                continue
            if k in first:
                yield at("GAP002", rec, key, k, f"{k} is rated again (first on row {first[k]})")
            else:
                first[k] = rec.row


@rule("GAP003", "gap", "A row names a control or clause that is not an ISO/IEC 27001:2022 requirement")
def requirement_unknown(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `A.12.1.2` (2013), clause `6.1` (a heading, not a requirement). Good: `A.8.32`, `6.1.2`."""
    for sheet, key, table in _tables(book):
        known = _known(sheet)
        for rec in table.records:
            k = rec.get(key)
            if k is None:
                yield at("GAP003", rec, key, None, f"row has no {key}; give it one or delete the row")
            elif k not in known:
                what = (
                    "an Annex A control (A.5.1-A.8.34)"
                    if sheet == ANNEX
                    else "a clause 4-10 requirement (4.1-10.2; headings like 6.1 are not rated)"
                )
                yield at("GAP003", rec, key, str(k), f"'{k}' is not {what}")


@rule("GAP004", "gap", "Coverage is blank: every control and requirement needs a rating", needs=("Annex A Gaps:Coverage",))
def coverage_blank(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Coverage empty. Good: Fully addressed, Partially addressed or Not addressed."""
    for _sheet, k, rec in _first_rows(book):
        if rec.get("Coverage") is None and rec.has("Coverage"):
            yield at("GAP004", rec, "Coverage", k, f"{k}: Coverage is blank; rate it")


@rule("GAP005", "gap", "Coverage is better than the suggestion but no note says why", needs=("Annex A Gaps:Coverage",))
def better_without_note(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Suggested = Partially addressed, Coverage = Fully addressed, Notes empty.
    Good: the same with Notes = `Formal crypto policy approved 2026-10; see POL-12`."""
    for _sheet, k, rec in _first_rows(book):
        cov, sug = rec.get("Coverage"), rec.get("Suggested Coverage")
        if cov in RANK and sug in RANK and RANK[cov] > RANK[sug] and rec.get("Notes") is None:
            yield at(
                "GAP005",
                rec,
                "Notes",
                k,
                f"{k} is rated '{cov}', better than the suggested '{sug}'; add a note with the evidence",
            )


@rule(
    "GAP006",
    "gap",
    "An open gap has no remediation action",
    WARNING,
    needs=("Annex A Gaps:Coverage", "Annex A Gaps:Remediation Action"),
)
def gap_without_action(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Coverage = Not addressed, Remediation Action empty. Good: a concrete action."""
    for _sheet, k, rec in _first_rows(book):
        if rec.get("Coverage") in (PARTIAL, NOT) and rec.get("Remediation Action") is None and rec.has("Remediation Action"):
            yield at("GAP006", rec, "Remediation Action", k, f"{k} is a gap but has no remediation action")


@rule("GAP007", "gap", "An open gap has no owner", WARNING, needs=("Annex A Gaps:Coverage", "Annex A Gaps:Owner"))
def gap_without_owner(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Coverage = Partially addressed, Owner empty. Good: a named owner."""
    for _sheet, k, rec in _first_rows(book):
        if rec.get("Coverage") not in (None, FULL) and rec.get("Owner") is None and rec.has("Owner"):
            yield at("GAP007", rec, "Owner", k, f"{k} is a gap but has no owner")


def _mapping(book: WorkbookData) -> TableData | None:
    table = book.tables.get(MAPPING)
    return table if table is not None and table_ok(table) else None


@rule("GAP008", "gap", "A Control Mapping row names an ISO id or a SOC 2 control that does not exist")
def mapping_unknown(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: ISO ID `A.5.38`, or SOC 2 Control `HA-XX-99` that the matrix does not hold: the row counts for nothing.
    Good: an Annex A control or clause requirement, and a control of the SOC 2 Controls sheet."""
    table = _mapping(book)
    if table is None:
        return
    matrix = book.tables.get(MATRIX)
    controls = {str(r.get("Control ID")) for r in matrix.records} if matrix is not None and table_ok(matrix) else None
    for rec in table.records:
        iso_id, cid = rec.get("ISO ID"), rec.get("SOC 2 Control")
        key = rec.get("Mapping")
        if iso_id is None or str(iso_id) not in signals():
            shown = "blank" if iso_id is None else f"'{iso_id}'"
            yield at(
                "GAP008",
                rec,
                "ISO ID",
                key,
                f"ISO ID is {shown}: not an Annex A control or clause requirement, so the row counts for nothing",
            )
        if cid is None or (controls is not None and str(cid) not in controls):
            shown = "blank" if cid is None else f"'{cid}'"
            yield at(
                "GAP008",
                rec,
                "SOC 2 Control",
                key,
                f"SOC 2 Control is {shown}: not a control of the SOC 2 Controls sheet, so the row counts for nothing",
            )


@rule("GAP009", "gap", "A Control Mapping row has no Use (Yes or No)", WARNING)
def mapping_use_blank(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Use left empty: the control is not counted. Good: `Yes` if it supports the ISO id, `No` if not."""
    table = _mapping(book)
    if table is None or "Use" not in table.columns:
        return
    for rec in table.records:
        if rec.get("Use") is None and rec.get("ISO ID") is not None:
            yield at("GAP009", rec, "Use", rec.get("Mapping"), "Use is blank, so this control does not count; answer Yes or No")
