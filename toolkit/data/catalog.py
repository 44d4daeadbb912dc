"""The catalogs the toolkit ships: Annex A, clauses 4-10, the SOC 2 criteria, the crosswalk.

Identifiers and short titles only; the standards' own text is copyrighted and never ships.
The files live in `toolkit/data/` and are read once per process. The standard is ISO/IEC
27001:2022 with its Amendment 1:2024 (climate change in clauses 4.1 and 4.2).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: How the toolkit names the standard it checks against, wherever it names it.
STANDARD = "ISO/IEC 27001:2022 with Amendment 1:2024"
#: The same, where space is short (sheet notes, change history lines).
STANDARD_SHORT = "ISO/IEC 27001:2022 + Amd 1:2024"
#: The edition of the SOC 2 criteria the catalog and crosswalk follow.
TSC_EDITION = "2017 Trust Services Criteria (revised points of focus, 2022)"

RELATIONSHIPS = ("equal", "subset", "superset", "intersect")
#: Relationships through which a tested criterion can fully address an ISO requirement.
FULL_RELATIONSHIPS = frozenset({"equal", "superset"})


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    theme: str
    new_in_2022: bool


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    is_requirement: bool
    #: What Amendment 1:2024 added to the clause (climate change in 4.1 and 4.2), blank elsewhere.
    amendment: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    category: str
    series: str
    series_title: str
    #: The COSO principle (1-17) a common criterion of CC1-CC5 restates; None for the others.
    coso_principle: int | None = None


@dataclass(frozen=True)
class Link:
    soc2_id: str
    iso_id: str
    relationship: str
    rationale: str
    n_sources: int


def _rows(name: str) -> list[dict[str, str]]:
    text = (_HERE / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def annex_a() -> dict[str, Control]:
    """The 93 Annex A controls of ISO/IEC 27001:2022, keyed by id, in catalog order."""
    return {r["id"]: Control(r["id"], r["title"], r["theme"], r["new_in_2022"] == "true") for r in _rows("annex_a.csv")}


@cache
def clauses() -> dict[str, Clause]:
    """Clauses 4-10, headings included; `requirements()` gives the ones that are requirements."""
    return {r["id"]: Clause(r["id"], r["title"], r["is_requirement"] == "true", r["amendment"]) for r in _rows("clauses.csv")}


@cache
def requirements() -> dict[str, Clause]:
    """The clause 4-10 requirements (4.1 ... 10.2), headings left out."""
    return {k: c for k, c in clauses().items() if c.is_requirement}


@cache
def criteria() -> dict[str, Criterion]:
    """The 61 SOC 2 Trust Services Criteria (2017, revised points of focus 2022)."""
    return {
        r["id"]: Criterion(
            r["id"],
            r["title"],
            r["category"],
            r["series"],
            r["series_title"],
            int(r["coso_principle"]) if r["coso_principle"] else None,
        )
        for r in _rows("soc2_tsc.csv")
    }


@cache
def crosswalk() -> tuple[Link, ...]:
    """The curated SOC 2 -> ISO 27001:2022 links, each typed and with a rationale."""
    return tuple(
        Link(r["soc2_id"], r["iso_id"], r["relationship"], r["rationale"], int(r["n_sources"])) for r in _rows("crosswalk.csv")
    )


@dataclass(frozen=True)
class Rejected:
    """A candidate pair from public mappings left out of the crosswalk on purpose, and why."""

    soc2_id: str
    iso_id: str
    n_sources: int
    sources: str
    reason: str


@cache
def rejected() -> tuple[Rejected, ...]:
    """Candidate links the curator refused, so the next curator does not add them back unread."""
    return tuple(
        Rejected(r["soc2_id"], r["iso_id"], int(r["n_sources"]), r["sources"], r["reason"])
        for r in _rows("crosswalk_rejected.csv")
    )


@cache
def links_from(soc2_id: str) -> tuple[Link, ...]:
    """Every crosswalk link of one SOC 2 criterion."""
    return tuple(link for link in crosswalk() if link.soc2_id == soc2_id)


@cache
def links_to(iso_id: str) -> tuple[Link, ...]:
    """Every crosswalk link that bears on one Annex A control or clause requirement."""
    return tuple(link for link in crosswalk() if link.iso_id == iso_id)


@cache
def criteria_for(iso_id: str) -> tuple[str, ...]:
    """The SOC 2 criteria linked to an ISO requirement, in catalog order."""
    order = list(criteria())
    return tuple(sorted({lk.soc2_id for lk in links_to(iso_id)}, key=order.index))


@cache
def guidance(kind: str) -> dict[str, dict[str, str]]:
    """Gap descriptions, remediation actions and what ISO expects beyond SOC 2 (`iso_expects`), in
    our own words: kind `annex_a` or `clause`."""
    return {r["id"]: r for r in _rows(f"{kind}_guidance.csv")}


def iso_ids() -> tuple[str, ...]:
    """Every id a gap assessment rates: the 93 Annex A controls, then the 30 clause requirements."""
    return (*annex_a(), *requirements())


def themes() -> list[str]:
    """Annex A themes in catalog order."""
    return list(dict.fromkeys(c.theme for c in annex_a().values()))


@dataclass(frozen=True)
class Step:
    """Where one ISO/IEC 27001:2013 control or clause went in 2022."""

    iso2013: str
    iso2022: str
    relationship: str  # the 2013 control is `relationship` of the 2022 one
    how: str


@cache
def transition() -> tuple[Step, ...]:
    """The 2013 -> 2022 transition, clauses and Annex A (our wording of the public mapping)."""
    return tuple(Step(r["iso2013_id"], r["iso2022_id"], r["relationship"], r["how"]) for r in _rows("transition_2013_2022.csv"))
