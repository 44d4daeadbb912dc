"""The engagement pack: init, build (and rebuild keeping the client's edits), demo."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from tests.helpers import append_record, edit_cell
from tests.paths import SAMPLE
from toolkit.cli import main
from toolkit.kinds import REGISTRY
from toolkit.kinds.soa.build import SHEET
from toolkit.workbook.reader import read_workbook

KINDS = ["gap", "risk", "soa", "roadmap", "savings", "isms"]


def test_demo_writes_six_workbooks_that_validate_clean_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "6 files checked: 0 errors, 0 warnings"
    for kind in KINDS:
        assert read_workbook(tmp_path / "demo" / REGISTRY[kind].filename).kind == kind
    assert "[5/6] cost savings" in result.stderr and "[6/6] ISMS workbook" in result.stderr
    quiet = CliRunner().invoke(main, ["demo", "--quiet", str(tmp_path / "demo")])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_init_then_build(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    result = CliRunner().invoke(main, ["init", str(folder), "--org", "Acme Corp", "--start", "2027-02-01"])
    assert result.exit_code == 0, result.output
    assert (folder / "ctk.toml").exists()
    blank = read_workbook(folder / "soc2_controls.xlsx")
    assert blank.kind == "soc2" and blank.records() == []
    # The client fills in the blank matrix (here: the sample's rows, pasted in).
    wb = openpyxl.load_workbook(folder / "soc2_controls.xlsx")
    ws = wb["SOC 2 Controls"]
    for row in (SAMPLE / "soc2_controls.csv").read_text(encoding="utf-8").splitlines()[1:4]:
        ws.append(next(csv.reader([row])))
    wb.save(folder / "soc2_controls.xlsx")
    settings = (
        (folder / "ctk.toml")
        .read_text()
        .replace('approved_by = ""', 'approved_by = "CEO"')
        .replace("# approval_date", "approval_date")
    )
    (folder / "ctk.toml").write_text(settings)
    result = CliRunner().invoke(main, ["build", str(folder)])
    # A first build's ISMS workbook is the client's to-do list (proposals to confirm, owners and
    # auditors to name): its errors are expected, and every other workbook has no error. No risk
    # register yet, so no risk justifies any control: the SoA says so on every row (SOA009) instead
    # of a justification it cannot know.
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stdout.splitlines() if " error " in line]
    assert errors and all(line.startswith(str(folder / "isms.xlsx")) for line in errors), errors
    soa_warned = {
        line.split(": ", 1)[1].split()[0]
        for line in result.stdout.splitlines()
        if " warning " in line and line.startswith(str(folder / "soa.xlsx"))
    }
    assert soa_warned == {"SOA009"}, soa_warned
    assert read_workbook(folder / "gap_assessment.xlsx").tables["SOC 2 Controls"].records[2].get("Control ID") == "HA-GOV-03"


def test_rebuild_keeps_the_clients_edits(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    assert CliRunner().invoke(main, ["demo", "-q", str(folder)]).exit_code == 0
    row = edit_cell(folder / "soa.xlsx", SHEET, "A.5.1", "Policy / Procedure", "POL-001 v4 (client)")
    # The client registers the policy it now cites (the rebuilt register pairs it by its ID).
    append_record(
        folder / "isms.xlsx",
        "Documents",
        {
            "Document ID": "POL-001",
            "Title": "Acceptable Use Policy",
            "Type": "Policy",
            "Owner": "Head of Security",
            "Approver": "Chief Executive Officer",
            "Version": "4",
            "Approval Date": dt.datetime(2026, 10, 1),
            "Next Review": dt.datetime(2027, 10, 1),
            "Status": "Approved",
        },
        "Document ID",
    )
    edit_cell(folder / "risk_register.xlsx", "Risk Register", "R-002", "Likelihood", 4)
    edit_cell(folder / "gap_assessment.xlsx", "Annex A Gaps", "A.5.7", "Owner", "Threat Intel Lead")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code == 0, result.output
    soa = {r.get("Control ID"): r for r in read_workbook(folder / "soa.xlsx").records(SHEET)}
    assert soa["A.5.1"].get("Policy / Procedure") == "POL-001 v4 (client)" and soa["A.5.1"].row == row
    risks = {r.get("Risk ID"): r for r in read_workbook(folder / "risk_register.xlsx").records("Risk Register")}
    assert risks["R-002"].get("Likelihood") == 4 and risks["R-002"].get("Inherent Score") == 4 * risks["R-002"].get("Impact")
    gap = {r.get("Control ID"): r for r in read_workbook(folder / "gap_assessment.xlsx").records("Annex A Gaps")}
    assert gap["A.5.7"].get("Owner") == "Threat Intel Lead"
    assert {p.name for p in folder.iterdir()} == set(before), "no stray temporary files"


def test_build_without_a_matrix_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 2 and "ctk init" in result.stderr and result.stderr.count("\n") == 1


def test_build_with_a_broken_workbook_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(SAMPLE, folder)
    (folder / "soa.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code == 2 and "soa.xlsx" in result.stderr and "Traceback" not in result.output
