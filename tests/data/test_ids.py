from __future__ import annotations

import datetime as dt

import pytest

from toolkit.data.ids import (
    clause_reading,
    control_ids_in,
    extract_id,
    id_from_date,
    lost_zero,
    natural_key,
    normalize_clause_id,
    normalize_control_id,
    normalize_risk_id,
    normalize_soc2_id,
    soc2_ids_in,
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


# --- ids as workbooks ctk did not write carry them ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "scheme", "rest"),
    [
        (
            "[A.5.1] Organizational - Policies for information security",
            "A.5.1",
            "2022",
            "Organizational - Policies for information security",
        ),
        ("A.5.1 Policies for information security", "A.5.1", "2022", "Policies for information security"),
        ("A.5.1: Policies", "A.5.1", "2022", "Policies"),
        ("A.8.12 – Data leakage prevention", "A.8.12", "2022", "Data leakage prevention"),
        ("Control 5.17", "A.5.17", "2022", ""),
        ("Annex A 5.17", "A.5.17", "2022", ""),
        ("(A.05.01)", "A.5.1", "2022", ""),
        ("5.20", "A.5.20", "2022", ""),
        ("Clause 9", "9", "clause", ""),
        ("Clause 9.2 Internal audit", "9.2", "clause", "Internal audit"),
        ("9.2", "9.2", "clause", ""),
        ("A.5.1.1 Information Security Policy", "A.5.1.1", "2013", "Information Security Policy"),
        ("12.1.1", "A.12.1.1", "2013", ""),
        ("A.09.02.01", "A.9.2.1", "2013", ""),
    ],
)
def test_extract_id(text: str, expected: str, scheme: str, rest: str) -> None:
    found = extract_id(text)
    assert found is not None
    assert (found.id, found.scheme, found.rest) == (expected, scheme, rest)


@pytest.mark.parametrize(
    "text",
    [
        "A.5 Organizational controls",  # a section row
        "17.1",  # a 2013 objective
        "4.0",  # a rating
        "1 - Initial",
        "CC1.1",
        "A1.2",
        "| **A.5.15** | Access control |",  # a pasted markdown table
        "ISO 27001:2021 Controls",
        "Control Annex A",
        "CNB-C-001",
        "2017-01-01",
        "",
        None,
    ],
)
def test_extract_id_refuses(text: str | None) -> None:
    assert extract_id(text) is None


def test_bare_ids_also_read_as_clauses() -> None:
    bare = extract_id("6.1.2")
    assert bare is not None and bare.scheme == "2013" and clause_reading(bare) == "6.1.2"
    written = extract_id("A.6.1.2")
    assert written is not None and clause_reading(written) is None
    assert clause_reading(extract_id("5.2")) == "5.2"  # type: ignore[arg-type]
    assert clause_reading(extract_id("Control 5.2")) is None  # type: ignore[arg-type]


def test_dates_that_were_ids() -> None:
    assert id_from_date(dt.date(2017, 1, 1)) == "A.17.1.1"
    assert id_from_date(dt.date(2011, 2, 9)) == "A.11.2.9"
    assert id_from_date(dt.date(2026, 5, 1)) is None  # a real date
    assert id_from_date(dt.date(2012, 11, 1)) is None


def test_numbers_that_lost_a_zero() -> None:
    assert lost_zero("A.5.2") == "A.5.20"
    assert lost_zero("A.8.3") == "A.8.30"
    assert lost_zero("A.7.1") == "A.7.10"
    assert lost_zero("A.5.4") is None  # there is no A.5.40
    assert lost_zero("A.6.3") is None
    assert lost_zero("A.5.20") is None


@pytest.mark.parametrize(
    ("text", "found", "leftover"),
    [
        ("CC6.1 - The entity implements logical access security software, infrastructure, and architectures", ["CC6.1"], []),
        ("CC6.2/CC6.3", ["CC6.2", "CC6.3"], []),
        ("CC6.2 & CC6.3", ["CC6.2", "CC6.3"], []),
        ("CC6.2 CC6.3", ["CC6.2", "CC6.3"], []),
        ("CC6.2 and CC6.3", ["CC6.2", "CC6.3"], []),
        ("CC 6.1, C 1.1", ["CC6.1", "C1.1"], []),
        ("cc6.1\nCC6.2; PI1.5", ["CC6.1", "CC6.2", "PI1.5"], []),
        ("CC6.1-CC6.3", ["CC6.1", "CC6.2", "CC6.3"], []),
        ("CC6.1 to 6.3", ["CC6.1", "CC6.2", "CC6.3"], []),
        ("CC6.1 - 2 of 25 samples", ["CC6.1"], []),
        ("CC10.1, CC6.1", ["CC6.1"], ["CC10.1"]),
        ("A.5.1", [], ["A.5.1"]),
        ("logical access", [], ["logical access"]),
        ("", [], []),
    ],
)
def test_soc2_ids_in(text: str, found: list[str], leftover: list[str]) -> None:
    assert soc2_ids_in(text) == (found, leftover)


@pytest.mark.parametrize(
    ("text", "found", "leftover"),
    [
        ("Control 7.1, 7.2, 7.3 and 7.4", ["A.7.1", "A.7.2", "A.7.3", "A.7.4"], []),
        ("A.5.1; 5.2\nA 5.3", ["A.5.1", "A.5.2", "A.5.3"], []),
        ("A.5.29/A.5.30", ["A.5.29", "A.5.30"], []),
        ("A.5.15 Access control; A.8.2 Privileged access rights", ["A.5.15", "A.8.2"], []),
        ("A.9.2.1", ["A.9.2.1"], []),
        ("Firewall, A.8.20", ["A.8.20"], ["Firewall"]),
        ("Clause 9", [], ["Clause 9"]),
        ("Clause 5.3", [], ["Clause 5.3"]),
        ("—", [], []),
    ],
)
def test_control_ids_in(text: str, found: list[str], leftover: list[str]) -> None:
    assert control_ids_in(text) == (found, leftover)


def test_risk_ids_kept_as_written() -> None:
    assert normalize_risk_id("R001") == "R001"
    assert normalize_risk_id("r01") == "R01"
    assert normalize_risk_id("R.1") == "R.1"
    assert normalize_risk_id("R_1") == "R_1"
    assert normalize_risk_id("CNB-C-001") == "CNB-C-001"
