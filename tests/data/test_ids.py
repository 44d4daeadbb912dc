from __future__ import annotations

import pytest

from toolkit.data.ids import (
    natural_key,
    normalize_clause_id,
    normalize_control_id,
    normalize_risk_id,
    normalize_soc2_id,
    split_list,
)


@pytest.mark.parametrize("text", ["A.5.1", "5.1", "A5.1", "A 5.1", "A.05.01", "a.5.1", "  A.5.1  ", "A . 5 . 1"])
def test_control_spellings(text: str) -> None:
    assert normalize_control_id(text) == "A.5.1"


@pytest.mark.parametrize("text", ["", "A.5", "B.5.1", "A.5.1.2", "control", None])
def test_not_controls(text: str | None) -> None:
    assert normalize_control_id(text) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("cc 6.1", "CC6.1"), ("CC06.01", "CC6.1"), ("a1.2", "A1.2"), ("PI 1.5", "PI1.5"), ("p8.1", "P8.1")]
)
def test_soc2_spellings(text: str, expected: str) -> None:
    assert normalize_soc2_id(text) == expected


def test_clauses_and_risks_and_lists() -> None:
    assert normalize_clause_id("Clause 6.1.2") == "6.1.2"
    assert normalize_clause_id("06.01.02") == "6.1.2"
    assert normalize_clause_id("10.2") == "10.2"
    assert normalize_risk_id(" r 7 ") == "R-7"
    assert normalize_risk_id("R-007") == "R-007"
    assert split_list("A.5.1; 5.2,\nA 5.3") == ["A.5.1", "5.2", "A 5.3"]
    assert sorted(["A.5.10", "A.5.2"], key=natural_key) == ["A.5.2", "A.5.10"]
