"""`ctk portfolio`: one row per client folder, right for each state, never stopped by a bad folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.clients import RETURNED, make_clients
from toolkit import api, render
from toolkit.cli import main
from toolkit.kinds.gap.model import ANNEX, CLAUSES
from toolkit.kinds.roadmap.model import PHASES, sheet_name
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

AS_OF = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("clients")
    return root, make_clients(root, 30)


def _coverage(path: Path, sheet: str) -> dict[str, int]:
    ratings = [r.get("Coverage") for r in read_workbook(path).records(sheet)]
    return {
        "fully": ratings.count("Fully addressed"),
        "partially": ratings.count("Partially addressed"),
        "not": ratings.count("Not addressed"),
    }


def _overdue(path: Path) -> int:
    book = read_workbook(path)
    return sum(1 for p in PHASES for r in book.records(sheet_name(p)) if r.get("End") < AS_OF and r.get("Status") != "Done")


def _stages(path: Path) -> tuple[dt.date, dt.date]:
    """The Stage 1 and Stage 2 audits' start dates, from the roadmap's Phase 5 tasks."""
    tasks = read_workbook(path).records(sheet_name(5))
    starts = [next(r.get("Start") for r in tasks if str(r.get("Task")).startswith(f"Stage {n}")) for n in (1, 2)]
    return starts[0], starts[1]


def test_thirty_clients_in_mixed_states(clients: tuple[Path, dict[str, str]]) -> None:
    root, made = clients
    result = api.portfolio(root, as_of=AS_OF, jobs=2)
    assert [r.client for r in result.rows] == list(made), "one row per client folder, in folder order"
    assert [f for f, _ in result.unreadable] == ["zz-broken", "zz-notes"], "folders that cannot be read are named"
    assert (
        "ctk.toml" in dict(result.unreadable)["zz-broken"] and "not an engagement folder" in dict(result.unreadable)["zz-notes"]
    )
    assert api.portfolio(root, as_of=AS_OF, jobs=1).as_dict() == result.as_dict(), "--jobs changes nothing but the time"
    ready = root / "client-03"
    half = root / "client-02"
    for row in result.rows:
        folder = root / row.folder
        state = made[row.client]
        report = validate(folder, as_of=AS_OF)
        assert (row.errors, row.warnings) == (report.errors, report.warnings), row.client
        assert row.ready is False and row.readiness is not None and row.readiness.startswith("Not ready for Stage 1")
        if state == "fresh":
            assert row.workbooks == [] and row.annex is None and row.clauses is None
            assert row.risks_to_accept is None and row.overdue_tasks is None and row.next_milestone is None
            assert row.stage1 is None and row.last_returned is None and row.days_since_return is None
            continue
        verdict = api.readiness(folder, as_of=AS_OF)
        assert (row.ready, row.readiness) == (verdict.ready, verdict.headline), "the verdict of `ctk readiness`"
        assert row.annex == _coverage(folder / "gap_assessment.xlsx", ANNEX) and sum(row.annex.values()) == 93
        assert row.clauses == _coverage(folder / "gap_assessment.xlsx", CLAUSES)
        assert row.overdue_tasks == _overdue(folder / "roadmap.xlsx") and row.overdue_tasks > 0
        assert (row.stage1, row.stage2) == _stages(folder / "roadmap.xlsx") and row.stage1 < row.stage2
        assert row.next_milestone == "Phase 2 - ISMS Foundation complete" and row.next_milestone_date is not None
        assert row.next_milestone_date >= AS_OF
        if state == "half":
            assert row.risks_to_accept == 2, "R-001 and R-012 sit above the threshold, accepted by nobody"
            assert row.errors >= 1 and row.annex != result.rows[2].annex, "half a matrix rates fewer controls"
            assert (row.last_returned, row.days_since_return) == (RETURNED, (AS_OF - RETURNED).days)
        else:
            assert row.errors == 0 and row.risks_to_accept == 0
            assert row.annex == {"fully": 40, "partially": 36, "not": 17}, "the sample company"
            assert row.last_returned is None, "nothing has come back from this client yet"
    assert ready.exists() and half.exists()


def test_text_json_and_workbook(clients: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, made = clients
    runner = CliRunner()
    result = runner.invoke(main, ["portfolio", str(root), "--as-of", AS_OF.isoformat(), "--format", "json", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == api.portfolio(root, as_of=AS_OF).as_dict()
    assert len(data["clients"]) == 30 and "zz-broken: could not be read" in result.stderr
    text = runner.invoke(main, ["portfolio", str(root), "--as-of", AS_OF.isoformat()])
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Client") and len(lines) == 2 + 30 + 2 + 1
    assert lines[-1] == "30 clients as of 2027-03-01: 0 ready for Stage 1, 10 with errors, 2 folders could not be read"
    out = tmp_path / "portfolio.xlsx"
    written = runner.invoke(main, ["portfolio", str(root), "--as-of", AS_OF.isoformat(), "-o", str(out)])
    assert written.exit_code == 0 and out.exists()
    ws = openpyxl.load_workbook(out)["Portfolio"]
    header = [c.value for c in ws[4]]
    assert header[:4] == ["Client", "Annex A fully", "Annex A partially", "Annex A not"]
    assert [ws.cell(row=5 + i, column=1).value for i in range(30)] == list(made)
    assert ws.cell(row=7, column=2).value == 40, "numbers, so the sheet can sort and chart them"
    assert ws.conditional_formatting, "errors, overdue tasks and risks to accept are coloured"
    assert ws._charts, "a chart of Annex A coverage by client"
    assert render.portfolio_text(api.portfolio(root, as_of=AS_OF)) == text.stdout


def test_a_missing_clients_folder_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["portfolio", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
