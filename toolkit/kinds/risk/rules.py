"""Risk register rules (ISO/IEC 27001:2022 clauses 6.1.2, 6.1.3, 8.2, 8.3).

Thresholds, acceptors, levels and the review interval are read from the workbook's own
Methodology sheet, so a client who changes them is checked against their own method.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from toolkit.data import catalog
from toolkit.findings import WARNING, Finding
from toolkit.kinds.risk.model import METHOD, REGISTER, RISK_OWNER, Method, method_of, names_match, product
from toolkit.rules import Context, at, at_form, missing, not_run, required_by, rule, table_ok
from toolkit.workbook.reader import Record, TableData, WorkbookData

CLOSED = ("Treated", "Closed")


def _risks(book: WorkbookData) -> list[tuple[Record, str | None]]:
    """Each risk with its id, worked out once per workbook: twenty rules walk them."""
    if "risks" not in book.memo:
        table = book.tables.get(REGISTER)
        rows = table.records if table is not None and table_ok(table) else []
        book.memo["risks"] = [(rec, str(rid) if (rid := rec.get("Risk ID")) is not None else None) for rec in rows]
    risks: list[tuple[Record, str | None]] = book.memo["risks"]
    return risks


def _method(book: WorkbookData) -> Method:
    if "method" not in book.memo:
        book.memo["method"] = method_of(book)
    method: Method = book.memo["method"]
    return method


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def _has(rec: Record, column: str) -> bool:
    return rec.has(column)


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]
    return dt.date(y, m + 1, min(day.day, last))


@rule("RSK001", "risk", "A risk has no owner", needs=("Risk Register:Risk Owner",))
def owner_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.2 c 2: every risk has a risk owner. Bad: Risk Owner empty. Good: `CTO (Marcus Oyelaran)`."""
    for rec, rid in _risks(book):
        if _has(rec, "Risk Owner") and rec.get("Risk Owner") is None:
            yield at("RSK001", rec, "Risk Owner", rid, f"{rid or 'risk'} has no risk owner")


@rule(
    "RSK002", "risk", "A risk has no treatment decision (Mitigate, Accept, Transfer or Avoid)", needs=("Risk Register:Treatment",)
)
def treatment_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Treatment empty. Good: `Mitigate`. (A value outside the four is WB003.)"""
    for rec, rid in _risks(book):
        if _has(rec, "Treatment") and rec.get("Treatment") is None:
            yield at(
                "RSK002",
                rec,
                "Treatment",
                rid,
                f"{rid or 'risk'} has no treatment decision; choose Mitigate, Accept, Transfer or Avoid",
            )


def _scale(code: str, column: str) -> Callable[[WorkbookData, Context], Iterator[Finding]]:
    def check(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
        for rec, rid in _risks(book):
            value = rec.get(column)
            if _has(rec, column) and not _whole(value):
                shown = "blank" if value is None else f"'{value}'"
                yield at(code, rec, column, rid, f"{rid or 'risk'}: {column} is {shown}; it must be a whole number from 1 to 5")

    check.__doc__ = f"Bad: {column} = 3.5, 7 or blank. Good: a whole number 1-5 on the Methodology's scale."
    return check


rule("RSK003", "risk", "Likelihood is not a whole number from 1 to 5", needs=("Risk Register:Likelihood",))(
    _scale("RSK003", "Likelihood")
)
rule("RSK004", "risk", "Impact is not a whole number from 1 to 5", needs=("Risk Register:Impact",))(_scale("RSK004", "Impact"))


def _score(code: str, column: str, a: str, b: str, example: str) -> Callable[[WorkbookData, Context], Iterator[Finding]]:
    """A computed score that must equal a x b (typed over, or a formula broken by a client)."""

    def check(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
        for rec, rid in _risks(book):
            expected = product(rec.get(a), rec.get(b))
            score = rec.get(column)
            if expected is not None and _has(rec, column) and score != expected and book.calculated(rec, column):
                yield at(
                    code,
                    rec,
                    column,
                    rid,
                    f"{rid or 'risk'}: {column.lower()} is {score!r}, {a.lower()} x {b.lower()} is {expected}",
                )

    check.__doc__ = example
    return check


rule(
    "RSK005", "risk", "The inherent score is not likelihood x impact", needs=("Risk Register:Likelihood", "Risk Register:Impact")
)(
    _score(
        "RSK005",
        "Inherent Score",
        "Likelihood",
        "Impact",
        "Bad: Likelihood 4, Impact 3, Inherent Score typed over as 8. Good: the formula's 12.",
    )
)
rule(
    "RSK015",
    "risk",
    "The residual score is not residual likelihood x residual impact",
    needs=("Risk Register:Residual Likelihood", "Risk Register:Residual Impact"),
)(
    _score(
        "RSK015",
        "Residual Score",
        "Residual Likelihood",
        "Residual Impact",
        "Bad: residual 2 x 3 with Residual Score typed over as 4. Good: the formula's 6.",
    )
)


@rule(
    "RSK006",
    "risk",
    "The risk level does not match the Methodology's levels for the score",
    needs=("Risk Register:Likelihood", "Risk Register:Impact"),
)
def level_mismatch(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: score 12 shown as `Medium` when the Methodology says 10-16 is High. Good: `High`."""
    method = _method(book)
    for rec, rid in _risks(book):
        expected = method.level(product(rec.get("Likelihood"), rec.get("Impact")))
        level = rec.get("Risk Level")
        if expected is not None and _has(rec, "Risk Level") and level != expected and book.calculated(rec, "Risk Level"):
            yield at("RSK006", rec, "Risk Level", rid, f"{rid or 'risk'}: level is {level!r}, the Methodology gives '{expected}'")


@rule(
    "RSK007", "risk", "A mitigated risk has no treatment plan", needs=("Risk Register:Treatment", "Risk Register:Treatment Plan")
)
def plan_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Treatment = Mitigate, Treatment Plan empty. Good: the concrete actions and who does them."""
    for rec, rid in _risks(book):
        if rec.get("Treatment") == "Mitigate" and _has(rec, "Treatment Plan") and rec.get("Treatment Plan") is None:
            yield at("RSK007", rec, "Treatment Plan", rid, f"{rid or 'risk'} is mitigated but has no treatment plan")


@rule(
    "RSK008",
    "risk",
    "A mitigated risk names no Annex A controls",
    needs=("Risk Register:Treatment", "Risk Register:Annex A Controls"),
)
def controls_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 b-c: the controls that treat the risk. Bad: empty. Good: `A.8.5; A.5.17`."""
    for rec, rid in _risks(book):
        if rec.get("Treatment") == "Mitigate" and _has(rec, "Annex A Controls") and not rec.get("Annex A Controls"):
            yield at("RSK008", rec, "Annex A Controls", rid, f"{rid or 'risk'} is mitigated but names no Annex A controls")


@rule("RSK009", "risk", "A risk names an Annex A control that does not exist", needs=("Risk Register:Annex A Controls",))
def control_unknown(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `A.12.6.1` (2013) or `A.8.35`. Good: `A.8.8` (also `8.8`, `A 8.8`)."""
    for rec, rid in _risks(book):
        bad = [c for c in rec.get("Annex A Controls") or [] if c not in catalog.annex_a()]
        if bad:
            yield at(
                "RSK009",
                rec,
                "Annex A Controls",
                rid,
                f"{rid or 'risk'} names {', '.join(bad)}, not ISO/IEC 27001:2022 Annex A controls",
            )


def _retained(rec: Record) -> int | None:
    """The score a risk is left at: inherent when accepted as is, else the residual."""
    if rec.get("Treatment") == "Accept":
        return product(rec.get("Likelihood"), rec.get("Impact"))
    return product(rec.get("Residual Likelihood"), rec.get("Residual Impact"))


ESCALATED, ESCALATED_DATE = "Escalated Approval By", "Escalated Approval Date"


def _signer(rec: Record) -> tuple[str, str]:
    """Where the authority signs for a risk kept above the threshold: Escalated Approval By and its
    date when it is filled (the owner's own acceptance is then in Accepted By), else Accepted By and
    Acceptance Date (one signature, the authority's, as a register from another tool has it)."""
    if rec.has(ESCALATED) and rec.get(ESCALATED) is not None:
        return ESCALATED, ESCALATED_DATE
    return "Accepted By", "Acceptance Date"


@rule(
    "RSK010",
    "risk",
    "A risk retained above the acceptance threshold does not name who accepted it",
    needs=("Risk Register:Treatment", "Risk Register:Accepted By"),
)
def acceptor_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 f. Bad: Treatment = Accept, score 12, threshold 9, Accepted By and Escalated
    Approval By empty. Good: the authority the level names, in Escalated Approval By beside the
    owner's acceptance, or alone in Accepted By. Also applies to residual risk above the threshold."""
    method = _method(book)
    for rec, rid in _risks(book):
        score = _retained(rec)
        column = _signer(rec)[0]
        if score is not None and score > method.threshold and _has(rec, column) and rec.get(column) is None:
            what = "accepted" if rec.get("Treatment") == "Accept" else "left with a residual score"
            yield at(
                "RSK010",
                rec,
                column,
                rid,
                f"{rid or 'risk'} is {what} at {score}, above the threshold of {method.threshold}, but no one is named as accepting it",
            )


@rule(
    "RSK011",
    "risk",
    "A risk retained above the acceptance threshold has no date for its approval",
    needs=("Risk Register:Treatment", "Risk Register:Acceptance Date"),
)
def acceptance_date_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: approved above the threshold, Escalated Approval Date (or, with one signature per risk,
    Acceptance Date) empty. Good: the date of the sign-off."""
    method = _method(book)
    for rec, rid in _risks(book):
        score = _retained(rec)
        signer, column = _signer(rec)
        if score is None or score <= method.threshold or not _has(rec, column) or rec.get(column) is not None:
            continue
        if rec.get(signer) is None:
            continue  # RSK010 says the acceptance is missing altogether
        yield at(
            "RSK011",
            rec,
            column,
            rid,
            f"{rid or 'risk'} is retained at {score}, above the threshold of {method.threshold}, with no "
            + ("date for the escalated approval" if signer == ESCALATED else "acceptance date"),
        )


@rule(
    "RSK012",
    "risk",
    "A risk is accepted by someone the Methodology does not authorise for its level",
    WARNING,
    needs=("Risk Register:Accepted By",),
)
def acceptor_not_authorised(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a risk left at 20 (Critical) approved by the `ISMS Steering Committee` when the Critical level
    names only the CEO. Good: `Chief Executive Officer (Priya Raman)`. Checked in Escalated Approval By
    (Accepted By in a register without it); the owner's own acceptance is RSK025-RSK027's."""
    method = _method(book)
    for rec, rid in _risks(book):
        score = _retained(rec)
        column = _signer(rec)[0]
        who = rec.get(column)
        if score is None or score <= method.threshold or not isinstance(who, str):
            continue
        allowed = method.may_accept(score)
        if not any(_signs(who, role, rec) for role in allowed):
            yield at(
                "RSK012",
                rec,
                column,
                rid,
                f"{rid or 'risk'} is left at {score} ({method.level(score) or 'no level'}) and "
                f"{'approved' if column == ESCALATED else 'accepted'} by '{who}'; "
                f"the Methodology names {', '.join(allowed)} for that level",
            )


def _signs(who: str, role: str, rec: Record) -> bool:
    """Whether `who` is `role` (the token `Risk owner` stands for the risk's own owner)."""
    if role.casefold() == RISK_OWNER.casefold():
        owner = rec.get("Risk Owner")
        return isinstance(owner, str) and names_match(who, owner)
    return names_match(who, role)


@rule(
    "RSK013",
    "risk",
    "The residual score is above the inherent score",
    needs=(
        "Risk Register:Likelihood",
        "Risk Register:Impact",
        "Risk Register:Residual Likelihood",
        "Risk Register:Residual Impact",
    ),
)
def residual_above_inherent(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: inherent 3 x 3 = 9, residual 4 x 3 = 12. Good: residual at or below inherent."""
    for rec, rid in _risks(book):
        inherent = product(rec.get("Likelihood"), rec.get("Impact"))
        residual = product(rec.get("Residual Likelihood"), rec.get("Residual Impact"))
        if inherent is not None and residual is not None and residual > inherent:
            yield at(
                "RSK013",
                rec,
                "Residual Score",
                rid,
                f"{rid or 'risk'}: residual score {residual} is above the inherent score {inherent}",
            )


@rule(
    "RSK014",
    "risk",
    "Residual likelihood or impact is not a whole number from 1 to 5",
    needs=("Risk Register:Residual Likelihood", "Risk Register:Residual Impact"),
)
def residual_scale(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Residual Impact = 0 or `low`. Good: blank until assessed, then 1-5."""
    for rec, rid in _risks(book):
        for column in ("Residual Likelihood", "Residual Impact"):
            value = rec.get(column)
            if value is not None and not _whole(value):
                yield at(
                    "RSK014", rec, column, rid, f"{rid or 'risk'}: {column} is '{value}'; it must be a whole number from 1 to 5"
                )


@rule("RSK016", "risk", "A risk ID is used more than once", needs=("Risk Register:Risk ID",))
def duplicate_id(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: two rows `R-007` (or `R-007` and `r 007`). Good: unique ids."""
    first: dict[str, int] = {}
    for rec, rid in _risks(book):
        if rid is None:
            continue
        if rid in first:
            yield at("RSK016", rec, "Risk ID", rid, f"{rid} is used again (first on row {first[rid]})")
        else:
            first[rid] = rec.row


@rule("RSK017", "risk", "A risk has no ID", needs=("Risk Register:Risk ID",))
def id_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a filled row with Risk ID empty. Good: `R-032`."""
    for rec, rid in _risks(book):
        if rid is None:
            yield at("RSK017", rec, "Risk ID", None, "risk has no Risk ID; the SoA and treatment plans cannot cite it")


@rule(
    "RSK018",
    "risk",
    "A risk's last review is older than the Methodology's review interval, or it was never reviewed",
    needs=("Risk Register:Last Reviewed",),
)
def review_overdue(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 8.2: assessments at planned intervals. Bad: Last Reviewed 2024-03-01 with a 12-month
    interval, checked in 2026. Good: reviewed within the interval."""
    method = _method(book)
    cutoff = _months_before(ctx.as_of, method.review_months)
    for rec, rid in _risks(book):
        last = rec.get("Last Reviewed")
        if not _has(rec, "Last Reviewed") or rec.get("Status") == "Closed":
            continue
        if last is None:
            yield at("RSK018", rec, "Last Reviewed", rid, f"{rid or 'risk'} has never been reviewed (Last Reviewed is blank)")
        elif isinstance(last, dt.date) and last < cutoff:
            yield at(
                "RSK018",
                rec,
                "Last Reviewed",
                rid,
                f"{rid or 'risk'} was last reviewed on {last.isoformat()}, more than {method.review_months} months before {ctx.as_of.isoformat()}",
            )


@rule(
    "RSK019",
    "risk",
    "The Methodology does not state a threshold, who may accept above it, or the review interval",
    needs=("Methodology",),
)
def methodology_incomplete(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.2 a: risk acceptance criteria. Bad: Acceptance Threshold blank or `high`.
    Good: a number, the accepting roles, and the interval in months."""
    form = book.forms.get(METHOD)
    if form is None or form.sheet is None:
        return
    for col in required_by(form, "RSK019"):
        name, kind = col.name, int if col.type == "int" else str
        value = form.fields.get(name)
        if name not in form.cells:
            yield missing("RSK019", form.sheet, None, f"Methodology has no '{name}' line", column=name)
        elif not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value <= 0):  # type: ignore[operator]
            shown = "blank" if value is None else f"'{value}'"
            yield at_form("RSK019", form, name, f"Methodology: {name} is {shown}; defaults are used until it is stated")


@rule(
    "RSK020", "risk", "A risk's target date has passed and it is not yet treated", WARNING, needs=("Risk Register:Target Date",)
)
def target_passed(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Target Date 2026-03-31, Status `In treatment`, checked in November. Good: treated, or a new date."""
    for rec, rid in _risks(book):
        due = rec.get("Target Date")
        if isinstance(due, dt.date) and due < ctx.as_of and rec.get("Treatment") != "Accept" and rec.get("Status") not in CLOSED:
            yield at(
                "RSK020",
                rec,
                "Target Date",
                rid,
                f"{rid or 'risk'} was due for treatment on {due.isoformat()} and is still '{rec.get('Status') or 'open'}'",
            )


# --- Clause 6.1.3 f: the risk owner approves the plan and accepts the residual risk -----------------

#: Statuses at which the residual risk has been assessed: the residual values must be there.
ASSESSED = ("In treatment", "Treated", "Accepted", "Closed")


def _register(book: WorkbookData) -> TableData | None:
    table = book.tables.get(REGISTER)
    return table if table is not None and table_ok(table) else None


def _needs(book: WorkbookData, code: str, column: str, what: str) -> Iterator[Finding]:
    """One warning when the optional column a rule needs is not in the register (another tool's export)."""
    table = _register(book)
    if table is not None and column not in table.columns and table.records:
        yield not_run(code, table, column, what)


def _has_plan(rec: Record) -> bool:
    return rec.get("Treatment Plan") is not None and rec.get("Treatment") is not None


@rule("RSK021", "risk", "The Methodology has no version, approver or approval date")
def methodology_unapproved(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.2: the risk assessment process is documented, and a Stage 1 auditor asks for the approved,
    dated, versioned method. Bad: Version, Approved By or Approval Date blank. Good: `1.0`, `ISMS Steering
    Committee`, `2026-10-01`."""
    form = book.forms.get(METHOD)
    if form is None or form.sheet is None:
        return
    for col in required_by(form, "RSK021"):
        if col.name not in form.cells:
            yield missing(
                "RSK021", form.sheet, None, f"Methodology has no '{col.name}' line; add it and fill it in", column=col.name
            )
        elif form.fields.get(col.name) is None:
            yield at_form(
                "RSK021", form, col.name, f"Methodology: {col.name} is empty; the method must be versioned and approved"
            )


@rule("RSK022", "risk", "A treatment plan has not been approved by the risk owner")
def plan_unapproved(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 f. Bad: a Treatment Plan with Plan Approved By blank.
    Good: Plan Approved By = the risk owner, `VP Engineering (Dana Whitfield)`."""
    yield from _needs(book, "RSK022", "Plan Approved By", "treatment plan approval")
    for rec, rid in _risks(book):
        if _has_plan(rec) and rec.has("Plan Approved By") and rec.get("Plan Approved By") is None:
            yield at(
                "RSK022",
                rec,
                "Plan Approved By",
                rid,
                f"{rid or 'risk'} has a treatment plan that its risk owner has not approved",
            )


@rule("RSK023", "risk", "A treatment plan approval has no date")
def plan_approval_undated(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Plan Approved By filled, Plan Approval Date blank. Good: the date of the owner's sign-off."""
    yield from _needs(book, "RSK023", "Plan Approval Date", "the date of the plan approval")
    for rec, rid in _risks(book):
        if rec.get("Plan Approved By") is not None and rec.has("Plan Approval Date") and rec.get("Plan Approval Date") is None:
            yield at("RSK023", rec, "Plan Approval Date", rid, f"{rid or 'risk'}: the plan approval has no date")


@rule("RSK024", "risk", "A treatment plan was approved by someone other than the risk owner", WARNING)
def plan_approved_by_other(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 f asks for the risk owner's approval. Bad: owner `SRE Lead (Kenji Watanabe)`,
    Plan Approved By `Office Manager`. Good: `Kenji Watanabe` or `SRE Lead (Kenji Watanabe)`."""
    for rec, rid in _risks(book):
        who, owner = rec.get("Plan Approved By"), rec.get("Risk Owner")
        if isinstance(who, str) and isinstance(owner, str) and not names_match(who, owner):
            yield at(
                "RSK024",
                rec,
                "Plan Approved By",
                rid,
                f"{rid or 'risk'}: the plan is approved by '{who}', not by its risk owner '{owner}'",
            )


def _owner_accepts(book: WorkbookData) -> Iterator[tuple[Record, str | None, int]]:
    """Risks whose retained score is known and whose owner accepts them in Accepted By: those at or
    below the threshold, and those above it whose authority signed Escalated Approval By."""
    method = _method(book)
    for rec, rid in _risks(book):
        score = _retained(rec)
        if score is not None and (score <= method.threshold or _signer(rec)[0] == ESCALATED):
            yield rec, rid, score


@rule("RSK025", "risk", "A residual risk is not accepted by its risk owner")
def residual_not_accepted(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 f: the risk owner accepts every residual risk at or below the threshold, and above
    it beside the authority's Escalated Approval By. Bad: residual 2 x 4 = 8, Accepted By blank.
    Good: Accepted By = the risk owner. (Above the threshold with no escalated approval, RSK010.)"""
    yield from _needs(book, "RSK025", "Accepted By", "residual risk acceptance")
    for rec, rid, score in _owner_accepts(book):
        if rec.has("Accepted By") and rec.get("Accepted By") is None:
            yield at(
                "RSK025",
                rec,
                "Accepted By",
                rid,
                f"{rid or 'risk'} is left at {score}; its risk owner has not accepted the residual risk",
            )


@rule("RSK026", "risk", "A residual risk's acceptance has no date")
def residual_acceptance_undated(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Accepted By filled, Acceptance Date blank (RSK011 covers the authority's signature above
    the threshold). Good: the date the owner accepted."""
    for rec, rid, score in _owner_accepts(book):
        if rec.get("Accepted By") is not None and rec.has("Acceptance Date") and rec.get("Acceptance Date") is None:
            yield at("RSK026", rec, "Acceptance Date", rid, f"{rid or 'risk'} is left at {score} and accepted with no date")


@rule("RSK027", "risk", "A residual risk is accepted by someone other than its owner", WARNING)
def residual_accepted_by_other(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 f: the risk owner accepts. Bad: owner `Head of People (Tom Ashcroft)`, accepted by
    `IT Manager`. Good: the owner, or at or below the threshold an authority the Methodology names (a
    more senior acceptor); above it, where the authority signed Escalated Approval By, the owner."""
    method = _method(book)
    senior = {r for names in method.authorities.values() for r in names if r.casefold() != RISK_OWNER.casefold()} | set(
        method.acceptors
    )
    for rec, rid, score in _owner_accepts(book):
        who, owner = rec.get("Accepted By"), rec.get("Risk Owner")
        if not isinstance(who, str) or not isinstance(owner, str):
            continue
        if score > method.threshold:  # the authority signed Escalated Approval By; this signature is the owner's
            fine = _signs(who, RISK_OWNER, rec)
        else:
            fine = any(_signs(who, role, rec) for role in method.may_accept(score)) or any(names_match(who, r) for r in senior)
        if not fine:
            yield at(
                "RSK027",
                rec,
                "Accepted By",
                rid,
                f"{rid or 'risk'} is left at {score} and accepted by '{who}', not by its risk owner '{owner}'",
            )


@rule("RSK028", "risk", "A risk in treatment, treated or accepted has no residual likelihood or impact")
def residual_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Clause 6.1.3 e-f: the risk left after treatment is assessed and accepted. Bad: Status `Treated`,
    Residual Likelihood blank. Good: the residual likelihood and impact (1-5) once treatment is decided."""
    for rec, rid in _risks(book):
        if rec.get("Status") not in ASSESSED:
            continue
        for column in ("Residual Likelihood", "Residual Impact"):
            if rec.has(column) and rec.get(column) is None:
                yield at(
                    "RSK028", rec, column, rid, f"{rid or 'risk'} is '{rec.get('Status')}' but its {column.lower()} is blank"
                )


@rule("RSK029", "risk", "The residual level does not match the Methodology's levels for the residual score")
def residual_level_mismatch(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: residual score 12 shown as `Medium` when the Methodology says 10-16 is High. Good: `High` (the formula)."""
    method = _method(book)
    for rec, rid in _risks(book):
        expected = method.level(product(rec.get("Residual Likelihood"), rec.get("Residual Impact")))
        level = rec.get("Residual Level")
        if expected is not None and rec.has("Residual Level") and level != expected and book.calculated(rec, "Residual Level"):
            yield at(
                "RSK029",
                rec,
                "Residual Level",
                rid,
                f"{rid or 'risk'}: residual level is {level!r}, the Methodology gives '{expected}'",
            )
