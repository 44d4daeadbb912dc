"""Rules across the ISMS workbook and the others of the same client folder.

The SoA's cited documents are in the register; the audit programme covers the SoA's applicable
controls; the internal audit and a management review are complete before the roadmap's Stage 1.
(Nonconformities naming an audit that exists need only the ISMS workbook: ISMS031.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from toolkit.data import catalog
from toolkit.findings import WARNING, Finding
from toolkit.kinds.cross import clients
from toolkit.kinds.isms import model as m
from toolkit.rules import Context, at, missing, rule
from toolkit.workbook.reader import Record, WorkbookData

Found = Iterator[tuple[str, Finding]]


def _where(book: WorkbookData, rec: Record, column: str) -> str:
    return f"{Path(book.path).name} {rec.sheet}!{rec.cell(column)}"


@rule("XWB010", "cross", "A document the SoA cites is not in the ISMS document register")
def cited_document_unregistered(books: list[WorkbookData], ctx: Context) -> Found:
    """Clause 7.5: the documents the controls rely on are controlled. Bad: the SoA's Policy /
    Procedure cites `Vendor Management Policy v2.1` and isms.xlsx Documents has no such title
    or ID. Good: a Documents row titled `Vendor Management Policy` (the version may differ)."""
    for group in clients(books):
        soa, isms = group.get("soa"), group.get("isms")
        if soa is None or isms is None or m.table(isms, m.DOCUMENTS) is None:
            continue
        docs = m.records(isms, m.DOCUMENTS)
        titles = {m.title_key(r.get("Title")) for r in docs if not m.blank(r.get("Title"))}
        ids = {str(r.get("Document ID")).strip().casefold() for r in docs if not m.blank(r.get("Document ID"))}
        for rec in m.records(soa, m.SOA_SHEET):
            for cite in m.citations(rec.get("Policy / Procedure")):
                words = {w.casefold() for w in re.findall(r"[\w.-]+", cite.text)}
                if m.title_key(cite.title) in titles or words & ids:
                    continue
                yield (
                    soa.path,
                    at(
                        "XWB010",
                        rec,
                        "Policy / Procedure",
                        rec.get("Control ID"),
                        f"'{cite.text}' is not in the document register ({Path(isms.path).name}, sheet {m.DOCUMENTS})",
                    ),
                )


@rule("XWB011", "cross", "An applicable control in the SoA is not covered by the audit programme within the cycle")
def applicable_not_audited(books: list[WorkbookData], ctx: Context) -> Found:
    """Clause 9.2: every applicable control is audited within the cycle. Bad: the SoA marks A.5.9
    applicable and no audit in the cycle names it (or `A.5`, `Annex A`). Good: A.5.9 in an
    audit's Scope."""
    for group in clients(books):
        soa, isms = group.get("soa"), group.get("isms")
        if soa is None or isms is None or m.table(isms, m.AUDITS) is None or not m.audits(isms):
            continue
        covered = m.coverage(isms)
        rows = {str(r.get("Control ID")): r for r in m.records(soa, m.SOA_SHEET)}
        for cid in m.applicable_controls(soa):
            if cid in covered:
                continue
            message = f"{cid} is applicable ({_where(soa, rows[cid], 'Applicable')}) but no audit in the cycle covers it"
            near = m.nearest_audit(isms, cid)
            yield isms.path, at("XWB011", near, "Scope", cid, message) if near else missing("XWB011", m.AUDITS, cid, message)


def _with_stage1(
    books: list[WorkbookData],
) -> Iterator[tuple[dict[str, WorkbookData], WorkbookData, WorkbookData, Record | None]]:
    """Each client folder holding an ISMS workbook and a roadmap, with the roadmap's Stage 1 task."""
    for group in clients(books):
        isms, road = group.get("isms"), group.get("roadmap")
        if isms is not None and road is not None:
            yield group, isms, road, m.stage1(road)


def _no_stage1(road: WorkbookData, code: str) -> tuple[str, Finding]:
    # The rule cannot run: it says so, as a warning, rather than passing silently.
    message = (
        "no Stage 1 task with a start date in the roadmap: the internal audit and management review are not checked against it"
    )
    return road.path, Finding(code, WARNING, None, None, None, "Task", None, message)


@rule("XWB012", "cross", "The internal audit is not complete before the roadmap's Stage 1")
def audit_after_stage1(books: list[WorkbookData], ctx: Context) -> Found:
    """The whole ISMS is audited before Stage 1: the certification body checks it has been done.
    Bad: IA-04 (the technological controls) planned after Stage 1, or Stage 1 has begun and IA-02
    is not Completed. Good: every clause and applicable control audited, and the audits
    completed, before Stage 1 starts."""
    for group, isms, road, task in _with_stage1(books):
        if task is None:
            yield _no_stage1(road, "XWB012")
            continue
        day1 = task.get("Start")
        when = f"Stage 1 on {day1.isoformat()} ({_where(road, task, 'Start')})"
        soa = group.get("soa")
        needed = set(catalog.requirements()) | set(m.applicable_controls(soa))
        before = m.coverage(isms, before=day1)
        late: dict[int, tuple[Record, list[str]]] = {}
        for item, recs in m.coverage(isms).items():
            if item in needed and item not in before:
                for rec in recs:
                    late.setdefault(rec.row, (rec, []))[1].append(item)
        for _row, (rec, items) in sorted(late.items()):
            day = rec.get("Planned Date")
            shown = ", ".join(sorted(items, key=_order)[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
            yield (
                isms.path,
                at(
                    "XWB012",
                    rec,
                    "Planned Date",
                    rec.get("Audit ID"),
                    f"audit {rec.get('Audit ID')} on {day} is not before {when}; {shown} would be audited only then",
                ),
            )
        if day1 <= ctx.as_of:
            for rec in m.audits(isms):
                day = rec.get("Planned Date")
                if isinstance(day, dt.date) and day < day1 and rec.get("Status") != m.COMPLETED:
                    yield (
                        isms.path,
                        at(
                            "XWB012",
                            rec,
                            "Status",
                            rec.get("Audit ID"),
                            f"{when} has begun and audit {rec.get('Audit ID')} is not Completed",
                        ),
                    )


def _order(item: str) -> int:
    order = [*catalog.requirements(), *catalog.annex_a()]
    return order.index(item) if item in order else len(order)


@rule("XWB013", "cross", "No management review is complete before the roadmap's Stage 1, after the internal audit")
def review_after_stage1(books: list[WorkbookData], ctx: Context) -> Found:
    """Clause 9.3: at least one management review before certification, and it takes the audit
    results as an input (9.3.2 d). Bad: MR-01 dated after Stage 1, or before the last audit, or
    Stage 1 has begun and MR-01 is not recorded as held. Good: MR-01 between the last audit and
    Stage 1, held with top management, every input, decisions and minutes."""
    for _group, isms, road, task in _with_stage1(books):
        if task is None:
            yield _no_stage1(road, "XWB013")
            continue
        day1 = task.get("Start")
        when = f"Stage 1 on {day1.isoformat()} ({_where(road, task, 'Start')})"
        reviews = [r for r in m.records(isms, m.REVIEWS) if isinstance(r.get("Date"), dt.date)]
        if not reviews:
            continue  # ISMS033 and ISMS034 say what is missing
        before = [r for r in reviews if r.get("Date") < day1]
        if not before:
            first = min(reviews, key=lambda r: (r.get("Date"), r.row))
            yield isms.path, at("XWB013", first, "Date", first.get("Review ID"), f"no management review is dated before {when}")
            continue
        audit_days = [d for a in m.audits(isms) if isinstance(d := a.get("Planned Date"), dt.date) and d < day1]
        last = max(audit_days) if audit_days else None
        after_audit = [r for r in before if last is None or r.get("Date") >= last]
        if not after_audit:
            latest = max(before, key=lambda r: (r.get("Date"), r.row))
            yield (
                isms.path,
                at(
                    "XWB013",
                    latest,
                    "Date",
                    latest.get("Review ID"),
                    f"management review {latest.get('Review ID')} on {latest.get('Date')} comes before the last internal audit ({last}); its results are a 9.3.2 input",
                ),
            )
            continue
        if day1 <= ctx.as_of and not any(m.held(r, ctx.as_of) and m.review_complete(r) for r in after_audit):
            latest = max(after_audit, key=lambda r: (r.get("Date"), r.row))
            yield (
                isms.path,
                at(
                    "XWB013",
                    latest,
                    "Date",
                    latest.get("Review ID"),
                    f"{when} has begun and management review {latest.get('Review ID')} is not recorded as held and complete",
                ),
            )
