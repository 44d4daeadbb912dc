"""Roadmap rules: tasks inside their phase's weeks, dates in order, dependencies that exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from toolkit.data.ids import split_list
from toolkit.findings import WARNING, Finding
from toolkit.kinds.roadmap.model import OVERVIEW, PHASES, phase_window, sheet_name
from toolkit.rules import Context, at, at_form, missing, rule, table_ok
from toolkit.workbook.reader import Record, WorkbookData


def _tasks(book: WorkbookData) -> Iterator[tuple[int, Record, str | None]]:
    for p in PHASES:
        table = book.tables.get(sheet_name(p))
        if not table_ok(table):
            continue
        assert table is not None
        for rec in table.records:
            tid = rec.get("Task ID")
            yield p, rec, (str(tid) if tid is not None else None)


def _start(book: WorkbookData) -> dt.date | None:
    form = book.forms.get(OVERVIEW)
    value = form.fields.get("Start Date") if form else None
    return value if isinstance(value, dt.date) else None


@rule("ROAD001", "roadmap", "The Overview has no start date")
def start_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Start Date blank or `January`. Good: `2027-01-04` (week 1 starts on it)."""
    form = book.forms.get(OVERVIEW)
    if form is None or form.sheet is None:
        return
    if "Start Date" not in form.cells:
        yield missing("ROAD001", form.sheet, None, "Overview has no 'Start Date' line", column="Start Date")
    elif _start(book) is None:
        yield at_form("ROAD001", form, "Start Date", "Overview: Start Date is not a date; phase and task dates cannot be checked")


@rule("ROAD002", "roadmap", "A task starts or ends outside its phase's weeks")
def outside_phase(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a Phase 4 task (weeks 14-20) ending in week 22. Good: inside the phase, or moved to the next phase's sheet."""
    start = _start(book)
    if start is None:
        return
    for p, rec, tid in _tasks(book):
        lo, hi = phase_window(start, p)
        first, last = PHASES[p]
        for column in ("Start", "End"):
            day = rec.get(column)
            if isinstance(day, dt.date) and not lo <= day <= hi:
                yield at(
                    "ROAD002",
                    rec,
                    column,
                    tid,
                    f"{tid or 'task'}: {column} {day.isoformat()} is outside phase {p} (weeks {first}-{last}: {lo.isoformat()} to {hi.isoformat()})",
                )


@rule("ROAD003", "roadmap", "A task has no start or end date, or ends before it starts")
def dates_order(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: End 2027-02-01 before Start 2027-02-08, or Start blank. Good: Start on or before End."""
    for _, rec, tid in _tasks(book):
        s, e = rec.get("Start"), rec.get("End")
        if s is None or e is None:
            column = "Start" if s is None else "End"
            yield at("ROAD003", rec, column, tid, f"{tid or 'task'} has no {column.lower()} date")
        elif isinstance(s, dt.date) and isinstance(e, dt.date) and e < s:
            yield at("ROAD003", rec, "End", tid, f"{tid or 'task'} ends ({e.isoformat()}) before it starts ({s.isoformat()})")


@rule("ROAD004", "roadmap", "A task depends on a task that does not exist")
def unknown_dependency(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Depends On = `P2-99`. Good: ids of tasks on any phase sheet."""
    known = {tid for _, _, tid in _tasks(book) if tid}
    for _, rec, tid in _tasks(book):
        bad = [d for d in split_list(rec.get("Depends On")) if d not in known]
        if bad:
            yield at(
                "ROAD004", rec, "Depends On", tid, f"{tid or 'task'} depends on {', '.join(bad)}, which no phase sheet holds"
            )


@rule("ROAD005", "roadmap", "A task ID is blank or used more than once")
def task_ids(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: P3-04 on two rows (on any phase sheets). Good: unique ids."""
    first: dict[str, str] = {}
    for _, rec, tid in _tasks(book):
        if tid is None:
            yield at("ROAD005", rec, "Task ID", None, "task has no Task ID")
        elif tid in first:
            yield at("ROAD005", rec, "Task ID", tid, f"{tid} is used again (first at {first[tid]})")
        else:
            first[tid] = f"{rec.sheet}!{rec.cell('Task ID')}"


@rule("ROAD006", "roadmap", "A task starts before a task it depends on ends", WARNING)
def dependency_order(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: P4-03 starts on 2027-04-12, but P4-02 it depends on ends 2027-04-18. Good: start after."""
    ends = {tid: rec.get("End") for _, rec, tid in _tasks(book) if tid}
    for _, rec, tid in _tasks(book):
        s = rec.get("Start")
        for dep in split_list(rec.get("Depends On")):
            e = ends.get(dep)
            if isinstance(s, dt.date) and isinstance(e, dt.date) and s < e and dep != tid:
                yield at("ROAD006", rec, "Start", tid, f"{tid} starts {s.isoformat()}, before {dep} ends ({e.isoformat()})")


@rule("ROAD007", "roadmap", "An open task has no owner", WARNING)
def owner_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Owner blank on a task not done. Good: a named owner."""
    for _, rec, tid in _tasks(book):
        if rec.get("Owner") is None and rec.get("Status") != "Done" and rec.has("Owner"):
            yield at("ROAD007", rec, "Owner", tid, f"{tid or 'task'} has no owner")
