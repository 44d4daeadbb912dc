"""The truth table: what a lead auditor would rate, case by case (`tests/data/truth_table.toml`).

Each case holds only the client controls it lists; the rating ctk suggests must be the auditor's,
the controls the rating rests on must be the ones the auditor would cite, and an exception on a
control used for the ISO id must show in its Gap Description.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from toolkit.data import catalog
from toolkit.kinds.gap.model import YES, annex_rows, assess, clause_rows, mapping_rows
from toolkit.kinds.soc2.model import ClientControl, Inventory

TABLE = Path(__file__).resolve().parents[2] / "data" / "truth_table.toml"
CASES: list[dict[str, Any]] = tomllib.loads(TABLE.read_text(encoding="utf-8"))["case"]


def inventory(case: dict[str, Any]) -> Inventory:
    return Inventory(
        [
            ClientControl(
                c["id"],
                c["description"],
                tuple(c["criteria"]),
                "Owner",
                c.get("evidence", ""),
                c["result"],
                c.get("inherited", False),
            )
            for c in case["control"]
        ]
    )


def test_the_table_is_big_enough_and_well_formed() -> None:
    annex = {c["iso"] for c in CASES if c["iso"] in catalog.annex_a()}
    assert len(annex) >= 30, f"the truth table covers {len(annex)} Annex A controls; at least 30 are wanted"
    for case in CASES:
        assert case["iso"] in catalog.iso_ids(), case["iso"]
        assert case["expected"] in ("Fully addressed", "Partially addressed", "Not addressed"), case
        assert case["why"].strip(), case["iso"]
        ids = {c["id"] for c in case["control"]}
        assert set(case.get("cites", [])) | set(case.get("not_cites", [])) <= ids, case["iso"]
        for c in case["control"]:
            assert all(crit in catalog.criteria() for crit in c["criteria"]), c
    # Every rating appears, and so do the situations the rules are about.
    assert {c["expected"] for c in CASES} == {"Fully addressed", "Partially addressed", "Not addressed"}
    assert any(c.get("gap_mentions") for c in CASES), "no case with an exception"
    assert any(x.get("inherited") for c in CASES for x in c["control"]), "no case with a carve-out"
    assert any(c.get("not_cites") for c in CASES), "no case where a control's description is about something else"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['iso']}-{c['expected'].split()[0]}-{i}" for i, c in enumerate(CASES)])
def test_lead_auditor_rating(case: dict[str, Any]) -> None:
    inv = inventory(case)
    mapping = mapping_rows(inv)
    suggestions = assess(inv, mapping)
    s = suggestions[case["iso"]]
    assert s.rating == case["expected"], (
        f"{case['iso']}: {s.rating}, the auditor says {case['expected']} ({case['why']}); basis: {s.basis}"
    )
    used = {r["SOC 2 Control"] for r in mapping if r["ISO ID"] == case["iso"] and r["Use"] == YES}
    for cid in case.get("cites", []):
        assert cid in used, f"{case['iso']}: {cid} should be used; basis: {s.basis}"
        assert cid in s.basis, f"{case['iso']}: the Rating Basis does not name {cid}"
    for cid in case.get("not_cites", []):
        assert cid not in used, f"{case['iso']}: {cid} is about something else and must not be used"
    rows = annex_rows(inv, suggestions) if case["iso"] in catalog.annex_a() else clause_rows(inv, suggestions)
    row = next(r for r in rows if case["iso"] in (r.get("Control ID"), r.get("Clause")))
    for text in case.get("gap_mentions", []):
        assert text in (row["Gap Description"] or ""), f"{case['iso']}: the Gap Description hides {text}"
    assert row["ISO Expects Beyond SOC 2"], "every row says what ISO expects beyond SOC 2"
