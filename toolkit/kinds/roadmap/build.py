"""The roadmap workbook assembled: the Overview form and Gantt view, one sheet of tasks per phase."""

from __future__ import annotations

import datetime as dt
import os

from toolkit.errors import CtkError
from toolkit.kinds.inputs import read_input
from toolkit.kinds.roadmap.model import DECISION_WEEKS, OVERVIEW, PHASES, SIZES, plan, sheet_name, stage_dates
from toolkit.kinds.roadmap.sheets import gantt
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData
from toolkit.workbook.writer import Book, Form, Table


def build_roadmap(gap: WorkbookData, start: dt.date, size: str = SIZES[1], org: str | None = None) -> Book:
    tasks = plan(gap, start, size)
    stage2_end = stage_dates(start, size)[1][1]
    form = Form(
        {
            "Organisation": org,
            "Start Date": start,
            "Organisation Size": size,
            "Stage 2 Complete": stage2_end,
            "Certification Decision": stage2_end + dt.timedelta(weeks=DECISION_WEEKS),
        }
    )
    book = Book(tables={sheet_name(p): Table([t.row() for t in tasks[p]]) for p in PHASES}, forms={OVERVIEW: form})
    book.custom[OVERVIEW] = gantt(book)
    return book


def refresh(book: Book) -> None:
    """After a merge, the Overview's formulas and Gantt view follow the merged tasks."""
    book.custom[OVERVIEW] = gantt(book)


def size_named(size: str) -> str:
    """The declared organisation size a short name stands for (`small`, `Medium`...)."""
    for name in SIZES:
        if name.lower().startswith(size.strip().lower()) and size.strip():
            return name
    raise CtkError(f"size {size!r} is not one of: small, medium, large, enterprise")


def from_gap(
    gap: str | os.PathLike[str],
    start: dt.date,
    size: str = "medium",
    org: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Book:
    """The roadmap from a gap assessment workbook, a kick-off date and the organisation's size."""
    return build_roadmap(read_input(gap, "gap", "Annex A rows", limits), start, size_named(size), org)
