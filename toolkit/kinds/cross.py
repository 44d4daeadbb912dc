"""Rules across workbooks given together: gap assessment, risk register and SoA of one client.

Workbooks are grouped by folder: a consultancy may validate many clients' folders in one run,
and one client's SoA is never checked against another client's register.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from toolkit.data.ids import risk_key
from toolkit.data.signals import normalise, signals
from toolkit.findings import Finding
from toolkit.kinds.gap.model import ANNEX, CLAUSES, FULL, NOT, PARTIAL, coverage_of
from toolkit.kinds.risk.model import REGISTER
from toolkit.kinds.roadmap.model import PHASES, sheet_name
from toolkit.kinds.soa.build import SHEET
from toolkit.rules import Context, at, missing, rule
from toolkit.workbook.reader import Record, WorkbookData

Found = Iterator[tuple[str, Finding]]


def clients(books: list[WorkbookData]) -> Iterator[dict[str, WorkbookData]]:
    """One dict of kind -> workbook per folder holding exactly one workbook of each kind."""
    folders: dict[Path, list[WorkbookData]] = defaultdict(list)
    for book in books:
        folders[Path(book.path).resolve().parent].append(book)
    for _, group in sorted(folders.items()):
        kinds: dict[str, list[WorkbookData]] = defaultdict(list)
        for book in group:
            kinds[book.kind].append(book)
        yield {k: v[0] for k, v in kinds.items() if len(v) == 1}


def _soa_rows(soa: WorkbookData) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for rec in soa.tables[SHEET].records:
        cid = rec.get("Control ID")
        if isinstance(cid, str) and cid not in out:
            out[cid] = rec
    return out


@rule("XWB001", "cross", "Ambiguous folder: several workbooks of one kind, so they are not checked against each other", "warning")
def ambiguous(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: soa.xlsx and soa_v2.xlsx in one client folder. Good: one of each kind per folder."""
    folders: dict[tuple[Path, str], list[WorkbookData]] = defaultdict(list)
    for book in books:
        folders[(Path(book.path).resolve().parent, book.kind)].append(book)
    for (_, kind), group in sorted(folders.items()):
        if len(group) > 1 and kind in ("soa", "risk", "gap", "roadmap", "isms"):
            names = ", ".join(Path(b.path).name for b in group)
            for book in group:
                yield (
                    book.path,
                    missing(
                        "XWB001",
                        None,
                        None,
                        f"{len(group)} {book.spec.title} workbooks in one folder ({names}); cross-checks with them are skipped",
                    ),
                )


@rule("XWB002", "cross", "A control a risk treatment relies on is not applicable in the SoA")
def relied_on_not_applicable(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: R-004 is mitigated by A.8.24, and the SoA marks A.8.24 Applicable = No.
    Good: every control named in a risk treatment is applicable in the SoA."""
    for group in clients(books):
        soa, risk = group.get("soa"), group.get("risk")
        if soa is None or risk is None or REGISTER not in risk.tables:
            continue
        rows = _soa_rows(soa)
        relied: dict[str, list[str]] = defaultdict(list)
        for rec in risk.tables[REGISTER].records:
            if rec.get("Treatment") in (None, "Accept"):
                continue
            for cid in rec.get("Annex A Controls") or []:
                relied[cid].append(str(rec.get("Risk ID")))
        for cid, risks in sorted(relied.items()):
            row = rows.get(cid)
            if row is not None and row.get("Applicable") == "No":
                yield (
                    soa.path,
                    at(
                        "XWB002",
                        row,
                        "Applicable",
                        cid,
                        f"{cid} is excluded, but {', '.join(risks)} in {Path(risk.path).name} rely on it for treatment",
                    ),
                )


@rule("XWB003", "cross", "The SoA cites a risk the register does not hold")
def unknown_risk(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: Related Risks = `R-099` with no R-099 in the register. Good: ids of existing risks."""
    for group in clients(books):
        soa, risk = group.get("soa"), group.get("risk")
        if soa is None or risk is None or REGISTER not in risk.tables:
            continue
        known = {risk_key(rec.get("Risk ID")) for rec in risk.tables[REGISTER].records if rec.get("Risk ID") is not None}
        for rec in soa.tables[SHEET].records:
            unknown = [r for r in rec.get("Related Risks") or [] if risk_key(r) not in known]
            if unknown:
                yield (
                    soa.path,
                    at(
                        "XWB003",
                        rec,
                        "Related Risks",
                        rec.get("Control ID"),
                        f"{', '.join(unknown)} not found in {Path(risk.path).name}",
                    ),
                )


#: SoA statuses consistent with each gap rating.
AGREES = {
    FULL: {"Implemented"},
    PARTIAL: {"Partially implemented", "Planned"},
    NOT: {"Planned", "Not implemented", "Partially implemented"},
}


@rule("XWB004", "cross", "The SoA's implementation status disagrees with the gap assessment's coverage")
def status_disagrees(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: gap says A.5.9 Not addressed, SoA says Implemented. Good: Planned or Not implemented,
    or update the gap rating (with a note) once the control is in place."""
    for group in clients(books):
        soa, gap = group.get("soa"), group.get("gap")
        if soa is None or gap is None:
            continue
        coverage = coverage_of(gap)
        for cid, row in _soa_rows(soa).items():
            status = row.get("Implementation Status")
            gap_row = coverage.get(cid)
            rating = gap_row.get("Coverage") if gap_row is not None else None
            if row.get("Applicable") != "Yes" or rating not in AGREES or status is None:
                continue
            if status not in AGREES[rating]:
                where = f"{Path(gap.path).name} {gap_row.sheet}!{gap_row.cell('Coverage')}" if gap_row else Path(gap.path).name
                yield (
                    soa.path,
                    at("XWB004", row, "Implementation Status", cid, f"{cid} is '{status}' here but '{rating}' in {where}"),
                )


@rule("XWB005", "cross", "An open gap in the gap assessment has no task in the roadmap")
def gap_without_task(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: A.5.12 is Partially addressed and no roadmap task references it.
    Good: a phase 3 task with Reference `A.5.12` (regenerate the roadmap with --merge)."""
    for group in clients(books):
        gap, road = group.get("gap"), group.get("roadmap")
        if gap is None or road is None:
            continue
        referenced = {
            ref
            for p in PHASES
            if sheet_name(p) in road.tables
            for rec in road.tables[sheet_name(p)].records
            for ref in rec.get("Reference") or []
        }
        for sheet, key in ((ANNEX, "Control ID"), (CLAUSES, "Clause")):
            for rec in gap.tables[sheet].records:
                k = rec.get(key)
                if rec.get("Coverage") in (PARTIAL, NOT) and isinstance(k, str) and k not in referenced:
                    yield (
                        road.path,
                        missing(
                            "XWB005",
                            None,
                            k,
                            f"{k} is '{rec.get('Coverage')}' in {Path(gap.path).name} ({sheet}!{rec.cell('Coverage')}) but no roadmap task references it",
                        ),
                    )


#: Risk statuses that say the treatment is done, and those that say it is still to do.
RISK_DONE = ("Treated", "Closed")
RISK_OPEN = ("Open", "In treatment")
SOA_NOT_IN_PLACE = ("Planned", "Not implemented")


#: Words with which a risk's vulnerability says something is absent, and the one or two words after
#: them: `No consolidated inventory`, `without classification labels`, `lack security clauses`.
_ABSENT = re.compile(r"\b(?:no|without|lacks?|lacking|missing|absent|never|none of)((?:\W+[\w-]+){1,2})", re.IGNORECASE)


def missing_controls(vulnerability: object, cited: list[str]) -> dict[str, list[str]]:
    """Which of the cited controls a vulnerability says are absent, with the words that say it.

    After each negation the last word that names a cited control's topic is the thing missing (in
    `without classification labels` the labels are missing, not the classification): A.5.13, not A.5.12.
    `logs are not reviewed` says the logs exist, so it names nothing."""
    out: dict[str, list[str]] = {}
    if not isinstance(vulnerability, str):
        return out
    for m in _ABSENT.finditer(vulnerability):
        snippet = normalise(m.group(1))
        ends: dict[str, tuple[int, str]] = {}
        for cid in cited:
            if cid not in signals():
                continue
            for term in signals()[cid].topic:
                hit = term.pattern.search(snippet)
                if hit and hit.end() > ends.get(cid, (-1, ""))[0]:
                    ends[cid] = (hit.end(), term.word(snippet) or term.text)
        if ends:
            head = max(end for end, _ in ends.values())
            for cid, (end, word) in ends.items():
                if end == head and word not in out.setdefault(cid, []):
                    out[cid].append(word)
    return out


@rule("XWB006", "cross", "An SoA status contradicts the risks that cite the control", "warning")
def status_contradicts_risks(books: list[WorkbookData], ctx: Context) -> Found:
    """Bad: the SoA says A.5.9 is `Implemented` while R-006, which relies on it, is `In treatment` and its
    vulnerability says there is no inventory; or the SoA says A.8.11 is `Planned` while R-026, treated by
    it, is `Treated`. Good: statuses that tell one story (A.5.9 planned, or R-026 still in treatment)."""
    for group in clients(books):
        soa, risk = group.get("soa"), group.get("risk")
        if soa is None or risk is None or REGISTER not in risk.tables or SHEET not in soa.tables:
            continue
        rows = _soa_rows(soa)
        done: dict[str, list[str]] = defaultdict(list)
        missing_in: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for rec in risk.tables[REGISTER].records:
            rid, status = rec.get("Risk ID"), rec.get("Status")
            cited = [c for c in rec.get("Annex A Controls") or [] if c in rows and rows[c].get("Applicable") == "Yes"]
            if rid is None:
                continue
            if status in RISK_DONE:
                for cid in cited:
                    done[cid].append(str(rid))
            elif status in RISK_OPEN:
                for cid, words in missing_controls(rec.get("Vulnerability"), cited).items():
                    missing_in[cid].append((str(rid), words))
        name = Path(risk.path).name
        for cid in sorted(set(done) | set(missing_in), key=list(rows).index):
            row = rows[cid]
            status = row.get("Implementation Status")
            if status in SOA_NOT_IN_PLACE and done.get(cid):
                risks = done[cid]
                yield (
                    soa.path,
                    at(
                        "XWB006",
                        row,
                        "Implementation Status",
                        cid,
                        f"{cid} is '{status}', but {', '.join(risks)} in {name} {'is' if len(risks) == 1 else 'are'} "
                        f"treated and rel{'ies' if len(risks) == 1 else 'y'} on it",
                    ),
                )
            elif status == "Implemented" and missing_in.get(cid):
                said = "; ".join(f"{rid} (vulnerability: {_quoted(words)})" for rid, words in missing_in[cid])
                yield (
                    soa.path,
                    at(
                        "XWB006",
                        row,
                        "Implementation Status",
                        cid,
                        f"{cid} is 'Implemented', but risks still open in {name} say it is missing: {said}",
                    ),
                )


def _quoted(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)
