"""The Statement of Applicability: a blank one to fill in, or one built from gap and risks."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

from toolkit.data import catalog
from toolkit.kinds.gap.model import FULL, PARTIAL, coverage_of
from toolkit.kinds.risk.model import REGISTER
from toolkit.kinds.soa.sheets import SUMMARY, summary
from toolkit.kinds.soc2.model import MATRIX
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import Record, WorkbookData, read_workbook
from toolkit.workbook.writer import Book, Form, Table

SHEET = "Statement of Applicability"
DOC = "Document Control"


def catalog_row(cid: str) -> dict[str, Any]:
    """The computed columns of a control's row."""
    control = catalog.annex_a()[cid]
    return {
        "Control ID": cid,
        "Control Title": control.title,
        "Theme": control.theme,
        "SOC 2 Criteria": list(catalog.criteria_for(cid)),
    }


HISTORY = "Change history"
#: The next review falls this many months after the approval, unless Document Control says otherwise.
REVIEW_MONTHS = 12


def document_control(org: str | None, version: str = "0.1") -> Form:
    """Document Control as first issued; its change history gets its row for the version on refresh."""
    title = f"Statement of Applicability - {org}" if org else "Statement of Applicability"
    return Form({"Title": title, "Organisation": org, "Version": version, "Classification": "Confidential"})


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def new_soa(org: str | None = None) -> Book:
    """A blank SoA: all 93 controls with their computed columns, inputs left for the client."""
    records = [catalog_row(cid) for cid in catalog.annex_a()]
    return Book(tables={SHEET: Table(records)}, forms={DOC: document_control(org)}, custom={SUMMARY: summary(records)})


def refresh(book: Book) -> None:
    """The Summary follows the rows; the next review follows the approval (the version and the
    change history are made to agree for every kind with a Document Control, in `kinds.generate`)."""
    book.custom[SUMMARY] = summary(book.tables[SHEET].records if SHEET in book.tables else [])
    form = book.forms.get(DOC)
    if form is None:
        return
    approved = form.fields.get("Approval Date")
    if not form.fields.get("Next Review") and isinstance(approved, dt.date):
        book.forms[DOC] = Form({**form.fields, "Next Review": _months_later(approved, REVIEW_MONTHS)}, dict(form.blocks))


#: An evidence item's own reference at the start of the client's evidence text (`EV-GOV-04: ...`).
_EVIDENCE_ID = re.compile(r"\b([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)\s*:")


def _evidence(controls: list[str], matrix: dict[str, Record], limit: int = 3) -> str | None:
    """Short references, so a row stays one to three lines: each SOC 2 control with its evidence
    item's id; the evidence in full is on the workbook's `SOC 2 Controls` sheet."""
    refs = []
    for cid in controls[:limit]:
        rec = matrix.get(cid)
        text = str(rec.get("Evidence Reference") or "") if rec is not None else ""
        found = _EVIDENCE_ID.findall(text)
        refs.append(f"{cid} ({', '.join(dict.fromkeys(found))})" if found else cid)
    if not refs:
        return None
    more = f"; +{len(controls) - limit} more" if len(controls) > limit else ""
    return f"{'; '.join(refs)}{more}. In full: {MATRIX}"


def _status(rating: object, action: object) -> str:
    if rating == FULL:
        return "Implemented"
    if rating == PARTIAL:
        return "Partially implemented"
    return "Planned" if action else "Not implemented"


def build_soa(gap: WorkbookData, risks: WorkbookData | None, fields: dict[str, Any] | None = None) -> Book:
    """The SoA built from the gap assessment and the risk register, not typed.

    Every control is applicable (the consultant's merge input may exclude it), justified by the
    risks that rely on it or by the requirement that brings it in; its status follows the gap
    rating; its evidence is the client's SOC 2 evidence, or the remediation planned for it.
    """
    coverage = coverage_of(gap)
    matrix: dict[str, Record] = {}
    if MATRIX in gap.tables:
        for rec in gap.tables[MATRIX].records:
            matrix.setdefault(str(rec.get("Control ID")), rec)
    relied: dict[str, list[str]] = {}
    if risks is not None and REGISTER in risks.tables:
        for rec in risks.tables[REGISTER].records:
            rid = rec.get("Risk ID")
            if rid is None:
                continue
            for cid in rec.get("Annex A Controls") or []:
                relied.setdefault(cid, [])
                if rid not in relied[cid]:
                    relied[cid].append(str(rid))
    records = []
    for cid in catalog.annex_a():
        row = catalog_row(cid)
        g = coverage.get(cid)
        rating = g.get("Coverage") if g else None
        criteria = (g.get("SOC 2 Criteria") if g else None) or []
        client_controls = [c.strip() for c in str((g.get("SOC 2 Controls") if g else None) or "").split(";") if c.strip()]
        risk_ids = relied.get(cid, [])
        if risk_ids:
            why = f"Treats {', '.join(risk_ids)} (risk register)."
        elif criteria:
            why = f"Required by customer commitments already evidenced through SOC 2 ({', '.join(criteria)})."
        else:
            why = "Included as part of the ISMS baseline for the scope; no risk relies on it yet, to be confirmed at the next risk assessment."
        if rating in (FULL, PARTIAL) and client_controls:
            evidence = _evidence(client_controls, matrix)
        else:
            phase = (g.get("Target Phase") if g else None) or "Phase 3 - Gap Remediation"
            evidence = f"Remediation planned: gap assessment {cid} ({phase})"
        records.append(
            {
                **row,
                "SOC 2 Criteria": criteria,
                "Applicable": "Yes",
                "Justification": why,
                "Implementation Status": _status(rating, g.get("Remediation Action") if g else None),
                "Evidence Reference": evidence,
                "Control Owner": g.get("Owner") if g else None,
                "Related Risks": risk_ids,
            }
        )
    form = document_control((fields or {}).get("Organisation"))
    form.fields = {**form.fields, **{k: v for k, v in (fields or {}).items() if v is not None}}
    # The client's SOC 2 matrix as the gap assessment read it: where the evidence cited is in full.
    matrix_rows = [{c: rec.get(c) for c in rec.values} for rec in gap.tables[MATRIX].records] if MATRIX in gap.tables else []
    return Book(tables={SHEET: Table(records), MATRIX: Table(matrix_rows)}, forms={DOC: form}, custom={SUMMARY: summary(records)})


def document_fields(
    org: str | None = None,
    owner: str | None = None,
    approved_by: str | None = None,
    approval_date: dt.date | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Document Control fields given by the consultant (blank ones are left as generated)."""
    return {"Organisation": org, "Owner": owner, "Approved By": approved_by, "Approval Date": approval_date, "Version": version}


def from_inputs(
    gap: str | os.PathLike[str],
    risks: str | os.PathLike[str] | None,
    fields: dict[str, Any] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Book:
    """The SoA built from a gap assessment workbook and (usually) a risk register workbook."""
    return build_soa(
        read_workbook(gap, kind="gap", limits=limits),
        read_workbook(risks, kind="risk", limits=limits) if risks is not None else None,
        fields,
    )
