"""The SOC 2 control matrix's own rules: every control has an ID, once, and valid criteria."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.paths import AS_OF
from toolkit.findings import sort_findings
from toolkit.rules import Context
from toolkit.validation import check_book
from toolkit.workbook.reader import read_workbook

HEADER = ["Control ID", "Control Description", "TSC Criteria", "Control Owner", "Evidence Reference", "Test Result"]


def matrix(tmp_path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "SOC 2 Controls"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / "soc2.xlsx"
    wb.save(path)
    return path


GOOD = ["HA-AC-01", "Quarterly access reviews", "CC6.2; CC6.3", "IT", "Tickets", "No exceptions noted"]


def findings(path: Path) -> list[tuple[str, str | None, str | None]]:
    report = check_book(read_workbook(path, kind="soc2"), Context(as_of=AS_OF))
    return [(f.code, f.cell, f.key) for f in sort_findings(report.findings)]


def test_a_clean_matrix_has_no_findings(tmp_path: Path) -> None:
    assert findings(matrix(tmp_path, [GOOD])) == []


def test_no_criteria_or_unknown_criteria_are_soc001_at_the_cell(tmp_path: Path) -> None:
    rows = [
        GOOD,
        ["HA-AC-02", "Badge access", None, "IT", "List", "No exceptions noted"],
        ["HA-AC-03", "x", "CC10.1", "IT", "y", "Not tested"],
    ]
    assert findings(matrix(tmp_path, rows)) == [("SOC001", "C3", "HA-AC-02"), ("SOC001", "C4", "HA-AC-03")]


def test_a_blank_or_repeated_control_id_is_soc002(tmp_path: Path) -> None:
    rows = [GOOD, [None, "Backups", "A1.2", "Ops", "Logs", "No exceptions noted"], GOOD]
    assert findings(matrix(tmp_path, rows)) == [("SOC002", "A3", None), ("SOC002", "A4", "HA-AC-01")]
