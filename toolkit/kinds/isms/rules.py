"""ISMS workbook rules (ISO/IEC 27001:2022 clauses 4-10, with Amendment 1:2024).

These judge the records: every issue, party, objective, document, audit, nonconformity and review
complete and consistent for the date it is judged at. Whether the ISMS is ready for Stage 1 (an
internal audit completed, a management review held) is `ctk readiness`'s verdict and, against
the roadmap's Stage 1 date, the cross rules XWB012 and XWB013: a programme planned in good time
is not an error months before its audits are due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from toolkit.data import catalog
from toolkit.findings import WARNING, Finding
from toolkit.kinds.isms import model as m
from toolkit.kinds.isms.names import conflicts
from toolkit.rules import Context, at, at_form, missing, rule
from toolkit.workbook.reader import Record, WorkbookData

Found = Iterator[Finding]


def _rows(book: WorkbookData, sheet: str, key: str) -> Iterator[tuple[Record, str | None]]:
    for rec in m.records(book, sheet):
        k = rec.get(key)
        yield rec, None if m.blank(k) else str(k)


def _blank_cells(rec: Record, columns: tuple[str, ...]) -> Iterator[str]:
    for col in columns:
        if rec.has(col) and m.blank(rec.get(col)):
            yield col


def _label(key: str | None, rec: Record) -> str:
    return key if key else f"row {rec.row}"


# --- Context (4.1) ------------------------------------------------------------------------


@rule("ISMS001", "isms", "Context: the climate-change determination is not made (Amendment 1:2024)")
def climate_undetermined(book: WorkbookData, ctx: Context) -> Found:
    """Clause 4.1 as amended in 2024: the organisation determines whether climate change is a
    relevant issue. Bad: `Climate Change Relevant` left blank. Good: `No` (or `Yes`)."""
    form = m.form(book, m.CONTEXT)
    if form is None or m.table(book, m.CONTEXT) is None:
        return
    if "Climate Change Relevant" not in form.cells:
        yield missing(
            "ISMS001",
            form.sheet,
            None,
            "the Context sheet has no 'Climate Change Relevant' line: add it above the issues and answer Yes or No",
            column="Climate Change Relevant",
        )
    elif form.fields.get("Climate Change Relevant") is None:
        yield at_form("ISMS001", form, "Climate Change Relevant", "decide whether climate change is a relevant issue (Yes or No)")


@rule("ISMS002", "isms", "Context: the climate-change determination gives no rationale")
def climate_without_rationale(book: WorkbookData, ctx: Context) -> Found:
    """An auditor asks why. Bad: Relevant = `No`, rationale blank. Good: `No: the service runs in
    two AWS regions with tested failover; no customer or investor climate requirement applies.`"""
    form = m.form(book, m.CONTEXT)
    if form is None or form.fields.get("Climate Change Relevant") is None:
        return
    if "Climate Change Rationale" in form.cells and m.blank(form.fields.get("Climate Change Rationale")):
        answer = form.fields.get("Climate Change Relevant")
        yield at_form(
            "ISMS002", form, "Climate Change Rationale", f"say why climate change is {'' if answer == 'Yes' else 'not '}relevant"
        )


@rule("ISMS003", "isms", "Climate change is relevant but no context issue or interested party requirement covers it", WARNING)
def climate_not_followed(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Relevant = `Yes`, and no issue and no party's `Climate-related Requirements` mention it.
    Good: an issue in category `Climate change` with its response, or a party's climate requirement."""
    form = m.form(book, m.CONTEXT)
    if form is None or form.fields.get("Climate Change Relevant") != "Yes":
        return
    issues = any(
        "climate" in f"{rec.get('Category') or ''} {rec.get('Issue') or ''}".casefold() and not m.unconfirmed(rec.get("Response"))
        for rec in m.records(book, m.CONTEXT)
    )
    parties = any(
        not m.blank(v) and not m.unconfirmed(v)
        for rec in m.records(book, m.PARTIES)
        for v in [rec.get("Climate-related Requirements")]
    )
    if not issues and not parties:
        yield at_form(
            "ISMS003",
            form,
            "Climate Change Relevant",
            "climate change is relevant, but no confirmed context issue or interested party requirement says how",
        )


@rule("ISMS004", "isms", "A context issue has no owner")
def issue_without_owner(book: WorkbookData, ctx: Context) -> Found:
    """Bad: C-03 with Owner blank. Good: Owner = `Head of Platform (Rafael Mendes)`."""
    for rec, key in _rows(book, m.CONTEXT, "Issue ID"):
        if rec.has("Owner") and m.blank(rec.get("Owner")):
            yield at("ISMS004", rec, "Owner", key, f"context issue {_label(key, rec)} has no owner")


@rule("ISMS005", "isms", "A context issue has no response")
def issue_without_response(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Response blank. Good: `Supplier reviews (A.5.22); multi-region failover tested twice a year.`"""
    for rec, key in _rows(book, m.CONTEXT, "Issue ID"):
        if rec.has("Response") and m.blank(rec.get("Response")):
            yield at(
                "ISMS005",
                rec,
                "Response",
                key,
                f"context issue {_label(key, rec)} has no response: say how the ISMS addresses it",
            )


# --- Interested parties (4.2) -------------------------------------------------------------


@rule("ISMS006", "isms", "An interested party has no owner")
def party_without_owner(book: WorkbookData, ctx: Context) -> Found:
    """Bad: P-01 Customers with Owner blank. Good: Owner = `VP Customer Success (Ana Ruiz)`."""
    for rec, key in _rows(book, m.PARTIES, "Party ID"):
        if rec.has("Owner") and m.blank(rec.get("Owner")):
            yield at("ISMS006", rec, "Owner", key, f"interested party {_label(key, rec)} has no owner")


@rule("ISMS007", "isms", "An interested party's requirements are not answered")
def party_unanswered(book: WorkbookData, ctx: Context) -> Found:
    """Clause 4.2 b and c: the party's requirements, and which of them the ISMS addresses.
    Bad: `Addressed Through ISMS` or `How Addressed` blank. Good: `Partially`, `Contract clauses
    tracked in the requirements register (A.5.31); climate reporting out of scope.`"""
    for rec, key in _rows(book, m.PARTIES, "Party ID"):
        for col in _blank_cells(rec, ("Requirements", "Addressed Through ISMS", "How Addressed")):
            yield at("ISMS007", rec, col, key, f"interested party {_label(key, rec)}: {col} is blank")


# --- Scope (4.3) --------------------------------------------------------------------------


@rule("ISMS008", "isms", "Scope: there is no scope statement")
def scope_missing(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Scope Statement blank. Good: `The development, operation and support of the
    Harbourline analytics platform, delivered from AWS eu-west-2, by staff in London and remote.`"""
    form = m.form(book, m.SCOPE)
    if form is not None and "Scope Statement" in form.cells and m.blank(form.fields.get("Scope Statement")):
        yield at_form("ISMS008", form, "Scope Statement", "write the ISMS scope as it should read on the certificate")


@rule("ISMS009", "isms", "Scope: the scope is not approved (version, approver, approval date)")
def scope_not_approved(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Approved By or Approval Date blank. Good: Version `1.0`, Approved By `CEO (Priya
    Raman)`, Approval Date `2027-02-26`."""
    form = m.form(book, m.SCOPE)
    if form is None:
        return
    for name in ("Version", "Approved By", "Approval Date"):
        if name in form.cells and m.blank(form.fields.get(name)):
            yield at_form("ISMS009", form, name, f"the scope has no {name.lower()}: it must be approved")


@rule("ISMS010", "isms", "Scope: an exclusion is not justified")
def exclusion_unjustified(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Exclusions = `Payroll team`, Exclusion Justification blank. Good: a reason such as
    `Payroll is outsourced to a provider under contract; no company system processes it.` (or
    Exclusions = `None`)."""
    form = m.form(book, m.SCOPE)
    if form is None:
        return
    excluded = form.fields.get("Exclusions")
    none = m.blank(excluded) or str(excluded).strip().casefold().rstrip(".") in ("none", "n/a", "na", "no exclusions", "-")
    if not none and "Exclusion Justification" in form.cells and m.blank(form.fields.get("Exclusion Justification")):
        yield at_form(
            "ISMS010", form, "Exclusion Justification", f"'{excluded}' is excluded from the scope without a justification"
        )


@rule("ISMS011", "isms", "Scope: a boundary is not described (units, locations, systems, interfaces)", WARNING)
def scope_boundary_blank(book: WorkbookData, ctx: Context) -> Found:
    """Clause 4.3 a-c. Bad: Interfaces and Dependencies blank. Good: `AWS (hosting), Okta
    (identity), Zendesk (support); the group finance team`."""
    form = m.form(book, m.SCOPE)
    if form is None:
        return
    for name in ("Organisational Units", "Locations", "Systems and Services", "Interfaces and Dependencies"):
        if name in form.cells and m.blank(form.fields.get(name)):
            yield at_form("ISMS011", form, name, f"the scope does not say its {name.lower()}")


# --- Objectives (6.2) ---------------------------------------------------------------------


@rule("ISMS012", "isms", "No information security objective is recorded")
def no_objectives(book: WorkbookData, ctx: Context) -> Found:
    """Clause 6.2 requires objectives. Bad: an empty Objectives sheet. Good: at least one row."""
    table = m.table(book, m.OBJECTIVES)
    if table is not None and not table.records:
        yield missing("ISMS012", table.sheet, None, "no information security objective is recorded (clause 6.2)")


OBJECTIVE_FIELDS = ("Measure", "Target", "Owner", "Due Date", "Evaluation Method")


@rule("ISMS013", "isms", "An objective is not measurable (measure, target, owner, due date, evaluation method)")
def objective_not_measurable(book: WorkbookData, ctx: Context) -> Found:
    """Clause 6.2 b, f-j. Bad: OBJ-04 with Target blank. Good: Measure `assets with an owner (%)`,
    Target `100 %`, Owner, Due Date `2027-06-30`, Evaluation Method `quarterly reconciliation`."""
    for rec, key in _rows(book, m.OBJECTIVES, "Objective ID"):
        for col in _blank_cells(rec, OBJECTIVE_FIELDS):
            yield at("ISMS013", rec, col, key, f"objective {_label(key, rec)} has no {col.lower()}")


@rule("ISMS014", "isms", "An objective's due date has passed and its result is not recorded", WARNING)
def objective_overdue(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Due Date 2027-03-31, Status `On track`, judged in May. Good: `Achieved` or `Not
    achieved` (and a new objective or due date)."""
    for rec, key in _rows(book, m.OBJECTIVES, "Objective ID"):
        due = rec.get("Due Date")
        if isinstance(due, dt.date) and due < ctx.as_of and rec.get("Status") not in ("Achieved", "Not achieved"):
            yield at(
                "ISMS014",
                rec,
                "Status",
                key,
                f"objective {_label(key, rec)} was due on {due.isoformat()}: record whether it was achieved",
            )


# --- Documents (7.5) ----------------------------------------------------------------------


@rule("ISMS015", "isms", "A document in the register has no owner")
def document_without_owner(book: WorkbookData, ctx: Context) -> Found:
    """Bad: DOC-5.2 Information Security Policy, Owner blank. Good: Owner = `Head of Security`."""
    for rec, key in _rows(book, m.DOCUMENTS, "Document ID"):
        if rec.get("Status") != "Withdrawn" and rec.has("Owner") and m.blank(rec.get("Owner")):
            yield at("ISMS015", rec, "Owner", key, f"document {_label(key, rec)} has no owner")


@rule("ISMS016", "isms", "A document in force is not approved (approver, approval date)")
def document_not_approved(book: WorkbookData, ctx: Context) -> Found:
    """Clause 7.5.2 c. A document with Status `Approved` or blank is in force (records, Type
    `Record`, are evidence and are not approved: ISMS043). Bad: Approver or Approval Date blank.
    Good: both filled, or Status `Draft` / `Planned` until it is approved."""
    for rec, key in _rows(book, m.DOCUMENTS, "Document ID"):
        if not m.in_force(rec) or m.is_record(rec):
            continue
        for col in _blank_cells(rec, ("Approver", "Approval Date")):
            yield at(
                "ISMS016", rec, col, key, f"document {_label(key, rec)} is in force but has no {col.lower()} (or mark it Draft)"
            )


@rule("ISMS017", "isms", "A document in force has no version")
def document_without_version(book: WorkbookData, ctx: Context) -> Found:
    """Clause 7.5.2 a. Bad: Version blank on an approved policy. Good: Version `3.2`."""
    for rec, key in _rows(book, m.DOCUMENTS, "Document ID"):
        if m.in_force(rec) and not m.is_record(rec) and rec.has("Version") and m.blank(rec.get("Version")):
            yield at("ISMS017", rec, "Version", key, f"document {_label(key, rec)} is in force but has no version")


@rule("ISMS018", "isms", "A document in force is overdue for review, or has no review date", WARNING)
def document_review_overdue(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Next Review 2026-01-31, judged in 2027; or Next Review blank on an approved policy.
    Good: a date in the future."""
    for rec, key in _rows(book, m.DOCUMENTS, "Document ID"):
        if not m.in_force(rec) or m.is_record(rec) or not rec.has("Next Review"):
            continue
        due = rec.get("Next Review")
        if m.blank(due):
            yield at("ISMS018", rec, "Next Review", key, f"document {_label(key, rec)} has no next review date")
        elif isinstance(due, dt.date) and due < ctx.as_of:
            yield at("ISMS018", rec, "Next Review", key, f"document {_label(key, rec)} was due for review on {due.isoformat()}")


@rule("ISMS043", "isms", "A record in the register does not say where it is kept")
def record_without_location(book: WorkbookData, ctx: Context) -> Found:
    """Clause 7.5.3: records are kept available and protected. Bad: Type `Record`, Location blank.
    Good: `HiBob > Training reports` or `isms.xlsx, sheet Audit Programme`."""
    for rec, key in _rows(book, m.DOCUMENTS, "Document ID"):
        if m.in_force(rec) and m.is_record(rec) and rec.has("Location") and m.blank(rec.get("Location")):
            yield at("ISMS043", rec, "Location", key, f"record {_label(key, rec)} does not say where it is kept")


# --- Internal audit (9.2) -----------------------------------------------------------------


@rule("ISMS019", "isms", "The audit programme holds no audit")
def no_audits(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.2.2. Bad: an empty Audit Programme. Good: audits that cover the whole ISMS."""
    table = m.table(book, m.AUDITS)
    if table is not None and not m.audits(book):
        yield missing("ISMS019", table.sheet, None, "the audit programme holds no audit that is not cancelled")


@rule("ISMS020", "isms", "The audit programme does not cover a clause requirement within the cycle")
def clause_not_audited(book: WorkbookData, ctx: Context) -> Found:
    """Every clause requirement 4.1-10.2 is audited within each cycle (12 months unless `Cycle
    Months` says otherwise). Bad: no audit in the cycle names 9.3 or `Clauses 4-10`. Good:
    IA-01 Scope `Clauses 4-10`. (The SoA's applicable controls: XWB011.)"""
    if m.table(book, m.AUDITS) is None or not m.audits(book):
        return
    covered = m.coverage(book)
    period = m.cycle(book)
    for req in catalog.requirements():
        if req not in covered:
            near = m.nearest_audit(book, req)
            when = f" between {period.start.isoformat()} and {period.end.isoformat()}" if period else ""
            message = f"clause {req} is not in the scope of any audit{when}"
            yield at("ISMS020", near, "Scope", req, message) if near else missing("ISMS020", m.AUDITS, req, message)


@rule("ISMS021", "isms", "An audit has no planned date")
def audit_without_date(book: WorkbookData, ctx: Context) -> Found:
    """Bad: IA-03 with Planned Date blank. Good: `2027-04-19`."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        if rec.get("Status") != m.CANCELLED and rec.has("Planned Date") and m.blank(rec.get("Planned Date")):
            yield at("ISMS021", rec, "Planned Date", key, f"audit {_label(key, rec)} has no planned date")


@rule("ISMS022", "isms", "An audit has no scope")
def audit_without_scope(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Scope blank. Good: `A.5.19-A.5.23; A.8.30` or `Clauses 4-10`."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        if rec.get("Status") != m.CANCELLED and rec.has("Scope") and m.blank(rec.get("Scope")):
            yield at("ISMS022", rec, "Scope", key, f"audit {_label(key, rec)} has no scope: name its clauses and controls")


@rule("ISMS023", "isms", "Part of an audit's scope is not a clause or control ctk can read, so it is not counted", WARNING)
def audit_scope_unread(book: WorkbookData, ctx: Context) -> Found:
    """Bad: `cloud stuff` or a 2013 id `A.12.6.1`. Good: `A.8.8`, `A.8 (all)`, `Clause 9`, `Full ISMS`."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        unread = m.scope_of(rec).unread
        if unread:
            shown = "; ".join(f"'{u}'" for u in unread[:3]) + (" ..." if len(unread) > 3 else "")
            yield at(
                "ISMS023",
                rec,
                "Scope",
                key,
                f"audit {_label(key, rec)}: {shown} is not a clause or an Annex A control; not counted",
            )


@rule("ISMS024", "isms", "An audit has no auditor")
def audit_without_auditor(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.2.2 c: auditors are selected for each audit. Bad: Auditor blank. Good: `Northgate
    Assurance (Jo Baker)` or a trained colleague from another team."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        if rec.get("Status") != m.CANCELLED and rec.has("Auditor") and m.blank(rec.get("Auditor")):
            yield at("ISMS024", rec, "Auditor", key, f"audit {_label(key, rec)} has no auditor")


@rule("ISMS025", "isms", "An auditor audits an area they own")
def auditor_not_independent(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.2.2 c: objectivity and impartiality. Names are compared as people write them
    (case, spacing, word order, a role in brackets). Bad: Auditor `elena kowalczyk`, Area Owner
    `Head of Security & Compliance (Elena Kowalczyk)`. Good: an auditor from outside the area."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        for auditor, owner in conflicts(rec.get("Auditor"), rec.get("Area Owner"))[:1]:
            yield at(
                "ISMS025", rec, "Auditor", key, f"audit {_label(key, rec)}: '{auditor}' would audit their own area ('{owner}')"
            )


@rule("ISMS026", "isms", "An audit names no area owner, so the auditor's independence cannot be checked", WARNING)
def audit_without_area_owner(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Area Owner blank. Good: the people who own what the audit covers."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        if rec.get("Status") != m.CANCELLED and rec.has("Area Owner") and m.blank(rec.get("Area Owner")):
            yield at("ISMS026", rec, "Area Owner", key, f"audit {_label(key, rec)} has no area owner: independence not checked")


@rule("ISMS027", "isms", "A completed audit has no report reference")
def audit_without_report(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.2.2 g: the results are retained. Bad: Status `Completed`, Report Reference
    blank. Good: `IA-02 report v1.0 (SharePoint/ISMS/Audits)`."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        if rec.get("Status") == m.COMPLETED and rec.has("Report Reference") and m.blank(rec.get("Report Reference")):
            yield at("ISMS027", rec, "Report Reference", key, f"audit {_label(key, rec)} is completed but names no report")


@rule("ISMS028", "isms", "An audit's planned date has passed and it is still Planned", WARNING)
def audit_overdue(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Planned Date 2027-04-12, Status `Planned`, judged on 2027-05-01. Good: `In
    progress` or `Completed`, or a new date."""
    for rec, key in _rows(book, m.AUDITS, "Audit ID"):
        day = rec.get("Planned Date")
        if rec.get("Status") in ("Planned", None) and isinstance(day, dt.date) and day < ctx.as_of:
            yield at(
                "ISMS028",
                rec,
                "Status",
                key,
                f"audit {_label(key, rec)} was planned for {day.isoformat()} and is still not started",
            )


# --- Nonconformities (10.2) ---------------------------------------------------------------

NC_FIELDS = ("Root Cause", "Corrective Action", "Owner", "Due Date")


@rule("ISMS029", "isms", "A nonconformity has no root cause, corrective action, owner or due date")
def nonconformity_incomplete(book: WorkbookData, ctx: Context) -> Found:
    """Clause 10.2 a-c. Observations and opportunities need none. Bad: a Minor NC with Root
    Cause blank. Good: `Leaver checklist did not cover contractors`, action, owner, due date."""
    for rec, key in _rows(book, m.NCS, "NC ID"):
        if rec.get("Grade") not in m.NONCONFORMITY_GRADES:
            continue
        for col in _blank_cells(rec, NC_FIELDS):
            yield at("ISMS029", rec, col, key, f"nonconformity {_label(key, rec)} has no {col.lower()}")


@rule("ISMS030", "isms", "A closed nonconformity has no closing date or no verified effectiveness")
def nonconformity_closed_unverified(book: WorkbookData, ctx: Context) -> Found:
    """Clause 10.2 d: review the effectiveness of the corrective action. Bad: Status `Closed`,
    Effectiveness Verified By blank. Good: `Internal auditor (Jo Baker)`, `2027-05-10`."""
    for rec, key in _rows(book, m.NCS, "NC ID"):
        if rec.get("Status") != m.CLOSED:
            continue
        for col in _blank_cells(rec, ("Closed Date", "Effectiveness Verified By", "Verification Date")):
            yield at("ISMS030", rec, col, key, f"nonconformity {_label(key, rec)} is closed but {col.lower()} is blank")


@rule("ISMS031", "isms", "A nonconformity from an internal audit names no audit, or one not in the programme")
def nonconformity_unknown_audit(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Source `Internal audit`, Audit ID `IA-09` with no IA-09 in the Audit Programme.
    Good: the Audit ID of the audit that raised it."""
    known = {str(r.get("Audit ID")).strip().casefold() for r in m.records(book, m.AUDITS) if not m.blank(r.get("Audit ID"))}
    for rec, key in _rows(book, m.NCS, "NC ID"):
        if rec.get("Source") != m.INTERNAL_AUDIT or not rec.has("Audit ID"):
            continue
        audit = rec.get("Audit ID")
        if m.blank(audit):
            yield at("ISMS031", rec, "Audit ID", key, f"nonconformity {_label(key, rec)} comes from an internal audit: name it")
        elif str(audit).strip().casefold() not in known:
            yield at(
                "ISMS031",
                rec,
                "Audit ID",
                key,
                f"nonconformity {_label(key, rec)} names audit '{audit}', which is not in the Audit Programme",
            )


@rule("ISMS032", "isms", "An open nonconformity is past its due date", WARNING)
def nonconformity_overdue(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Due Date 2027-04-30, Status `Open`, judged in May. Good: closed, or a new due date."""
    for rec, key in _rows(book, m.NCS, "NC ID"):
        due = rec.get("Due Date")
        if rec.get("Status") != m.CLOSED and isinstance(due, dt.date) and due < ctx.as_of:
            yield at("ISMS032", rec, "Due Date", key, f"nonconformity {_label(key, rec)} was due on {due.isoformat()}")


# --- Management review (9.3) --------------------------------------------------------------


@rule("ISMS033", "isms", "No management review is recorded, held or planned")
def no_review(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.3.1: reviews at planned intervals. Bad: an empty Management Reviews sheet.
    Good: MR-01 with its date."""
    table = m.table(book, m.REVIEWS)
    if table is not None and not table.records:
        yield missing("ISMS033", table.sheet, None, "no management review is recorded, held or planned (clause 9.3)")


@rule("ISMS034", "isms", "A management review has no date")
def review_without_date(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Date blank. Good: the date it was held, or the date it is planned for."""
    for rec, key in _rows(book, m.REVIEWS, "Review ID"):
        if rec.has("Date") and m.blank(rec.get("Date")):
            yield at("ISMS034", rec, "Date", key, f"management review {_label(key, rec)} has no date (held or planned)")


@rule("ISMS035", "isms", "A held management review had no top management present")
def review_without_top_management(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.3.1: top management reviews the ISMS. A review dated on or before today is held.
    Bad: Top Management Present `No` or blank. Good: `Yes`, with the CEO among the Attendees."""
    for rec, key in _rows(book, m.REVIEWS, "Review ID"):
        if m.held(rec, ctx.as_of) and rec.has("Top Management Present") and rec.get("Top Management Present") != "Yes":
            yield at(
                "ISMS035",
                rec,
                "Top Management Present",
                key,
                f"management review {_label(key, rec)} was held without top management recorded as present",
            )


@rule("ISMS036", "isms", "A held management review does not cover a 9.3.2 input")
def review_input_missing(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.3.2 a-g. Bad: `Interested Party Changes` blank on a held review. Good: where it was
    covered, e.g. `Agenda item 3; minutes section 2.1`."""
    for rec, key in _rows(book, m.REVIEWS, "Review ID"):
        if not m.held(rec, ctx.as_of):
            continue
        for col in _blank_cells(rec, m.REVIEW_INPUTS):
            yield at("ISMS036", rec, col, key, f"management review {_label(key, rec)} did not cover the 9.3.2 input '{col}'")


@rule("ISMS037", "isms", "A held management review records no decisions or no minutes")
def review_without_results(book: WorkbookData, ctx: Context) -> Found:
    """Clause 9.3.3: the results are retained. Bad: Decisions or Minutes Reference blank on a held
    review. Good: `Approve 2027 budget; re-audit A.8.8`, `Minutes MR-01 v1.0`."""
    for rec, key in _rows(book, m.REVIEWS, "Review ID"):
        if not m.held(rec, ctx.as_of):
            continue
        for col in _blank_cells(rec, ("Decisions", "Minutes Reference")):
            yield at("ISMS037", rec, col, key, f"management review {_label(key, rec)} was held but its {col.lower()} is blank")


@rule("ISMS038", "isms", "A review action has no owner or no due date")
def action_incomplete(book: WorkbookData, ctx: Context) -> Found:
    """Bad: an action with Owner blank. Good: Owner and Due Date filled."""
    for rec, key in _rows(book, m.ACTIONS, "Action ID"):
        for col in _blank_cells(rec, ("Owner", "Due Date")):
            yield at("ISMS038", rec, col, key, f"review action {_label(key, rec)} has no {col.lower()}")


@rule("ISMS039", "isms", "A review action names a management review that is not recorded")
def action_unknown_review(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Review ID `MR-07` with no MR-07 on Management Reviews. Good: the review that decided it."""
    known = {str(r.get("Review ID")).strip().casefold() for r in m.records(book, m.REVIEWS) if not m.blank(r.get("Review ID"))}
    for rec, key in _rows(book, m.ACTIONS, "Action ID"):
        review = rec.get("Review ID")
        if not rec.has("Review ID"):
            continue
        if m.blank(review):
            yield at("ISMS039", rec, "Review ID", key, f"review action {_label(key, rec)} names no management review")
        elif str(review).strip().casefold() not in known:
            yield at(
                "ISMS039",
                rec,
                "Review ID",
                key,
                f"review action {_label(key, rec)} names '{review}', which is not on Management Reviews",
            )


# --- The workbook as a whole --------------------------------------------------------------


@rule("ISMS040", "isms", "A proposal marked 'To confirm' has not been confirmed")
def unconfirmed_proposal(book: WorkbookData, ctx: Context) -> Found:
    """ctk's proposals start with `To confirm:`. Bad: Response `To confirm: supplier reviews
    (A.5.22)`. Good: the client's own words, or the proposal with the marker removed."""
    for name, table in sorted(book.tables.items()):
        if table.sheet is None:
            continue
        key_col = table.spec.key
        inputs = {c.name for c in table.spec.input_columns}
        for rec in table.records:
            for col, value in rec.values.items():
                if col in inputs and m.unconfirmed(value):
                    key = rec.get(key_col) if key_col else None
                    yield at(
                        "ISMS040", rec, col, None if m.blank(key) else str(key), f"{name}: {col} is still a proposal to confirm"
                    )
    for name, form in sorted(book.forms.items()):
        inputs = {c.name for c in form.spec.input_columns}
        for col, value in form.fields.items():
            if col in inputs and m.unconfirmed(value):
                yield at_form("ISMS040", form, col, f"{name}: {col} is still a proposal to confirm")


@rule("ISMS041", "isms", "Document Control: the version or the owner is not filled in")
def document_control(book: WorkbookData, ctx: Context) -> Found:
    """Bad: Document Control without a version or an owner. Good: Version `1.0`, Owner `ISMS Manager`."""
    form = m.form(book, m.DOC)
    if form is None:
        return
    for name in ("Version", "Owner"):
        if name in form.cells and m.blank(form.fields.get(name)):
            yield at_form("ISMS041", form, name, f"Document Control: {name} is empty")


KEYS = (
    (m.CONTEXT, "Issue ID"),
    (m.PARTIES, "Party ID"),
    (m.OBJECTIVES, "Objective ID"),
    (m.DOCUMENTS, "Document ID"),
    (m.AUDITS, "Audit ID"),
    (m.NCS, "NC ID"),
    (m.REVIEWS, "Review ID"),
    (m.ACTIONS, "Action ID"),
)


@rule("ISMS042", "isms", "A row's ID is blank or repeats another row's")
def ids_unique(book: WorkbookData, ctx: Context) -> Found:
    """Audits, reviews and documents are cited by their ID. Bad: two rows `IA-02`, or a filled
    row with no ID. Good: one ID per row (case and spacing are compared as written)."""
    for sheet, key_col in KEYS:
        first: dict[str, int] = {}
        for rec, key in _rows(book, sheet, key_col):
            if not rec.has(key_col):
                break
            if key is None:
                yield at("ISMS042", rec, key_col, None, f"{sheet}: row {rec.row} has no {key_col}")
                continue
            folded = " ".join(key.split()).casefold()
            if folded in first:
                yield at("ISMS042", rec, key_col, key, f"{sheet}: {key} is used again (first on row {first[folded]})")
            else:
                first[folded] = rec.row


# The cross rules that involve the ISMS workbook register with its own rules.
from toolkit.kinds.isms import cross as _cross  # noqa: E402, F401
