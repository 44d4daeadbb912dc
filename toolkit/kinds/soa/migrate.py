"""Carrying an ISO/IEC 27001:2013 Statement of Applicability onto the 2022 controls.

The transition table (`toolkit/data/transition_2013_2022.csv`) says where each of the 114 2013
controls went: most were carried over under a new number, many were merged (A.9.1.1 and A.9.1.2
into A.5.15), a few split or overlap. Each 2022 control takes what the client wrote for its 2013
predecessors: applicable when any of them was, their justifications, evidence, policies and
owners side by side (each prefixed with its 2013 id when there are several), and a status that
does not claim more than the predecessors did. The 11 controls new in 2022 have no predecessor:
they are listed, blank, for the client to decide. Pure: records in, records and notes out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.data import catalog
from toolkit.data.catalog import Step, transition
from toolkit.data.ids import natural_key
from toolkit.errors import CtkError
from toolkit.kinds.inputs import read_input
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.writer import Book, Form, Table

IMPLEMENTED, PARTIAL, PLANNED, NOT_IMPLEMENTED, NA = (
    "Implemented",
    "Partially implemented",
    "Planned",
    "Not implemented",
    "Not applicable",
)
#: The columns whose texts are carried side by side.
TEXT_COLUMNS = ("Justification", "Policy / Procedure", "Evidence Reference", "Control Owner")


@cache
def successors() -> dict[str, tuple[Step, ...]]:
    """Each 2013 Annex A control -> where it went."""
    out: dict[str, list[Step]] = {}
    for step in transition():
        if step.iso2013.startswith("A."):
            out.setdefault(step.iso2013, []).append(step)
    return {k: tuple(v) for k, v in out.items()}


@cache
def predecessors() -> dict[str, tuple[Step, ...]]:
    """Each 2022 Annex A control -> the 2013 controls it took in."""
    out: dict[str, list[Step]] = {}
    for step in transition():
        if step.iso2022.startswith("A."):
            out.setdefault(step.iso2022, []).append(step)
    return {k: tuple(sorted(v, key=lambda s: natural_key(s.iso2013))) for k, v in out.items()}


@dataclass
class Migration:
    """The 2022 records (one per control of `controls`, in order) and what the client must know."""

    records: list[dict[str, Any]]
    new_controls: list[str] = field(default_factory=list)  # 2022 controls with no 2013 predecessor
    merged: list[tuple[str, list[str]]] = field(default_factory=list)  # (2022 id, its 2013 ids) when several
    unknown: list[str] = field(default_factory=list)  # ids in the old SoA that are no 2013 control
    missing: list[str] = field(default_factory=list)  # 2013 controls the old SoA did not list


def _status(statuses: list[str | None]) -> str | None:
    """A status for a control made of several: no more than the least advanced part of it."""
    given = [s for s in statuses if s]
    if not given:
        return None
    applicable = [s for s in given if s != NA]
    if not applicable:
        return NA
    kinds = set(applicable)
    if kinds == {IMPLEMENTED}:
        return IMPLEMENTED
    if kinds <= {NOT_IMPLEMENTED}:
        return NOT_IMPLEMENTED
    if kinds <= {PLANNED, NOT_IMPLEMENTED}:
        return PLANNED
    return PARTIAL


def _texts(parts: list[tuple[str, Any]]) -> str | None:
    """Texts of several predecessors side by side; once if they all say the same."""
    given = [(cid, str(v).strip()) for cid, v in parts if v is not None and str(v).strip()]
    if not given:
        return None
    distinct = list(dict.fromkeys(v for _, v in given))
    if len(distinct) == 1:
        return distinct[0]
    return "\n".join(f"{cid}: {v}" for cid, v in given)


def migrate(old: Iterable[Mapping[str, Any]], controls: Iterable[str]) -> Migration:
    """2022 records for `controls` (the Annex A ids in catalog order) from the records of a 2013 SoA.

    Each old record maps its column names to values as read (`Control ID` the 2013 id such as
    `A.9.2.1`, `Applicable` Yes/No, `Implementation Status`, the texts, `Related Risks` a list).
    """
    by_id: dict[str, Mapping[str, Any]] = {}
    unknown: list[str] = []
    for rec in old:
        cid = rec.get("Control ID")
        if not isinstance(cid, str):
            continue
        if cid in successors():
            by_id.setdefault(cid, rec)
        elif cid not in unknown:
            unknown.append(cid)
    out = Migration([], unknown=unknown, missing=[c for c in successors() if c not in by_id])
    for cid in controls:
        steps = predecessors().get(cid, ())
        if not steps:
            out.new_controls.append(cid)
            out.records.append({"Control ID": cid})
            continue
        sources = [(s.iso2013, by_id[s.iso2013]) for s in steps if s.iso2013 in by_id]
        if len(steps) > 1:
            out.merged.append((cid, [s.iso2013 for s in steps]))
        record: dict[str, Any] = {"Control ID": cid}
        applicable = [r.get("Applicable") for _, r in sources]
        if "Yes" in applicable:
            record["Applicable"] = "Yes"
        elif applicable and all(a == "No" for a in applicable):
            record["Applicable"] = "No"
        status = _status(
            [
                r.get("Implementation Status")
                for _, r in sources
                if r.get("Applicable") != "No" or record.get("Applicable") == "No"
            ]
        )
        if status is not None:
            record["Implementation Status"] = status
        for column in TEXT_COLUMNS:
            text = _texts([(old_id, r.get(column)) for old_id, r in sources])
            if text is not None:
                record[column] = text
        risks = [risk for _, r in sources for risk in (r.get("Related Risks") or [])]
        if risks:
            record["Related Risks"] = list(dict.fromkeys(risks))
        out.records.append(record)
    return out


def from_2013(path: str | os.PathLike[str], org: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Book:
    """A 2022 Statement of Applicability carried over from a 2013 one (read from any layout);
    its notes name the 2022 controls with no predecessor and what did not carry over."""
    from toolkit.kinds.soa.build import DOC, SHEET, catalog_row, document_control

    old = read_input(path, "soa", "controls", limits)
    table = old.tables[SHEET]
    if table.scheme != "2013":
        raise CtkError("this Statement of Applicability already uses ISO/IEC 27001:2022 numbering; nothing to migrate", str(path))
    result = migrate([rec.values for rec in table.records], catalog.annex_a())
    records = [{**catalog_row(r["Control ID"]), **r} for r in result.records]
    blank = document_control(org)
    history = {
        "Version": blank.fields["Version"],
        "Author": "ctk",
        "Description": f"Carried over from the ISO/IEC 27001:2013 SoA {Path(path).name} through the transition table",
    }
    form = Form(dict(blank.fields), {"Change history": [history]})
    book = Book(tables={SHEET: Table(records)}, forms={DOC: form})
    book.notes.append(
        f"{len(table.records)} controls of 2013 carried onto the 93 of 2022; {len(result.merged)} 2022 controls merge "
        "several 2013 ones (their texts are side by side, each with its 2013 id; check the combined status)"
    )
    book.notes.append(f"new in 2022, no 2013 predecessor, left blank for you to decide: {', '.join(result.new_controls)}")
    if result.missing:
        shown = ", ".join(result.missing[:8]) + (f" and {len(result.missing) - 8} more" if len(result.missing) > 8 else "")
        book.notes.append(f"{len(result.missing)} 2013 controls were not in {Path(path).name}: {shown}")
    if result.unknown:
        book.notes.append(f"not 2013 controls, not carried over: {', '.join(result.unknown[:8])}")
    return book
