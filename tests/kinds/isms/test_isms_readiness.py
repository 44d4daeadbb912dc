"""`ctk readiness`: the Stage 1 verdict, item by item, honest about what is only planned."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import edit_cell, set_form_field
from tests.paths import AS_OF
from toolkit import api
from toolkit.cli import main
from toolkit.engagement import build, demo
from toolkit.kinds.isms import model as m
from toolkit.workbook.reader import read_workbook

#: What the demo holds (sample_data/isms_client_edits.toml): the plan is in place, the internal
#: audit and the management review are not held, some results are still to come.
DEMO = {
    "scope": "ready",
    "policy": "ready",
    "risk_process": "ready",  # the methodology is versioned and approved (sample ctk.toml [risk])
    "risk_results": "ready",
    "risk_treatment": "ready",  # every plan approved and every residual risk accepted (clause 6.1.3 f)
    "soa": "ready",
    "objectives": "ready",
    "competence": "incomplete",  # the competence records are a draft
    "monitoring": "incomplete",  # three objectives not measured yet
    "audit": "incomplete",  # planned, not held
    "review": "incomplete",  # planned, not held
    "nonconformities": "ready",
}
BEFORE_STAGE_1 = dt.date(2027, 5, 20)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ready") / "pack"
    assert demo(folder).report.exit_code == 0
    return folder


def test_the_demo_verdict_matches_what_it_holds(pack: Path) -> None:
    result = api.readiness(pack)
    assert result.as_of == AS_OF  # the demo's snapshot day, from its ctk.toml
    assert {v.id: v.verdict for v in result.items} == DEMO
    assert not result.ready and result.exit_code == 1
    by_id = {v.id: v for v in result.items}
    audit = by_id["audit"]
    assert "not been held" in audit.reason and audit.file == "isms.xlsx" and audit.sheet == m.AUDITS
    row = read_workbook(pack / "isms.xlsx").records(m.AUDITS)[0]
    assert audit.cell == row.cell("Status")
    assert by_id["review"].cell == read_workbook(pack / "isms.xlsx").records(m.REVIEWS)[0].cell("Date")
    assert by_id["risk_process"].file == "risk_register.xlsx"  # ready: the approved methodology, no cell at fault


def test_the_readiness_sheet_says_the_same(pack: Path) -> None:
    book = read_workbook(pack / "isms.xlsx")
    result = api.readiness(pack)
    sheet = [(r.get("Item"), r.get("Verdict")) for r in book.records(m.READINESS)]
    assert sheet == [(v.item, v.verdict.capitalize()) for v in result.items]
    assert book.forms[m.READINESS].fields["Overall Verdict"] == result.headline
    assert book.forms[m.READINESS].fields["As Of"] == AS_OF


def test_cli_text_and_json(pack: Path) -> None:
    text = CliRunner().invoke(main, ["readiness", str(pack)])
    assert text.exit_code == 1
    assert text.stdout.splitlines()[-1] == "Not ready for Stage 1: 8 of 12 items ready, 4 incomplete, 0 missing"
    assert "incomplete Internal audit programme and results" in text.stdout
    out = CliRunner().invoke(main, ["readiness", str(pack), "--format", "json"])
    assert out.exit_code == 1
    assert json.loads(out.stdout) == api.readiness(pack).as_dict()


def _make_ready(folder: Path) -> None:
    """Everything the demo still lacks, done as the client would do it; then the pack is rebuilt
    (a copy saved by openpyxl has formulas without results: the rebuild gives them back)."""
    risk = folder / "risk_register.xlsx"
    set_form_field(risk, "Methodology", "Approved By", "Chief Executive Officer (Priya Raman)")
    set_form_field(risk, "Methodology", "Approval Date", dt.datetime(2027, 2, 1))
    wb = openpyxl.load_workbook(risk)
    ws = wb["Risk Register"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value:
            row[header.index("Accepted By")].value = "ISMS Steering Committee"
            row[header.index("Acceptance Date")].value = dt.datetime(2027, 3, 1)
    wb.save(risk)
    isms = folder / "isms.xlsx"
    edit_cell(isms, m.DOCUMENTS, "DOC-7.2", "Status", "Approved")
    edit_cell(isms, m.DOCUMENTS, "DOC-5.2", "Next Review", dt.datetime(2028, 3, 12))
    for obj in read_workbook(isms).records(m.OBJECTIVES):
        edit_cell(isms, m.OBJECTIVES, obj.get("Objective ID"), "Current Value", "measured")
    for audit in read_workbook(isms).records(m.AUDITS):
        edit_cell(isms, m.AUDITS, audit.get("Audit ID"), "Status", "Completed")
        edit_cell(isms, m.AUDITS, audit.get("Audit ID"), "Report Reference", f"{audit.get('Audit ID')} report v1.0")
    for column in m.REVIEW_INPUTS:
        edit_cell(isms, m.REVIEWS, "MR-01", column, "Agenda item 2")
    edit_cell(isms, m.REVIEWS, "MR-01", "Top Management Present", "Yes")
    edit_cell(isms, m.REVIEWS, "MR-01", "Decisions", "Approve the 2027 ISMS budget; re-audit A.8.8 in Q3")
    edit_cell(isms, m.REVIEWS, "MR-01", "Minutes Reference", "MR-01 minutes v1.0")
    assert build(folder).report.errors == 0


def test_a_pack_with_the_audit_held_and_the_review_done_is_ready(pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(pack, folder)
    _make_ready(folder)
    result = api.readiness(folder, as_of=BEFORE_STAGE_1)
    assert [(v.id, v.verdict, v.reason) for v in result.items if v.verdict != "ready"] == []
    assert result.ready and result.exit_code == 0
    assert CliRunner().invoke(main, ["readiness", str(folder), "--as-of", BEFORE_STAGE_1.isoformat()]).exit_code == 0
    # ... and not before the audits were held: the same pack judged before they were due.
    edit_cell(folder / "isms.xlsx", m.AUDITS, "IA-03", "Status", "Planned")
    assert {v.id: v.verdict for v in api.readiness(folder, as_of=BEFORE_STAGE_1).items}["audit"] == "incomplete"


def test_what_is_not_there_is_missing(pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    for name in ("gap_assessment.xlsx", "soa.xlsx", "ctk.toml"):
        shutil.copy(pack / name, folder / name)
    result = api.readiness(folder)
    verdicts = {v.id: v.verdict for v in result.items}
    assert verdicts["soa"] == "ready"
    assert {k for k, v in verdicts.items() if v == "missing"} == set(DEMO) - {"soa"}
    assert result.exit_code == 1


def test_it_says_when_it_cannot_run(pack: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["readiness", str(tmp_path / "nowhere")]).exit_code == 2
    broken = tmp_path / "broken"
    shutil.copytree(pack, broken)
    (broken / "soa.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(main, ["readiness", str(broken)])
    assert result.exit_code == 2 and "soa.xlsx" in result.stderr and result.stderr.count("\n") == 1
    twice = tmp_path / "twice"
    shutil.copytree(pack, twice)
    shutil.move(twice / "soa.xlsx", twice / "soa_v1.xlsx")
    shutil.copy(twice / "soa_v1.xlsx", twice / "soa_v2.xlsx")
    result = CliRunner().invoke(main, ["readiness", str(twice)])
    assert result.exit_code == 2 and "soa_v1.xlsx, soa_v2.xlsx" in result.stderr
    # Beside the engagement's own soa.xlsx, a copy is not ambiguous.
    shutil.copy(twice / "soa_v1.xlsx", twice / "soa.xlsx")
    assert CliRunner().invoke(main, ["readiness", str(twice)]).exit_code == 1
