"""SoA rules as data: (edit a filled-in SoA as a client would, expected code, cell, key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.helpers import fill_by_hand, soa_row, write_filled_soa
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.data import catalog
from toolkit.kinds.soa.build import DOC, SHEET
from toolkit.validation import validate
from toolkit.workbook.cells import col_letter
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import load_spec

#: Each column's letter, as the declaration lays the sheet out.
COLS = {c.name: col_letter(i) for i, c in enumerate(load_spec("soa").sheet(SHEET).columns)}

# (id, edit, code, cell or None, key); `{col}` is the edited column's letter, `{row}` its row
CASES: list[tuple[str, tuple[Any, ...], str, str | None, str | None]] = [
    ("applicable-blank", ("set", "A.5.7", "Applicable", None), "SOA004", "{col}{row}", "A.5.7"),
    ("applicable-invalid", ("set", "A.5.8", "Applicable", "Maybe"), "WB003", "{col}{row}", "A.5.8"),
    ("excluded-no-justification", ("set", "A.7.5", "Justification", None), "SOA005", "{col}{row}", "A.7.5"),
    ("excluded-wrong-status", ("set", "A.7.5", "Implementation Status", "Implemented"), "SOA006", "{col}{row}", "A.7.5"),
    ("excluded-blank-status", ("set", "A.7.5", "Implementation Status", None), "SOA006", "{col}{row}", "A.7.5"),
    ("applicable-no-evidence", ("set", "A.8.1", "Evidence Reference", None), "SOA007", "{col}{row}", "A.8.1"),
    ("applicable-not-applicable", ("set", "A.8.2", "Implementation Status", "Not applicable"), "SOA008", "{col}{row}", "A.8.2"),
    ("applicable-blank-status", ("set", "A.8.3", "Implementation Status", None), "SOA008", "{col}{row}", "A.8.3"),
    ("applicable-no-justification", ("set", "A.5.2", "Justification", None), "SOA009", "{col}{row}", "A.5.2"),
    ("status-invalid", ("set", "A.5.9", "Implementation Status", "Done"), "WB003", "{col}{row}", "A.5.9"),
    ("control-missing", ("delete", "A.6.3"), "SOA001", None, "A.6.3"),
    ("control-duplicate", ("set", "A.5.3", "Control ID", "5.2"), "SOA002", "{col}{row}", "A.5.2"),
    ("control-2013-id", ("set", "A.5.4", "Control ID", "A.9.2.3"), "SOA003", "{col}{row}", "A.9.2.3"),
    ("control-unknown", ("set", "A.5.5", "Control ID", "A.5.38"), "SOA003", "{col}{row}", "A.5.38"),
    ("review-not-a-date", ("set", "A.5.6", "Last Reviewed", "last spring"), "WB004", "{col}{row}", "A.5.6"),
    ("doc-version-empty", ("doc", "Version", None), "SOA010", "B6", None),
    ("doc-approver-empty", ("doc", "Approved By", None), "SOA011", "B8", None),
    ("doc-approval-date-empty", ("doc", "Approval Date", None), "SOA012", "B9", None),
    ("doc-approval-date-text", ("doc", "Approval Date", "soon"), "WB004", "B9", None),
    # F24-F27: justifications, reasons for selection, target dates, version history
    (
        "justified-by-soc2",
        (
            "set",
            "A.5.12",
            "Justification",
            "Required by customer commitments already evidenced through SOC 2 (CC6.1)",
            "Related Risks",
            None,
        ),
        "SOA015",
        "{col}{row}",
        "A.5.12",
    ),
    (
        "no-reason-for-selection",
        ("set", "A.5.10", "Related Risks", None),
        "SOA016",
        COLS["Legal / Regulatory"] + "{row}",
        "A.5.10",
    ),
    (
        "planned-no-target-date",
        ("set", "A.5.11", "Implementation Status", "Planned"),
        "SOA017",
        COLS["Target Date"] + "{row}",
        "A.5.11",
    ),
    ("doc-version-not-in-history", ("doc", "Version", "2.0"), "SOA018", "B6", None),
]


def apply(path: Path, edit: tuple[Any, ...]) -> int | None:
    wb = openpyxl.load_workbook(path)
    row: int | None = None
    if edit[0] == "doc":
        ws = wb[DOC]
        for r in ws.iter_rows(min_row=1, max_row=15):
            if r[0].value == edit[1]:
                r[1].value = edit[2]
    else:
        ws = wb[SHEET]
        row = soa_row(ws, edit[1])
        if edit[0] == "delete":
            ws.delete_rows(row)
            row = None
        else:
            for column, value in zip(edit[2::2], edit[3::2], strict=True):
                ws[f"{COLS[column]}{row}"] = value
    wb.save(path)
    return row


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_filled_soa(tmp_path_factory.mktemp("soa") / "soa.xlsx")


def test_filled_soa_is_clean(filled: Path) -> None:
    report = validate([filled], as_of=AS_OF)
    assert report.as_dict()["files"][0]["findings"] == []
    assert report.exit_code == 0


def test_blank_soa_filled_by_hand_validates(tmp_path: Path) -> None:
    path = tmp_path / "soa.xlsx"
    assert main.main(["soa", "new", "-o", str(path)], standalone_mode=False) is None
    before = validate([path], as_of=AS_OF)
    assert before.exit_code == 1
    fill_by_hand(path)
    after = validate([path], as_of=AS_OF)
    assert [f.code for f in after.files[0].findings] == []


@pytest.mark.parametrize(("name", "edit", "code", "cell", "key"), CASES, ids=[c[0] for c in CASES])
def test_rule_case(
    filled: Path, tmp_path: Path, name: str, edit: tuple[Any, ...], code: str, cell: str | None, key: str | None
) -> None:
    path = tmp_path / "soa.xlsx"
    path.write_bytes(filled.read_bytes())
    row = apply(path, edit)
    findings = validate([path], as_of=AS_OF).files[0].findings
    expected_cell = cell.format(col=COLS[edit[2]] if edit[0] == "set" else "", row=row) if cell else None
    hits = [f for f in findings if f.code == code and f.cell == expected_cell and f.key == key]
    assert hits, f"expected {code} at {expected_cell} [{key}], got {[(f.code, f.cell, f.key) for f in findings]}"
    hit = hits[0]
    if expected_cell is not None:
        assert hit.row == int("".join(ch for ch in expected_cell if ch.isdigit()))
    else:
        assert hit.row is None


@pytest.mark.parametrize("spelling", ["5.1", "A 05.01", "A5.1", " a.5.1 ", "A.05.01"])
def test_control_id_spellings_are_recognised(filled: Path, tmp_path: Path, spelling: str) -> None:
    path = tmp_path / "soa.xlsx"
    path.write_bytes(filled.read_bytes())
    apply(path, ("set", "A.5.1", "Control ID", spelling))
    assert validate([path], as_of=AS_OF).files[0].findings == []


def test_every_soa_rule_has_a_case() -> None:
    from toolkit.kinds import all_rules as load_all

    covered = {c[2] for c in CASES} | {"SOA013", "SOA014", "SOA019"}
    soa_codes = {code for code, r in load_all().items() if r.kind == "soa"}
    assert soa_codes <= covered
    assert len(catalog.annex_a()) == 93


def test_review_overdue_and_title_warnings(filled: Path, tmp_path: Path) -> None:
    path = tmp_path / "soa.xlsx"
    path.write_bytes(filled.read_bytes())
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["B2"] = "Policies"
    wb.save(path)
    later = AS_OF.replace(year=2028)
    findings = validate([path], as_of=later).files[0].findings
    assert {(f.code, f.severity) for f in findings} == {("SOA013", "warning"), ("SOA014", "warning")}
    assert validate([path], as_of=later).exit_code == 0


def test_headers_as_clients_write_them(filled: Path, tmp_path: Path) -> None:
    path = tmp_path / "soa.xlsx"
    path.write_bytes(filled.read_bytes())
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for cell, text in (("A1", "Control ID*"), ("D1", "Applicable?"), ("F1", "Status"), ("H1", "Evidence"), ("I1", "Owner:")):
        ws[cell] = text
    wb.save(path)
    before = [(r.row, r.values) for r in read_workbook(filled).records(SHEET)]
    assert [(r.row, r.values) for r in read_workbook(path).records(SHEET)] == before
    assert validate([path], as_of=AS_OF).files[0].findings == []


def test_a_missing_sheet_or_column_is_a_structure_finding(tmp_path: Path) -> None:
    path = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb[DOC]
    ws = wb[SHEET]
    ws[f"{COLS['Applicable']}1"] = "Appl."
    wb.save(path)
    found = {(f.code, f.sheet, f.column) for f in validate([path], as_of=AS_OF).files[0].findings}
    assert ("WB001", DOC, None) in found
    assert ("WB002", SHEET, "Applicable") in found


def test_additional_controls_are_checked_like_the_rest(tmp_path: Path) -> None:
    """F26: controls from other sources (ISO/IEC 27017, the organisation's own) sit on their own sheet."""
    from tests.helpers import filled_soa_book
    from toolkit.kinds import write_workbook
    from toolkit.kinds.soa.build import ADDITIONAL
    from toolkit.workbook.writer import Table

    good = {
        "Control ID": "CLD.6.3.1",
        "Control Title": "Shared roles and responsibilities within a cloud computing environment",
        "Source": "ISO/IEC 27017",
        "Applicable": "Yes",
        "Justification": "Contractual: customer MSAs require cloud responsibilities to be stated",
        "Implementation Status": "Implemented",
        "Evidence Reference": "Shared responsibility matrix v2",
        "Contractual": "Yes",
    }
    book = filled_soa_book()
    book.tables[ADDITIONAL] = Table([good])
    path = tmp_path / "soa.xlsx"
    write_workbook("soa", book, path, "Example Ltd")
    assert validate([path], as_of=AS_OF).files[0].findings == []
    rows = [
        good,
        {**good, "Control ID": "ORG-01", "Evidence Reference": None},
        {**good, "Control ID": "A.8.24"},
        {
            **good,
            "Control ID": "ORG-02",
            "Implementation Status": "Planned",
            "Contractual": None,
            "Justification": "Board decision 2026-10",
        },
    ]
    book.tables[ADDITIONAL] = Table(rows)
    write_workbook("soa", book, path, "Example Ltd")
    found = {(f.code, f.sheet, f.row, f.key) for f in validate([path], as_of=AS_OF).files[0].findings}
    assert ("SOA007", ADDITIONAL, 3, "ORG-01") in found
    assert ("SOA019", ADDITIONAL, 4, "A.8.24") in found
    assert ("SOA016", ADDITIONAL, 5, "ORG-02") in found and ("SOA017", ADDITIONAL, 5, "ORG-02") in found
    assert not [f for f in found if f[0] == "SOA003"], "an additional control is not an unknown Annex A id"
