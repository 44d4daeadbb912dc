"""Statement of Applicability rules (ISO/IEC 27001:2022 clause 6.1.3 d).

Controls from other sources (`Additional Controls`: ISO/IEC 27017, the organisation's own) are
checked like the Annex A ones: applicability, justification, status, evidence, target dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container, Iterator

from toolkit.data import catalog
from toolkit.data.ids import normalize_control_id
from toolkit.findings import WARNING, Finding
from toolkit.rules import Context, at, at_form, missing, not_run, required_by, rule, table_ok
from toolkit.workbook.reader import Record, WorkbookData

SHEET = "Statement of Applicability"
DOC = "Document Control"
ADDITIONAL = "Additional Controls"
NA = "Not applicable"
#: The reasons for selection, as declared (Yes or blank).
REASONS = ("Legal / Regulatory", "Contractual", "Business Requirement", "Risk Assessment")
OPEN = ("Partially implemented", "Planned", "Not implemented")


def _first_rows(book: WorkbookData, sheet: str, known: Container[str] | None = None) -> list[tuple[Record, str]]:
    """The first row of each control id on `sheet` (only ids in `known`, when given)."""
    table = book.tables.get(sheet)
    if not table_ok(table):
        return []
    assert table is not None
    seen: set[str] = set()
    out = []
    for rec in table.records:
        cid = rec.get("Control ID")
        if cid is None or str(cid) in seen or (known is not None and cid not in known):
            continue
        seen.add(str(cid))
        out.append((rec, str(cid)))
    return out


def _rows(book: WorkbookData) -> list[tuple[Record, str]]:
    """Records with a known Annex A control id, first occurrence of each."""
    return _first_rows(book, SHEET, catalog.annex_a())


def _additional(book: WorkbookData) -> list[tuple[Record, str]]:
    """Rows of the Additional Controls sheet with an id (first occurrence of each)."""
    return _first_rows(book, ADDITIONAL)


def _all_rows(book: WorkbookData) -> list[tuple[Record, str]]:
    """Every control the SoA states: the Annex A rows, then the additional ones."""
    return _rows(book) + _additional(book)


@rule("SOA001", "soa", "An Annex A control is missing from the Statement of Applicability")
def control_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: the row for A.7.4 deleted. Good: all 93 controls listed, each once."""
    table = book.tables.get(SHEET)
    if not table_ok(table):
        return
    assert table is not None
    present = {rec.get("Control ID") for rec in table.records}
    for cid in catalog.annex_a():
        if cid not in present:
            yield missing(
                "SOA001",
                table.sheet,
                cid,
                f"{cid} ({catalog.annex_a()[cid].title}) is not listed; every Annex A control needs a row",
            )


@rule("SOA002", "soa", "An Annex A control is listed more than once")
def control_duplicate(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: A.5.1 on rows 2 and 40 (or `A.5.1` and `5.1`). Good: one row per control."""
    table = book.tables.get(SHEET)
    if not table_ok(table):
        return
    assert table is not None
    first: dict[str, int] = {}
    for rec in table.records:
        cid = rec.get("Control ID")
        if not isinstance(cid, str) or cid not in catalog.annex_a():
            continue
        if cid in first:
            yield at(
                "SOA002", rec, "Control ID", cid, f"{cid} is listed again (first on row {first[cid]}); keep one row per control"
            )
        else:
            first[cid] = rec.row


@rule("SOA003", "soa", "A row's Control ID is not an ISO/IEC 27001:2022 Annex A control")
def control_unknown(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `A.9.2.3` (a 2013 id), `A.5.38`, or an empty Control ID on a filled row.
    Good: `A.5.1` ... `A.8.34` (also written `5.1`, `A 5.1`, `A.05.01`)."""
    table = book.tables.get(SHEET)
    if not table_ok(table):
        return
    assert table is not None
    for rec in table.records:
        cid = rec.get("Control ID")
        if cid is None:
            yield at("SOA003", rec, "Control ID", None, "row has no Control ID; give it one or delete the row")
        elif cid not in catalog.annex_a():
            yield at(
                "SOA003",
                rec,
                "Control ID",
                str(cid),
                f"'{cid}' is not an ISO/IEC 27001:2022 Annex A control (A.5.1-A.8.34); controls from other sources go on the Additional Controls sheet",
            )


@rule("SOA004", "soa", "Applicable is blank: every control needs a Yes or No", needs=("Statement of Applicability:Applicable",))
def applicable_blank(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable left empty. Good: `Yes`, or `No` with a justification."""
    for rec, cid in _all_rows(book):
        if rec.get("Applicable") is None and rec.has("Applicable"):
            yield at("SOA004", rec, "Applicable", cid, f"{cid}: Applicable is blank; answer Yes or No")


@rule(
    "SOA005",
    "soa",
    "An excluded control has no justification for its exclusion",
    needs=("Statement of Applicability:Applicable", "Statement of Applicability:Justification"),
)
def excluded_without_justification(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable = No, Justification empty.
    Good: Applicable = No, Justification = `No on-premises equipment: all hosting is in AWS`."""
    for rec, cid in _all_rows(book):
        if rec.get("Applicable") == "No" and rec.get("Justification") is None and rec.has("Justification"):
            yield at(
                "SOA005", rec, "Justification", cid, f"{cid} is excluded but has no justification; say why it does not apply"
            )


@rule(
    "SOA006",
    "soa",
    "An excluded control's status is not 'Not applicable'",
    needs=("Statement of Applicability:Applicable", "Statement of Applicability:Implementation Status"),
)
def excluded_status(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable = No, Implementation Status = Implemented.
    Good: Applicable = No, Implementation Status = Not applicable."""
    for rec, cid in _all_rows(book):
        status = rec.get("Implementation Status")
        if rec.get("Applicable") == "No" and status != NA and rec.has("Implementation Status"):
            shown = f"'{status}'" if status is not None else "blank"
            yield at(
                "SOA006",
                rec,
                "Implementation Status",
                cid,
                f"{cid} is excluded, so its status must be 'Not applicable' (is {shown})",
            )


@rule(
    "SOA007",
    "soa",
    "An applicable control references no evidence",
    needs=("Statement of Applicability:Applicable", "Statement of Applicability:Evidence Reference"),
)
def applicable_without_evidence(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable = Yes, Evidence Reference empty.
    Good: Evidence Reference = `HA-AC-03: quarterly access review tickets`."""
    for rec, cid in _all_rows(book):
        if rec.get("Applicable") == "Yes" and rec.get("Evidence Reference") is None and rec.has("Evidence Reference"):
            yield at("SOA007", rec, "Evidence Reference", cid, f"{cid} is applicable but references no evidence")


@rule(
    "SOA008",
    "soa",
    "An applicable control's status is blank or 'Not applicable'",
    needs=("Statement of Applicability:Applicable", "Statement of Applicability:Implementation Status"),
)
def applicable_status(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable = Yes, Implementation Status = Not applicable (or blank).
    Good: Implemented, Partially implemented, Planned or Not implemented."""
    for rec, cid in _all_rows(book):
        status = rec.get("Implementation Status")
        if rec.get("Applicable") == "Yes" and (status is None or status == NA) and rec.has("Implementation Status"):
            shown = "blank" if status is None else "'Not applicable'"
            yield at("SOA008", rec, "Implementation Status", cid, f"{cid} is applicable, so its status cannot be {shown}")


@rule(
    "SOA009",
    "soa",
    "An applicable control gives no reason for its inclusion",
    WARNING,
    needs=("Statement of Applicability:Applicable", "Statement of Applicability:Justification"),
)
def applicable_without_justification(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 d asks for the justification of inclusions too.
    Bad: Applicable = Yes, Justification empty. Good: `Risk treatment: R-004, R-012`, or the legal,
    contractual or business requirement that brings it in (tick its reason for selection)."""
    for rec, cid in _all_rows(book):
        if rec.get("Applicable") == "Yes" and rec.get("Justification") is None and rec.has("Justification"):
            yield at(
                "SOA009",
                rec,
                "Justification",
                cid,
                f"{cid} is applicable but does not say why: cite the risks it treats, or state the legal, contractual or business requirement and tick it",
            )


def _doc_field(code: str, what: str) -> Callable[[WorkbookData, Context], Iterator[Finding]]:
    """The check of the Document Control field(s) the declaration marks `required = "<code>"`."""

    def check(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
        form = book.forms.get(DOC)
        if form is None or form.sheet is None:
            return
        for col in required_by(form, code):
            if col.name not in form.cells:
                yield missing(
                    code, form.sheet, None, f"Document Control has no '{col.name}' line; add it with {what}", column=col.name
                )
            elif form.fields.get(col.name) is None:
                yield at_form(code, form, col.name, f"Document Control: {col.name} is empty; fill in {what}")

    check.__doc__ = f"Bad: Document Control without {what}. Good: the field filled in."
    return check


rule("SOA010", "soa", "Document Control: the version is not filled in", needs=("Document Control",))(
    _doc_field("SOA010", "the document version")
)
rule("SOA011", "soa", "Document Control: the approver is not filled in", needs=("Document Control",))(
    _doc_field("SOA011", "who approved this SoA")
)
rule("SOA012", "soa", "Document Control: the approval date is not filled in", needs=("Document Control",))(
    _doc_field("SOA012", "the date it was approved")
)


@rule("SOA013", "soa", "Document Control: the next review date has passed", WARNING, needs=("Document Control",))
def review_overdue(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Next Review = 2025-01-31, checked in 2026. Good: a date in the future."""
    form = book.forms.get(DOC)
    if form is None:
        return
    due = form.fields.get("Next Review")
    if isinstance(due, dt.date) and due < ctx.as_of:
        yield at_form("SOA013", form, "Next Review", f"the SoA was due for review on {due.isoformat()}")


@rule("SOA014", "soa", "A control's title differs from the catalog", WARNING, needs=("Statement of Applicability:Control Title",))
def title_mismatch(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: A.5.23 titled `Cloud security`. Good: the catalog's short title (regenerate to refresh)."""
    for rec, cid in _rows(book):
        title = rec.get("Control Title")
        expected = catalog.annex_a()[cid].title
        if title is not None and " ".join(str(title).split()).casefold() != expected.casefold():
            yield at("SOA014", rec, "Control Title", cid, f"{cid} is titled '{title}', the catalog says '{expected}'")


#: A justification that only says the control exists under SOC 2 (F24): not why it is needed.
_SOC2_ONLY = re.compile(r"\b(soc ?2|trust services|cc\d\.\d)", re.IGNORECASE)


@rule("SOA015", "soa", "A justification says only that SOC 2 already has the control", WARNING)
def justified_by_soc2(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 d: a justification says why the control is necessary. Bad: `Required by customer
    commitments already evidenced through SOC 2 (CC6.1)`. Good: `Risk treatment: R-004`, or `Contractual:
    customer MSA security addendum` with Contractual ticked."""
    for rec, cid in _all_rows(book):
        why = rec.get("Justification")
        if rec.get("Applicable") != "Yes" or not isinstance(why, str) or not _SOC2_ONLY.search(why):
            continue
        if not _reasons(rec) and not rec.get("Related Risks"):
            yield at(
                "SOA015",
                rec,
                "Justification",
                cid,
                f"{cid}: the justification says SOC 2 has the control, not why it is needed; cite a risk or a requirement",
            )


def _reasons(rec: Record) -> list[str]:
    return [r for r in REASONS if rec.has(r) and rec.get(r) == "Yes"]


@rule("SOA016", "soa", "An applicable control has no reason for selection", WARNING)
def no_reason_for_selection(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Applicable = Yes with a justification, but no Related Risks and none of Legal / Regulatory,
    Contractual, Business Requirement or Risk Assessment ticked. Good: the reason ticked (`Yes`, `X` or `✓`)."""
    table = book.tables.get(SHEET)
    if table is not None and table_ok(table) and table.records and not any(r in table.columns for r in REASONS):
        yield not_run("SOA016", table, REASONS[0], "reasons for selection")
        return
    for rec, cid in _all_rows(book):
        if rec.get("Applicable") != "Yes" or rec.get("Justification") is None or not any(rec.has(r) for r in REASONS):
            continue
        if not _reasons(rec) and not rec.get("Related Risks"):
            column = next(r for r in REASONS if rec.has(r))
            yield at(
                "SOA016", rec, column, cid, f"{cid} is applicable, but no reason for selection is ticked and no risk is cited"
            )


@rule("SOA017", "soa", "A planned or partially implemented control has no target date", WARNING)
def open_without_target(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Auditors check that planned controls are tracked. Bad: status `Planned`, Target Date blank.
    Good: the date it will be in place, matching the treatment plan."""
    table = book.tables.get(SHEET)
    if table is not None and table_ok(table) and table.records and "Target Date" not in table.columns:
        yield not_run("SOA017", table, "Target Date", "target dates of planned controls")
        return
    for rec, cid in _all_rows(book):
        if (
            rec.get("Applicable") == "Yes"
            and rec.get("Implementation Status") in OPEN
            and rec.has("Target Date")
            and rec.get("Target Date") is None
        ):
            yield at("SOA017", rec, "Target Date", cid, f"{cid} is '{rec.get('Implementation Status')}' with no target date")


@rule("SOA018", "soa", "Document Control: the version is not the latest in the change history")
def version_not_in_history(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 7.5.2: a document's identification and its history agree. Bad: Version `1.0` while the only
    history row is `0.1`. Good: a change history row for version `1.0`, the last one."""
    form = book.forms.get(DOC)
    if form is None or form.sheet is None:
        return
    version = form.fields.get("Version")
    history = [r.get("Version") for r in form.blocks.get("Change history", []) if r.get("Version") is not None]
    if version is None or not history:
        return
    if str(history[-1]).strip() != str(version).strip():
        listed = ", ".join(str(v) for v in history)
        yield at_form(
            "SOA018",
            form,
            "Version",
            f"Document Control says version {version}, but the change history ends at {history[-1]} ({listed}); add a row for {version}",
        )


@rule("SOA019", "soa", "An additional control uses an Annex A id, or is listed twice")
def additional_misplaced(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `A.8.24` on the Additional Controls sheet (it belongs on the Annex A sheet), or `ORG-01` twice.
    Good: ids from other sources, such as `ORG-01` or `CLD.6.3.1` (ISO/IEC 27017), each once."""
    table = book.tables.get(ADDITIONAL)
    if not table_ok(table):
        return
    assert table is not None
    first: dict[str, int] = {}
    for rec in table.records:
        cid = rec.get("Control ID")
        if cid is None:
            yield at("SOA019", rec, "Control ID", None, "row has no Control ID; give it one or delete the row")
            continue
        parsed = normalize_control_id(str(cid))
        if parsed is not None and parsed in catalog.annex_a():
            yield at(
                "SOA019",
                rec,
                "Control ID",
                str(cid),
                f"{cid} is an Annex A control: state it on the Statement of Applicability sheet",
            )
        elif str(cid) in first:
            yield at("SOA019", rec, "Control ID", str(cid), f"{cid} is listed again (first on row {first[str(cid)]})")
        else:
            first[str(cid)] = rec.row
