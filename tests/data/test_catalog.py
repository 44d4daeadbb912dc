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


# Every link the domain review (shared/reviews/domain.md) judged wrong or overclaiming, as decided
# (F5: 13 wrong, F7: 19 overclaiming, the appendix's "defensible but strong" and our own review of
# the remaining superset links), and the links F8 found missing. A Fully rating through any of the
# intersect/subset ones now needs the client control's description to show the ISO specifics.
REVIEWED = [
    # F5
    ("CC1.1", "A.5.10", "intersect"),
    ("CC1.1", "A.6.2", "intersect"),
    ("CC1.1", "A.6.6", "intersect"),
    ("CC5.3", "A.5.1", "intersect"),
    ("CC6.1", "A.5.9", "intersect"),
    ("CC6.4", "A.7.4", "intersect"),
    ("CC7.4", "A.5.28", "intersect"),
    ("CC8.1", "A.5.8", "intersect"),
    ("CC8.1", "A.8.27", "intersect"),
    ("CC8.1", "A.8.28", "intersect"),
    ("CC8.1", "A.8.30", "intersect"),
    ("C1.1", "A.5.12", "subset"),
    ("C1.2", "A.8.10", "subset"),
    # F7
    ("CC1.5", "A.5.4", "intersect"),
    ("CC1.5", "A.6.4", "intersect"),
    ("CC2.2", "A.6.3", "intersect"),
    ("CC2.3", "A.5.5", "intersect"),
    ("CC4.1", "A.5.35", "intersect"),
    ("CC4.1", "A.5.36", "intersect"),
    ("CC6.1", "A.5.16", "intersect"),
    ("CC6.1", "A.5.17", "intersect"),
    ("CC6.1", "A.8.4", "intersect"),
    ("CC6.4", "A.7.6", "intersect"),
    ("CC6.6", "A.8.1", "intersect"),
    ("CC6.6", "A.8.21", "intersect"),
    ("CC6.7", "A.5.14", "intersect"),
    ("CC6.7", "A.6.7", "intersect"),
    ("CC6.7", "A.7.10", "intersect"),
    ("CC8.1", "A.8.25", "intersect"),
    ("CC8.1", "A.8.26", "intersect"),
    ("CC8.1", "A.8.29", "intersect"),
    ("CC8.1", "A.8.31", "intersect"),
    # appendix "defensible but strong", and the remaining superset links reviewed again
    ("CC1.3", "A.5.2", "intersect"),
    ("CC5.3", "A.5.37", "intersect"),
    ("CC6.4", "A.7.3", "intersect"),
    ("CC6.8", "A.8.18", "intersect"),
    ("CC7.2", "A.8.15", "intersect"),
    # kept: the criterion asks for everything the control does
    ("CC2.2", "A.6.8", "superset"),
    ("CC5.1", "A.5.3", "superset"),
    ("CC6.1", "A.5.15", "superset"),
    ("CC6.2", "A.5.18", "superset"),
    ("CC6.3", "A.8.2", "superset"),
    ("CC6.4", "A.7.1", "superset"),
    ("CC7.1", "A.8.8", "superset"),
    ("CC8.1", "A.8.32", "superset"),
    ("A1.1", "A.8.6", "equal"),
    # F8: missing links added
    ("CC3.2", "6.1.3", "intersect"),
    ("CC5.1", "6.1.3", "intersect"),
    ("CC9.1", "6.1.3", "intersect"),
    ("CC5.1", "8.3", "intersect"),
    ("CC9.1", "8.3", "intersect"),
    ("CC3.1", "6.2", "intersect"),
    ("CC6.7", "A.8.12", "intersect"),
    ("CC8.1", "A.8.33", "intersect"),
    ("CC6.8", "A.8.23", "intersect"),
    ("C1.1", "A.8.11", "intersect"),
    ("CC6.7", "A.7.7", "intersect"),
    ("CC4.1", "A.8.34", "intersect"),
    ("CC4.1", "9.2.1", "intersect"),
    ("CC4.1", "9.2.2", "intersect"),
    ("CC1.2", "9.3.1", "intersect"),
    ("CC1.3", "9.3.1", "intersect"),
    ("CC1.3", "9.3.2", "intersect"),
    ("CC4.2", "9.3.2", "intersect"),
    ("CC5.3", "7.5.1", "intersect"),
    ("CC5.3", "7.5.2", "intersect"),
    ("CC5.3", "7.5.3", "intersect"),
    ("CC2.2", "7.5.3", "intersect"),
]
#: Links taken out, each recorded in crosswalk_rejected.csv with its reason.
REMOVED = [("CC3.2", "8.3"), ("PI1.4", "A.5.33")]


@pytest.mark.parametrize(("soc2_id", "iso_id", "relationship"), REVIEWED, ids=[f"{a}-{b}" for a, b, _ in REVIEWED])
def test_reviewed_link(soc2_id: str, iso_id: str, relationship: str) -> None:
    links = {(lk.soc2_id, lk.iso_id): lk for lk in catalog.crosswalk()}
    link = links.get((soc2_id, iso_id))
    assert link is not None, f"{soc2_id} -> {iso_id} is missing"
    assert link.relationship == relationship, f"{soc2_id} -> {iso_id} is typed {link.relationship}, reviewed as {relationship}"
    assert 20 < len(link.rationale) <= 200 and "SOC 2 audit" not in link.rationale, link


def test_removed_links_are_recorded_as_rejected() -> None:
    links = {(lk.soc2_id, lk.iso_id) for lk in catalog.crosswalk()}
    rejected = {(r.soc2_id, r.iso_id): r for r in catalog.rejected()}
    for pair in REMOVED:
        assert pair not in links and pair in rejected, pair
    for pair, r in rejected.items():
        assert pair not in links, f"{pair} is both linked and rejected"
        assert r.soc2_id in catalog.criteria() and r.iso_id in catalog.iso_ids(), r
        assert 30 < len(r.reason) <= 220, r


def test_every_multi_source_candidate_is_linked_or_refused_with_a_reason() -> None:
    """F10: a candidate backed by two or more public mappings is either in the crosswalk or in
    crosswalk_rejected.csv, so the next curator does not add it back unread."""
    ref = {(r["soc2_id"], r["iso_id"]): int(r["n_sources"]) for r in reference("soc2_iso27001_2022_candidate_pairs.csv")}
    linked = {(lk.soc2_id, lk.iso_id) for lk in catalog.crosswalk()}
    rejected = {(r.soc2_id, r.iso_id): r for r in catalog.rejected()}
    for pair, n in ref.items():
        if n >= 2:
            assert pair in linked or pair in rejected, f"{pair} ({n} sources) is neither linked nor refused"
    for pair, r in rejected.items():
        assert r.n_sources == ref.get(pair, 0), r


# The article's domain table (its criteria, its ISO ids, its overlap level). Overlap says how much
# two frameworks share; it is not containment, so no row demands equal/superset links (F6). Each
# listed ISO id must be reachable from the listed criteria, or from the criteria named here instead
# (F9: every deviation from the article stated, with why).
DOMAIN_TABLE = [
    (
        "access",
        ["CC6.1", "CC6.2", "CC6.3", "CC6.4", "CC6.5", "CC6.6", "CC6.7", "CC6.8"],
        ["A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.3", "A.8.4", "A.8.5"],
        "high",
    ),
    ("change", ["CC8.1"], ["A.8.32"], "high"),
    ("risk", ["CC3.1", "CC3.2", "CC3.3", "CC3.4"], ["6.1.1", "6.1.2", "6.1.3", "A.5.7"], "moderate"),
    ("incident", ["CC7.3", "CC7.4", "CC7.5"], ["A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28"], "high"),
    ("physical", ["CC6.4", "CC6.5", "CC6.6"], [f"A.7.{i}" for i in range(1, 15)] + ["A.8.1"], "high"),
    ("monitoring", ["CC7.1", "CC7.2"], ["A.8.15", "A.8.16"], "high"),
    ("vendor", ["CC9.2"], ["A.5.19", "A.5.20", "A.5.21", "A.5.22", "A.5.23"], "moderate"),
    ("encryption", ["CC6.1", "CC6.7"], ["A.8.24"], "high"),
    ("hr", ["CC1.4"], [f"A.6.{i}" for i in range(1, 9)], "moderate"),
    ("continuity", ["A1.1", "A1.2", "A1.3"], ["A.5.29", "A.5.30"], "moderate"),
    ("privacy", [c for c in catalog.criteria() if c.startswith("P") and not c.startswith("PI")], ["A.5.34"], "moderate"),
]
#: Where the crosswalk reaches an article ISO id from other criteria than the article's row lists.
DEVIATIONS = {
    # Environmental protection of facilities is an availability matter in SOC 2 (A1.2), not CC6.4-6.6.
    "A.7.5": ["A1.2"],
    "A.7.8": ["A1.2"],
    "A.7.11": ["A1.2"],
    "A.7.12": ["A1.2"],
    "A.7.13": ["A1.2"],
    # Device-level protections (screen lock, off-site devices) sit under CC6.7.
    "A.7.7": ["CC6.7"],
    "A.7.9": ["CC6.7"],
    # SOC 2 spreads people security over conduct, accountability, communication and access removal.
    "A.6.4": ["CC1.1", "CC1.5"],
    "A.6.5": ["CC6.2"],
    "A.6.6": ["CC1.1", "CC9.2", "C1.1"],
    "A.6.7": ["CC6.1", "CC6.6", "CC6.7"],
    "A.6.8": ["CC2.2", "CC2.3", "CC7.3"],
}


@pytest.mark.parametrize(("name", "criteria", "iso_ids", "level"), DOMAIN_TABLE, ids=[r[0] for r in DOMAIN_TABLE])
def test_article_domain_table_is_reachable(name: str, criteria: list[str], iso_ids: list[str], level: str) -> None:
    for iso_id in iso_ids:
        sources = criteria + DEVIATIONS.get(iso_id, [])
        rels = {lk.relationship for lk in catalog.links_to(iso_id) if lk.soc2_id in sources}
        assert rels, f"{name}: {iso_id} has no link from {sources}"
        if iso_id in DEVIATIONS:
            assert not {lk.soc2_id for lk in catalog.links_to(iso_id)} & set(criteria), (
                f"{iso_id} is listed as a deviation but is linked from the row"
            )
        if level == "high":
            # High overlap: strong partial links at least, never subset alone.
            assert rels - {"subset"}, f"{name}: {iso_id} is only reached through subset links"


def test_topic_signals_cover_every_requirement() -> None:
    from toolkit.data.signals import signals

    sig = signals()
    assert list(sig) == list(catalog.iso_ids())
    for iso_id, s in sig.items():
        assert s.topic and s.shows, iso_id
        if iso_id in catalog.annex_a():
            assert len(s.elements) >= 1, f"{iso_id} has no elements: nothing could ever show it fully"
        else:
            assert not s.elements, f"{iso_id}: a clause is never fully met by SOC 2, so it needs no elements"


def test_guidance_says_what_iso_expects_for_every_row() -> None:
    for kind, ids in (("annex_a", catalog.annex_a()), ("clause", catalog.requirements())):
        guide = catalog.guidance(kind)
        assert set(guide) == set(ids)
        for cid, row in guide.items():
            assert 40 < len(row["iso_expects"]) <= 260, cid
            assert " shall " not in f" {row['iso_expects']} {row['gap_description']} {row['remediation_action']} ", cid


def test_amendment_1_2024_is_known() -> None:
    """F1: climate change in 4.1 and 4.2 (ISO/IEC 27001:2022/Amd 1:2024)."""
    assert "Amd 1:2024" in catalog.STANDARD_SHORT and "Amendment 1:2024" in catalog.STANDARD
    amended = {cid for cid, c in catalog.clauses().items() if c.amendment}
    assert amended == {"4.1", "4.2"}
    guide = catalog.guidance("clause")
    for cid in ("4.1", "4.2"):
        assert "climate" in guide[cid]["remediation_action"] and "climate" in guide[cid]["iso_expects"].casefold()


def test_tsc_catalog_keeps_the_coso_principles() -> None:
    """F3: CC1-CC5 are the 17 COSO principles."""
    coso = [c.coso_principle for c in catalog.criteria().values() if c.series in ("CC1", "CC2", "CC3", "CC4", "CC5")]
    assert sorted(coso) == list(range(1, 18))  # type: ignore[type-var]
    assert catalog.criteria()["CC2.1"].coso_principle == 13 and catalog.criteria()["CC3.1"].coso_principle == 6
    assert catalog.criteria()["PI1.5"].title != "Processing Integrity Backups"


def test_no_requirement_text_ships() -> None:
    longest = max(len(lk.rationale) for lk in catalog.crosswalk())
    assert longest <= 200
    assert all(len(c.title) < 90 for c in catalog.annex_a().values())


def test_every_declared_kind_is_registered() -> None:
    from toolkit.kinds import REGISTRY
    from toolkit.workbook.schema import all_specs, declared_kinds

    assert sorted(REGISTRY) == list(declared_kinds())
    assert [s.kind for s in all_specs()] == list(declared_kinds())
