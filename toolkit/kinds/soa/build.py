"""The Statement of Applicability: a blank one to fill in, or one built from gap and risks."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

from toolkit.data import catalog
from toolkit.kinds.gap.model import FULL, PARTIAL, PHASE_NAMES, coverage_of, mapped_controls
from toolkit.kinds.inputs import read_input
from toolkit.kinds.risk.model import METHOD, REGISTER
from toolkit.kinds.soa.sheets import SUMMARY, summary
from toolkit.kinds.soc2.model import MATRIX
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import Record, WorkbookData
from toolkit.workbook.writer import Book, Form, Table

SHEET = "Statement of Applicability"
DOC = "Document Control"
ADDITIONAL = "Additional Controls"


def catalog_row(cid: str) -> dict[str, Any]:
    """The computed columns of a control's row."""
    control = catalog.annex_a()[cid]
    return {
        "Control ID": cid,
        "Control Title": control.title,
        "Theme": control.theme,
        "SOC 2 Criteria": list(catalog.criteria_for(cid)),
    }


def document_control(org: str | None, version: str = "0.1", date: dt.date | None = None) -> Form:
    """Document Control, its change history starting at the version the document carries."""
    title = f"Statement of Applicability - {org}" if org else "Statement of Applicability"
    return Form(
        {
            "Title": title,
            "Organisation": org,
            "Version": version,
            "Classification": "Confidential",
        },
        {"Change history": [history_row(version, date)]},
    )


def history_row(version: str, date: dt.date | None) -> dict[str, Any]:
    return {
        "Version": version,
        "Date": date,
        "Author": None,  # the preparer or the owner, filled in when the workbook is written
        "Description": f"Generated from the gap assessment and the risk register: all 93 Annex A controls of {catalog.STANDARD_SHORT}",
    }


def new_soa(org: str | None = None) -> Book:
    """A blank SoA: all 93 controls with their computed columns, inputs left for the client."""
    records = [catalog_row(cid) for cid in catalog.annex_a()]
    return Book(tables={SHEET: Table(records)}, forms={DOC: document_control(org)}, custom={SUMMARY: summary(records)})


def refresh(book: Book) -> None:
    """The Summary follows the rows (the version and the change history are made to agree for
    every kind with a Document Control, in `kinds.generate`)."""
    book.custom[SUMMARY] = summary(book.tables[SHEET].records if SHEET in book.tables else [])


#: An evidence item's own reference at the start of the client's evidence text (`EV-GOV-04: ...`).
_EVIDENCE_ID = re.compile(r"\b([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)\s*:")


#: Documents an evidence reference names: `Policy: Information Security Policy v3.2`, `Data Handling Standard v1.2`.
_POLICY = re.compile(r"Policy:\s*([^;]+?)\s*(?:;|$)")
_DOCUMENT = re.compile(
    r"((?:[A-Z][\w/&-]*\s){0,5}(?:Policy|Standard|Procedure|Plan|Schedule|Code of Conduct|Handbook|Charter)\s+v\d+(?:\.\d+)*)"
)


def policies(evidence: list[str]) -> list[str]:
    """The policies and procedures the evidence references name, in order, each once."""
    found: list[str] = []
    for text in evidence:
        for name in [m.group(1) for m in _POLICY.finditer(text)] + [m.group(1) for m in _DOCUMENT.finditer(text)]:
            name = " ".join(name.split()).strip(" .,")
            if name and not any(name in f or f in name for f in found):
                found.append(name)
    return found


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


def _risks(risks: WorkbookData | None) -> tuple[dict[str, list[str]], dict[str, list[dt.date]]]:
    """The risks citing each control, and the target dates of those still open."""
    relied: dict[str, list[str]] = {}
    due: dict[str, list[dt.date]] = {}
    if risks is None or REGISTER not in risks.tables:
        return relied, due
    for rec in risks.tables[REGISTER].records:
        rid = rec.get("Risk ID")
        if rid is None:
            continue
        target = rec.get("Target Date")
        for cid in rec.get("Annex A Controls") or []:
            if str(rid) not in relied.setdefault(cid, []):
                relied[cid].append(str(rid))
            if isinstance(target, dt.date) and rec.get("Status") not in ("Treated", "Closed", "Accepted"):
                due.setdefault(cid, []).append(target)
    return relied, due


def _phase_end(start: dt.date | None, phase: object) -> dt.date | None:
    """The last day of the gap row's target phase, from the engagement's start date."""
    if start is None:
        return None
    from toolkit.kinds.roadmap.model import phase_window

    number = next((n for n, name in PHASE_NAMES.items() if name == phase), 3)
    return phase_window(start, number)[1]


def build_soa(
    gap: WorkbookData, risks: WorkbookData | None, fields: dict[str, Any] | None = None, start: dt.date | None = None
) -> Book:
    """The SoA built from the gap assessment and the risk register, not typed.

    Every control is applicable (the consultant's merge input may exclude it). It is justified by
    the risks that rely on it (reason for selection: Risk Assessment); a control no risk cites gets
    no justification, for the consultant to state the legal, contractual or business requirement
    (SOA009 asks). Its status follows the gap rating; its evidence is the client controls mapped to
    it in the gap's Control Mapping (at most three, most relevant first), and Policy / Procedure the
    documents their evidence names; a planned or partial control gets the target date of the risks
    treating it, else the end of its target phase.
    """
    coverage = coverage_of(gap)
    mapped = mapped_controls(gap)
    matrix: dict[str, Record] = {}
    if MATRIX in gap.tables:
        for rec in gap.tables[MATRIX].records:
            matrix.setdefault(str(rec.get("Control ID")), rec)
    relied, due = _risks(risks)
    records = []
    for cid in catalog.annex_a():
        row = catalog_row(cid)
        g = coverage.get(cid)
        rating = g.get("Coverage") if g else None
        criteria = (g.get("SOC 2 Criteria") if g else None) or []
        client_controls = [c for c in mapped.get(cid, []) if c in matrix] or mapped.get(cid, [])
        risk_ids = relied.get(cid, [])
        why = f"Risk treatment: {', '.join(risk_ids)} (risk register)." if risk_ids else None
        status = _status(rating, g.get("Remediation Action") if g else None)
        if rating in (FULL, PARTIAL) and client_controls:
            evidence = _evidence(client_controls, matrix)
        else:
            phase = (g.get("Target Phase") if g else None) or PHASE_NAMES[3]
            evidence = f"Remediation planned: gap assessment {cid} ({phase})"
        documents = policies([str(matrix[c].get("Evidence Reference") or "") for c in client_controls if c in matrix])
        target = None
        if status in ("Partially implemented", "Planned", "Not implemented"):
            target = min(due[cid]) if due.get(cid) else _phase_end(start, g.get("Target Phase") if g else None)
        records.append(
            {
                **row,
                "SOC 2 Criteria": criteria,
                "Applicable": "Yes",
                "Justification": why,
                "Implementation Status": status,
                "Policy / Procedure": "; ".join(documents) or None,
                "Evidence Reference": evidence,
                "Control Owner": g.get("Owner") if g else None,
                "Related Risks": risk_ids,
                "Risk Assessment": "Yes" if risk_ids else None,
                "Target Date": target,
            }
        )
    fields = fields or {}
    version = str(fields.get("Version") or "0.1")
    form = document_control(fields.get("Organisation"), version, fields.get("Approval Date"))
    form.fields = {**form.fields, **{k: v for k, v in fields.items() if v is not None}}
    approved = form.fields.get("Approval Date")
    if isinstance(approved, dt.date) and form.fields.get("Next Review") is None:
        # Reviewed at least yearly, and after significant change.
        form.fields["Next Review"] = approved.replace(year=approved.year + 1, day=min(approved.day, 28))
    if risks is not None and METHOD in risks.forms and risks.forms[METHOD].sheet is not None:
        form.fields["Risk Methodology Version"] = risks.forms[METHOD].fields.get("Version")
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
    start: dt.date | None = None,
) -> Book:
    """The SoA built from a gap assessment workbook and (usually) a risk register workbook."""
    assessment = read_input(gap, "gap", "Annex A rows", limits)
    register = read_input(risks, "risk", "risks", limits, empty_ok=True) if risks is not None else None
    book = build_soa(assessment, register, fields, start)
    if register is not None and not register.records():
        book.notes.append(f"{risks} holds no risks yet, so no justification cites one: run the risk assessment, then regenerate")
    return book
