"""The gap assessment: the client's SOC 2 control matrix mapped onto Annex A and clauses 4-10.

A control is suggested `Fully addressed` only through an `equal` or `superset` crosswalk link
from a criterion the client's SOC 2 tested with no exceptions; `intersect`/`subset` links, or
exceptions noted, give at most `Partially addressed`; nothing gives `Not addressed`. Criteria
outside the client's SOC 2 scope count for nothing.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import catalog
from toolkit.guard import DEFAULT_LIMITS, Limits
from toolkit.reader import Record, WorkbookData, read_workbook
from toolkit.schema import load_spec
from toolkit.writer import Book, Table, write_book

FULL = "Fully addressed"
PARTIAL = "Partially addressed"
NOT = "Not addressed"
RATINGS = (FULL, PARTIAL, NOT)
RANK = {FULL: 2, PARTIAL: 1, NOT: 0}
#: The article's typical result for a SOC 2 organisation (percent of Annex A controls).
TYPICAL = {FULL: (60, 70), PARTIAL: (15, 20), NOT: (10, 20)}
PHASE_NAMES = {
    1: "Phase 1 - Gap Analysis",
    2: "Phase 2 - ISMS Foundation",
    3: "Phase 3 - Gap Remediation",
    4: "Phase 4 - Pre-Certification",
    5: "Phase 5 - Certification Audit",
}
ANNEX = "Annex A Gaps"
CLAUSES = "Clause Gaps"
MATRIX = "SOC 2 Controls"
CLEAN = "No exceptions noted"
EXCEPTIONS = "Exceptions noted"


@dataclass(frozen=True)
class ClientControl:
    id: str
    description: str
    criteria: tuple[str, ...]
    owner: str
    evidence: str
    result: str


@dataclass
class Inventory:
    """The client's SOC 2 controls, and what each criterion's controls show when tested."""

    controls: list[ClientControl] = field(default_factory=list)

    def by_criterion(self) -> dict[str, list[ClientControl]]:
        out: dict[str, list[ClientControl]] = defaultdict(list)
        for control in self.controls:
            for crit in control.criteria:
                out[crit].append(control)
        return out

    def state(self, criterion: str) -> str | None:
        """`clean`, `exceptions`, `untested`, or None when the criterion is outside the scope."""
        results = {c.result for c in self.by_criterion().get(criterion, [])}
        if not results:
            return None
        if EXCEPTIONS in results:
            return "exceptions"
        if CLEAN in results:
            return "clean"
        return "untested"


def inventory_from(book: WorkbookData) -> Inventory:
    inv = Inventory()
    for rec in book.records():
        cid = rec.get("Control ID")
        if cid is None:
            continue
        criteria = tuple(c for c in (rec.get("TSC Criteria") or []) if c in catalog.criteria())
        inv.controls.append(
            ClientControl(
                id=str(cid),
                description=rec.get("Control Description") or "",
                criteria=criteria,
                owner=rec.get("Control Owner") or "",
                evidence=rec.get("Evidence Reference") or "",
                result=rec.get("Test Result") or "Not tested",
            )
        )
    return inv


def read_inventory(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Inventory:
    return inventory_from(read_workbook(path, kind="soc2", limits=limits))


@dataclass
class Suggestion:
    rating: str
    criteria: list[str]
    controls: list[ClientControl]
    basis: str
    exceptions: list[ClientControl]


def suggest(iso_id: str, inv: Inventory) -> Suggestion:
    """The suggested rating of one Annex A control or clause requirement, with its basis."""
    by_crit = inv.by_criterion()
    links = [lk for lk in catalog.links_to(iso_id) if lk.soc2_id in by_crit]
    if not links:
        return Suggestion(NOT, [], [], "No SOC 2 criterion in the client's scope maps to this requirement.", [])
    rating = PARTIAL
    parts = []
    controls: dict[str, ClientControl] = {}
    exceptions: dict[str, ClientControl] = {}
    for lk in sorted(
        links, key=lambda lk: (-int(lk.relationship in catalog.FULL_RELATIONSHIPS), list(catalog.criteria()).index(lk.soc2_id))
    ):
        state = inv.state(lk.soc2_id)
        backing = by_crit[lk.soc2_id]
        for c in backing:
            controls.setdefault(c.id, c)
            if c.result == EXCEPTIONS:
                exceptions.setdefault(c.id, c)
        if lk.relationship in catalog.FULL_RELATIONSHIPS and state == "clean":
            rating = FULL
        said = {"clean": "tested, no exceptions", "exceptions": "exceptions noted", "untested": "not tested"}[state or "untested"]
        parts.append(f"{lk.soc2_id} {lk.relationship} ({said})")
    basis = "; ".join(parts)
    if rating == PARTIAL and any(lk.relationship in catalog.FULL_RELATIONSHIPS for lk in links):
        basis += ". Full coverage needs the equal/superset criterion tested with no exceptions."
    crits = sorted({lk.soc2_id for lk in links}, key=list(catalog.criteria()).index)
    return Suggestion(
        rating, crits, sorted(controls.values(), key=lambda c: c.id), basis, sorted(exceptions.values(), key=lambda c: c.id)
    )


def _owner(controls: Iterable[ClientControl]) -> str:
    owners = Counter(c.owner for c in controls if c.owner)
    return owners.most_common(1)[0][0] if owners else ""


def _gap_text(base: str, s: Suggestion) -> str:
    if s.exceptions:
        base += " SOC 2 exceptions noted on " + ", ".join(c.id for c in s.exceptions) + ": show they are corrected."
    return base


def annex_rows(inv: Inventory) -> list[dict[str, Any]]:
    guide = catalog.guidance("annex_a")
    rows = []
    for cid, control in catalog.annex_a().items():
        s = suggest(cid, inv)
        open_gap = s.rating != FULL
        rows.append(
            {
                "Control ID": cid,
                "Control Title": control.title,
                "Theme": control.theme,
                "SOC 2 Criteria": s.criteria,
                "SOC 2 Controls": "; ".join(c.id for c in s.controls),
                "Suggested Coverage": s.rating,
                "Coverage": s.rating,
                "Gap Description": _gap_text(guide[cid]["gap_description"], s) if open_gap else None,
                "Remediation Action": guide[cid]["remediation_action"] if open_gap else None,
                # Unassigned gaps sit with the ISMS manager until delegated.
                "Owner": _owner(s.controls) or ("ISMS Manager" if open_gap else None),
                "Target Phase": PHASE_NAMES[3] if open_gap else None,
                "Notes": None,
                "Rating Basis": s.basis,
            }
        )
    return rows


def clause_rows(inv: Inventory) -> list[dict[str, Any]]:
    guide = catalog.guidance("clause")
    rows = []
    for cid, clause in catalog.requirements().items():
        s = suggest(cid, inv)
        g = guide[cid]
        rows.append(
            {
                "Clause": cid,
                "Requirement": clause.title,
                "SOC 2 Criteria": s.criteria,
                "Suggested Coverage": s.rating,
                "Coverage": s.rating,
                "Gap Description": _gap_text(g["gap_description"], s) if s.rating != FULL else None,
                "Remediation Action": g["remediation_action"] if s.rating != FULL else None,
                "Owner": "ISMS Manager",
                "Target Phase": PHASE_NAMES[int(g["target_phase"])],
                "Notes": None,
                "Deliverable": g["deliverable"],
                "Rating Basis": s.basis,
            }
        )
    return rows


def distribution(ratings: Iterable[str]) -> dict[str, int]:
    counts = Counter(ratings)
    return {r: counts.get(r, 0) for r in RATINGS}


def build_gap(inv: Inventory) -> Book:
    from toolkit.gap_sheets import how_to_read, summary

    annex = annex_rows(inv)
    clauses = clause_rows(inv)
    matrix = [
        {
            "Control ID": c.id,
            "Control Description": c.description,
            "TSC Criteria": list(c.criteria),
            "Control Owner": c.owner,
            "Evidence Reference": c.evidence,
            "Test Result": c.result,
        }
        for c in inv.controls
    ]
    return Book(
        tables={ANNEX: Table(annex), CLAUSES: Table(clauses), MATRIX: Table(matrix)},
        custom={"Summary": summary(annex, clauses), "How to read": how_to_read(inv)},
    )


def write_gap(book: Book, path: str | os.PathLike[str], org: str | None = None) -> None:
    spec = load_spec("gap")
    write_book(spec, book, path, title=f"{spec.title} - {org}" if org else spec.title)


def coverage_of(book: WorkbookData) -> dict[str, Record]:
    """The consultant's rows of a returned gap workbook, by control id and clause."""
    out: dict[str, Record] = {}
    for sheet, key in ((ANNEX, "Control ID"), (CLAUSES, "Clause")):
        for rec in book.tables[sheet].records:
            k = rec.get(key)
            if isinstance(k, str) and k not in out:
                out[k] = rec
    return out
