"""The gap assessment: the client's SOC 2 controls mapped onto Annex A and clauses 4-10.

Ratings are made per client control, not per criterion (what a lead auditor would sign):

- `Control Mapping` proposes each client control for the ISO ids its criteria link to, where
  its description is about the ISO id (the topic signals in `toolkit/data/topic_signals.csv`).
  The consultant's `Use` decides; a row they add maps a control ctk did not propose.
- `Fully addressed` needs a clean (tested, no exceptions) client control that the client
  performs itself, through an `equal`/`superset` link, or whose description shows the ISO
  control's specific elements (an inventory *and* named owners for A.5.9). Otherwise
  `Partially addressed` at best; no control used: `Not addressed`.
- An exception on a client control caps exactly the ISO ids that control supports, and its
  text goes into those rows' Gap Description. Other ISO ids are untouched.
- A carve-out (`Inherited` = Yes) cannot carry a physical or infrastructure control on its own,
  and is raised to the supplier controls A.5.22 and A.5.23, where the reliance is managed.
- Clauses 4-10 are never fully met by SOC 2: their rows name the client controls that go part
  of the way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.data import catalog
from toolkit.data.signals import normalise, signals
from toolkit.kinds.soc2.model import CLEAN, EXCEPTIONS, NOT_TESTED, ClientControl, Inventory
from toolkit.workbook.reader import Record, WorkbookData
from toolkit.workbook.schema import load_spec

SPEC = load_spec("gap")
#: The ratings, best first, as `workbook_templates/gap.toml` declares them.
RATINGS = SPEC.enum("coverage")
FULL, PARTIAL, NOT = RATINGS
RANK = {FULL: 2, PARTIAL: 1, NOT: 0}
YES, NO = SPEC.enum("yesno")
#: The article's typical result for a SOC 2 organisation (percent of Annex A controls).
TYPICAL = {FULL: (60, 70), PARTIAL: (15, 20), NOT: (10, 20)}
#: The engagement's phases by number, as declared (`Phase 3 - Gap Remediation`).
PHASE_NAMES = dict(enumerate(SPEC.enum("phase"), start=1))
ANNEX = SPEC.sheet("Annex A Gaps").name
CLAUSES = SPEC.sheet("Clause Gaps").name
MAPPING = SPEC.sheet("Control Mapping").name
#: Controls a carve-out cannot carry on its own: the client's own premises and facilities stay in
#: scope (physical, A.7) and the redundancy it must specify (A.8.14).
INHERITED_CAP = frozenset({*(f"A.7.{i}" for i in range(1, 15)), "A.8.14"})
#: Where reliance on a carved-out provider is managed: supplier monitoring and cloud services.
RAISED_TO = ("A.5.22", "A.5.23")
INHERITED = "inherited"
MANUAL = "manual"
_STRENGTH = {"equal": 4, "superset": 3, "intersect": 2, "subset": 1, INHERITED: 1, MANUAL: 0}


def _quoted(words: Iterable[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


# --- Control Mapping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One row of Control Mapping: a client control proposed for one ISO id."""

    iso_id: str
    control: str
    relationship: str
    criteria: tuple[str, ...]  # the control's criteria that link to the ISO id
    topic: tuple[str, ...]  # the words showing the description is about the ISO id
    elements: tuple[str | None, ...]  # per element group, the word found or None

    @property
    def key(self) -> str:
        return mapping_key(self.control, self.iso_id)


def mapping_key(control: str, iso_id: str) -> str:
    return f"{control} > {iso_id}"


def _links(control: ClientControl, iso_id: str) -> tuple[str, tuple[str, ...]]:
    """The strongest relationship from the control's criteria to the ISO id, and the criteria that carry it."""
    links = [lk for lk in catalog.links_to(iso_id) if lk.soc2_id in control.criteria]
    if not links:
        return "", ()
    best = max(links, key=lambda lk: _STRENGTH[lk.relationship]).relationship
    return best, tuple(lk.soc2_id for lk in links if lk.relationship == best)


def examine(control: ClientControl, iso_id: str) -> Proposal:
    """What the crosswalk and the control's description say about the control and one ISO id."""
    relationship, via = _links(control, iso_id)
    if not relationship:
        relationship = INHERITED if control.inherited and iso_id in RAISED_TO else MANUAL
    sig = signals()[iso_id]
    return Proposal(
        iso_id,
        control.id,
        relationship,
        via,
        tuple(sig.topic_hits(control.description)),
        tuple(sig.element_hits(control.description)),
    )


def _relevance(p: Proposal) -> tuple[int, int, int]:
    return (sum(1 for e in p.elements if e), _STRENGTH[p.relationship], len(p.topic))


def propose(inv: Inventory) -> list[Proposal]:
    """Every proposal, in catalog order of ISO id and most relevant control first.

    A control is proposed (Use = Yes) for an ISO id its criteria link to when its description is
    about it; a carve-out also for A.5.22 and A.5.23. Where none of an in-scope criterion's
    controls is about an ISO id, its controls are listed with Use = No, for the consultant to
    switch on if the description undersells the control."""
    out: list[Proposal] = []
    for iso_id in catalog.iso_ids():
        about: list[Proposal] = []
        linked: list[Proposal] = []
        for control in inv.controls:
            p = examine(control, iso_id)
            if p.relationship == MANUAL:
                continue
            (about if p.topic else linked).append(p)
        chosen = about or linked
        out.extend(sorted(chosen, key=lambda p: (tuple(-x for x in _relevance(p)), p.control)))
    return out


def proposed_use(p: Proposal) -> str:
    return YES if p.topic else NO


def mapping_basis(p: Proposal, control: ClientControl | None) -> str:
    """The Basis column: what links the control to the ISO id, and what its description shows."""
    if control is None:
        return f"{p.control} is not in the SOC 2 control matrix."
    if p.relationship == INHERITED:
        link = "carve-out relied on through a provider: raised to the supplier controls"
    elif p.relationship == MANUAL:
        link = "added by hand: no crosswalk link from its criteria"
    else:
        link = f"{', '.join(p.criteria)} {p.relationship}"
    if not p.topic:
        return f"{link}; its description is not about {signals()[p.iso_id].shows} (set Use to Yes if it is)"
    shown = [e for e in p.elements if e]
    said = f"about it: {_quoted(p.topic)}"
    if shown and len(shown) == len(p.elements):
        said += f"; shows {signals()[p.iso_id].shows} ({_quoted(shown)})"
    return f"{link}; {said}"


def mapping_rows(inv: Inventory) -> list[dict[str, Any]]:
    """The Control Mapping sheet as generated: every proposal with its computed columns."""
    by_id = {c.id: c for c in inv.controls}
    rows = []
    for p in propose(inv):
        row = {"ISO ID": p.iso_id, "SOC 2 Control": p.control, "Use": proposed_use(p)}
        row.update(mapping_computed(row, by_id))
        rows.append(row)
    return rows


def mapping_computed(row: Mapping[str, Any], by_id: Mapping[str, ClientControl]) -> dict[str, Any]:
    """The computed columns of a mapping row (its key, the ISO title, relationship, basis, result)."""
    iso_id, cid = str(row.get("ISO ID") or ""), str(row.get("SOC 2 Control") or "")
    if iso_id not in signals():
        return {
            "ISO Title": None,
            "Relationship": None,
            "Basis": f"'{iso_id}' is not an Annex A control or clause requirement.",
            "Test Result": None,
            "Mapping": mapping_key(cid, iso_id),
        }
    control = by_id.get(cid)
    title = catalog.annex_a()[iso_id].title if iso_id in catalog.annex_a() else catalog.requirements()[iso_id].title
    if control is None:
        return {
            "ISO Title": title,
            "Relationship": None,
            "Basis": mapping_basis(Proposal(iso_id, cid, MANUAL, (), (), ()), None),
            "Test Result": None,
            "Mapping": mapping_key(cid, iso_id),
        }
    p = examine(control, iso_id)
    return {
        "ISO Title": title,
        "Relationship": p.relationship,
        "Basis": mapping_basis(p, control),
        "Test Result": control.result,
        "Mapping": mapping_key(cid, iso_id),
    }


# --- Ratings -------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    rating: str
    criteria: list[str]
    #: The client controls used for the ISO id (Use = Yes), most relevant first.
    controls: list[ClientControl]
    basis: str
    exceptions: list[ClientControl]
    #: The words that carried a Fully rating through the elements (control id, word), if any.
    carried: list[tuple[str, str]] = field(default_factory=list)


def _in_scope_criteria(iso_id: str, inv: Inventory) -> list[str]:
    scope = {c for control in inv.controls for c in control.criteria}
    return [c for c in catalog.criteria_for(iso_id) if c in scope]


def suggest(iso_id: str, inv: Inventory, used: Sequence[ClientControl], declined: Sequence[str] = ()) -> Suggestion:
    """The suggested rating of one Annex A control or clause requirement from the controls used for it."""
    criteria = _in_scope_criteria(iso_id, inv)
    sig = signals()[iso_id]
    is_clause = iso_id not in catalog.annex_a()
    if not used:
        if declined:
            basis = (
                f"Not addressed: {', '.join(criteria)} in scope, but none of their controls ({', '.join(declined[:6])}"
                f"{' ...' if len(declined) > 6 else ''}) is used for it in Control Mapping; set Use to Yes where one is about {sig.shows}."
            )
        elif criteria:
            basis = f"Not addressed: {', '.join(criteria)} in scope, but no client control is about {sig.shows}."
        else:
            basis = "Not addressed: no SOC 2 criterion in the client's scope links to it, and no client control is mapped to it."
        return Suggestion(NOT, criteria, [], basis, [])
    exceptions = [c for c in used if c.result == EXCEPTIONS]
    clean = [c for c in used if c.result == CLEAN]
    named = "; ".join(f"{c.id} ({_said(c)})" for c in used[:6]) + (" ..." if len(used) > 6 else "")
    if is_clause:
        return Suggestion(
            PARTIAL, criteria, list(used), f"Partially addressed (a clause is never fully met by SOC 2): {named}.", exceptions
        )
    if exceptions:
        return Suggestion(
            PARTIAL,
            criteria,
            list(used),
            f"Capped at Partially: exceptions noted on {', '.join(c.id for c in exceptions)}. Used: {named}.",
            exceptions,
        )
    own = [c for c in clean if not (c.inherited and iso_id in INHERITED_CAP)]
    if not own:
        why = (
            "its support is only inherited from a carved-out provider; the client's own premises and requirements still need controls"
            if clean
            else "none of its controls was tested with no exceptions"
        )
        return Suggestion(PARTIAL, criteria, list(used), f"Partially addressed: {why}. Used: {named}.", [])
    for c in own:
        relationship, via = _links(c, iso_id)
        if relationship in catalog.FULL_RELATIONSHIPS:
            return Suggestion(
                FULL,
                criteria,
                list(used),
                f"Fully addressed: {c.id} through {', '.join(via)} {relationship}, tested with no exceptions. Used: {named}.",
                [],
            )
    carried: list[tuple[str, str]] = []
    for group in sig.elements:
        hit = next(((c.id, w) for c in own for t in group if (w := t.word(_norm(c)))), None)
        if hit is None:
            missing = [t.text for t in group][:4]
            return Suggestion(
                PARTIAL,
                criteria,
                list(used),
                f"Partially addressed: no clean control shows {sig.shows} (nothing like {_quoted(missing)}). Used: {named}.",
                [],
            )
        carried.append(hit)
    shown = "; ".join(f"{cid}: '{word}'" for cid, word in carried)
    return Suggestion(
        FULL, criteria, list(used), f"Fully addressed: clean controls show {sig.shows} ({shown}). Used: {named}.", [], carried
    )


def _norm(c: ClientControl) -> str:
    return normalise(c.description)


def _said(c: ClientControl) -> str:
    if c.result == EXCEPTIONS:
        return "exceptions noted"
    if c.result == NOT_TESTED:
        return "not tested"
    return "inherited, no exceptions" if c.inherited else "no exceptions"


def assess(inv: Inventory, mapping: Iterable[Mapping[str, Any]]) -> dict[str, Suggestion]:
    """Every ISO id's suggestion from the Control Mapping rows as they stand (the consultant's Use)."""
    by_id = {c.id: c for c in inv.controls}
    used: dict[str, list[ClientControl]] = {}
    declined: dict[str, list[str]] = {}
    for row in mapping:
        iso_id, cid = row.get("ISO ID"), row.get("SOC 2 Control")
        control = by_id.get(str(cid)) if cid is not None else None
        if not isinstance(iso_id, str) or iso_id not in signals() or control is None:
            continue
        if row.get("Use") == YES:
            if control not in used.setdefault(iso_id, []):
                used[iso_id].append(control)
        elif control.id not in declined.setdefault(iso_id, []):
            declined[iso_id].append(control.id)
    return {iso_id: suggest(iso_id, inv, used.get(iso_id, []), declined.get(iso_id, [])) for iso_id in catalog.iso_ids()}


# --- The rated rows --------------------------------------------------------------------------------


def _owner(controls: Iterable[ClientControl]) -> str:
    owners = Counter(c.owner for c in controls if c.owner)
    return owners.most_common(1)[0][0] if owners else ""


def exception_text(s: Suggestion) -> str:
    parts = []
    for c in s.exceptions:
        found = c.exception
        parts.append(f"{c.id} ({found})" if found else c.id)
    return f" SOC 2 exceptions noted on {'; '.join(parts)}: show they are corrected and do not recur." if parts else ""


def _part_of_the_way(s: Suggestion) -> str:
    if not s.controls:
        return ""
    named = "; ".join(f"{c.id} ({_short(c.description, 70)})" for c in s.controls[:3])
    more = f"; and {len(s.controls) - 3} more in Control Mapping" if len(s.controls) > 3 else ""
    return f" Client controls that go part of the way: {named}{more}."


def computed_annex(cid: str, s: Suggestion) -> dict[str, Any]:
    return {
        "SOC 2 Criteria": s.criteria,
        "SOC 2 Controls": "; ".join(c.id for c in s.controls) or None,
        "Suggested Coverage": s.rating,
        "Rating Basis": s.basis,
        "ISO Expects Beyond SOC 2": catalog.guidance("annex_a")[cid]["iso_expects"],
    }


def computed_clause(cid: str, s: Suggestion) -> dict[str, Any]:
    return {
        "SOC 2 Criteria": s.criteria,
        "Suggested Coverage": s.rating,
        "Rating Basis": s.basis,
        "ISO Expects Beyond SOC 2": catalog.guidance("clause")[cid]["iso_expects"],
    }


def annex_rows(inv: Inventory, suggestions: Mapping[str, Suggestion] | None = None) -> list[dict[str, Any]]:
    suggestions = suggestions if suggestions is not None else assess(inv, mapping_rows(inv))
    guide = catalog.guidance("annex_a")
    rows = []
    for cid, control in catalog.annex_a().items():
        s = suggestions[cid]
        open_gap = s.rating != FULL
        rows.append(
            {
                "Control ID": cid,
                "Control Title": control.title,
                "Theme": control.theme,
                **computed_annex(cid, s),
                "Coverage": s.rating,
                "Gap Description": guide[cid]["gap_description"] + exception_text(s) if open_gap else None,
                "Remediation Action": guide[cid]["remediation_action"] if open_gap else None,
                # Unassigned gaps sit with the ISMS manager until delegated.
                "Owner": _owner(s.controls) or ("ISMS Manager" if open_gap else None),
                "Target Phase": PHASE_NAMES[3] if open_gap else None,
                "Notes": None,
            }
        )
    return rows


def clause_rows(inv: Inventory, suggestions: Mapping[str, Suggestion] | None = None) -> list[dict[str, Any]]:
    suggestions = suggestions if suggestions is not None else assess(inv, mapping_rows(inv))
    guide = catalog.guidance("clause")
    rows = []
    for cid, clause in catalog.requirements().items():
        s = suggestions[cid]
        g = guide[cid]
        rows.append(
            {
                "Clause": cid,
                "Requirement": clause.title,
                **computed_clause(cid, s),
                "Coverage": s.rating,
                "Gap Description": g["gap_description"] + _part_of_the_way(s) + exception_text(s),
                "Remediation Action": g["remediation_action"],
                "Owner": "ISMS Manager",
                "Target Phase": PHASE_NAMES[int(g["target_phase"])],
                "Notes": None,
                "Deliverable": g["deliverable"],
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


def mapped_controls(book: WorkbookData) -> dict[str, list[str]]:
    """The client controls a returned gap workbook uses for each ISO id (Use = Yes), in sheet order."""
    out: dict[str, list[str]] = {}
    table = book.tables.get(MAPPING)
    if table is not None and table.sheet is not None:
        for rec in table.records:
            iso_id, cid = rec.get("ISO ID"), rec.get("SOC 2 Control")
            if rec.get("Use") == YES and isinstance(iso_id, str) and cid is not None and str(cid) not in out.get(iso_id, []):
                out.setdefault(iso_id, []).append(str(cid))
        return out
    # A gap workbook from before Control Mapping: its SOC 2 Controls column.
    for rec in book.tables[ANNEX].records:
        iso_id = rec.get("Control ID")
        if isinstance(iso_id, str) and iso_id not in out:
            out[iso_id] = [c.strip() for c in str(rec.get("SOC 2 Controls") or "").split(";") if c.strip()]
    return out
