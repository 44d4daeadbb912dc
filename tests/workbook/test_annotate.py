"""`validate --annotate`: the client's own workbook, every finding marked in place."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

from tests.helpers import soa_col, soa_row, write_filled_soa, write_sample_pack
from tests.paths import AS_OF
from toolkit.findings import Finding
from toolkit.kinds.soa.build import DOC, SHEET
from toolkit.validation import validate
from toolkit.workbook.annotate import FILLS, HEADER_ROW, REVIEW_COLUMNS, REVIEW_SHEET, annotate
from toolkit.workbook.reader import read_workbook

RED, AMBER = FILLS["error"], FILLS["warning"]


def findings(path: Path) -> list[Finding]:
    (report,) = validate([path], as_of=AS_OF).files
    assert report.error is None, report.error
    return report.findings


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    """A returned SoA with one defect of each shape: errors and a warning at cells, a missing row, a form field."""
    path = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws[f"{soa_col('Justification')}{soa_row(ws, 'A.7.5')}"] = None  # SOA005: excluded without justification
    ws[f"{soa_col('Evidence Reference')}{soa_row(ws, 'A.5.9')}"] = None  # SOA007: no evidence
    ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.10')}"] = None  # SOA009 (warning): no reason for inclusion
    ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.11')}"] = "Keep: the client's own note"
    ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.11')}"].comment = Comment("Client: check with legal", "Dana")
    ws[f"{soa_col('Implementation Status')}{soa_row(ws, 'A.5.11')}"] = "Done"  # WB003: not an allowed status
    ws.delete_rows(soa_row(ws, "A.8.9"))  # SOA001: no cell to point at
    ws[f"{soa_col()}1"] = "Client Notes"
    ws[f"{soa_col()}3"] = "=not a formula, just text"
    ws[f"{soa_col()}3"].data_type = "s"
    wb[DOC]["B8"] = None  # SOA011 on a merged form cell
    extra = wb.create_sheet("Our notes")
    extra["A1"] = "Kept as the client wrote it"
    wb.save(path)
    return path


@pytest.fixture()
def annotated(broken: Path, tmp_path: Path) -> tuple[Path, list[Finding]]:
    found = findings(broken)
    out = tmp_path / "review" / "soa_review.xlsx"
    out.parent.mkdir()
    annotate(broken, found, out)
    return out, found


def test_every_cell_at_fault_is_filled_and_commented(annotated: tuple[Path, list[Finding]]) -> None:
    out, found = annotated
    wb = openpyxl.load_workbook(out)
    at_cells = [f for f in found if f.cell]
    assert {f.code for f in at_cells} == {"SOA005", "SOA007", "SOA009", "SOA011", "WB003"}
    for f in at_cells:
        cell = wb[f.sheet][f.cell]
        assert cell.fill.fgColor.rgb == (RED if f.severity == "error" else AMBER), f
        assert cell.comment is not None and f.message in cell.comment.text
        assert f.code not in cell.comment.text, "rule codes are for the consultant's list, not the client's comment"
        assert cell.comment.author == "Reviewer" and "ctk" not in cell.comment.text
    ws = wb[SHEET]
    untouched = ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.12')}"]
    assert untouched.comment is None and untouched.fill.fgColor.rgb not in (RED, AMBER)


def test_several_findings_on_one_cell_share_one_comment(broken: Path, tmp_path: Path) -> None:
    a = Finding("SOA005", "error", SHEET, "E51", 51, "Justification", "A.7.5", "first message")
    b = Finding("SOA009", "warning", SHEET, "E51", 51, "Justification", "A.7.5", "second message")
    out = tmp_path / "out.xlsx"
    result = annotate(broken, [b, a], out)
    assert result.cells == 1 and result.listed == 2
    cell = openpyxl.load_workbook(out)[SHEET]["E51"]
    assert "Error: first message" in cell.comment.text and "Warning: second message" in cell.comment.text
    assert cell.fill.fgColor.rgb == RED, "the worst severity colours the cell"


def test_client_comment_kept_with_the_finding(annotated: tuple[Path, list[Finding]]) -> None:
    out, _ = annotated
    ws = openpyxl.load_workbook(out)[SHEET]
    comment = ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.11')}"].comment
    assert comment is not None and comment.text.startswith("Client: check with legal")
    status = ws[f"{soa_col('Implementation Status')}{soa_row(ws, 'A.5.11')}"].comment
    assert status is not None and "Review finding" in status.text


def test_review_sheet_lists_every_finding_with_links(annotated: tuple[Path, list[Finding]]) -> None:
    out, found = annotated
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == REVIEW_SHEET and wb.active.title == REVIEW_SHEET
    ws = wb[REVIEW_SHEET]
    everything = list(ws.iter_rows(values_only=True))
    assert everything[0][0] == "Review findings: soa.xlsx", "the sheet says what was reviewed"
    errors_n = sum(1 for f in found if f.severity == "error")
    warnings_n = len(found) - errors_n
    assert everything[2][0] == f"{errors_n} errors to correct, {warnings_n} warning{'s' if warnings_n != 1 else ''} to check."
    rows = everything[HEADER_ROW - 1 :]
    assert list(rows[0]) == [name for name, _ in REVIEW_COLUMNS]
    assert len(rows) - 1 == len(found)
    severities = [r[0] for r in rows[1:]]
    assert severities == sorted(severities, key=["Error", "Warning"].index), "errors first"
    errors = [r for r in rows[1:] if r[0] == "Error"]
    sheets = [r[1] for r in errors]
    assert sheets.index(DOC) < sheets.index(SHEET), "then by the workbook's sheet order"
    soa_rows = [int(r[2][1:]) for r in errors if r[1] == SHEET and r[2]]
    assert soa_rows == sorted(soa_rows), "then by row"
    missing = next(r for r in rows[1:] if r[6] == "SOA001")
    assert missing[2] is None and missing[3] == "A.8.9"
    assert missing[5] == f"Add a row to '{SHEET}' with Control ID A.8.9 and fill it in."
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        cell_ref = ws.cell(row=r, column=3)
        if cell_ref.value:
            sheet = ws.cell(row=r, column=2).value
            assert cell_ref.hyperlink is not None
            assert cell_ref.hyperlink.location == f"'{sheet}'!{cell_ref.value}"
    first = HEADER_ROW + 1
    assert ws.freeze_panes == f"A{first}" and ws.auto_filter.ref == f"A{HEADER_ROW}:G{len(found) + HEADER_ROW}"
    assert ws.column_dimensions["E"].width >= 50 and ws.cell(row=first, column=5).alignment.wrap_text
    # Every cell in a named font and size, never the program's fallback; A4 with page numbers.
    fonts = {(c.font.name, c.font.sz) for row in ws.iter_rows(min_row=HEADER_ROW) for c in row if c.value is not None}
    assert fonts == {("Calibri", 10.0)}, fonts
    assert int(ws.page_setup.paperSize) == 9 and "Page &P of &N" in ws.oddFooter.center.text  # A4


def test_input_is_never_modified(broken: Path, tmp_path: Path) -> None:
    before, stat = digest(broken), broken.stat().st_mtime_ns
    annotate(broken, findings(broken), tmp_path / "out.xlsx")
    assert digest(broken) == before and broken.stat().st_mtime_ns == stat


def test_validate_on_the_annotated_copy_reports_the_same(annotated: tuple[Path, list[Finding]]) -> None:
    out, found = annotated
    assert findings(out) == found
    book = read_workbook(out)
    assert book.kind == "soa" and REVIEW_SHEET in book.extra_sheets
    wb = openpyxl.load_workbook(out)
    assert {p.name: p.value for p in wb.custom_doc_props}["ctk_kind"] == "soa"


def test_everything_the_client_had_is_kept(broken: Path, annotated: tuple[Path, list[Finding]]) -> None:
    out, _ = annotated
    before, after = openpyxl.load_workbook(broken), openpyxl.load_workbook(out)
    assert after.sheetnames == [REVIEW_SHEET, *before.sheetnames]
    for ws in before.worksheets:
        twin = after[ws.title]
        assert [[c.value for c in row] for row in ws.iter_rows()] == [[c.value for c in row] for row in twin.iter_rows()]
        assert len(twin.data_validations.dataValidation) == len(ws.data_validations.dataValidation)
        assert twin.freeze_panes == ws.freeze_panes and twin.auto_filter.ref == ws.auto_filter.ref
        assert twin.merged_cells.ranges == ws.merged_cells.ranges
    soa = after[SHEET]
    extra_cell = soa[f"{soa_col()}3"]
    assert extra_cell.value == "=not a formula, just text" and extra_cell.data_type == "s"
    assert soa["B2"].fill.fgColor.rgb == before[SHEET]["B2"].fill.fgColor.rgb, "computed columns keep their grey"
    assert soa.column_dimensions["E"].width == before[SHEET].column_dimensions["E"].width
    assert after["Our notes"]["A1"].value == "Kept as the client wrote it"


def test_annotating_again_replaces_the_previous_review(annotated: tuple[Path, list[Finding]], tmp_path: Path) -> None:
    first, _ = annotated
    wb = openpyxl.load_workbook(first)
    ws = wb[SHEET]
    row = soa_row(ws, "A.5.9")
    fixed = ws[f"{soa_col('Evidence Reference')}{row}"]
    fixed.value = "EV-A.5.9 restored"  # the client fixes one finding in the annotated copy
    wb.save(first)
    second = tmp_path / "again.xlsx"
    annotate(first, findings(first), second)
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(REVIEW_SHEET) == 1 and wb.sheetnames[0] == REVIEW_SHEET
    ws = wb[SHEET]
    cleared = ws[f"{soa_col('Evidence Reference')}{row}"]
    assert cleared.comment is None and cleared.fill.fgColor.rgb not in (RED, AMBER)
    assert cleared.fill.fgColor.rgb == ws[f"{soa_col('Evidence Reference')}{row + 1}"].fill.fgColor.rgb
    still = ws[f"{soa_col('Justification')}{soa_row(ws, 'A.7.5')}"]
    assert still.comment.text.count("Review finding") == 1 and still.fill.fgColor.rgb == RED
    kept = ws[f"{soa_col('Justification')}{soa_row(ws, 'A.5.11')}"].comment
    assert kept is not None and kept.text == "Client: check with legal"
    assert [r[6] for r in wb[REVIEW_SHEET].iter_rows(min_row=HEADER_ROW + 1, values_only=True)].count("SOA007") == 0
    assert findings(second) == findings(first)


def test_client_text_in_the_review_sheet_stays_text(broken: Path, tmp_path: Path) -> None:
    hostile = Finding("SOA003", "error", SHEET, "A2", 2, "Control ID", '=HYPERLINK("http://x")', "=1+1 is not a control")
    out = tmp_path / "out.xlsx"
    annotate(broken, [hostile], out)
    row = next(openpyxl.load_workbook(out)[REVIEW_SHEET].iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 1))
    assert row[3].value == '=HYPERLINK("http://x")' and row[3].data_type == "s"
    assert row[4].value == "=1+1 is not a control" and row[4].data_type == "s"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample_pack(tmp_path_factory.mktemp("pack"))


@pytest.mark.parametrize("kind", ["gap", "risk"])
def test_formula_results_survive(pack: dict[str, Path], kind: str, tmp_path: Path) -> None:
    """The copy is a patch of the package: formulas keep their cached results, charts are carried as they were."""
    out = tmp_path / f"{kind}.xlsx"
    result = annotate(pack[kind], findings(pack[kind]), out)
    before, after = CalamineWorkbook.from_path(str(pack[kind])), CalamineWorkbook.from_path(str(out))
    for name in before.sheet_names:
        assert after.get_sheet_by_name(name).to_python() == before.get_sheet_by_name(name).to_python(), name
    assert findings(out) == findings(pack[kind])
    assert result.warnings == []
    with zipfile.ZipFile(pack[kind]) as a, zipfile.ZipFile(out) as b:
        charts = [n for n in a.namelist() if n.startswith(("xl/charts/", "xl/drawings/drawing"))]
        assert all(a.read(n) == b.read(n) for n in charts)
        assert kind != "gap" or charts, "the gap assessment's Summary chart"


def test_what_cannot_be_carried_is_named(tmp_path: Path) -> None:
    path = write_filled_soa(tmp_path / "soa.xlsm")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\x00" * 64)
    result = annotate(path, findings(path), tmp_path / "out.xlsx")
    assert any("macros" in w for w in result.warnings)
    review = openpyxl.load_workbook(tmp_path / "out.xlsx")[REVIEW_SHEET]
    notice = next(r for r in review.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[6] == "WB005")
    assert notice[1] is None and notice[5].startswith("Concerns the file as a whole")


def test_no_findings_gives_an_empty_review(tmp_path: Path) -> None:
    path = write_filled_soa(tmp_path / "soa.xlsx")
    result = annotate(path, [], tmp_path / "out.xlsx")
    assert result.cells == 0 and result.warnings == []
    review = openpyxl.load_workbook(tmp_path / "out.xlsx")[REVIEW_SHEET]
    assert review.max_row == HEADER_ROW and review["A3"].value == "No findings: the workbook passed every check."


# --- the command line ------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    from toolkit.cli import main

    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_annotate_keeps_the_exit_code_and_output(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.xlsx"
    plain = run("validate", "--as-of", AS_OF.isoformat(), str(broken))
    code, stdout, stderr = run("validate", "--as-of", AS_OF.isoformat(), str(broken), "--annotate", str(out))
    assert (code, stdout) == plain[:2] and code == 1
    assert f"wrote {out}" in stderr and out.exists()
    clean = write_filled_soa(tmp_path / "clean.xlsx")
    code, _, _ = run("validate", "--as-of", AS_OF.isoformat(), str(clean), "--annotate", str(tmp_path / "clean_review.xlsx"))
    assert code == 0 and (tmp_path / "clean_review.xlsx").exists()


def test_cli_annotate_refuses_what_it_cannot_do(broken: Path, tmp_path: Path) -> None:
    other = write_filled_soa(tmp_path / "other.xlsx")
    out = tmp_path / "review.xlsx"
    for args in (
        [str(broken), str(other), "--annotate", str(out)],  # several files
        [str(tmp_path), "--annotate", str(out)],  # a folder of several workbooks
        [str(broken), "--annotate", str(broken)],  # over the input
        [str(broken), "--annotate", str(tmp_path / "review.csv")],  # not a workbook name
    ):
        before = digest(broken)
        code, _, stderr = run("validate", *args)
        assert code == 2 and stderr.startswith("ctk: ") and stderr.count("\n") == 1, (args, stderr)
        assert digest(broken) == before and not out.exists()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 truncated")
    code, _, stderr = run("validate", str(junk), "--annotate", str(out))
    assert code == 2 and not out.exists() and "Traceback" not in stderr


def test_a_package_laid_out_by_another_tool_is_patched_validly(tmp_path: Path) -> None:
    """Some writers declare the relationships namespace on each <sheet> rather than on <workbook>,
    and write no comments part yet: the review declares what it uses where it uses it."""
    import re

    path = write_filled_soa(tmp_path / "soa.xlsx")
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                ns = b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
                data = data.replace(ns, b"", 1)
                data = re.sub(rb"<sheet ", b"<sheet" + ns + b" ", data)
            zout.writestr(info, data)
    out = tmp_path / "out.xlsx"
    wrong = Finding("SOA007", "error", SHEET, "H3", 3, "Evidence Reference", "A.5.2", "no evidence")
    annotate(odd, [wrong], out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == REVIEW_SHEET and "no evidence" in wb[SHEET]["H3"].comment.text
