"""Locating a table in a grid: header rows, names, the key by its values, rows that are not records."""

from __future__ import annotations

from typing import Any

from toolkit.workbook import tables
from toolkit.workbook.tables import RECORD, STOP, Named, RowFilter, locate

SOA = [
    Named("Control ID", ("Control", "Control No", "Control Annex A", "Annex A Control")),
    Named("Control Title", ("Control", "Control Name", "Annex A Control")),
    Named("Applicable", ("Applicability",)),
    Named("Justification", ()),
    Named("Evidence Reference", ("Evidence",)),
]


def classify_all(
    grid: list[list[Any]], layout: tables.Layout, key: str | None, key_type: str, **kw: Any
) -> tuple[list[int], RowFilter]:
    f = RowFilter(grid, layout, key, key_type, **kw)
    out = []
    for r in range(layout.body, len(grid)):
        row = grid[r]
        filled = sum(1 for c in f.cols if c < len(row) and not tables.placeholder(row[c]))
        key_filled = f.kc is not None and f.kc < len(row) and not tables.placeholder(row[f.kc])
        verdict = f.classify(r, row, filled, key_filled)
        if verdict == STOP:
            break
        if verdict == RECORD:
            out.append(r + 1)
    return out, f


def test_title_rows_and_leading_words() -> None:
    grid: list[list[Any]] = [
        ["Acme SoA"],
        ["Version 2"],
        ["Control Ref", "Control Name", "Applicable?", "Justification for Inclusion / Exclusion", "Evidence / Notes"],
        ["5.1", "Policies", "Yes", "R-1", "POL-1"],
    ]
    layout = locate(grid, [Named("Control ID", ("Control Ref",)), *SOA[1:]], "Control ID", "control_id")
    assert layout is not None and layout.header_rows == (2,)
    assert layout.columns == {"Control ID": 0, "Control Title": 1, "Applicable": 2, "Justification": 3, "Evidence Reference": 4}


def test_key_column_told_by_its_values_and_the_other_is_the_title() -> None:
    ids_first = [["Control", "Annex A Control", "Applicability"], [5.15, "Access control", "Yes"], [5.3, "ICT readiness", "Yes"]]
    titles_first = [["Control Annex A", "Control", "Applicability"], [5.15, "Access control", "Yes"], [8.3, "Outsourced", "No"]]
    a = locate(ids_first, SOA, "Control ID", "control_id", title="Control Title")
    b = locate(titles_first, SOA, "Control ID", "control_id", title="Control Title")
    assert a is not None and (a.columns["Control ID"], a.columns["Control Title"]) == (0, 1)
    assert b is not None and (b.columns["Control ID"], b.columns["Control Title"]) == (0, 1)


def test_two_row_header_under_merged_groups() -> None:
    grid: list[list[Any]] = [
        ["Risk Number", "Information Security", None, None, "Threat", None, "Owner"],
        [None, "C", "I", "A", "Probability", "Impact"],
        ["R001", 3, 2, 1, 3, 2, "IT"],
    ]
    risk = [
        Named("Risk ID", ("Risk Number",)),
        Named("Confidentiality", ("C",)),
        Named("Integrity", ("I",)),
        Named("Availability", ("A",)),
        Named("Threat", ()),
        Named("Likelihood", ("Probability",)),
        Named("Impact", ()),
        Named("Risk Owner", ("Owner",)),
    ]
    merged = [((0, 1), (0, 3)), ((0, 4), (0, 5))]
    layout = locate(grid, risk, "Risk ID", "risk_id", merged)
    assert layout is not None and layout.header_rows == (0, 1) and layout.body == 2
    assert layout.columns == {
        "Risk ID": 0,
        "Confidentiality": 1,
        "Integrity": 2,
        "Availability": 3,
        "Likelihood": 4,
        "Impact": 5,
        "Risk Owner": 6,
    }


def test_a_header_that_joins_two_columns_is_not_either() -> None:
    grid: list[list[Any]] = [["Risk ID", "Threat", "Treatment / Owner"], ["R-1", "Fire", "Mitigate / CISO"]]
    named = [Named("Risk ID"), Named("Threat"), Named("Treatment"), Named("Risk Owner", ("Owner",))]
    layout = locate(grid, named, "Risk ID", "risk_id")
    assert layout is not None and "Treatment" not in layout.columns and "Risk Owner" not in layout.columns
    assert layout.combined == [("Treatment / Owner", ("Treatment", "Risk Owner"))]


def test_leading_word_match_of_a_typed_column_needs_fitting_values() -> None:
    grid: list[list[Any]] = [["Risk ID", "Threat", "Controls in place"], ["R-1", "Fire", "Sprinklers and drills"]]
    named = [Named("Risk ID"), Named("Threat"), Named("Annex A Controls", ("Controls",), fits=lambda v: "A." in str(v))]
    layout = locate(grid, named, "Risk ID", "risk_id")
    assert layout is not None and "Annex A Controls" not in layout.columns


def test_sections_repeated_header_and_a_tail_after_blank_rows() -> None:
    header = ["Control Annex A", "Control", "Applicability", "Justification"]
    grid: list[list[Any]] = [
        header,
        [5.15, "Access control", "Yes", "R-1"],
        [None],
        ["Controls NOT Applicable"],
        header,
        [8.3, "Outsourced development", "No", "In house"],
        [None],
        ["Document Version:"],
        ["1.0"],
        ["Approved By:", "CEO"],
    ]
    layout = locate(grid, SOA, "Control ID", "control_id", title="Control Title")
    assert layout is not None
    rows, f = classify_all(grid, layout, "Control ID", "control_id")
    assert rows == [2, 6]
    assert (f.section_rows, f.repeated_headers, f.tail) == ([4], [5], (8, 10))


def test_2013_objective_and_domain_rows_are_not_records() -> None:
    grid: list[list[Any]] = [
        ["Clause", "Section", "Control", "Applicability", "Justification"],
        ["A.9 Access control"],
        [None, "9.2", "User access management"],
        [None, "9.2.1", "User registration", "Yes", "Joiners"],
        [None, "A.12", "Operations security"],
        [None, 12.1, "Procedures"],
        [None, "12.1.1", "Documented procedures", "Yes", "Runbooks"],
    ]
    layout = locate(grid, SOA, "Control ID", "control_id", title="Control Title")
    assert layout is not None and layout.columns["Control ID"] == 1 and layout.key_by_value
    rows, f = classify_all(grid, layout, "Control ID", "control_id", scheme_2013=True)
    assert rows == [4, 7] and f.section_rows == [2, 3, 5, 6]


def test_a_pasted_markdown_table_is_a_tail() -> None:
    grid: list[list[Any]] = [
        ["Control ID", "Applicable", "Justification"],
        ["A.5.15", "Yes", "RBAC"],
        ["A.8.30", "No", "In house"],
        [],
        [],
        ["## Status"],
        ["| Control ID | Status |"],
        ["| **A.5.15** | Implemented |", "with MFA"],
    ]
    layout = locate(grid, SOA, "Control ID", "control_id")
    assert layout is not None and layout.key_fit == 1.0
    rows, f = classify_all(grid, layout, "Control ID", "control_id")
    assert rows == [2, 3] and f.tail == (6, 8)


def test_merged_down_cells_fill_their_rows_but_not_across() -> None:
    grid: list[list[Any]] = [["ID", "Criteria"], ["1", "CC6.1"], ["2", None], ["3", None], ["A section", None]]
    tables.fill_merged(grid, [((1, 1), (3, 1)), ((4, 0), (4, 1))])
    assert [r[1] for r in grid[1:]] == ["CC6.1", "CC6.1", "CC6.1", None]


def test_key_spellings() -> None:
    import datetime as dt

    assert tables.control_key(dt.datetime(2017, 1, 1)).id == "A.17.1.1"  # type: ignore[union-attr]
    assert tables.control_key(5.2).id == "A.5.2"  # type: ignore[union-attr]
    assert tables.control_key("Clause 9") is None and tables.clause_key("Clause 9") == "9"
    assert tables.free_key("R-001") and tables.free_key(7) and not tables.free_key("Controls NOT Applicable")
