"""The gap assessment: the client's SOC 2 control matrix mapped onto Annex A and clauses 4-10.

A control is suggested `Fully addressed` only through an `equal` or `superset` crosswalk link
from a criterion the client's SOC 2 tested with no exceptions; `intersect`/`subset` links, or
exceptions noted, give at most `Partially addressed`; nothing gives `Not addressed`. Criteria
outside the client's SOC 2 scope count for nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from toolkit.data import catalog
from toolkit.kinds.soc2.model import EXCEPTIONS, ClientControl, Inventory
from toolkit.workbook.reader import Record, WorkbookData
from toolkit.workbook.schema import load_spec

SPEC = load_spec("gap")
#: The ratings, best first, as `workbook_templates/gap.toml` declares them.
RATINGS = SPEC.enum("coverage")
FULL, PARTIAL, NOT = RATINGS
RANK = {FULL: 2, PARTIAL: 1, NOT: 0}
#: The article's typical result for a SOC 2 organisation (percent of Annex A controls).
TYPICAL = {FULL: (60, 70), PARTIAL: (15, 20), NOT: (10, 20)}
#: The engagement's phases by number, as declared (`Phase 3 - Gap Remediation`).
PHASE_NAMES = dict(enumerate(SPEC.enum("phase"), start=1))
ANNEX = SPEC.sheet("Annex A Gaps").name
CLAUSES = SPEC.sheet("Clause Gaps").name


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


def distribution(ratings: Iterable[object]) -> dict[str, int]:
    counts = Counter(ratings)
    return {r: counts.get(r, 0) for r in RATINGS}


def coverage_of(book: WorkbookData) -> dict[str, Record]:
    """The consultant's rows of a returned gap workbook, by control id and clause."""
    out: dict[str, Record] = {}
    for sheet, key in ((ANNEX, "Control ID"), (CLAUSES, "Clause")):
        for rec in book.tables[sheet].records:
            k = rec.get(key)
            if isinstance(k, str) and k not in out:
                out[k] = rec
    return out
