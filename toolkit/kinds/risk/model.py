"""The risk register: a methodology the client can change, the register, and its heat map."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.data.ids import split_list
from toolkit.kinds.inputs import read_input
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData
from toolkit.workbook.writer import Form

METHOD = "Methodology"
REGISTER = "Risk Register"
HEAT = "Heat Map"
SCORING = "Score = Likelihood x Impact (1-25); residual score = residual likelihood x residual impact."

LIKELIHOOD = [
    (1, "Rare", "Not expected in the next 3 years; no history here or in our sector."),
    (2, "Unlikely", "Could happen within 3 years; has happened in our sector."),
    (3, "Possible", "Could happen within a year; has happened to us or to peers."),
    (4, "Likely", "Expected within a year; near misses seen."),
    (5, "Almost certain", "Expected within months, or already happening."),
]
IMPACT = [
    (1, "Negligible", "No customer impact; under 1 hour of internal disruption; no data exposed."),
    (2, "Minor", "Limited internal data exposed or under 4 hours of degraded service; no contractual breach."),
    (3, "Moderate", "Customer data of one tenant exposed or a day of outage; SLA credits; one regulator notification."),
    (4, "Major", "Customer data of many tenants exposed or multi-day outage; regulatory action; key customers at risk."),
    (5, "Severe", "Large-scale breach or prolonged outage threatening the business; fines and litigation."),
]
#: The method's defaults, in words the client edits to describe their own (clause 6.1.2, 8.2).
APPROACH = (
    "Scenario-based, per asset or service: the ISMS Manager runs workshops with asset and risk owners, who rate "
    "likelihood and impact on the scales below; results are reviewed by the ISMS Steering Committee."
)
TRIGGERS = (
    "New products or services, new suppliers or sub-processors, major architecture or hosting changes, significant "
    "incidents, changes in law or contracts, and organisational change."
)
#: The token a level's Acceptance Authority uses for the risk's own owner.
RISK_OWNER = "Risk owner"
LEVELS = [
    ("Low", 1, 4, "Accept and monitor; the risk owner accepts.", RISK_OWNER),
    ("Medium", 5, 9, "Treat within 6 months, or accept with the risk owner's sign-off.", RISK_OWNER),
    (
        "High",
        10,
        16,
        "Treat within 3 months; a risk left at this level is accepted only by its Acceptance Authority.",
        "Chief Executive Officer; ISMS Steering Committee",
    ),
    (
        "Critical",
        17,
        25,
        "Treat immediately and escalate to the ISMS Steering Committee; a risk left at this level is accepted only by the CEO.",
        "Chief Executive Officer",
    ),
]


@dataclass
class Method:
    """The values the register and the validator follow, as the client's workbook states them."""

    threshold: int = 9
    acceptors: list[str] = field(default_factory=lambda: ["Chief Executive Officer", "ISMS Steering Committee"])
    review_months: int = 12
    levels: list[tuple[str, int, int]] = field(default_factory=lambda: [(lv, lo, hi) for lv, lo, hi, _, _ in LEVELS])
    #: Who may accept a risk left at each level, as the Methodology's Risk levels name them.
    authorities: dict[str, list[str]] = field(default_factory=lambda: {lv: split_list(a) for lv, _, _, _, a in LEVELS})

    def level(self, score: object) -> str | None:
        if not isinstance(score, int):
            return None
        for name, low, high in self.levels:
            if low <= score <= high:
                return name
        return None

    def may_accept(self, score: int) -> list[str]:
        """Who may accept a risk retained at `score`: its level's authority, else the risk owner at or
        below the threshold and the roles authorised above it."""
        named = self.authorities.get(self.level(score) or "", [])
        if named:
            return named
        return [RISK_OWNER] if score <= self.threshold else self.acceptors


def method_from(fields: Mapping[str, Any], levels: Iterable[Mapping[str, Any]]) -> Method:
    """The methodology stated by a Methodology sheet's fields and levels (defaults where missing)."""
    m = Method()
    threshold = fields.get("Acceptance Threshold")
    if isinstance(threshold, int):
        m.threshold = threshold
    acceptors = fields.get("Accept Above Threshold")
    if isinstance(acceptors, str):
        m.acceptors = split_list(acceptors)
    months = fields.get("Review Interval (months)")
    if isinstance(months, int) and months > 0:
        m.review_months = months
    levels = list(levels)
    stated = [(lv.get("Level"), lv.get("Min Score"), lv.get("Max Score")) for lv in levels]
    good = [(n, lo, hi) for n, lo, hi in stated if isinstance(n, str) and isinstance(lo, int) and isinstance(hi, int)]
    if good:
        m.levels = sorted(good, key=lambda lv: lv[1])
        # The workbook's own levels say who accepts; a level it names no one for falls back to the fields.
        m.authorities = {
            str(lv.get("Level")): split_list(str(lv.get("Acceptance Authority") or ""))
            for lv in levels
            if isinstance(lv.get("Level"), str)
        }
    return m


def method_of(book: WorkbookData) -> Method:
    """The methodology a returned register states."""
    form = book.forms.get(METHOD)
    if form is None or form.sheet is None:
        return Method()
    return method_from(form.fields, [r.values for r in form.blocks.get("Risk levels", [])])


def product(a: object, b: object) -> int | None:
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool):
        return a * b
    return None


def computed(record: dict[str, Any], method: Method) -> dict[str, Any]:
    """A register row with its computed columns filled in."""
    out = dict(record)
    out["Inherent Score"] = product(record.get("Likelihood"), record.get("Impact"))
    out["Risk Level"] = method.level(out["Inherent Score"])
    out["Residual Score"] = product(record.get("Residual Likelihood"), record.get("Residual Impact"))
    out["Residual Level"] = method.level(out["Residual Score"])
    return out


def methodology_form(method: Method, org: str | None, approval: Mapping[str, Any] | None = None) -> Form:
    """The Methodology sheet: the method's values, and its version and approval as the engagement states them."""
    approval = approval or {}
    return Form(
        {
            "Organisation": org,
            "Scoring": SCORING,
            "Acceptance Threshold": method.threshold,
            "Accept Above Threshold": "; ".join(method.acceptors),
            "Review Interval (months)": method.review_months,
            "Assessment Approach": APPROACH,
            "Reassessment Triggers": TRIGGERS,
            "Owner": "ISMS Manager",
            "Version": approval.get("Version") or "0.1",
            "Approved By": approval.get("Approved By"),
            "Approval Date": approval.get("Approval Date"),
            "Next Review": months_after(approval["Approval Date"], method.review_months)
            if isinstance(approval.get("Approval Date"), dt.date)
            else None,
        },
        {
            "Likelihood scale": [{"Rating": r, "Label": lb, "Meaning": m} for r, lb, m in LIKELIHOOD],
            "Impact scale": [{"Rating": r, "Label": lb, "Meaning": m} for r, lb, m in IMPACT],
            "Risk levels": [
                {"Level": lv, "Min Score": lo, "Max Score": hi, "Response": resp, "Acceptance Authority": who}
                for lv, lo, hi, resp, who in LEVELS
            ],
        },
    )


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]
    return dt.date(y, m + 1, min(day.day, last))


def names_match(person: str, role: str) -> bool:
    """Whether a sign-off names the role or person: `Sophie Lindqvist` signs for `IT Manager (Sophie Lindqvist)`."""

    def parts(text: str) -> set[str]:
        inner = [p.strip().casefold() for p in text.replace(")", "(").split("(") if p.strip()]
        return set(inner) | {" ".join(text.casefold().split())}

    a, b = parts(person), parts(role)
    return bool(a & b) or any(x in y or y in x for x in a for y in b if min(len(x), len(y)) >= 4)


def import_risks(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    """Risks from a CSV or workbook with the register's headers (input columns are taken)."""
    book = read_input(path, "risk", "risks", limits)
    table = book.tables[REGISTER]
    inputs = [c.name for c in table.spec.input_columns]
    return [{**{c: r.values.get(c) for c in inputs}, **r.extra} for r in table.records]
