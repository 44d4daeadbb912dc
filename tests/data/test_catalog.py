"""The shipped catalogs against the reference files, and the crosswalk's own rules."""

from __future__ import annotations

import csv
import os
from collections import Counter

import pytest

from tests.paths import REFERENCE
from toolkit.data import catalog


def reference(name: str) -> list[dict[str, str]]:
    path = REFERENCE / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"reference file {path} is required in CI (set CTK_SHARED to the shared folder)")
        pytest.skip(f"reference file {path} not present (the shared folder is not beside this checkout)")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_annex_a_matches_reference() -> None:
    ref = reference("iso27001_2022_annex_a.csv")
    controls = catalog.annex_a()
    assert len(controls) == 93
    assert [r["id"] for r in ref] == list(controls)
    assert all(controls[r["id"]].title == r["title"] for r in ref)
    assert Counter(c.theme for c in controls.values()) == {"Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}


def test_clauses_match_reference() -> None:
    ref = reference("iso27001_2022_clauses.csv")
    assert [r["id"] for r in ref] == list(catalog.clauses())
    reqs = catalog.requirements()
    assert len(reqs) == 30
    assert {"4", "5", "6", "6.1", "7", "7.5", "8", "9", "9.2", "9.3", "10"}.isdisjoint(reqs)
    assert next(iter(reqs)) == "4.1" and list(reqs)[-1] == "10.2"


def test_criteria_match_reference() -> None:
    ref = reference("soc2_tsc.csv")
    crit = catalog.criteria()
    assert [r["id"] for r in ref] == list(crit)
    assert len(crit) == 61
    assert sum(1 for c in crit if c.startswith("CC")) == 33
    assert sum(1 for c in crit if c.startswith("P") and not c.startswith("PI")) == 18


def test_crosswalk_is_typed_and_complete() -> None:
    links = catalog.crosswalk()
    assert links, "the crosswalk is empty"
    iso_ids = set(catalog.annex_a()) | set(catalog.requirements())
    for link in links:
        assert link.soc2_id in catalog.criteria(), link
        assert link.iso_id in iso_ids, link
        assert link.relationship in catalog.RELATIONSHIPS, link
        assert link.rationale.strip(), link
    assert len({(lk.soc2_id, lk.iso_id) for lk in links}) == len(links), "a pair is listed twice"
    assert {lk.soc2_id for lk in links} == set(catalog.criteria()), "every criterion must be considered"
    for link in links:
        if link.iso_id in catalog.requirements():
            assert link.relationship in ("intersect", "subset"), f"SOC 2 never fully meets a clause: {link}"


def test_crosswalk_sources_match_candidate_pairs() -> None:
    ref = {(r["soc2_id"], r["iso_id"]): int(r["n_sources"]) for r in reference("soc2_iso27001_2022_candidate_pairs.csv")}
    for link in catalog.crosswalk():
        assert link.n_sources == ref.get((link.soc2_id, link.iso_id), 0), link
    backed = sum(1 for lk in catalog.crosswalk() if lk.n_sources >= 2)
    assert backed / len(catalog.crosswalk()) > 0.6, "most links should follow the multi-source leads"


# The article's domain table: (criteria, ISO ids, strongest relationship expected somewhere)
DOMAIN_TABLE = [
    (
        ["CC6.1", "CC6.2", "CC6.3", "CC6.4", "CC6.5", "CC6.6", "CC6.7", "CC6.8"],
        ["A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.3", "A.8.4", "A.8.5"],
        "high",
    ),
    (["CC8.1"], ["A.8.32"], "high"),
    (["CC3.1", "CC3.2", "CC3.3", "CC3.4"], ["6.1.2", "A.5.7"], "moderate"),
    (["CC7.3", "CC7.4", "CC7.5"], ["A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28"], "high"),
    (["CC6.4", "CC6.5", "CC6.6"], ["A.7.1", "A.7.2", "A.8.1"], "high"),
    (["CC7.1", "CC7.2"], ["A.8.15", "A.8.16"], "high"),
    (["CC9.2"], ["A.5.19", "A.5.20", "A.5.21", "A.5.22", "A.5.23"], "moderate"),
    (["CC6.1", "CC6.7"], ["A.8.24"], "moderate"),
    (["CC1.4"], ["A.6.1", "A.6.2", "A.6.3"], "moderate"),
    (["A1.1", "A1.2", "A1.3"], ["A.5.29", "A.5.30"], "moderate"),
    (["P1.1", "P2.1", "P3.1", "P4.1", "P4.2", "P4.3", "P5.1", "P6.1", "P7.1", "P8.1"], ["A.5.34"], "moderate"),
]


@pytest.mark.parametrize(("criteria", "iso_ids", "level"), DOMAIN_TABLE)
def test_article_domain_table_holds(criteria: list[str], iso_ids: list[str], level: str) -> None:
    for iso_id in iso_ids:
        rels = {lk.relationship for lk in catalog.links_to(iso_id) if lk.soc2_id in criteria}
        assert rels, f"{iso_id} has no link from {criteria}"
        if level == "high":
            assert rels & catalog.FULL_RELATIONSHIPS, f"{iso_id}: high overlap needs an equal/superset link, has {rels}"


def test_no_requirement_text_ships() -> None:
    longest = max(len(lk.rationale) for lk in catalog.crosswalk())
    assert longest <= 200
    assert all(len(c.title) < 90 for c in catalog.annex_a().values())


def test_every_declared_kind_is_registered() -> None:
    from toolkit.kinds import REGISTRY
    from toolkit.workbook.schema import all_specs, declared_kinds

    assert sorted(REGISTRY) == list(declared_kinds())
    assert [s.kind for s in all_specs()] == list(declared_kinds())
