"""The engagement loop, scripted: init -> build -> the client edits -> rebuild, twice.

Every client edit survives, everything the client did not touch is refreshed from the new inputs
(a new risk reaches the SoA, a downgraded rating reaches the SoA status and the roadmap), the
pack passes its own cross-checks, the client's returned files are kept byte for byte, and a
second rebuild changes nothing. Once through openpyxl, once through a LibreOffice resave.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import header
from tests.lo import lo_convert
from tests.paths import SAMPLE
from toolkit.cli import main
from toolkit.engagement import build
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

DAY0, DAY1, DAY2 = dt.date(2027, 2, 1), dt.date(2027, 2, 8), dt.date(2027, 2, 9)
SOA, GAP, RISKS, ROADMAP = "soa.xlsx", "gap_assessment.xlsx", "risk_register.xlsx", "roadmap.xlsx"
SOA_SHEET, ANNEX, REGISTER = "Statement of Applicability", "Annex A Gaps", "Risk Register"
TYPED = "Board-approved policy set; required by our customer contracts."
NOTE = "Roles are not yet assigned for the new EU entity."
NEW_RISK: dict[str, Any] = {
    "Risk ID": "R-01",
    "Asset": "Customer database",
    "Threat": "Credential stuffing",
    "Vulnerability": "No MFA on the admin console",
    "Likelihood": 4,
    "Impact": 5,
    "Risk Owner": "CTO",
    "Treatment": "Mitigate",
    "Treatment Plan": "Enforce MFA; rate-limit logins",
    "Annex A Controls": "A.5.15; A.8.5",
    "Target Date": dt.datetime(2027, 6, 30),
    "Residual Likelihood": 2,
    "Residual Impact": 4,
    "Last Reviewed": dt.datetime(2027, 2, 3),
    "Status": "In treatment",
}


def new_engagement(root: Path) -> Path:
    """`ctk init`, the client's matrix pasted in, the approver set, `ctk build`."""
    folder = root / "acme"
    done = CliRunner().invoke(main, ["init", str(folder), "--org", "Acme Corp", "--start", DAY0.isoformat()])
    assert done.exit_code == 0, done.output
    wb = openpyxl.load_workbook(folder / "soc2_controls.xlsx")
    ws = wb["SOC 2 Controls"]
    with (SAMPLE / "soc2_controls.csv").open(encoding="utf-8") as f:
        for row in list(csv.reader(f))[1:]:
            ws.append(row)
    wb.save(folder / "soc2_controls.xlsx")
    settings = (folder / "ctk.toml").read_text(encoding="utf-8")
    (folder / "ctk.toml").write_text(
        settings.replace('approved_by = ""', 'approved_by = "CEO"').replace("# approval_date", "approval_date"), encoding="utf-8"
    )
    pack = build(folder, today=DAY0)
    assert {c.state for c in pack.changes} == {"new"}
    # The first ISMS workbook is the client's to-do list: its errors are expected, no other workbook has one.
    assert [fr.path for fr in pack.report.files if fr.errors and not fr.path.endswith("isms.xlsx")] == []
    return folder


def row_of(ws: Any, first_row: int, value: str, column: int = 1) -> int:
    for row in ws.iter_rows(min_row=first_row + 1):
        if row[column - 1].value == value:
            return int(row[0].row)
    raise KeyError(value)


def client_edits(folder: Path, downgraded: str) -> None:
    """What the client does to the pack, in a spreadsheet program (here openpyxl)."""
    _type_risk(folder / RISKS)

    wb = openpyxl.load_workbook(folder / SOA)
    ws = wb[SOA_SHEET]
    top, col = header(ws, "Control ID")
    row = row_of(ws, top, "A.5.1")
    ws.cell(row, col["Justification"], TYPED)
    ws.cell(top, len(col) + 1, "Client comment")
    ws.cell(row, len(col) + 1, "Policy pack v5 in review")
    wb.save(folder / SOA)

    wb = openpyxl.load_workbook(folder / GAP)
    ws = wb[ANNEX]
    top, col = header(ws, "Control ID")
    row = row_of(ws, top, downgraded)
    ws.cell(row, col["Coverage"], "Partially addressed")
    ws.cell(row, col["Notes"], NOTE)
    wb.create_sheet("Our questions")["A1"] = "Why is A.5.6 not addressed? We attend OWASP meetups."
    wb.save(folder / GAP)

    wb = openpyxl.load_workbook(folder / ROADMAP)
    ws = wb["Phase 1 - Gap Analysis"]
    top, _ = header(ws, "Task ID")
    ws.delete_rows(row_of(ws, top, "P1-06"))
    wb.save(folder / ROADMAP)


def resave_in_libreoffice(soffice: str, folder: Path, tmp: Path) -> None:
    for name in (RISKS, SOA, GAP, ROADMAP):
        back = lo_convert(soffice, folder / name, tmp / "lo")
        shutil.copyfile(back, folder / name)


def by_key(path: Path, sheet: str, key: str) -> dict[Any, Any]:
    return {r.get(key): r for r in read_workbook(path).records(sheet)}


@pytest.fixture(params=["openpyxl", pytest.param("libreoffice", marks=pytest.mark.libreoffice)])
def via(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_engagement_loop(via: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    folder = new_engagement(tmp_path)
    gap = by_key(folder / GAP, ANNEX, "Control ID")
    downgraded = next(
        c for c, r in gap.items() if r.get("Coverage") == "Fully addressed" and c not in ("A.5.1", "A.5.15", "A.8.5")
    )
    before = by_key(folder / SOA, SOA_SHEET, "Control ID")
    assert before["A.5.15"].get("Related Risks") is None and before[downgraded].get("Implementation Status") == "Implemented"
    assert not any(
        downgraded in (r.get("Reference") or []) for t in read_workbook(folder / ROADMAP).tables.values() for r in t.records
    )

    client_edits(folder, downgraded)
    if via == "libreoffice":
        resave_in_libreoffice(request.getfixturevalue("soffice"), folder, tmp_path)
    returned = {name: (folder / name).read_bytes() for name in (RISKS, SOA, GAP, ROADMAP)}

    pack = build(folder, today=DAY1)
    # Every edit kept.
    soa = by_key(folder / SOA, SOA_SHEET, "Control ID")
    assert soa["A.5.1"].get("Justification") == TYPED and soa["A.5.1"].extra["Client comment"] == "Policy pack v5 in review"
    gap = by_key(folder / GAP, ANNEX, "Control ID")
    assert gap[downgraded].get("Coverage") == "Partially addressed" and gap[downgraded].get("Notes") == NOTE
    assert "Our questions" in read_workbook(folder / GAP).sheet_names
    risks = by_key(folder / RISKS, REGISTER, "Risk ID")
    assert risks["R-01"].get("Annex A Controls") == ["A.5.15", "A.8.5"] and risks["R-01"].get("Inherent Score") == 20
    roadmap = read_workbook(folder / ROADMAP)
    tasks = [r for t in roadmap.tables.values() for r in t.records]
    assert "P1-06" not in {r.get("Task ID") for r in tasks}, "the task the client deleted stays deleted"
    # Everything the client did not touch follows the new inputs.
    for cid in ("A.5.15", "A.8.5"):
        assert (
            soa[cid].get("Related Risks") == ["R-01"] and soa[cid].get("Justification") == "Risk treatment: R-01 (risk register)."
        )
    assert soa[downgraded].get("Implementation Status") == "Partially implemented"
    task = [r for r in tasks if downgraded in (r.get("Reference") or [])]
    assert len(task) == 1 and task[0].get("Task ID") not in {r.get("Task ID") for r in tasks if r is not task[0]}, (
        "a new task, with an ID of its own"
    )
    # The pack passes its own cross-checks, and so does `ctk validate` on the folder.
    for report in (pack.report, validate([folder])):
        assert len(report.files) in (6, 7) and {Path(fr.path).parent for fr in report.files} == {folder}, "no copies"
        assert [f for fr in report.files for f in fr.findings if f.code.startswith("XWB") and f.severity == "error"] == []
        assert [f for fr in report.files for f in fr.findings if f.code in ("ROAD004", "ROAD005")] == [], (
            "IDs and dependencies hold"
        )
    # The client's returned files, byte for byte.
    for name, data in returned.items():
        kept = folder / "returned" / DAY1.isoformat() / name
        assert kept.read_bytes() == data, name
    assert {c.path.name: c.returned_copy is not None for c in pack.changes}[ROADMAP]
    # A second rebuild changes nothing.
    after = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    again = build(folder, today=DAY2)
    assert {c.state for c in again.changes} == {"unchanged"}
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == after


def test_a_conflict_keeps_the_clients_value_and_is_reported_at_its_cell(tmp_path: Path) -> None:
    folder = new_engagement(tmp_path)
    wb = openpyxl.load_workbook(folder / SOA)
    ws = wb[SOA_SHEET]
    top, col = header(ws, "Control ID")
    row = row_of(ws, top, "A.5.15")
    ws.cell(row, col["Justification"], "Access control: our own wording.")
    wb.save(folder / SOA)
    cell = f"{openpyxl.utils.get_column_letter(col['Justification'])}{row}"
    # The new inputs change the same cell: a risk now relies on A.5.15.
    _type_risk(folder / RISKS)

    pack = build(folder, today=DAY1)
    soa = by_key(folder / SOA, SOA_SHEET, "Control ID")
    assert soa["A.5.15"].get("Justification") == "Access control: our own wording.", "the client's value is kept"
    assert soa["A.8.5"].get("Justification") == "Risk treatment: R-01 (risk register).", "an untouched cell is refreshed"
    found = [f for fr in pack.report.files for f in fr.findings if f.code == "MRG001"]
    assert [(f.sheet, f.cell, f.key, f.column) for f in found] == [(SOA_SHEET, cell, "A.5.15", "Justification")]
    assert "'Risk treatment: R-01 (risk register).'" in found[0].message

    # Text and JSON, from `ctk validate`; and in the annotated copy, at the cell.
    text = CliRunner().invoke(main, ["validate", str(folder / SOA)])
    assert f"soa.xlsx:{SOA_SHEET}!{cell}: MRG001 warning [A.5.15]" in text.stdout
    data = json.loads(CliRunner().invoke(main, ["validate", "--format", "json", str(folder / SOA)]).stdout)
    assert [(f["code"], f["cell"]) for f in data["files"][0]["findings"] if f["code"] == "MRG001"] == [("MRG001", cell)]
    out = tmp_path / "review.xlsx"
    assert CliRunner().invoke(main, ["validate", str(folder / SOA), "--annotate", str(out)]).exit_code in (0, 1)
    marked = openpyxl.load_workbook(out)[SOA_SHEET][cell]
    assert marked.comment is not None and "the client changed this value and the new inputs changed it too" in marked.comment.text

    # The same through a generator's own --merge: the conflict is said at its cell.
    merged = tmp_path / "soa_again.xlsx"
    done = CliRunner().invoke(
        main,
        [
            "soa",
            "--gap",
            str(folder / GAP),
            "--risks",
            str(folder / RISKS),
            "--merge",
            str(folder / "returned" / DAY1.isoformat() / SOA),
            "-o",
            str(merged),
        ],
    )
    assert done.exit_code == 0, done.output
    assert f"soa_again.xlsx:{SOA_SHEET}!{cell}: MRG001 warning [A.5.15]" in done.stderr

    # The conflict was the news of that rebuild: the next one keeps the client's value in silence.
    build(folder, today=DAY2)
    assert by_key(folder / SOA, SOA_SHEET, "Control ID")["A.5.15"].get("Justification") == "Access control: our own wording."
    settled = {p.name: p.read_bytes() for p in folder.glob("*.xlsx")}
    final = build(folder, today=DAY2)
    assert [f for fr in final.report.files for f in fr.findings if f.code == "MRG001"] == []
    assert {p.name: p.read_bytes() for p in folder.glob("*.xlsx")} == settled


def test_a_row_whose_subject_disappeared_is_kept_and_marked(tmp_path: Path) -> None:
    folder = new_engagement(tmp_path)
    gap = by_key(folder / GAP, ANNEX, "Control ID")
    closed = next(c for c, r in gap.items() if r.get("Coverage") == "Partially addressed")
    task = next(
        r for t in read_workbook(folder / ROADMAP).tables.values() for r in t.records if closed in (r.get("Reference") or [])
    )
    wb = openpyxl.load_workbook(folder / GAP)
    ws = wb[ANNEX]
    top, col = header(ws, "Control ID")
    row = row_of(ws, top, closed)
    ws.cell(row, col["Coverage"], "Fully addressed")
    ws.cell(row, col["Notes"], "Closed: evidence in the audit folder.")
    wb.save(folder / GAP)
    pack = build(folder, today=DAY1)
    kept = [r for t in read_workbook(folder / ROADMAP).tables.values() for r in t.records if closed in (r.get("Reference") or [])]
    assert len(kept) == 1 and kept[0].get("Task ID") == task.get("Task ID"), "kept, with its ID"
    marks = [f for fr in pack.report.files for f in fr.findings if f.code == "MRG002"]
    assert [(f.sheet, f.row, f.key) for f in marks] == [(task.sheet, kept[0].row, closed)]
    assert any("no longer generates" in n for n in pack.notes)
    # It stays marked (and the pack unchanged) until someone deletes it.
    before = {p.name: p.read_bytes() for p in folder.glob("*.xlsx")}
    again = build(folder, today=DAY2)
    assert [f.code for fr in again.report.files for f in fr.findings if f.code == "MRG002"] == ["MRG002"]
    assert {p.name: p.read_bytes() for p in folder.glob("*.xlsx")} == before


def test_dry_run_says_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    folder = new_engagement(tmp_path)
    client_edits(folder, "A.5.2")
    before = {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["build", "--dry-run", str(folder)])
    assert {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert "dry run: nothing was written" in result.stderr
    assert f"{folder / SOA}: Statement of Applicability: would change (" in result.stderr and "changed" in result.stderr
    assert not any(p.name.startswith(".ctk-build") for p in folder.iterdir())


def test_build_keeps_a_pre_existing_workbook_before_replacing_it(tmp_path: Path) -> None:
    folder = new_engagement(tmp_path)
    shutil.rmtree(folder / "sent")  # as if the pack came from an older ctk, or by hand
    original = (folder / SOA).read_bytes()
    settings = (folder / "ctk.toml").read_text(encoding="utf-8").replace('approved_by = "CEO"', 'approved_by = "Board"')
    (folder / "ctk.toml").write_text(settings, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    copies = list((folder / "returned").glob(f"*/{SOA}"))
    assert len(copies) == 1 and copies[0].read_bytes() == original
    assert f"kept the client's {SOA} as returned: {copies[0]}" in result.stderr


def _type_risk(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER]
    top, col = header(ws, "Risk ID")
    for name, value in NEW_RISK.items():
        ws.cell(top + 1, col[name], value)
    wb.save(path)


def test_a_blank_register_carries_formulas_and_drop_downs_for_the_rows_a_client_fills(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["risk", "new", "-o", str(blank)]).exit_code == 0
    ws = openpyxl.load_workbook(blank)[REGISTER]
    top, col = header(ws, "Risk ID")
    letter = openpyxl.utils.get_column_letter
    for row in (top + 1, top + 200):
        assert str(ws.cell(row, col["Inherent Score"]).value).startswith("=IF(")
        assert str(ws.cell(row, col["Risk Level"]).value).startswith("=IF(")
    treatment = letter(col["Treatment"])
    assert f"{treatment}{top + 1}:{treatment}{top + 201}" in {str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert ws.conditional_formatting, "the level colours"
    assert read_workbook(blank).records(REGISTER) == [], "rows of formulas alone are not risks"
    # Typed in by a script (no recalculation), a rebuild fills the scores in.
    _type_risk(blank)
    out = tmp_path / "v2.xlsx"
    assert CliRunner().invoke(main, ["risk", "new", "--merge", str(blank), "-o", str(out)]).exit_code == 0
    (risk,) = read_workbook(out).records(REGISTER)
    assert (risk.get("Inherent Score"), risk.get("Risk Level"), risk.get("Residual Score")) == (20, "Critical", 8)


@pytest.mark.libreoffice
def test_a_risk_typed_into_a_blank_register_is_scored_by_the_spreadsheet(soffice: str, tmp_path: Path) -> None:
    from tests.lo import lo_recalculate

    blank = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["risk", "new", "-o", str(blank)]).exit_code == 0
    _type_risk(blank)
    (back,) = lo_recalculate(soffice, [blank], tmp_path / "lo")
    (risk,) = read_workbook(back).records(REGISTER)
    assert (risk.get("Inherent Score"), risk.get("Risk Level"), risk.get("Residual Score")) == (20, "Critical", 8)
    assert [f.code for f in validate([back]).files[0].findings if f.code in ("RSK006", "WB006")] == []


def test_what_a_rebuild_cannot_carry_points_at_the_kept_copy(tmp_path: Path) -> None:
    """B10: the client's comment and hyperlink cannot be carried into the rebuilt SoA; the warning
    says where the client's file, with both, is kept."""
    from openpyxl.comments import Comment

    folder = new_engagement(tmp_path)
    wb = openpyxl.load_workbook(folder / SOA)
    ws = wb[SOA_SHEET]
    top, col = header(ws, "Control ID")
    row = row_of(ws, top, "A.5.3")
    ws.cell(row, col["Justification"]).comment = Comment("Please reword this", "Client")
    ws.cell(row, col["Evidence Reference"]).hyperlink = "https://sharepoint.example/evidence/A.5.3"
    wb.save(folder / SOA)
    result = CliRunner().invoke(main, ["build", str(folder)])
    kept = next((folder / "returned").glob(f"*/{SOA}"))
    assert f"copy them over by hand from {kept}" in result.stderr
    original = openpyxl.load_workbook(kept)[SOA_SHEET]
    assert original.cell(row, col["Justification"]).comment.text == "Please reword this"
