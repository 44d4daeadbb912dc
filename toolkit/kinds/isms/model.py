"""The ISMS workbook: what ctk proposes for clauses 4-10, and the facts rules and readiness share.

`build_isms` seeds a new workbook from what the engagement already knows (the gap assessment,
the SoA, the risk register, the roadmap's dates). Everything it writes is the client's to change:
proposals that need the client's judgement start with `To confirm:` and are reported until the
client has confirmed or rewritten them, and nothing ctk cannot know (an auditor, a target, an
approval) is filled in for them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from toolkit.data import catalog
from toolkit.kinds.isms.plan import Item, add_months, cycle_window, plan_programme, working_day
from toolkit.kinds.isms.scope import Catalog, Scope, parse_scope
from toolkit.workbook.reader import FormData, Record, TableData, WorkbookData
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Form, Table

KIND = "isms"
HOW_TO = "How to fill this in"
READINESS = "Readiness"
DOC = "Document Control"
CONTEXT = "Context"
PARTIES = "Interested Parties"
SCOPE = "Scope"
OBJECTIVES = "Objectives"
DOCUMENTS = "Documents"
AUDITS = "Audit Programme"
NCS = "Nonconformities"
REVIEWS = "Management Reviews"
ACTIONS = "Review Actions"

#: The marker of a proposal the client has not yet confirmed.
TO_CONFIRM = "To confirm: "
#: The seven management review inputs of clause 9.3.2, as the Management Reviews columns.
REVIEW_INPUTS = (
    "Previous Actions",
    "Issue Changes",
    "Interested Party Changes",
    "Performance Feedback",
    "Interested Party Feedback",
    "Risk Assessment Results",
    "Improvement Opportunities",
)
#: Documents in force: what needs an approver, a date, a version and a review. Blank counts as in force.
IN_FORCE = ("Approved", None)
NOT_YET = ("Planned", "Draft", "In review")
COMPLETED = "Completed"
CANCELLED = "Cancelled"
CLOSED = "Closed"
INTERNAL_AUDIT = "Internal audit"
#: Grades that are nonconformities (an observation or an opportunity needs no corrective action).
NONCONFORMITY_GRADES = ("Major", "Minor", None)

#: Sheets and columns of the other kinds this kind reads (a test checks them against their declarations).
GAP_ANNEX, GAP_CLAUSES, GAP_MATRIX = "Annex A Gaps", "Clause Gaps", "SOC 2 Controls"
SOA_SHEET, SOA_DOC = "Statement of Applicability", "Document Control"
RISK_REGISTER, RISK_METHOD = "Risk Register", "Methodology"
OPEN_RATINGS = ("Partially addressed", "Not addressed")
EXCEPTIONS = "Exceptions noted"
#: The engagement's file names, for the `Location` of the documents the pack already holds.
FILES = {
    "gap": "gap_assessment.xlsx",
    "risk": "risk_register.xlsx",
    "soa": "soa.xlsx",
    "roadmap": "roadmap.xlsx",
    "isms": "isms.xlsx",
}


# --- reading ------------------------------------------------------------------------------


def unconfirmed(value: object) -> bool:
    """Whether a cell still holds a proposal marked `To confirm`."""
    return isinstance(value, str) and value.lstrip(" [(").casefold().startswith("to confirm")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def records(book: WorkbookData | None, sheet: str) -> list[Record]:
    if book is None:
        return []
    table = book.tables.get(sheet)
    if table is None or table.sheet is None or table.header_row is None:
        return []
    return table.records


def table(book: WorkbookData, sheet: str) -> TableData | None:
    t = book.tables.get(sheet)
    return t if t is not None and t.sheet is not None and t.header_row is not None else None


def form(book: WorkbookData | None, sheet: str) -> FormData | None:
    if book is None:
        return None
    f = book.forms.get(sheet)
    return f if f is not None and f.sheet is not None else None


@cache
def catalog_ids() -> Catalog:
    return Catalog(tuple(catalog.requirements()), tuple(catalog.annex_a()))


def scope_of(record: Record) -> Scope:
    return parse_scope(record.get("Scope"), catalog_ids())


def held(review: Record, as_of: dt.date) -> bool:
    """A management review dated on or before the day judged counts as held."""
    day = review.get("Date")
    return isinstance(day, dt.date) and day <= as_of


def review_complete(review: Record) -> bool:
    """A review that shows it was held as clause 9.3 asks: top management, every input, results."""
    return review.get("Top Management Present") == "Yes" and not any(
        blank(review.get(c)) for c in (*REVIEW_INPUTS, "Decisions", "Minutes Reference")
    )


def in_force(doc: Record) -> bool:
    return doc.get("Status") in IN_FORCE


def is_record(doc: Record) -> bool:
    return bool(doc.get("Type") == "Record")


@dataclass(frozen=True)
class Cycle:
    start: dt.date
    months: int

    @property
    def end(self) -> dt.date:
        """The first day after the cycle."""
        return add_months(self.start, self.months)

    def holds(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end


def audits(book: WorkbookData) -> list[Record]:
    return [r for r in records(book, AUDITS) if r.get("Status") != CANCELLED]


def cycle(book: WorkbookData) -> Cycle | None:
    """The programme's cycle: its `Cycle Start` (else the earliest planned audit) and length."""
    fields = form(book, AUDITS)
    start = fields.fields.get("Cycle Start") if fields else None
    months = fields.fields.get("Cycle Months") if fields else None
    if not isinstance(months, int) or months < 1:
        months = seed()["audit"]["cycle_months"]
    if not isinstance(start, dt.date):
        dates = [d for r in audits(book) if isinstance(d := r.get("Planned Date"), dt.date)]
        if not dates:
            return None
        start = min(dates)
    return Cycle(start, months)


def coverage(book: WorkbookData, before: dt.date | None = None) -> dict[str, list[Record]]:
    """Clause requirement or control -> the audits within the cycle that cover it (only those
    dated before `before`, when given)."""
    out: dict[str, list[Record]] = {}
    period = cycle(book)
    if period is None:
        return out
    for rec in audits(book):
        day = rec.get("Planned Date")
        if not period.holds(day) or (before is not None and not (isinstance(day, dt.date) and day < before)):
            continue
        for item in scope_of(rec).items:
            out.setdefault(item, []).append(rec)
    return out


def nearest_audit(book: WorkbookData, item: str) -> Record | None:
    """The audit a missing item most likely belongs in: the one covering most of its theme (for a
    control) or most clause requirements (for a clause), else the first audit."""
    rows = audits(book) or records(book, AUDITS)
    if not rows:
        return None
    prefix = item.rsplit(".", 1)[0] + "." if item.startswith("A.") else None

    def weight(rec: Record) -> int:
        scope = scope_of(rec)
        return sum(1 for c in scope.controls if c.startswith(prefix)) if prefix else len(scope.clauses)

    return max(rows, key=lambda r: (weight(r), -r.row))


# --- the roadmap's dates ------------------------------------------------------------------


def roadmap_tasks(roadmap: WorkbookData | None) -> list[Record]:
    if roadmap is None:
        return []
    return [rec for t in roadmap.spec.tables for rec in records(roadmap, t.name)]


def task_for(roadmap: WorkbookData | None, *refs: str) -> Record | None:
    """The first task (by start) whose Reference names one of `refs`."""
    found = [t for t in roadmap_tasks(roadmap) if set(refs) & set(t.get("Reference") or [])]
    dated = [t for t in found if isinstance(t.get("Start"), dt.date)]
    return min(dated, key=lambda t: (t.get("Start"), t.row)) if dated else (found[0] if found else None)


_STAGE1 = {
    "Task": re.compile(r"^\W*stage\s*(?:1|one|i)\b", re.IGNORECASE),
    "Deliverable": re.compile(r"^\W*stage\s*(?:1|one|i)\s+(?:audit\s+)?report\b", re.IGNORECASE),
}


def stage1(roadmap: WorkbookData | None) -> Record | None:
    """The roadmap's Stage 1 audit task: a task that starts with `Stage 1`, else one whose
    deliverable is the Stage 1 report."""
    tasks = roadmap_tasks(roadmap)
    for column in ("Task", "Deliverable"):
        found = [t for t in tasks if _STAGE1[column].match(str(t.get(column) or "")) and isinstance(t.get("Start"), dt.date)]
        if found:
            return min(found, key=lambda t: (t.get("Start"), t.row))
    return None


# --- the seed -----------------------------------------------------------------------------


def seed() -> dict[str, Any]:
    """What ctk proposes before the client has said anything: the declaration's [data]."""
    return load_spec(KIND).data


def proposal(text: str | None) -> str | None:
    return f"{TO_CONFIRM}{text}" if text else None


def _location(where: str | None, files: dict[str, str]) -> str | None:
    if not where:
        return None
    kind, sheet = where.split(":", 1)
    return f"{files.get(kind, FILES[kind])}, sheet {sheet}"


_TYPE_WORDS = (
    ("Policy", ("policy", "policies", "code of conduct")),
    ("Procedure", ("procedure", "methodology", "process", "playbook", "runbook")),
    ("Standard", ("standard", "baseline", "guideline")),
    ("Plan", ("plan", "programme", "program", "schedule")),
    ("Record", ("register", "log", "records", "record", "minutes", "report", "matrix", "inventory", "results")),
)


def doc_type(title: str) -> str:
    words = f" {title.casefold()} "
    for kind, hints in _TYPE_WORDS:
        if any(re.search(rf"\b{re.escape(h)}\b", words) for h in hints):
            return kind
    return "Other"


_VERSION = re.compile(r"[\s,(]*\b(?:v|ver\.?|version|rev\.?|revision)\s*(\d+(?:\.\d+)*)\b\)?", re.IGNORECASE)
_APPROVED = re.compile(r"\(?\s*approved\s+(?:on\s+)?([^);]+)\)?", re.IGNORECASE)
_STOP = frozenset(["a", "an", "and", "of", "the", "for", "to", "in", "on", "with"])


def title_key(text: object) -> str:
    """A document title as compared: without its version or approval note, case, punctuation."""
    plain = _APPROVED.sub(" ", _VERSION.sub(" ", str(text)))
    return " ".join(re.findall(r"[^\W_]+", plain.replace("&", " and ").casefold()))


@dataclass(frozen=True)
class Citation:
    text: str
    title: str
    version: str | None
    approved: dt.date | None
    doc_id: str | None = None  # a register id the citation starts with (`POL-001 v4`)


_DOC_ID = re.compile(r"^\s*([A-Z][A-Z0-9]{1,7}-\d{1,4}[A-Z]?)\b[\s:,-]*")


def citations(value: object) -> list[Citation]:
    """The documents one SoA `Policy / Procedure` cell cites: `Information Security Policy v3.2`,
    `Incident Response Plan v2.4 (approved 3 March 2025)`, `POL-001 v4`; separated by `;` or new
    lines."""
    out = []
    for part in re.split(r"[;\n\r]+", str(value or "")):
        text = part.strip()
        if not text:
            continue
        ident = _DOC_ID.match(text)
        rest = text[ident.end() :] if ident else text
        version = _VERSION.search(rest)
        approved = _APPROVED.search(rest)
        title = _APPROVED.sub("", _VERSION.sub("", rest)).strip(" ,;-()")
        out.append(
            Citation(
                text,
                title or (ident.group(1) if ident else text),
                version.group(1) if version else None,
                _date(approved.group(1)) if approved else None,
                ident.group(1) if ident else None,
            )
        )
    return out


def _date(text: str) -> dt.date | None:
    for fmt in ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _acronym(title: str) -> str:
    words = [w for w in re.findall(r"[^\W_]+", title.replace("&", " and ")) if w.casefold() not in _STOP]
    letters = "".join(w[0] for w in words if not w[0].isdigit()).upper()
    return letters[:6] or "DOC"


_ID_PREFIX = {"Policy": "POL", "Procedure": "PRC", "Standard": "STD", "Plan": "PLN", "Record": "REC", "Other": "DOC"}


def _most_common(values: Iterable[str | None]) -> str | None:
    counts = Counter(" ".join(v.split()) for v in values if v and v.strip())
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


@dataclass
class Sources:
    """What the engagement already knows: each workbook as read, or None."""

    gap: WorkbookData | None = None
    soa: WorkbookData | None = None
    risks: WorkbookData | None = None
    roadmap: WorkbookData | None = None


def _gap_rows(gap: WorkbookData | None) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for sheet, key in ((GAP_CLAUSES, "Clause"), (GAP_ANNEX, "Control ID")):
        for rec in records(gap, sheet):
            k = rec.get(key)
            if isinstance(k, str):
                out.setdefault(k, rec)
    return out


def _soa_rows(soa: WorkbookData | None) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for rec in records(soa, SOA_SHEET):
        cid = rec.get("Control ID")
        if isinstance(cid, str) and cid in catalog.annex_a():
            out.setdefault(cid, rec)
    return out


def _owner(cid: str, gap_rows: dict[str, Record], soa_rows: dict[str, Record]) -> str | None:
    soa_row = soa_rows.get(cid)
    owner = soa_row.get("Control Owner") if soa_row is not None else None
    if blank(owner):
        gap_row = gap_rows.get(cid)
        owner = gap_row.get("Owner") if gap_row is not None else None
    return None if blank(owner) else str(owner)


def applicable_controls(soa: WorkbookData | None) -> list[str]:
    """The controls to audit: those the SoA marks applicable, else (no SoA) every control."""
    rows = _soa_rows(soa)
    if not rows:
        return list(catalog.annex_a())
    return [cid for cid in catalog.annex_a() if cid in rows and rows[cid].get("Applicable") == "Yes"]


def open_items(gap: WorkbookData | None) -> set[str]:
    return {k for k, rec in _gap_rows(gap).items() if rec.get("Coverage") in OPEN_RATINGS}


# --- each sheet's seed --------------------------------------------------------------------


def context_rows() -> list[dict[str, Any]]:
    return [
        {
            "Issue ID": c["id"],
            "Type": c["type"],
            "Category": c["category"],
            "Issue": c["issue"],
            "Effect on ISMS": c["effect"],
            "Response": proposal(c["response"]),
        }
        for c in seed()["context"]
    ]


def party_rows() -> list[dict[str, Any]]:
    return [
        {
            "Party ID": p["id"],
            "Interested Party": p["party"],
            "Type": p["type"],
            "Requirements": p["requirements"],
            "How Addressed": proposal(p["how"]),
            "Climate-related Requirements": proposal(p["climate"]),
        }
        for p in seed()["party"]
    ]


def scope_fields() -> dict[str, Any]:
    # The scope is the client's to write: a list of systems guessed from the risk register's
    # assets would read as a scope nobody decided. Only the draft version is proposed.
    return {"Version": "0.1"}


def area_items(refs: Iterable[str]) -> set[str]:
    return parse_scope("; ".join(refs), catalog_ids()).items


def objective_rows(src: Sources) -> list[dict[str, Any]]:
    """Objectives for the areas with the most open work (Not addressed counts twice)."""
    gap_rows, soa_rows = _gap_rows(src.gap), _soa_rows(src.soa)
    weight = {"Not addressed": 2, "Partially addressed": 1}
    scored = []
    for n, obj in enumerate(seed()["objective"]):
        items = sorted(i for i in area_items(obj["refs"]) if i in gap_rows and gap_rows[i].get("Coverage") in weight)
        score = sum(weight[gap_rows[i].get("Coverage")] for i in items)
        if score:
            scored.append((score, n, obj, items))
    chosen = sorted(scored, key=lambda s: (-s[0], s[1]))[: seed()["proposals"]["objectives"]]
    return [
        {
            "Objective ID": obj["id"],
            "Objective": obj["objective"],
            "Measure": proposal(obj["measure"]),
            "Frequency": obj["frequency"],
            "Owner": _most_common(_owner(i, gap_rows, soa_rows) for i in items),
            "Evaluation Method": proposal(obj["evaluation"]),
            "Status": "Not started",
        }
        for _score, _n, obj, items in sorted(chosen, key=lambda s: s[1])
    ]


def document_rows(src: Sources, files: dict[str, str]) -> list[dict[str, Any]]:
    """The register of documented information: what clauses 4-10 require, the deliverables of
    the open clause gaps, and every document the SoA cites."""
    data = seed()
    gap_rows, guidance = _gap_rows(src.gap), catalog.guidance("clause")
    locations = {d["clause"]: d.get("location") for d in data["document"]} | dict(data["locations"])
    wanted = [d["clause"] for d in data["document"]] + sorted(open_items(src.gap) & set(catalog.requirements()))
    order = list(catalog.requirements())
    rows: list[dict[str, Any]] = []
    by_title: dict[str, dict[str, Any]] = {}
    for clause in sorted(dict.fromkeys(wanted), key=order.index):
        gap_row = gap_rows.get(clause)
        title = (gap_row.get("Deliverable") if gap_row is not None else None) or guidance.get(clause, {}).get("deliverable")
        if not title:
            continue
        key = title_key(title)
        if key in by_title:
            by_title[key]["Clause / Control"].append(clause)
            continue
        where = locations.get(clause)
        row: dict[str, Any] = {
            "Document ID": f"DOC-{clause}",
            "Title": title,
            "Type": doc_type(title),
            "Clause / Control": [clause],
            "Owner": None if gap_row is None or blank(gap_row.get("Owner")) else gap_row.get("Owner"),
            "Location": _location(where, files),
            "Status": "Draft" if where else "Planned",
        }
        row.update(_mirrored(clause, src))
        rows.append(row)
        by_title[key] = row
    cited: dict[str, dict[str, Any]] = {}
    owners: dict[str, list[str | None]] = {}
    for cid, rec in _soa_rows(src.soa).items():
        for cite in citations(rec.get("Policy / Procedure")):
            key = title_key(cite.title)
            found = by_title.get(key) or cited.get(key)
            if found is None:
                kind = doc_type(cite.title)
                row = {
                    "Title": cite.title,
                    "Type": kind,
                    "Clause / Control": [],
                    "_id": cite.doc_id or f"{_ID_PREFIX[kind]}-{_acronym(cite.title)}",
                }
                cited[key] = row
            else:
                row = found
            if row.get("Status") == "Planned":
                row["Status"] = None  # the SoA cites it, so it exists: the client says in what state
            if cid not in row["Clause / Control"]:
                row["Clause / Control"].append(cid)
            row["Version"] = row.get("Version") or cite.version
            row["Approval Date"] = row.get("Approval Date") or cite.approved
            owners.setdefault(key, []).append(None if blank(rec.get("Control Owner")) else str(rec.get("Control Owner")))
    for key, row in by_title.items():
        if key in owners and not row.get("Owner"):
            row["Owner"] = _most_common(owners[key])
    taken = {r["Document ID"] for r in rows}
    for key, row in sorted(cited.items(), key=lambda kv: (kv[1]["_id"], kv[0])):
        doc_id, n = row.pop("_id"), 2
        while doc_id in taken:
            doc_id = f"{doc_id.rstrip('0123456789')}{n}"
            n += 1
        taken.add(doc_id)
        rows.append({"Document ID": doc_id, **row, "Owner": _most_common(owners[key])})
    return rows


def _mirrored(clause: str, src: Sources) -> dict[str, Any]:
    """For the SoA and the risk methodology, their own document control as the register's row."""
    fields = None
    if clause == "6.1.3":
        fields = form(src.soa, SOA_DOC)
    elif clause == "6.1.2":
        fields = form(src.risks, RISK_METHOD)
    if fields is None:
        return {}

    def f(name: str) -> Any:  # the methodology may not declare every Document Control field
        return dict.get(fields.fields, name)

    approved = not blank(f("Approved By")) and isinstance(f("Approval Date"), dt.date)
    out = {
        "Approver": f("Approved By"),
        "Version": None if blank(f("Version")) else str(f("Version")),
        "Approval Date": f("Approval Date") if isinstance(f("Approval Date"), dt.date) else None,
        "Next Review": f("Next Review") if isinstance(f("Next Review"), dt.date) else None,
        "Status": "Approved" if approved else "Draft",
    }
    if not blank(f("Owner")):
        out["Owner"] = f("Owner")
    return {k: v for k, v in out.items() if v is not None}


def audit_window(src: Sources, start: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """When the proposed audits take place: the roadmap's internal audit task (all before Stage
    1, as certification needs), else the cycle's twelve months from the start date."""
    task = task_for(src.roadmap, "9.2.1", "9.2")
    if task is not None and isinstance(task.get("Start"), dt.date):
        end = task.get("End") if isinstance(task.get("End"), dt.date) else task.get("Start")
        return task.get("Start"), max(end, task.get("Start"))
    if start is not None:
        return cycle_window(start, seed()["audit"]["cycle_months"])
    return None


def audit_rows(src: Sources, start: dt.date | None) -> list[dict[str, Any]]:
    gap_rows, soa_rows = _gap_rows(src.gap), _soa_rows(src.soa)
    requirements = [Item(r, _owner(r, gap_rows, soa_rows)) for r in catalog.requirements()]
    controls = [Item(c, _owner(c, gap_rows, soa_rows)) for c in applicable_controls(src.soa)]
    planned = plan_programme(
        requirements,
        controls,
        list(catalog.requirements()),
        list(catalog.annex_a()),
        audit_window(src, start),
        seed()["audit"]["controls_per_audit"],
    )
    return [
        {"Audit ID": a.id, "Scope": a.scope, "Planned Date": a.date, "Area Owner": a.area_owner, "Status": "Planned"}
        for a in planned
    ]


def review_rows(src: Sources, audit_dates: list[dt.date]) -> list[dict[str, Any]]:
    """One management review, after the audits (their results are an input) and at the
    roadmap's review task if it is later."""
    task = task_for(src.roadmap, "9.3.1", "9.3", "9.3.2", "9.3.3")
    day = task.get("Start") if task is not None and isinstance(task.get("Start"), dt.date) else None
    if audit_dates:
        after = max(audit_dates) + dt.timedelta(days=seed()["audit"]["review_after_days"])
        day = max(day, after) if day else after
    return [{"Review ID": "MR-01", "Date": working_day(day) if day else None}]


def nonconformity_rows(src: Sources) -> list[dict[str, Any]]:
    """The SOC 2 report's exceptions, each a nonconformity to handle under clause 10.2."""
    supported: dict[str, list[str]] = {}
    for rec in records(src.gap, GAP_ANNEX):
        cid = rec.get("Control ID")
        for token in re.findall(r"[\w.-]+", str(rec.get("SOC 2 Controls") or "")):
            if isinstance(cid, str):
                supported.setdefault(token.casefold(), []).append(cid)
    rows = []
    for rec in records(src.gap, GAP_MATRIX):
        if rec.get("Test Result") != EXCEPTIONS or blank(rec.get("Control ID")):
            continue
        control = str(rec.get("Control ID")).strip()
        description = " ".join(str(rec.get("Control Description") or "").split())
        if len(description) > 240:
            description = description[:237].rsplit(" ", 1)[0] + "..."
        rows.append(
            {
                "NC ID": f"NC-{control}",
                "Source": "External audit",
                "Audit ID": "SOC 2 Type II report",
                "Clause / Control": sorted(set(supported.get(control.casefold(), [])), key=list(catalog.annex_a()).index),
                "Description": f"SOC 2 exception on {control}: {description}" if description else f"SOC 2 exception on {control}",
                "Owner": None if blank(rec.get("Control Owner")) else rec.get("Control Owner"),
                "Status": "Open",
            }
        )
    return rows


def document_control(org: str | None) -> Form:
    title = f"ISMS Management System - {org}" if org else "ISMS Management System"
    return Form(
        {"Title": title, "Organisation": org, "Version": "0.1", "Classification": "Confidential"},
        {
            "Change history": [
                {"Version": "0.1", "Description": "First issue: proposals from the gap assessment, the SoA and the risk register"}
            ]
        },
    )


def build_isms(src: Sources, org: str | None = None, start: dt.date | None = None, files: dict[str, str] | None = None) -> Book:
    """A new ISMS workbook, seeded from what the engagement knows."""
    from toolkit.kinds.isms.sheets import how_to, scope_layout

    names = {**FILES, **(files or {})}
    audit_list = audit_rows(src, start)
    dates = [d for a in audit_list if isinstance(d := a.get("Planned Date"), dt.date)]
    scope = Form(scope_fields())
    return Book(
        tables={
            CONTEXT: Table(context_rows()),
            PARTIES: Table(party_rows()),
            OBJECTIVES: Table(objective_rows(src)),
            DOCUMENTS: Table(document_rows(src, names)),
            AUDITS: Table(audit_list),
            NCS: Table(nonconformity_rows(src)),
            REVIEWS: Table(review_rows(src, dates)),
            ACTIONS: Table([]),
            READINESS: Table([]),
        },
        forms={
            DOC: document_control(org),
            SCOPE: scope,
            CONTEXT: Form({}),
            AUDITS: Form({"Cycle Months": seed()["audit"]["cycle_months"]}),
            READINESS: Form({}),
        },
        custom={HOW_TO: how_to, SCOPE: scope_layout(scope)},
    )
