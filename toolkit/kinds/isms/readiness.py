"""Stage 1 readiness: item by item, the documented information a certification auditor asks for.

Each item is `ready`, `incomplete` (with the workbook, sheet and cell that show why) or `missing`.
The verdict is only as good as its honesty: an item is ready when the workbooks show it done, not
when it is planned. A pack whose internal audit has not been held is not ready, however good the
plan; a management review that is only scheduled is not a management review's results.

`evaluate` runs every kind's rules over the client's workbooks (one of each kind, as read) and
judges each item from what they hold and what the rules found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit.data import catalog
from toolkit.errors import InternalError
from toolkit.findings import ERROR, Finding
from toolkit.kinds.isms import model as m
from toolkit.workbook.reader import Record, WorkbookData

READY, INCOMPLETE, MISSING = "ready", "incomplete", "missing"
#: How each verdict reads on the Readiness sheet.
SHEET_VERDICT = {READY: "Ready", INCOMPLETE: "Incomplete", MISSING: "Missing"}


@dataclass(frozen=True)
class Verdict:
    id: str
    item: str
    clause: str
    verdict: str
    reason: str
    evidence: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None

    @property
    def where(self) -> str | None:
        if self.file is None:
            return None
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        return f"{self.file} {place}" if place else self.file

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Readiness:
    folder: str
    as_of: dt.date
    items: list[Verdict] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.items) and all(v.verdict == READY for v in self.items)

    @property
    def exit_code(self) -> int:
        """0 ready for Stage 1, 1 not ready."""
        return 0 if self.ready else 1

    @property
    def summary(self) -> dict[str, int]:
        return {v: sum(1 for i in self.items if i.verdict == v) for v in (READY, INCOMPLETE, MISSING)}

    @property
    def headline(self) -> str:
        counts = self.summary
        if self.ready:
            return f"Ready for Stage 1: all {len(self.items)} items are in place"
        return (
            f"Not ready for Stage 1: {counts[READY]} of {len(self.items)} items ready, "
            f"{counts[INCOMPLETE]} incomplete, {counts[MISSING]} missing"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "as_of": self.as_of.isoformat(),
            "verdict": "ready" if self.ready else "not ready",
            "items": [v.as_dict() for v in self.items],
            "summary": self.summary,
        }

    def sheet_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "Item": v.item,
                "Clause": [c.strip() for c in v.clause.split(";")],
                "Verdict": SHEET_VERDICT[v.verdict],
                "Where": v.where,
                "Why": v.reason,
                "What Evidences It": v.evidence,
            }
            for v in self.items
        ]

    def sheet_fields(self) -> dict[str, Any]:
        return {"Overall Verdict": self.headline, "As Of": self.as_of}


@dataclass
class Pack:
    """One client's workbooks as read (by kind) and the findings the rules gave for each."""

    books: dict[str, WorkbookData]
    findings: dict[str, list[Finding]]
    as_of: dt.date

    def errors(self, kind: str, sheet: str | None = None, codes: Iterable[str] | None = None) -> list[Finding]:
        book = self.books.get(kind)
        if book is None:
            return []
        wanted = set(codes) if codes is not None else None
        return [
            f
            for f in self.findings.get(book.path, [])
            if f.severity == ERROR and (sheet is None or f.sheet == sheet) and (wanted is None or f.code in wanted)
        ]

    def name(self, kind: str) -> str:
        book = self.books.get(kind)
        return Path(book.path).name if book is not None else m.FILES.get(kind, f"{kind}.xlsx")


Check = Callable[[Pack, dict[str, str]], Verdict]


def _verdict(
    spec: dict[str, str], verdict: str, reason: str, file: str | None = None, sheet: str | None = None, cell: str | None = None
) -> Verdict:
    return Verdict(spec["id"], spec["item"], spec["clause"], verdict, reason, spec["evidence"], file, sheet, cell)


def _from_finding(spec: dict[str, str], pack: Pack, kind: str, finding: Finding, count: int) -> Verdict:
    more = f" (and {count - 1} more)" if count > 1 else ""
    return _verdict(spec, INCOMPLETE, f"{finding.code}: {finding.message}{more}", pack.name(kind), finding.sheet, finding.cell)


def _at(spec: dict[str, str], pack: Pack, kind: str, rec: Record, column: str, reason: str, verdict: str = INCOMPLETE) -> Verdict:
    return _verdict(spec, verdict, reason, pack.name(kind), rec.sheet, rec.cell(column))


def _missing(spec: dict[str, str], pack: Pack, kind: str, reason: str, sheet: str | None = None) -> Verdict:
    return _verdict(spec, MISSING, reason, pack.name(kind) if kind in pack.books else None, sheet)


def _no_isms(spec: dict[str, str], pack: Pack) -> Verdict:
    return _missing(spec, pack, "isms", f"no ISMS workbook in the folder ({m.FILES['isms']}: run `ctk build`)")


def _first_errors(
    spec: dict[str, str], pack: Pack, kind: str, sheet: str | None, codes: Iterable[str] | None = None
) -> Verdict | None:
    errors = sorted(pack.errors(kind, sheet, codes), key=Finding.sort_key)
    return _from_finding(spec, pack, kind, errors[0], len(errors)) if errors else None


def scope(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    form = m.form(isms, m.SCOPE)
    if form is None:
        return _missing(spec, pack, "isms", "the ISMS workbook has no Scope sheet", m.SCOPE)
    if m.blank(form.fields.get("Scope Statement")):
        return _verdict(
            spec, MISSING, "no scope statement is written", pack.name("isms"), form.sheet, form.cells.get("Scope Statement")
        )
    return _first_errors(spec, pack, "isms", form.sheet) or _verdict(
        spec, READY, "the scope is written and approved", pack.name("isms"), form.sheet
    )


def _docs_for(isms: WorkbookData, clause: str) -> list[Record]:
    return [
        r for r in m.records(isms, m.DOCUMENTS) if clause in (r.get("Clause / Control") or []) and r.get("Status") != "Withdrawn"
    ]


def _document_item(pack: Pack, spec: dict[str, str], clause: str, what: str) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    docs = _docs_for(isms, clause)
    if not docs:
        return _missing(spec, pack, "isms", f"no {what} for clause {clause} in the document register", m.DOCUMENTS)

    def overdue(rec: Record) -> bool:
        due = rec.get("Next Review")
        return not m.is_record(rec) and isinstance(due, dt.date) and due < pack.as_of

    for rec in docs:
        if rec.get("Status") in m.NOT_YET or overdue(rec):
            continue
        if not any(f.row == rec.row for f in pack.errors("isms", m.DOCUMENTS)):
            return _at(spec, pack, "isms", rec, "Status", f"{rec.get('Document ID')} {rec.get('Title')} is in force", READY)
    rec = docs[0]
    name = f"{rec.get('Document ID')} {rec.get('Title')}"
    errors = sorted((f for f in pack.errors("isms", m.DOCUMENTS) if f.row == rec.row), key=Finding.sort_key)
    if errors:
        return _from_finding(spec, pack, "isms", errors[0], len(errors))
    if overdue(rec):
        return _at(spec, pack, "isms", rec, "Next Review", f"{name} was due for review on {rec.get('Next Review')}")
    return _at(spec, pack, "isms", rec, "Status", f"{name} is {str(rec.get('Status')).lower()}, not yet in force")


def policy(pack: Pack, spec: dict[str, str]) -> Verdict:
    return _document_item(pack, spec, "5.2", "information security policy")


def competence(pack: Pack, spec: dict[str, str]) -> Verdict:
    return _document_item(pack, spec, "7.2", "competence record")


def risk_process(pack: Pack, spec: dict[str, str]) -> Verdict:
    risk = pack.books.get("risk")
    if risk is None:
        return _missing(spec, pack, "risk", f"no risk register in the folder ({m.FILES['risk']})")
    form = m.form(risk, m.RISK_METHOD)
    if form is None:
        return _missing(spec, pack, "risk", "the risk register has no Methodology sheet", m.RISK_METHOD)
    found = _first_errors(spec, pack, "risk", form.sheet)
    if found:
        return found
    wanted = ["Acceptance Threshold", "Accept Above Threshold", "Review Interval (months)", "Approved By", "Approval Date"]
    if "Version" in {c.name for c in form.spec.columns}:
        wanted.insert(0, "Version")
    for name in wanted:
        if m.blank(form.fields.get(name)):
            return _verdict(
                spec,
                INCOMPLETE,
                f"the methodology's {name} is blank (it must be set and approved)",
                pack.name("risk"),
                form.sheet,
                form.cells.get(name),
            )
    return _verdict(spec, READY, "the methodology is set and approved", pack.name("risk"), form.sheet)


RESULT_COLUMNS = ("Risk ID", "Risk Owner", "Likelihood", "Impact", "Inherent Score", "Risk Level", "Last Reviewed")


def _risks(pack: Pack, spec: dict[str, str]) -> tuple[list[Record], Verdict | None]:
    risk = pack.books.get("risk")
    if risk is None:
        return [], _missing(spec, pack, "risk", f"no risk register in the folder ({m.FILES['risk']})")
    rows = m.records(risk, m.RISK_REGISTER)
    if not rows:
        return [], _missing(spec, pack, "risk", "the risk register holds no risk", m.RISK_REGISTER)
    return rows, None


def risk_results(pack: Pack, spec: dict[str, str]) -> Verdict:
    rows, absent = _risks(pack, spec)
    if absent:
        return absent
    for rec in rows:
        for col in ("Risk Owner", "Likelihood", "Impact"):
            if rec.has(col) and m.blank(rec.get(col)):
                return _at(spec, pack, "risk", rec, col, f"{rec.get('Risk ID')} has no {col.lower()}")
    errors = sorted((f for f in pack.errors("risk", m.RISK_REGISTER) if f.column in RESULT_COLUMNS), key=Finding.sort_key)
    if errors:
        return _from_finding(spec, pack, "risk", errors[0], len(errors))
    return _verdict(spec, READY, f"{len(rows)} risks assessed, each with an owner", pack.name("risk"), m.RISK_REGISTER)


def risk_treatment(pack: Pack, spec: dict[str, str]) -> Verdict:
    rows, absent = _risks(pack, spec)
    if absent:
        return absent
    for rec in rows:
        if rec.has("Treatment") and m.blank(rec.get("Treatment")):
            return _at(spec, pack, "risk", rec, "Treatment", f"{rec.get('Risk ID')} has no treatment decision")
        if rec.has("Accepted By") and m.blank(rec.get("Accepted By")):
            return _at(
                spec,
                pack,
                "risk",
                rec,
                "Accepted By",
                f"{rec.get('Risk ID')}: its residual risk is not accepted by the risk owner (6.1.3 f)",
            )
    errors = sorted((f for f in pack.errors("risk", m.RISK_REGISTER) if f.column not in RESULT_COLUMNS), key=Finding.sort_key)
    if errors:
        return _from_finding(spec, pack, "risk", errors[0], len(errors))
    return _verdict(spec, READY, "every risk has a treatment and an accepted residual risk", pack.name("risk"), m.RISK_REGISTER)


def soa(pack: Pack, spec: dict[str, str]) -> Verdict:
    book = pack.books.get("soa")
    if book is None:
        return _missing(spec, pack, "soa", f"no Statement of Applicability in the folder ({m.FILES['soa']})")
    found = _first_errors(spec, pack, "soa", None)
    if found:
        return found
    doc = m.form(book, m.SOA_DOC)
    if doc is not None:
        for name in ("Version", "Approved By", "Approval Date"):
            if m.blank(doc.fields.get(name)):
                return _verdict(spec, INCOMPLETE, f"the SoA's {name} is blank", pack.name("soa"), doc.sheet, doc.cells.get(name))
    return _verdict(spec, READY, "all controls justified, with status and evidence; approved", pack.name("soa"), m.SOA_SHEET)


def objectives(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    rows = m.records(isms, m.OBJECTIVES)
    if not rows:
        return _missing(spec, pack, "isms", "no information security objective is recorded", m.OBJECTIVES)
    found = _first_errors(spec, pack, "isms", m.OBJECTIVES)
    return found or _verdict(spec, READY, f"{len(rows)} measurable objectives", pack.name("isms"), m.OBJECTIVES)


def monitoring(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    rows = m.records(isms, m.OBJECTIVES)
    if not rows:
        return _missing(spec, pack, "isms", "no objective, so nothing is measured", m.OBJECTIVES)
    unmeasured = [r for r in rows if r.has("Current Value") and m.blank(r.get("Current Value"))]
    if unmeasured:
        rec = unmeasured[0]
        more = f" (and {len(unmeasured) - 1} more)" if len(unmeasured) > 1 else ""
        return _at(
            spec, pack, "isms", rec, "Current Value", f"objective {rec.get('Objective ID')} has no measured result yet{more}"
        )
    return _verdict(spec, READY, f"a current value for each of {len(rows)} objectives", pack.name("isms"), m.OBJECTIVES)


def _needed(pack: Pack) -> set[str]:
    return set(catalog.requirements()) | set(m.applicable_controls(pack.books.get("soa")))


def audit(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    if not m.audits(isms):
        return _missing(spec, pack, "isms", "the audit programme holds no audit", m.AUDITS)
    found = _first_errors(spec, pack, "isms", m.AUDITS)
    if found:
        return found
    done: set[str] = set()
    period = m.cycle(isms)
    completed = [
        r for r in m.audits(isms) if r.get("Status") == m.COMPLETED and (period is None or period.holds(r.get("Planned Date")))
    ]
    for rec in completed:
        done |= m.scope_of(rec).items
    left = _needed(pack) - done
    if not left:
        return _verdict(
            spec,
            READY,
            f"{len(completed)} audits completed, covering every clause and applicable control",
            pack.name("isms"),
            m.AUDITS,
        )
    pending = [r for r in m.audits(isms) if r.get("Status") != m.COMPLETED and m.scope_of(r).items & left]
    if pending:
        rec = min(pending, key=lambda r: (r.get("Planned Date") or dt.date.max, r.row))
        day = rec.get("Planned Date")
        when = f" for {day.isoformat()}" if isinstance(day, dt.date) else ""
        return _at(
            spec,
            pack,
            "isms",
            rec,
            "Status",
            f"the internal audit has not been held: {rec.get('Audit ID')} is {str(rec.get('Status') or 'planned').lower()}{when}, and {len(left)} clauses and controls are not yet audited",
        )
    return _verdict(spec, INCOMPLETE, f"{len(left)} clauses and controls are in no completed audit", pack.name("isms"), m.AUDITS)


def review(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    rows = m.records(isms, m.REVIEWS)
    if not rows:
        return _missing(spec, pack, "isms", "no management review is recorded", m.REVIEWS)
    held = [r for r in rows if m.held(r, pack.as_of)]
    for rec in held:
        if m.review_complete(rec):
            return _at(spec, pack, "isms", rec, "Minutes Reference", f"{rec.get('Review ID')} held on {rec.get('Date')}", READY)
    if held:
        found = _first_errors(spec, pack, "isms", m.REVIEWS)
        if found:
            return found
        rec = held[-1]
        return _at(
            spec, pack, "isms", rec, "Date", f"{rec.get('Review ID')} is dated {rec.get('Date')} but its record is incomplete"
        )
    rec = rows[0]
    day = rec.get("Date")
    when = f"planned for {day.isoformat()}" if isinstance(day, dt.date) else "not dated"
    return _at(spec, pack, "isms", rec, "Date", f"no management review has been held yet: {rec.get('Review ID')} is {when}")


def nonconformities(pack: Pack, spec: dict[str, str]) -> Verdict:
    isms = pack.books.get("isms")
    if isms is None:
        return _no_isms(spec, pack)
    if m.table(isms, m.NCS) is None:
        return _missing(spec, pack, "isms", "the ISMS workbook has no Nonconformities sheet", m.NCS)
    found = _first_errors(spec, pack, "isms", m.NCS)
    if found:
        return found
    rows = m.records(isms, m.NCS)
    if not rows and not any(r.get("Status") == m.COMPLETED for r in m.audits(isms)):
        return _verdict(spec, INCOMPLETE, "nothing recorded yet: the internal audit's findings go here", pack.name("isms"), m.NCS)
    return _verdict(
        spec, READY, f"{len(rows)} nonconformities, each with cause, action, owner and date", pack.name("isms"), m.NCS
    )


CHECKS: dict[str, Check] = {
    "scope": scope,
    "policy": policy,
    "risk_process": risk_process,
    "risk_results": risk_results,
    "risk_treatment": risk_treatment,
    "soa": soa,
    "objectives": objectives,
    "competence": competence,
    "monitoring": monitoring,
    "audit": audit,
    "review": review,
    "nonconformities": nonconformities,
}


def assess(folder: str, books: dict[str, WorkbookData], findings: dict[str, list[Finding]], as_of: dt.date) -> Readiness:
    """The Stage 1 verdict for one client's workbooks (one of each kind) and their findings."""
    pack = Pack(books, findings, as_of)
    out = Readiness(folder, as_of)
    for spec in m.seed()["readiness"]:
        out.items.append(CHECKS[spec["id"]](pack, spec))
    return out


def findings_for(books: Iterable[WorkbookData], as_of: dt.date) -> dict[str, list[Finding]]:
    """Every rule's findings for workbooks of one client: each kind's rules, then the cross rules."""
    from toolkit.kinds import cross_rules, rules_for
    from toolkit.rules import Context

    ctx = Context(as_of=as_of)
    listed = list(books)
    out: dict[str, list[Finding]] = {b.path: [] for b in listed}

    def run(code: str, func: Callable[..., Iterable[Any]], *args: object) -> list[Any]:
        try:
            return list(func(*args))
        except Exception as exc:  # a rule that fails is a bug in ctk, named by its code
            raise InternalError.wrap(code, exc) from exc

    for book in listed:
        for r in rules_for(book.kind):
            out[book.path].extend(run(r.code, r.func, book, ctx))
    if len(listed) > 1:
        for r in cross_rules():
            for path, finding in run(r.code, r.func, listed, ctx):
                out.setdefault(path, []).append(finding)
    return out


def evaluate(folder: str | Path, books: dict[str, WorkbookData], as_of: dt.date) -> Readiness:
    """The Stage 1 verdict on one client's workbooks (by kind), their rules run here.

    They are checked as one folder's pack wherever they were read from."""
    base = Path(folder)
    placed = {kind: replace(book, path=str(base / Path(book.path).name)) for kind, book in books.items()}
    return assess(str(base), placed, findings_for(placed.values(), as_of), as_of)
