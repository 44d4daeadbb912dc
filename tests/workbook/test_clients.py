"""Workbooks ctk did not write: the client's own SoA, other tools' registers, SOC 2 report matrices.

Every pattern of the real-world corpus (`../shared/realworld/`) has a fixture of our own in
`tests/clientfiles.py`; each test here fails without the part of the reader it is named for.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests import clientfiles as cf
from tests.paths import AS_OF, SAMPLE
from toolkit import api
from toolkit.cli import main
from toolkit.findings import Finding
from toolkit.workbook.guard import ReadError, inspect
from toolkit.workbook.reader import WorkbookData, read_workbook

SOA = "Statement of Applicability"
REGISTER = "Risk Register"
MATRIX = "SOC 2 Controls"


def build(tmp_path: Path, name: str) -> Path:
    return cf.build(name, tmp_path)


def findings(path: Path, **kw: Any) -> list[Finding]:
    report = api.validate(path, as_of=AS_OF, **kw)
    assert report.files[0].error is None, report.files[0].error
    return report.files[0].findings


def codes(path: Path) -> list[str]:
    return [f.code for f in findings(path)]


def keys(book: WorkbookData, table: str | None = None) -> list[Any]:
    t = book.table(table)
    return [r.get(t.spec.key) for r in t.records]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- 1. the kind from the headers on any sheet ---------------------------------------------------


def test_a_renamed_sheet_among_others_is_found_by_its_headers(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "soa_other_tool.xlsx"))
    assert book.kind == "soa" and book.table().sheet == "Controls"  # not Evidence-Links or Auditor-Notes
    assert keys(book) == ["A.5.1", "A.5.7", "A.8.16"]


def test_a_soc2_csv_is_a_soc2_matrix_not_a_gap_assessment(tmp_path: Path) -> None:
    for path in (build(tmp_path, "soc2_readiness.csv"), SAMPLE / "soc2_controls.csv"):
        book = read_workbook(path)
        assert book.kind == "soc2" and book.records()
    header, rows = api.export(SAMPLE / "soc2_controls.csv")
    assert header[:3] == ["Sheet", "Row", "Control ID"] and len(rows) > 20


def test_a_csv_is_one_table_whatever_few_columns_it_names(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "soa_markdown_tail.csv"))
    assert book.kind == "soa" and keys(book) == ["A.5.15", "A.8.20", "A.8.30"]


def test_kind_forces_the_reading(tmp_path: Path) -> None:
    path = build(tmp_path, "soc2_library.xlsx")
    code, out, _ = run("validate", "--kind", "soc2", "--format", "json", str(path))
    assert json.loads(out)["files"][0]["kind"] == "soc2" and code in (0, 1)
    code, out, _ = run("export", "--kind", "soc2", "--format", "json", str(path))
    assert code == 0 and [r["Control ID"] for r in json.loads(out)] == ["LIB-001", "LIB-002", "LIB-003"]
    code, out, _ = run("validate", "--kind", "roadmap", str(path))
    assert code == 2 and "not a roadmap: no sheet has its" in out
    assert api.validate(path, kind="soc2").files[0].kind == "soc2"
    copy = tmp_path / "soc2_library_returned.xlsx"
    copy.write_bytes(path.read_bytes())
    code, out, _ = run("diff", "--kind", "soc2", "--format", "json", str(path), str(copy))
    assert code == 0 and json.loads(out)["kind"] == "soc2", out
    code, _, err = run("diff", "--kind", "roadmap", str(path), str(copy))
    assert code == 2 and "not a roadmap: no sheet has its" in err and "Traceback" not in err


def test_when_nothing_fits_the_message_names_the_closest_kind_and_what_it_missed(tmp_path: Path) -> None:
    path = cf.write_csv(tmp_path / "notes.csv", [["Risk ID", "Comments"], ["R-1", "ask the CISO"], ["R-2", "later"]])
    with pytest.raises(ReadError) as caught:
        read_workbook(path)
    message = str(caught.value)
    assert message.startswith("not a ctk workbook: the closest is a risk register")
    assert "'Asset'" in message and "'Threat'" in message and "\n" not in message


def test_an_input_of_another_kind_is_refused_by_name(tmp_path: Path) -> None:
    soa = build(tmp_path, "soa_title_rows.xlsx")
    with pytest.raises(ReadError, match="a Statement of Applicability, not a gap assessment"):
        read_workbook(soa, kind="gap")


# --- 2. headers as clients name them ----------------------------------------------------------------


def test_headers_with_line_breaks_dashes_and_scales(tmp_path: Path) -> None:
    path = build(tmp_path, "risk_title_rows.xlsx")
    book = read_workbook(path)
    table = book.table(REGISTER)
    assert table.header_row == 3 and {"Likelihood", "Impact", "Residual Score", "Inherent Score"} <= set(table.columns)
    assert [r.get("Likelihood") for r in table.records] == [4, 5 - 2, 2]
    # The inherent level beside the residual one is the register's Risk Level.
    assert table.columns["Risk Level"] == 7
    found = findings(path)
    assert not [f for f in found if f.code == "WB002"]
    assert [(f.code, f.cell, f.key) for f in found if f.code == "RSK005"] == [("RSK005", "G6", "R-003")]  # 2 x 3 is not 7


def test_a_header_joining_two_columns_is_said_once(tmp_path: Path) -> None:
    found = [f for f in findings(build(tmp_path, "risk_title_rows.xlsx")) if f.code == "WB011"]
    assert len(found) == 1 and "'Treatment / Owner' holds 'Treatment' and 'Risk Owner'" in found[0].message


def test_a_header_matches_on_its_leading_words_and_the_content_rules_run(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_title_rows.xlsx")
    table = read_workbook(path).table(SOA)
    assert table.columns["Evidence Reference"] == 6  # `Evidence / Notes`
    assert table.columns["Justification"] == 3  # `Justification for Inclusion / Exclusion`
    assert [r.get("Implementation Status") for r in table.records][1] == "Partially implemented"
    evidence = [(f.cell, f.key) for f in findings(path) if f.code == "SOA007"]
    assert evidence == [("G7", "A.5.4")]  # the one control without evidence, and only it


def test_two_row_header_under_merged_group_cells(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "risk_two_row_header.xlsx"))
    table = book.table(REGISTER)
    assert table.header_row == 3 and keys(book) == ["R001", "R002"]  # the stray 0 far to the right is no risk
    assert {k: table.columns[k] for k in ("Confidentiality", "Integrity", "Availability", "Likelihood", "Impact")} == {
        "Confidentiality": 5,
        "Integrity": 6,
        "Availability": 7,
        "Likelihood": 8,
        "Impact": 9,
    }
    assert table.columns["Threat"] == 3  # `Threat Source`, not the `Threat` group over Probability/Impact


def test_sub_header_row_is_no_record_and_ids_come_from_bracketed_cells(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_two_row_header.xlsx")
    book = read_workbook(path)
    assert keys(book) == ["A.5.1", "A.5.2", "A.7.5"] and book.table().records[0].row == 3
    assert not [f for f in findings(path) if "[A." in f.message]
    # `-` is what the template writes for nothing: blank, so the inclusion needs a reason.
    assert book.table().records[0].get("Justification") is None


@pytest.mark.parametrize(
    ("name", "sheet"),
    [("soa_german.xlsx", "Erklärung zur Anwendbarkeit"), ("soa_french.xlsx", "DdA")],
)
def test_german_and_french_headers_and_values(tmp_path: Path, name: str, sheet: str) -> None:
    book = read_workbook(build(tmp_path, name))
    assert book.kind == "soa" and book.table().sheet == sheet
    got = [(r.get("Control ID"), r.get("Applicable"), r.get("Implementation Status")) for r in book.records()]
    assert got == [
        ("A.5.1", "Yes", "Implemented"),
        ("A.5.2", "Yes", "Partially implemented"),
        ("A.7.5", "No", "Not applicable"),
    ]


def test_a_french_register(tmp_path: Path) -> None:
    rec = read_workbook(build(tmp_path, "risk_french.xlsx")).records()[0]
    assert (rec.get("Risk ID"), rec.get("Threat"), rec.get("Likelihood"), rec.get("Impact")) == ("R-01", "Rançongiciel", 5, 4)
    assert (rec.get("Risk Owner"), rec.get("Treatment")) == ("RSSI", "Mitigate")


def test_snake_case_export_with_qualitative_levels(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "risk_snake_case.csv"))
    assert book.kind == "risk" and keys(book) == ["R.1", "R.2", "R.3"]
    first = book.records()[0]
    assert (first.get("Likelihood"), first.get("Impact"), first.get("Residual Likelihood"), first.get("Treatment")) == (
        4,
        4,
        2,
        "Mitigate",
    )
    assert book.records()[2].get("Residual Impact") is None  # `--`: nothing


# --- 3. the key by its values; ids as clients write them ----------------------------------------------


def test_the_key_column_is_the_one_whose_values_are_ids(tmp_path: Path) -> None:
    titles_first = read_workbook(build(tmp_path, "soa_numbers_and_sections.xlsx")).table()
    ids_first = read_workbook(build(tmp_path, "soa_ids_under_control.xlsx")).table()
    assert (titles_first.columns["Control ID"], titles_first.columns["Control Title"]) == (0, 1)
    assert (ids_first.columns["Control ID"], ids_first.columns["Control Title"]) == (0, 1)


def test_a_number_that_lost_its_zero_is_resolved_by_its_title_and_said_so(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_numbers_and_sections.xlsx")
    assert keys(read_workbook(path)) == ["A.5.15", "A.5.20", "A.8.2", "A.8.30"]
    said = [(f.cell, f.key) for f in findings(path) if f.code == "WB012"]
    assert said == [("A5", "A.5.20"), ("A10", "A.8.30")]  # 8.2 is titled as A.8.2: left alone
    other = build(tmp_path, "soa_ids_under_control.xlsx")
    assert keys(read_workbook(other)) == ["A.5.15", "A.5.30", "A.8.5"]
    assert any("'5.3' read as A.5.30" in f.message for f in findings(other) if f.code == "WB012")


def test_dates_that_were_ids_are_read_back_in_one_finding(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_2013.xlsx")
    table = read_workbook(path).table()
    assert [cid for cid in keys(read_workbook(path)) if cid.startswith(("A.12", "A.17"))] == [
        "A.12.1.1",
        "A.12.3.1",
        "A.17.1.1",
        "A.17.1.2",
    ]
    assert [cell for cell, _ in table.dated] == ["B19", "B21", "B24", "B25"]
    dated = [f for f in findings(path) if f.code == "WB012"]
    assert len(dated) == 1 and dated[0].message.startswith("4 ids were dates")


def test_client_gap_layout_with_clauses_and_controls_in_one_table(tmp_path: Path) -> None:
    path = build(tmp_path, "gap_client_layout.xlsx")
    book = read_workbook(path)
    assert book.kind == "gap"
    assert keys(book, "Annex A Gaps") == ["A.5.17", "A.8.20"] and keys(book, "Clause Gaps") == ["9"]
    annex = book.tables["Annex A Gaps"].records[0]
    assert annex.get("Gap Description") == "No password policy" and annex.get("Remediation Action") == "Write one"
    header, rows = api.export(path)
    assert len(rows) == 3 and {"Control ID", "Clause"} <= set(header)


# --- 4. ISO/IEC 27001:2013 -------------------------------------------------------------------------------


def test_a_2013_soa_is_one_finding_not_one_per_row(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_2013.xlsx")
    book = read_workbook(path)
    assert book.table().scheme == "2013" and len(book.records()) == 10  # domain and objective rows are no records
    found = findings(path)
    assert [f.code for f in found].count("WB013") == 1 and not {"SOA001", "SOA003"} & {f.code for f in found}
    assert "ctk migrate" in next(f.message for f in found if f.code == "WB013")
    gap = build(tmp_path, "gap_2013_row.xlsx")
    assert keys(read_workbook(gap)) == ["A.9.2.1"] and "2013" in next(f.message for f in findings(gap) if f.code == "WB013")


def test_migrate_carries_a_2013_soa_onto_the_2022_controls(tmp_path: Path) -> None:
    old = build(tmp_path, "soa_2013.xlsx")
    out = tmp_path / "soa_2022.xlsx"
    code, _, err = run("migrate", str(old), "-o", str(out), "--org", "Acme")
    assert code == 0, err
    assert "A.5.7, A.5.23, A.5.30, A.7.4, A.8.9" in err  # the controls new in 2022, named
    book = read_workbook(out)
    assert book.kind == "soa" and book.table().scheme == "2022" and len(book.records()) == 93
    rows = {r.get("Control ID"): r for r in book.records()}
    assert rows["A.8.13"].get("Applicable") == "No" and rows["A.8.13"].get("Justification") == "Needed for 12.3.1"
    assert rows["A.5.16"].get("Justification") == "Needed for 9.2.1"
    assert rows["A.5.29"].get("Justification") == "A.17.1.1: Needed for 17.1.1\nA.17.1.2: Needed for 17.1.2"
    assert rows["A.5.23"].get("Applicable") is None
    code, _, err = run("migrate", str(out), "-o", str(tmp_path / "again.xlsx"))
    assert code == 2 and "already uses ISO/IEC 27001:2022 numbering" in err


# --- 5. rows that are not records; merged cells ------------------------------------------------------


def test_section_rows_repeated_headers_and_a_tail_are_not_records(tmp_path: Path) -> None:
    path = build(tmp_path, "soa_numbers_and_sections.xlsx")
    table = read_workbook(path).table()
    assert [r.row for r in table.records] == [4, 5, 6, 10] and table.tail == (12, 15)
    tail = [f for f in findings(path) if f.code == "WB009"]
    assert len(tail) == 1 and tail[0].message.startswith("rows 12-15 below the table")


def test_a_pasted_markdown_table_is_never_read(tmp_path: Path) -> None:
    for name in ("soa_markdown_tail.csv",):
        path = build(tmp_path, name)
        assert len(read_workbook(path).records()) == 3
        assert not [f for f in findings(path) if ":---" in f.message or "|" in f.message]
    xlsx = cf.soa_markdown_tail(tmp_path / "tail.xlsx", as_xlsx=True)
    assert keys(read_workbook(xlsx)) == ["A.5.15", "A.8.20", "A.8.30"]


def test_family_headings_and_repeated_headers_in_a_soc2_matrix(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "soc2_sections.xlsx"))
    assert book.kind == "soc2" and keys(book) == ["CC1.1", "CC1.2", "CC6.1", "CC6.2", "CC6.3"]


def test_a_merged_criterion_cell_gives_its_value_to_every_row(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "soc2_criteria_spellings.xlsx"))
    crit = {r.get("Control ID"): r.get("TSC Criteria") for r in book.records()}
    assert crit["7.01"] == crit["7.02"] == crit["7.03"] == ["CC7.2"]


# --- 6. values --------------------------------------------------------------------------------------------


def test_test_results_read_by_their_leading_words(tmp_path: Path) -> None:
    book = read_workbook(build(tmp_path, "soc2_narrative.csv"))
    assert [r.get("Test Result") for r in book.records()] == [
        "Exceptions noted",
        "No exceptions noted",
        "Not tested",
        "Exceptions noted",
        "No exceptions noted",
    ]
    # The exception caps what the control supports (A.5.18 would be Fully addressed otherwise).
    gap = tmp_path / "gap.xlsx"
    assert run("gap", str(tmp_path / "soc2_narrative.csv"), "-o", str(gap))[0] == 0
    ratings = {r.get("Control ID"): r.get("Suggested Coverage") for r in read_workbook(gap).records("Annex A Gaps")}
    assert ratings["A.5.18"] != "Fully addressed"


def test_criteria_in_every_common_spelling(tmp_path: Path) -> None:
    path = build(tmp_path, "soc2_criteria_spellings.xlsx")
    crit = {r.get("Control ID"): r.get("TSC Criteria") for r in read_workbook(path).records()}
    assert crit["6.01"] == ["CC6.1"] and crit["6.02"] == crit["6.03"] == crit["6.04"] == ["CC6.2", "CC6.3"]
    assert [(f.code, f.cell) for f in findings(path)] == [("SOC001", "C9")]  # `not mapped yet`, said at its cell


def test_underscores_ticks_and_other_yes_no_spellings(tmp_path: Path) -> None:
    other = read_workbook(build(tmp_path, "soa_other_tool.xlsx")).records()
    assert [(r.get("Applicable"), r.get("Implementation Status")) for r in other] == [
        ("Yes", "Implemented"),
        ("Yes", "Partially implemented"),
        ("No", "Not applicable"),
    ]
    ticks = read_workbook(build(tmp_path, "soa_ticks.xlsx")).records()
    assert [r.get("Applicable") for r in ticks] == ["Yes", "Yes", "No"]


def test_qualitative_five_point_scales_read_as_numbers(tmp_path: Path) -> None:
    path = build(tmp_path, "risk_qualitative.xlsx")
    rows = [(r.get("Likelihood"), r.get("Impact"), r.get("Treatment")) for r in read_workbook(path).records()]
    assert rows == [(4, 4, "Mitigate"), (1, 5, "Transfer"), (5, 1, "Accept"), (5, 1, "Accept")]
    assert not {"RSK003", "RSK004", "WB003"} & set(codes(path))


# --- 7. CSV and OpenDocument -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["soc2_semicolon_long.csv", "soc2_quoted_comma.csv", "soc2_cp1252.csv"])
def test_csv_dialect_and_encoding_from_the_whole_file(tmp_path: Path, name: str) -> None:
    book = read_workbook(build(tmp_path, name))
    assert book.kind == "soc2" and all(
        r.get("Test Result") in ("No exceptions noted", "Exceptions noted") for r in book.records()
    )
    if name == "soc2_quoted_comma.csv":
        assert book.records()[1].get("Control Owner") == "Head of IT"
    if name == "soc2_cp1252.csv":
        assert book.records()[0].get("Control Owner") == "Hélène Müller"
    if name == "soc2_semicolon_long.csv":
        assert len(book.records()) == 5 and book.records()[0].get("TSC Criteria") == ["CC1.1"]


def test_a_ragged_csv_row_is_a_finding_at_its_row(tmp_path: Path) -> None:
    path = build(tmp_path, "soc2_ragged.csv")
    ragged = [f for f in findings(path) if f.code == "WB010"]
    assert [(f.row, f.cell, f.key) for f in ragged] == [(3, "E3", "4.02")]
    assert len(read_workbook(path).records()) == 3  # still a record


def test_ods_is_read_like_xlsx(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["Control ID", "Control Title", "Applicable", "Justification"]]
    rows += [[cid, cf.title(cid), "Yes", "Treats R-1"] for cid in ("A.5.1", "A.5.2")]
    rows.append([5.3, cf.title("A.5.3"), "No", "Too small"])
    path = cf.write_ods(tmp_path / "soa.ods", {"Sheet1": rows}, repeat_empty_columns=1000)
    assert inspect(path).format == "ods"
    book = read_workbook(path)
    assert book.kind == "soa" and keys(book) == ["A.5.1", "A.5.2", "A.5.3"]
    code, out, _ = run("export", "--format", "json", str(path))
    assert code == 0 and [r["Control ID"] for r in json.loads(out)] == ["A.5.1", "A.5.2", "A.5.3"]


def test_folder_runs_take_csv_and_ods_and_name_what_they_skip(tmp_path: Path) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    build(folder, "soc2_readiness.csv")
    cf.write_ods(folder / "soa.ods", {"S": [["Control ID", "Applicable", "Justification"], ["A.5.1", "Yes", "R-1"]]})
    (folder / "notes.txt").write_text("call the CISO")
    (folder / "._soa.ods").write_bytes(b"\x00\x05\x16\x07")
    (folder / "~$soa.xlsx").write_bytes(b"lock")
    report = api.validate(folder, as_of=AS_OF)
    assert sorted(Path(f.path).name for f in report.files) == ["soa.ods", "soc2_readiness.csv"]
    assert sorted(Path(p).name for p, _ in report.skipped) == ["._soa.ods", "notes.txt"]
    code, out, _ = run("validate", str(folder))
    assert "notes.txt: skipped: not a workbook or CSV" in out and out.strip().endswith("2 skipped")
    assert json.loads(run("validate", "--format", "json", str(folder))[1])["skipped"][0]["reason"]
    # The same file twice is checked once; an empty folder is no clean pass.
    assert len(api.validate([folder / "soa.ods", folder / "soa.ods"], as_of=AS_OF).files) == 1
    (tmp_path / "empty").mkdir()
    code, out, _ = run("validate", str(tmp_path / "empty"))
    assert code == 2 and "holds no workbook" in out


# --- 8. structure findings for what matters --------------------------------------------------------------


def test_columns_ctk_computes_are_never_required(tmp_path: Path) -> None:
    for name in ("risk_grouped_empty.xlsx", "soa_title_rows.xlsx"):
        path = build(tmp_path, name)
        assert not [f for f in findings(path) if f.code == "WB002"], name
    empty = cf.soa_empty_template(tmp_path / "template.xlsx", columns=200)
    assert not [f for f in findings(empty) if f.code == "WB002"]
    assert len(read_workbook(empty).records()) == 0


def test_the_key_column_is_required(tmp_path: Path) -> None:
    found = [f for f in findings(build(tmp_path, "risk_german.xlsx")) if f.code == "WB002"]
    assert len(found) == 1 and found[0].message.startswith("no 'Risk ID' column in 'Risiken'")


def test_a_rule_whose_column_is_missing_says_once_that_it_did_not_run(tmp_path: Path) -> None:
    path = cf.write_csv(
        tmp_path / "soa.csv",
        [["Control ID", "Applicable", "Justification"], ["A.5.1", "Yes", "R-1"], ["A.5.2", "Yes", "R-2"]],
    )
    found = findings(path)
    assert "SOA007" not in [f.code for f in found]  # it could not look: no silent pass, no false error
    said = [f for f in found if f.code == "WB008" and "'Evidence Reference'" in f.message]
    assert len(said) == 1 and "SOA007" in said[0].message and said[0].severity == "warning"
    assert any(f.code == "WB008" and "no 'Document Control' sheet" in f.message for f in found)


def test_a_workbook_ctk_wrote_is_still_held_to_its_sheets_and_columns(tmp_path: Path) -> None:
    soa = tmp_path / "soa.xlsx"
    api.generate_blank_soa(soa)
    with zipfile.ZipFile(soa) as zf:
        assert "docProps/custom.xml" in zf.namelist()
    import openpyxl

    wb = openpyxl.load_workbook(soa)
    ws = wb[SOA]
    ws.delete_cols(4)  # Applicable
    del wb["Document Control"]
    wb.save(soa)
    found = findings(soa)
    assert ("WB001", "Document Control") in [(f.code, f.sheet) for f in found]
    assert ("WB002", "Applicable") in [(f.code, f.column) for f in found]


# --- speed: a sheet styled over 16,384 columns costs no more than its filled cells ------------------------


def test_a_sheet_styled_across_every_column_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.workbook.guard import package

    path = cf.soa_empty_template(tmp_path / "template.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 5_000_000  # 40 rows x 16,384 styled cells

    def slow(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the per-element scan ran: its cost follows the styled cells")

    monkeypatch.setattr(package, "_SheetScan", slow)
    assert inspect(path).format == "xlsx"
    assert read_workbook(path).kind == "soa"


# --- client text never becomes a formula ---------------------------------------------------------------


def test_client_text_from_a_foreign_input_never_becomes_a_formula(tmp_path: Path) -> None:
    import openpyxl

    matrix = build(tmp_path, "soc2_quoted_comma.csv")
    gap = tmp_path / "gap.xlsx"
    assert run("gap", str(matrix), "-o", str(gap))[0] == 0
    ws = openpyxl.load_workbook(gap)["SOC 2 Controls"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    code, out, _ = run("export", str(matrix), "--format", "csv")
    assert code == 0 and "'=HYPERLINK" in out
    old = cf.write_xlsx(
        tmp_path / "soa_2013.xlsx",
        {"SoA": [["Control", "Applicable", "Justification"], ["A.9.1.1", "Yes"], ["A.9.1.2", "Yes", "R-1"]]},
    )
    wb = openpyxl.load_workbook(old)
    cell = wb["SoA"]["C2"]
    cell.value, cell.data_type = '=HYPERLINK("http://evil.example")', "s"  # text the client typed, not a formula
    wb.save(old)
    out_soa = tmp_path / "soa.xlsx"
    assert run("migrate", str(old), "-o", str(out_soa))[0] == 0
    ws = openpyxl.load_workbook(out_soa)[SOA]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
