"""The roadmap: every open gap in phase 3, every task inside its phase, rules and cross-check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import edit_cell, write_sample_pack
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.kinds.gap.model import ANNEX, CLAUSES, FULL
from toolkit.kinds.roadmap.build import build_roadmap
from toolkit.kinds.roadmap.model import OVERVIEW, PHASES, SIZES, phase_window, plan, sheet_name
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

START = dt.date(2027, 1, 4)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pack")
    paths = write_sample_pack(folder)
    out = folder / "roadmap.xlsx"
    result = CliRunner().invoke(main, ["roadmap", "--gap", str(paths["gap"]), "--start", START.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return {**paths, "roadmap": out}


def test_every_open_gap_is_a_phase_3_task(pack: dict[str, Path]) -> None:
    gap = read_workbook(pack["gap"])
    open_controls = {r.get("Control ID") for r in gap.records(ANNEX) if r.get("Coverage") != FULL}
    road = read_workbook(pack["roadmap"])
    phase3 = road.records(sheet_name(3))
    referenced = [ref for r in phase3 for ref in r.get("Reference")]
    assert sorted(referenced) == sorted(open_controls), "each open gap exactly once"
    by_ref = {r.get("Reference")[0]: r for r in phase3}
    for rec in gap.records(ANNEX):
        if rec.get("Coverage") != FULL:
            task = by_ref[rec.get("Control ID")]
            assert task.get("Owner") == rec.get("Owner")
            assert task.get("Task") == rec.get("Remediation Action")
    assert len(open_controls) == 53


def test_phase_2_tasks_come_from_clause_gaps(pack: dict[str, Path]) -> None:
    gap = read_workbook(pack["gap"])
    phase2_gaps = {
        r.get("Clause")
        for r in gap.records(CLAUSES)
        if r.get("Coverage") != FULL and r.get("Target Phase") == "Phase 2 - ISMS Foundation"
    }
    road = read_workbook(pack["roadmap"])
    assert {ref for r in road.records(sheet_name(2)) for ref in r.get("Reference") or []} == phase2_gaps
    assert {"4.3", "6.1.3", "7.5.1", "9.2.2"} <= phase2_gaps


@pytest.mark.parametrize("start", [START, dt.date(2027, 3, 17), dt.date(2028, 2, 26)])
@pytest.mark.parametrize("size", SIZES)
def test_every_task_inside_its_phase(pack: dict[str, Path], start: dt.date, size: str) -> None:
    tasks = plan(read_workbook(pack["gap"]), start, size)
    ends = {t.id: t.end for ts in tasks.values() for t in ts}
    for p, ts in tasks.items():
        lo, hi = phase_window(start, p)
        assert ts, p
        for t in ts:
            assert lo <= t.start <= t.end <= hi, (p, t.id, t.start, t.end)
            assert all(ends[d] < t.start for d in t.depends), t.id
    stage1, stage2 = tasks[5][1], tasks[5][3]
    busy = lambda t: sum(1 for i in range((t.end - t.start).days + 1) if (t.start + dt.timedelta(days=i)).weekday() < 5)  # noqa: E731
    assert busy(stage1) == (1 if size == SIZES[0] else 2)
    assert busy(stage2) == {SIZES[0]: 3, SIZES[1]: 5, SIZES[2]: 6, SIZES[3]: 8}[size]


def test_roadmap_validates_clean_with_the_pack(pack: dict[str, Path]) -> None:
    report = validate(list(pack.values()), as_of=AS_OF)
    assert [(f.code, f.cell) for fr in report.files for f in fr.findings] == []


def test_overview_dates_follow_the_start(pack: dict[str, Path]) -> None:
    road = read_workbook(pack["roadmap"])
    assert road.forms[OVERVIEW].fields["Start Date"] == START
    stage2 = next(r for r in road.records(sheet_name(5)) if r.get("Task ID") == "P5-04")
    overview = road.forms[OVERVIEW].fields
    assert overview["Stage 2 Complete"] == stage2.get("End") == max(r.get("End") for r in road.records(sheet_name(5)))
    # F29: the certification decision is the certification body's, weeks after Stage 2 and outside the plan.
    assert overview["Certification Decision"] == overview["Stage 2 Complete"] + dt.timedelta(weeks=4)
    assert overview["Certification Decision"] > phase_window(START, 5)[1]
    for p in PHASES:
        assert all(r.get("Status") == "Not started" for r in road.records(sheet_name(p)))


CASES = [
    ("outside-phase", sheet_name(4), "P4-03", "End", dt.datetime(2027, 6, 30), "ROAD002"),
    ("end-before-start", sheet_name(1), "P1-02", "End", dt.datetime(2027, 1, 5), "ROAD003"),
    ("no-start", sheet_name(1), "P1-03", "Start", None, "ROAD003"),
    ("unknown-dependency", sheet_name(2), "P2-03", "Depends On", "P2-99", "ROAD004"),
    ("duplicate-id", sheet_name(5), "P5-02", "Task ID", "P1-01", "ROAD005"),
    ("depends-overlap", sheet_name(4), "P4-03", "Start", dt.datetime(2027, 4, 7), "ROAD006"),
    ("no-owner", sheet_name(1), "P1-04", "Owner", None, "ROAD007"),
    ("bad-status", sheet_name(1), "P1-05", "Status", "Maybe later", "WB003"),
]


@pytest.mark.parametrize(("name", "sheet", "task", "column", "value", "code"), CASES, ids=[c[0] for c in CASES])
def test_roadmap_rule_case(
    pack: dict[str, Path], tmp_path: Path, name: str, sheet: str, task: str, column: str, value: object, code: str
) -> None:
    path = tmp_path / "roadmap.xlsx"
    path.write_bytes(pack["roadmap"].read_bytes())
    row = edit_cell(path, sheet, task, column, value)
    findings = validate([path], as_of=AS_OF).files[0].findings
    assert any(f.code == code and f.sheet == sheet and f.row == row and f.column == column for f in findings), [
        (f.code, f.sheet, f.cell) for f in findings
    ]


@pytest.mark.parametrize("value", [None, "January"])
def test_a_start_date_that_is_not_a_date_is_found_at_its_cell(pack: dict[str, Path], tmp_path: Path, value: object) -> None:
    path = tmp_path / "roadmap.xlsx"
    path.write_bytes(pack["roadmap"].read_bytes())
    wb = openpyxl.load_workbook(path)
    ws = wb[OVERVIEW]
    row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "Start Date")
    ws.cell(row, 2).value = value
    wb.save(path)
    findings = [f for f in validate([path], as_of=AS_OF).files[0].findings if f.code == "ROAD001"]
    assert [(f.sheet, f.column) for f in findings] == [(OVERVIEW, "Start Date")]
    assert value is None or findings[0].cell == f"B{row}"


def test_a_missing_gap_task_is_caught(pack: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    for kind in ("gap", "roadmap"):
        (folder / pack[kind].name).write_bytes(pack[kind].read_bytes())
    edit_cell(folder / "roadmap.xlsx", sheet_name(3), "P3-01", "Reference", "see gap workbook")
    findings = [f for fr in validate([folder], as_of=AS_OF).files for f in fr.findings if f.code == "XWB005"]
    assert [f.key for f in findings] == ["A.5.9"] and findings[0].cell is None


def test_start_date_is_required(pack: dict[str, Path], tmp_path: Path) -> None:
    book = build_roadmap(read_workbook(pack["gap"]), START)
    assert len(book.tables[sheet_name(3)].records) == 53
    result = CliRunner().invoke(main, ["roadmap", "--gap", str(pack["gap"]), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2


def test_phase_2_follows_the_standards_order(pack: dict[str, Path]) -> None:
    """F28: context -> scope -> risk method -> risk assessment -> treatment and SoA -> objectives, policy first."""
    tasks = plan(read_workbook(pack["gap"]), START, SIZES[1])
    by_clause = {ref: t for t in tasks[2] for ref in t.reference}
    for before, after in (
        ("4.1", "4.3"),
        ("4.2", "4.3"),
        ("4.3", "6.1.2"),
        ("6.1.2", "8.2"),
        ("8.2", "6.1.3"),
        ("6.1.3", "6.2"),
        ("5.2", "6.2"),
    ):
        assert by_clause[before].end < by_clause[after].start, (before, after)
        assert by_clause[before].id in by_clause[after].depends, (before, after)
    certification_body = next(t for t in tasks[2] if t.workstream == "Certification")
    stage1 = tasks[5][1]
    assert (stage1.start - certification_body.end).days >= 6 * 7, "the certification body needs weeks of notice"


def test_internal_audit_after_remediation_and_stage_gaps(pack: dict[str, Path]) -> None:
    """F30: the internal audit follows Phase 3; Stage 1 concerns get time before Stage 2; durations are business days."""
    tasks = plan(read_workbook(pack["gap"]), START, SIZES[1])
    audit = next(t for t in tasks[4] if "9.2.1" in t.reference)
    assert audit.start > max(t.end for t in tasks[3])
    for stream in {t.workstream for t in tasks[3]}:
        last = max(t.end for t in tasks[3] if t.workstream == stream)
        assert any(t.id in audit.depends for t in tasks[3] if t.workstream == stream and t.end == last), stream
    nonconformities = next(t for t in tasks[4] if t.workstream == "Nonconformities")
    assert nonconformities.reference == ["10.2"], "10.1 is continual improvement, its own deliverable"
    stage1, stage2 = tasks[5][1], tasks[5][3]
    assert (stage2.start - stage1.start).days >= 21
    for ts in tasks.values():
        for t in ts:
            assert t.start.weekday() < 5 and t.end.weekday() < 5, t.id
            assert t.row()["Days"] == sum(
                1 for i in range((t.end - t.start).days + 1) if (t.start + dt.timedelta(days=i)).weekday() < 5
            )


def test_a_dependency_that_does_not_fit_is_kept_and_warned(pack: dict[str, Path], tmp_path: Path) -> None:
    """F30: a dependency that does not fit is never dropped: the plan keeps it and validate warns."""
    from toolkit.kinds.roadmap.model import not_fitting

    gap = tmp_path / "gap.xlsx"
    gap.write_bytes(pack["gap"].read_bytes())
    edit_cell(gap, CLAUSES, "4.3", "Target Phase", "Phase 4 - Pre-Certification")
    book = read_workbook(gap)
    tasks = plan(book, START, SIZES[1])
    assert not_fitting(tasks) == []
    tasks[3][0].depends.append(tasks[4][0].id)  # a phase 3 task waiting on a phase 4 one
    assert not_fitting(tasks) and tasks[4][0].id in tasks[3][0].depends
