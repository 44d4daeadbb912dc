"""`ctk diff`: what the client changed, record by record, and the client round trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import soa_row, write_filled_soa, write_sample_pack
from tests.lo import lo_convert
from tests.paths import AS_OF
from toolkit import render
from toolkit.cli import main
from toolkit.kinds.soa.build import DOC, SHEET
from toolkit.validation import validate
from toolkit.workbook.annotate import FILLS, HEADER_ROW, REVIEW_SHEET, annotate
from toolkit.workbook.diff import Change, Diff, KindMismatch, diff_books, diff_files
from toolkit.workbook.guard import ReadError
from toolkit.workbook.reader import read_workbook

CHANGE_KEYS = ["sheet", "key", "change", "column", "old", "new", "old_row", "new_row"]


def header_col(ws: Any, name: str) -> int:
    return next(c.column for c in ws[1] if c.value == name)


def client_edits(path: Path) -> None:
    """What a client does to the SoA before mailing it back."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    applicable, status = header_col(ws, "Applicable"), header_col(ws, "Implementation Status")
    row = soa_row(ws, "A.5.7")
    ws.cell(row=row, column=applicable).value = "no"  # normalised to No
    ws.cell(row=row, column=status).value = "N/A"  # an alias of Not applicable
    ws.cell(row=soa_row(ws, "A.5.9"), column=header_col(ws, "Evidence Reference")).value = None
    ws.cell(row=soa_row(ws, "A.5.10"), column=header_col(ws, "Justification")).value = "  "
    ws.cell(row=soa_row(ws, "A.5.12"), column=header_col(ws, "Control Owner")).font = openpyxl.styles.Font(bold=True)
    ws.delete_rows(soa_row(ws, "A.8.9"))
    ws.insert_rows(soa_row(ws, "A.5.5"), 2)  # blank rows in the middle
    ws.append(["A.5.38", "Our own control", "Organizational", "Yes"])
    notes = ws.max_column + 1
    ws.cell(row=1, column=notes).value = "Client Notes"
    ws.cell(row=soa_row(ws, "A.5.17"), column=notes).value = "Ask Bob for the key inventory"
    # Reorder columns: Last Reviewed moves from the last column to the first.
    last = header_col(ws, "Last Reviewed")
    ws.insert_cols(1)
    ws.move_range(
        f"{openpyxl.utils.get_column_letter(last + 1)}1:{openpyxl.utils.get_column_letter(last + 1)}{ws.max_row}", cols=-last
    )
    doc = wb[DOC]
    for r in doc.iter_rows(min_row=1, max_row=15):
        if r[0].value == "Approved By":
            r[1].value = "Chief Executive Officer"
    wb.save(path)


EXPECTED = [
    (DOC, None, "changed", "Approved By", "CEO", "Chief Executive Officer"),
    (SHEET, None, "added", "Client Notes", None, None),
    (SHEET, "A.5.7", "changed", "Applicable", "Yes", "No"),
    (SHEET, "A.5.7", "changed", "Implementation Status", "Implemented", "Not applicable"),
    (SHEET, "A.5.9", "changed", "Evidence Reference", "EV-A.5.9", None),
    (SHEET, "A.5.10", "changed", "Justification", "Required to treat R-001", None),
    (SHEET, "A.5.17", "changed", "Client Notes", None, "Ask Bob for the key inventory"),
    (SHEET, "A.5.38", "added", None, None, None),
    (SHEET, "A.8.9", "removed", None, None, None),
]


def brief(diff: Diff) -> list[tuple[Any, ...]]:
    return [(c.sheet, c.key, c.change, c.column, c.old, c.new) for c in diff.changes]


@pytest.fixture()
def sent(tmp_path: Path) -> Path:
    return write_filled_soa(tmp_path / "soa_sent.xlsx")


@pytest.fixture()
def returned(sent: Path, tmp_path: Path) -> Path:
    path = tmp_path / "soa_returned.xlsx"
    shutil.copy(sent, path)
    client_edits(path)
    return path


def test_client_edits_are_found_by_key(sent: Path, returned: Path) -> None:
    diff = diff_files(sent, returned)
    assert brief(diff) == EXPECTED
    removed = next(c for c in diff.changes if c.change == "removed")
    assert removed.old_row == soa_row(openpyxl.load_workbook(sent)[SHEET], "A.8.9") and removed.new_row is None
    added = next(c for c in diff.changes if c.key == "A.5.38")
    assert added.old_row is None and added.new_row == openpyxl.load_workbook(returned)[SHEET].max_row
    moved = next(c for c in diff.changes if c.key == "A.5.17")
    assert moved.new_row == moved.old_row + 2, "rows moved by the blank rows and the deletion are still paired"
    assert diff.summary == {"added": 2, "removed": 1, "changed": 6}
    assert diff.exit_code == 1


def test_identical_and_formatting_only(sent: Path, tmp_path: Path) -> None:
    assert diff_files(sent, sent).changes == []
    other = tmp_path / "formatted.xlsx"
    shutil.copy(sent, other)
    wb = openpyxl.load_workbook(other)
    ws = wb[SHEET]
    for row in ws.iter_rows(min_row=2, max_row=20):
        row[4].font = openpyxl.styles.Font(italic=True, color="FF0000")
    ws.insert_rows(1, 2)  # a title above the header
    ws["A1"] = "Returned by Example Ltd"
    ws.cell(row=soa_row(ws, "A.5.3"), column=4).value = " yes "  # same value, other spelling
    wb.save(other)
    diff = diff_files(sent, other)
    assert diff.changes == [] and diff.exit_code == 0
    assert render.diff_text(diff).splitlines()[-1] == "Statement of Applicability: no differences"


def test_duplicate_keys_are_paired_in_order_and_said(sent: Path, tmp_path: Path) -> None:
    dup = tmp_path / "dup.xlsx"
    shutil.copy(sent, dup)
    wb = openpyxl.load_workbook(dup)
    ws = wb[SHEET]
    row = [c.value for c in ws[soa_row(ws, "A.5.1")]]
    row[4] = "Second copy"
    ws.append(row)
    wb.save(dup)
    diff = diff_files(sent, dup)
    assert brief(diff) == [(SHEET, "A.5.1", "added", None, None, None)]
    assert len(diff.notes) == 1 and "A.5.1 appears once in the old and twice in the new" in diff.notes[0]
    assert "paired in order of appearance" in diff.notes[0]
    back = diff_files(dup, sent)
    assert brief(back) == [(SHEET, "A.5.1", "removed", None, None, None)] and back.notes


def test_columns_removed_and_change_history(sent: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.xlsx"
    shutil.copy(sent, other)
    wb = openpyxl.load_workbook(other)
    ws = wb[SHEET]
    ws.delete_cols(header_col(ws, "Policy / Procedure"))
    doc = wb[DOC]
    title = next(r[0].row for r in doc.iter_rows() if r[0].value == "Change history")
    doc.cell(row=title + 3, column=1).value = "1.1"  # the change history starts in column A
    doc.cell(row=title + 3, column=4).value = "A.5.7 excluded"
    wb.save(other)
    diff = diff_files(sent, other)
    assert diff.changes[0] == Change(DOC, "Change history: 1.1", "added", None, None, None, None, title + 3)
    assert (SHEET, None, "removed", "Policy / Procedure", None, None) in brief(diff)
    values = [c for c in diff.changes if c.column == "Policy / Procedure" and c.key]
    assert len(values) == 92 and all(c.old == "Information Security Policy v3" and c.new is None for c in values)


def test_other_kinds_and_unreadable_files(sent: Path, tmp_path: Path) -> None:
    pack = write_sample_pack(tmp_path / "pack")
    with pytest.raises(KindMismatch, match="same workbook"):
        diff_files(sent, pack["gap"])
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook at all")
    with pytest.raises(ReadError):
        diff_files(sent, junk)
    risk = read_workbook(pack["risk"])
    assert diff_books(risk, risk).changes == []


def test_renderers(sent: Path, returned: Path, tmp_path: Path) -> None:
    diff = diff_files(sent, returned)
    text = render.diff_text(diff).splitlines()
    assert text[:2] == [f"--- {sent}", f"+++ {returned}"]
    assert f"~ {SHEET} A.5.7  Applicable: 'Yes' -> 'No'" in text
    assert f"~ {SHEET} A.5.9  Evidence Reference: 'EV-A.5.9' -> (blank)" in text
    assert f"+ {SHEET} A.5.38  added (row {diff.changes[7].new_row})" in text
    assert f"- {SHEET} A.8.9  removed (was row {diff.changes[8].old_row})" in text
    assert f"+ {SHEET}  column 'Client Notes' added" in text
    assert f"~ {DOC}  Approved By: 'CEO' -> 'Chief Executive Officer'" in text
    assert text[-1] == (
        f"{SHEET}: 1 record added, 1 record removed, 4 records changed (5 values), 1 column added, 1 form field changed"
    )
    data = json.loads(render.diff_json(diff))
    assert list(data) == ["old", "new", "kind", "changes", "summary", "notes"]
    assert data["kind"] == "soa" and data["summary"] == {"added": 2, "removed": 1, "changed": 6}
    assert all(list(c) == CHANGE_KEYS for c in data["changes"])


def test_changes_workbook(sent: Path, returned: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(returned)
    ws = wb[SHEET]
    key = header_col(ws, "Control ID")
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=key).value == "A.5.2")
    cell = ws.cell(row=row, column=header_col(ws, "Justification"))
    cell.value = '=HYPERLINK("http://evil")'
    cell.data_type = "s"
    wb.save(returned)
    diff = diff_files(sent, returned)
    out = tmp_path / "changes.xlsx"
    render.diff_xlsx(diff, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Changes"]
    everything = list(ws.iter_rows(values_only=True))
    assert everything[0][0] == f"Changes: {diff.title}"
    assert (
        everything[1][0].startswith(f"Compared {sent.name} (modified ")
        and f" with {returned.name} (modified " in everything[1][0]
    )
    assert everything[2][0].startswith(render.diff_summary(diff)), "the summary at the top, where it is read"
    h = render.DIFF_HEADER_ROW
    rows = everything[h:]
    assert rows[0] == ("Change", "Sheet", "Key", "Column", "Old Value", "New Value", "Old Row", "New Row")
    assert len([r for r in rows[1:] if r[0]]) == len(diff.changes)
    assert ws.freeze_panes == f"A{h + 2}" and ws.auto_filter.ref == f"A{h + 1}:H{len(diff.changes) + h + 1}"
    heights = [ws.row_dimensions[r].height for r in range(h + 2, h + 2 + len(diff.changes))]
    assert all(height is not None and 15 <= height <= 100 for height in heights), "every row sized to its text"
    assert ws.page_setup.paperSize == 9 and "Page &P of &N" in ws.oddFooter.center.text
    evil = next(row for row in ws.iter_rows(min_row=h + 2) if row[2].value == "A.5.2")
    assert evil[5].value == '=HYPERLINK("http://evil")' and evil[5].data_type == "s", "client text stays text"


# --- the command line ------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_exit_codes_and_json(sent: Path, returned: Path, tmp_path: Path) -> None:
    code, out, _ = run("diff", str(sent), str(returned), "--format", "json")
    assert code == 1
    assert json.loads(out) == diff_files(sent, returned).as_dict()
    code, out, _ = run("diff", str(sent), str(sent))
    assert code == 0 and out.splitlines()[-1].endswith("no differences")
    code, out, _ = run("diff", str(sent), str(returned))
    assert code == 1 and out == render.diff_text(diff_files(sent, returned))
    xlsx = tmp_path / "changes.xlsx"
    code, out, err = run("diff", str(sent), str(returned), "-o", str(xlsx))
    assert code == 1 and out == "" and f"wrote {xlsx}" in err and xlsx.exists()
    code, _, _ = run("diff", str(sent), str(returned), "--format", "json", "-o", str(tmp_path / "changes.json"))
    assert code == 1 and json.loads((tmp_path / "changes.json").read_text())["summary"]["removed"] == 1


def test_cli_errors_are_one_line(sent: Path, returned: Path, tmp_path: Path) -> None:
    pack = write_sample_pack(tmp_path / "pack")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"")
    before = hashlib.sha256(returned.read_bytes()).hexdigest()
    for args in (
        [str(sent), str(pack["risk"])],  # two kinds
        [str(sent), str(junk)],  # unreadable
        [str(sent), str(tmp_path / "missing.xlsx")],
        [str(sent), str(returned), "-o", str(returned)],  # over an input
    ):
        code, out, err = run("diff", *args)
        assert code == 2 and out == "" and err.startswith("ctk: ") and err.count("\n") == 1, (args, err)
    assert hashlib.sha256(returned.read_bytes()).hexdigest() == before


# --- the client round trip, through LibreOffice ------------------------------------------------


@pytest.mark.libreoffice
def test_client_round_trip(soffice: str, sent: Path, tmp_path: Path) -> None:
    """Send, edit a copy as the client would, resave in LibreOffice, then diff and annotate."""
    edited = tmp_path / "client" / "soa_returned.xlsx"
    edited.parent.mkdir()
    shutil.copy(sent, edited)
    client_edits(edited)
    returned = lo_convert(soffice, edited, tmp_path / "lo")
    sent_bytes = sent.read_bytes()

    diff = diff_files(sent, returned)
    assert brief(diff) == EXPECTED
    assert diff.notes == []

    original = validate([returned], as_of=AS_OF).files[0].findings
    assert {(f.code, f.key) for f in original} == {
        ("SOA001", "A.8.9"),
        ("SOA003", "A.5.38"),
        ("SOA007", "A.5.9"),
        ("SOA009", "A.5.10"),
    }
    before = returned.read_bytes()
    review = tmp_path / "soa_review.xlsx"
    annotate(returned, original, review)
    assert returned.read_bytes() == before and sent.read_bytes() == sent_bytes
    assert validate([review], as_of=AS_OF).files[0].findings == original

    wb = openpyxl.load_workbook(review)
    for f in original:
        if f.cell:
            cell = wb[f.sheet][f.cell]
            assert cell.fill.fgColor.rgb == FILLS[f.severity] and f.message in cell.comment.text
    links = [c.hyperlink.location for row in wb[REVIEW_SHEET].iter_rows(min_row=2) for c in row if c.hyperlink]
    assert sorted(links) == sorted(f"'{SHEET}'!{f.cell}" if f.cell else f"'{SHEET}'!A1" for f in original)

    # The annotated workbook opens in LibreOffice, and reads back the same once resaved there.
    resaved = lo_convert(soffice, review, tmp_path / "lo2")
    assert validate([resaved], as_of=AS_OF).files[0].findings == original
    again = openpyxl.load_workbook(resaved)
    first = next(f for f in original if f.code == "SOA007")
    assert again[REVIEW_SHEET][f"A{HEADER_ROW}"].value == "Severity"
    assert again[first.sheet][first.cell].comment is not None


def test_dates_compare_as_dates(sent: Path, tmp_path: Path) -> None:
    other = tmp_path / "dates.xlsx"
    shutil.copy(sent, other)
    wb = openpyxl.load_workbook(other)
    ws = wb[SHEET]
    col = header_col(ws, "Last Reviewed")
    ws.cell(row=soa_row(ws, "A.5.1"), column=col).value = "2026-10-01"  # same day, typed as text
    ws.cell(row=soa_row(ws, "A.5.2"), column=col).value = dt.datetime(2026, 10, 2)
    wb.save(other)
    assert brief(diff_files(sent, other)) == [(SHEET, "A.5.2", "changed", "Last Reviewed", "2026-10-01", "2026-10-02")]


def test_uncalculated_formulas_are_not_changes(tmp_path: Path) -> None:
    """A copy saved by a program that does not calculate (here openpyxl) has blank formula results: unknown, not changed."""
    pack = write_sample_pack(tmp_path / "pack")
    edited = tmp_path / "risk_edited.xlsx"
    shutil.copy(pack["risk"], edited)
    wb = openpyxl.load_workbook(edited)
    ws = wb["Risk Register"]
    owner = header_col(ws, "Risk Owner")
    ws.cell(row=2, column=owner).value = "Head of IT"
    wb.save(edited)
    old, new = read_workbook(pack["risk"]), read_workbook(edited)
    new.uncalculated[:] = [("Risk Register", "K2")]  # the reader lists some (up to a limit), not necessarily all
    diff = diff_books(old, new)
    assert [(c.key, c.column, c.new) for c in diff.changes] == [("R-001", "Risk Owner", "Head of IT")]
    assert diff.unknown > 0 and "not compared" in diff.notes[-1]
    assert diff_books(old, read_workbook(pack["risk"])).changes == []


def test_sheets_added_removed_and_renamed_are_changes(tmp_path: Path) -> None:
    """A deleted Heat Map and a client's sheet of questions are not "no differences"; a renamed
    register sheet is a rename, its records compared under its new name."""
    pack = write_sample_pack(tmp_path / "pack")
    returned = tmp_path / "returned.xlsx"
    shutil.copy(pack["risk"], returned)
    wb = openpyxl.load_workbook(returned)
    del wb["Heat Map"]
    wb.create_sheet("Client questions")["A1"] = "Is the threshold 9 or 12?"
    wb["Risk Register"].title = "Risks (Acme)"
    wb["Risks (Acme)"]["C2"] = "Changed threat"
    wb.save(returned)
    diff = diff_files(pack["risk"], returned)
    sheets = [(c.change, c.old, c.new) for c in diff.changes if c.scope == "sheet"]
    assert sheets == [
        ("changed", "Risk Register", "Risks (Acme)"),
        ("removed", "Heat Map", None),
        ("added", None, "Client questions"),
    ]
    assert diff.exit_code == 1
    assert {c.sheet for c in diff.changes if c.scope == "record"} == {"Risks (Acme)"}
    text = render.diff_text(diff)
    assert "~ sheet 'Risk Register' renamed to 'Risks (Acme)'" in text and "- sheet 'Heat Map' removed" in text
    assert "+ sheet 'Client questions' added" in text
    assert "1 sheet added, 1 sheet removed, 1 sheet renamed" in text.splitlines()[-1]
    code = CliRunner().invoke(main, ["diff", str(pack["risk"]), str(returned)]).exit_code
    assert code == 1


def test_a_client_sheet_renamed_is_a_rename(tmp_path: Path) -> None:
    pack = write_sample_pack(tmp_path / "pack")
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path, name in ((a, "Notes"), (b, "Our notes")):
        shutil.copy(pack["soa"], path)
        wb = openpyxl.load_workbook(path)
        wb.create_sheet(name)["A1"] = "Why is A.5.6 not addressed?"
        wb.save(path)
    assert [(c.change, c.old, c.new) for c in diff_files(a, b).changes] == [("changed", "Notes", "Our notes")]
