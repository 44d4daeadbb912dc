"""--merge: a client's edits survive regeneration; the client's file is never touched."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import write_sample_pack
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.kinds.risk.model import REGISTER
from toolkit.kinds.soa.build import DOC, SHEET
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook


@pytest.fixture()
def pack(tmp_path: Path) -> dict[str, Path]:
    return write_sample_pack(tmp_path / "client")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def client_edits_soa(path: Path) -> None:
    """What a client does: change values, add a column and a sheet, add a row of their own."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    ws.cell(1, len(header) + 1, "Auditor Comment")
    for row in range(2, ws.max_row + 1):
        cid = ws.cell(row, 1).value
        if cid == "A.7.5":
            ws.cell(row, col["Applicable"], "No")
            ws.cell(row, col["Justification"], "No physical premises: fully remote company since 2025")
            ws.cell(row, col["Implementation Status"], "Not applicable")
        elif cid == "A.5.1":
            ws.cell(row, col["Policy / Procedure"], "POL-001 Information Security Policy v4.0")
            ws.cell(row, col["Control Title"], "Typed over a computed title")
            ws.cell(row, len(header) + 1, "Seen signed copy")
        elif cid == "A.8.24":
            # Typed as text (Excel: a leading apostrophe): a string that looks like a formula.
            cell = ws.cell(row, col["Evidence Reference"], "=cmd|' /C calc'!A0")
            cell.data_type = "s"
            ws.cell(row, col["Last Reviewed"], dt.datetime(2026, 11, 3))
    ws.cell(ws.max_row + 1, 1, "X-CUSTOM-1")
    ws.cell(ws.max_row, col["Justification"], "Client's own supplementary control")
    notes = wb.create_sheet("Client Notes")
    notes["A1"] = "Questions for the consultant"
    notes["A2"] = "Is A.7.5 really out of scope?"
    for row in wb[DOC].iter_rows(min_row=1, max_row=15):
        if row[0].value == "Approved By":
            row[1].value = "Board of Directors"
    wb.save(path)


def test_merge_keeps_every_client_edit(pack: dict[str, Path], tmp_path: Path) -> None:
    returned = tmp_path / "soa_from_client.xlsx"
    returned.write_bytes(pack["soa"].read_bytes())
    client_edits_soa(returned)
    before = digest(returned)
    out = tmp_path / "soa_v2.xlsx"
    result = CliRunner().invoke(
        main, ["soa", "--gap", str(pack["gap"]), "--risks", str(pack["risk"]), "--merge", str(returned), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert digest(returned) == before, "the merged-from file must never be modified"
    book = read_workbook(out)
    rows = {r.get("Control ID"): r for r in book.records(SHEET)}
    assert rows["A.7.5"].get("Applicable") == "No" and rows["A.7.5"].get("Implementation Status") == "Not applicable"
    assert rows["A.7.5"].get("Justification") == "No physical premises: fully remote company since 2025"
    assert rows["A.5.1"].get("Policy / Procedure") == "POL-001 Information Security Policy v4.0"
    assert rows["A.5.1"].get("Control Title") == "Policies for information security", "computed columns are refreshed"
    assert rows["A.5.1"].extra["Auditor Comment"] == "Seen signed copy"
    assert rows["A.8.24"].get("Evidence Reference") == "=cmd|' /C calc'!A0", "kept as text, never a formula"
    assert rows["A.8.24"].get("Last Reviewed") == dt.date(2026, 11, 3)
    assert "X-CUSTOM-1" in rows and rows["X-CUSTOM-1"].get("Justification") == "Client's own supplementary control"
    assert "Client Notes" in book.sheet_names
    assert book.forms[DOC].fields["Approved By"] == "Board of Directors"
    wb = openpyxl.load_workbook(out)
    assert wb["Client Notes"]["A2"].value == "Is A.7.5 really out of scope?"
    cell = next(r for r in wb[SHEET].iter_rows() if r[0].value == "A.8.24")[7]
    assert cell.data_type == "s", "client text that looks like a formula stays a string"
    assert "warning:" in result.stderr and "X-CUSTOM-1" not in result.stderr


def test_merge_with_itself_is_stable(pack: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "again.xlsx"
    result = CliRunner().invoke(
        main, ["soa", "--gap", str(pack["gap"]), "--risks", str(pack["risk"]), "--merge", str(pack["soa"]), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [(r.row, r.values) for r in read_workbook(out).records(SHEET)] == [
        (r.row, r.values) for r in read_workbook(pack["soa"]).records(SHEET)
    ]


def test_merge_risk_register_keeps_client_rows_and_recomputes(pack: dict[str, Path], tmp_path: Path) -> None:
    returned = tmp_path / "risks_back.xlsx"
    returned.write_bytes(pack["risk"].read_bytes())
    wb = openpyxl.load_workbook(returned)
    ws = wb[REGISTER]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Likelihood") + 1, 5)
    new = ws.max_row + 1
    for name, value in {
        "Risk ID": "R-099",
        "Asset": "Data warehouse",
        "Threat": "Insider",
        "Likelihood": 2,
        "Impact": 3,
        "Risk Owner": "CTO",
        "Treatment": "Mitigate",
        "Treatment Plan": "Quarterly access review",
        "Plan Approved By": "CTO",
        "Plan Approval Date": dt.datetime(2026, 11, 1),
        "Annex A Controls": "5.18",
        "Last Reviewed": dt.datetime(2026, 11, 1),
        "Status": "Open",
    }.items():
        ws.cell(new, header.index(name) + 1, value)
    wb.save(returned)
    out = tmp_path / "risks_v2.xlsx"
    result = CliRunner().invoke(main, ["risk", "new", "--merge", str(returned), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r.get("Risk ID"): r for r in read_workbook(out).records(REGISTER)}
    assert (
        rows["R-001"].get("Likelihood") == 5
        and rows["R-001"].get("Inherent Score") == 25
        and rows["R-001"].get("Risk Level") == "Critical"
    )
    assert rows["R-099"].get("Inherent Score") == 6 and rows["R-099"].get("Annex A Controls") == ["A.5.18"]
    report = validate([out], as_of=AS_OF).files[0]
    assert [f.code for f in report.findings if f.severity == "error"] == []
