"""The phase-by-phase roadmap, from the gap assessment and a start date.

Phases overlap on purpose (weeks 1-4, 5-10, 8-16, 14-20, 20-24). Phase 2 tasks come from the
clause gaps, phase 3 tasks from every partially or not addressed Annex A control (owner and
action from the consultant's gap workbook, grouped into workstreams), phases 1, 4 and 5 from
the engagement's fixed steps. Every task starts and ends inside its phase's weeks.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toolkit import catalog
from toolkit.cells import col_letter
from toolkit.gap import ANNEX, CLAUSES, FULL, PHASE_NAMES
from toolkit.ids import natural_key
from toolkit.reader import Record, WorkbookData
from toolkit.schema import load_spec
from toolkit.writer import Book, Form, SheetWriter, Styles, Table, cached, write_book

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

OVERVIEW = "Overview"
PHASES = {1: (1, 4), 2: (5, 10), 3: (8, 16), 4: (14, 20), 5: (20, 24)}
SIZES = load_spec("roadmap").sheet(OVERVIEW).column("Organisation Size").values
STAGE2_DAYS = dict(zip(SIZES, (3, 5, 6, 8), strict=True))
WORKSTREAMS = [
    ("Asset management", lambda c: _in(c, "A.5.9", "A.5.14")),
    ("Supplier security", lambda c: _in(c, "A.5.19", "A.5.23")),
    ("Compliance and privacy", lambda c: _in(c, "A.5.31", "A.5.36")),
    ("Cryptography", lambda c: c == "A.8.24"),
    ("Physical security", lambda c: c.startswith("A.7.")),
    ("People security", lambda c: c.startswith("A.6.")),
    ("Organizational controls", lambda c: c.startswith("A.5.")),
    ("Technological controls", lambda c: c.startswith("A.8.")),
]


def _in(cid: str, low: str, high: str) -> bool:
    return natural_key(low) <= natural_key(cid) <= natural_key(high)


def phase_window(start: dt.date, phase: int) -> tuple[dt.date, dt.date]:
    first, last = PHASES[phase]
    return start + dt.timedelta(weeks=first - 1), start + dt.timedelta(weeks=last, days=-1)


def week_of(start: dt.date, week: int) -> dt.date:
    return start + dt.timedelta(weeks=week - 1)


@dataclass
class Task:
    id: str
    task: str
    reference: list[str]
    workstream: str
    owner: str | None
    start: dt.date
    end: dt.date
    deliverable: str
    depends: list[str]

    def row(self) -> dict[str, Any]:
        return {
            "Task ID": self.id,
            "Task": self.task,
            "Reference": self.reference,
            "Workstream": self.workstream,
            "Owner": self.owner,
            "Start": self.start,
            "End": self.end,
            "Days": (self.end - self.start).days + 1,
            "Status": "Not started",
            "Deliverable": self.deliverable,
            "Depends On": ", ".join(self.depends) or None,
        }


def _spread(start: dt.date, phase: int, n: int, i: int, weeks: float | None = None) -> tuple[dt.date, dt.date]:
    """The i-th of n tasks spread across the phase's weeks, each at least a week, all inside it."""
    first, last = PHASES[phase]
    span = last - first + 1
    begin = first + (i * span) // max(n, 1)
    length = max(1, round(weeks if weeks is not None else span / max(n, 1)))
    end = min(last, begin + length - 1)
    lo, hi = phase_window(start, phase)
    s = max(lo, week_of(start, begin))
    e = min(hi, week_of(start, end) + dt.timedelta(days=6))
    return s, e


def _business_days(first: dt.date, days: int) -> dt.date:
    d, left = first, days - 1
    while left > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d


def _next_weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def _days(start: dt.date, phase: int, first: int, last: int) -> tuple[dt.date, dt.date]:
    """Days `first`..`last` counted from the phase's first day."""
    lo = phase_window(start, phase)[0]
    return lo + dt.timedelta(days=first), lo + dt.timedelta(days=last)


def phase1(start: dt.date) -> list[Task]:
    d = lambda a, b: _days(start, 1, a, b)  # noqa: E731
    steps: list[tuple[str, list[str], str, tuple[dt.date, dt.date], list[str]]] = [
        (
            "Kick-off: confirm sponsor, assessment boundaries and contacts; collect the SOC 2 Type II report and control matrix.",
            [],
            "Kick-off pack; SOC 2 report and control matrix",
            d(0, 4),
            [],
        ),
        (
            "Map the SOC 2 controls onto Annex A and clauses 4-10 (ctk gap); review every suggested rating.",
            [],
            "Gap assessment workbook (draft)",
            d(7, 11),
            ["P1-01"],
        ),
        (
            "Interview control owners to confirm the partially and not addressed controls and record gap descriptions.",
            [],
            "Gap assessment workbook (reviewed)",
            d(14, 18),
            ["P1-02"],
        ),
        (
            "Assess the management-system requirements of clauses 4-10 with the ISMS sponsor.",
            [],
            "Clause gap ratings",
            d(14, 20),
            ["P1-02"],
        ),
        (
            "Agree remediation owners and target phases; present the gap assessment to the sponsor for sign-off.",
            [],
            "Gap assessment report (approved)",
            d(21, 23),
            ["P1-03", "P1-04"],
        ),
        (
            "Estimate cost and effort against starting from scratch (ctk savings); confirm budget and timeline.",
            [],
            "Cost savings summary; approved plan",
            d(24, 27),
            ["P1-05"],
        ),
    ]
    return [
        Task(f"P1-{i:02d}", t, ref, "Gap analysis", "ISMS Manager", s, e, dl, dep)
        for i, (t, ref, dl, (s, e), dep) in enumerate(steps, 1)
    ]


def _clause_tasks(rows: Sequence[Record], start: dt.date, phase: int, prefix: str, skip: set[str]) -> list[Task]:
    """One task per deliverable among the open clause gaps of a phase, in clause order."""
    groups: dict[str, list[Record]] = {}
    for rec in sorted(rows, key=lambda r: natural_key(str(r.get("Clause")))):
        if rec.get("Clause") in skip:
            continue
        key = str(rec.get("Deliverable") or rec.get("Clause"))
        groups.setdefault(key, []).append(rec)
    tasks = []
    n = len(groups)
    for i, (deliverable, recs) in enumerate(groups.items()):
        s, e = _spread(start, phase, n, i, weeks=2 if phase == 2 else None)
        actions = list(dict.fromkeys(str(r.get("Remediation Action")) for r in recs if r.get("Remediation Action")))
        text = " ".join(actions) or f"Close the gaps in clause {', '.join(str(r.get('Clause')) for r in recs)}."
        owner = next((str(r.get("Owner")) for r in recs if r.get("Owner")), None)
        tasks.append(
            Task(
                f"{prefix}-{i + 1:02d}",
                text,
                [str(r.get("Clause")) for r in recs],
                "ISMS foundation" if phase == 2 else "Pre-certification",
                owner,
                s,
                e,
                deliverable,
                [],
            )
        )
    return tasks


def _phase_of(rec: Record, default: int) -> int:
    phase = rec.get("Target Phase")
    for number, name in PHASE_NAMES.items():
        if phase == name:
            return number
    return default


def phase3(gaps: Sequence[Record], start: dt.date, soa_task: str | None) -> list[Task]:
    """Every open Annex A gap, grouped into workstreams that run in parallel across the phase."""
    streams: dict[str, list[Record]] = {}
    for rec in sorted(gaps, key=lambda r: natural_key(str(r.get("Control ID")))):
        cid = str(rec.get("Control ID"))
        name = next(label for label, test in WORKSTREAMS if test(cid))
        streams.setdefault(name, []).append(rec)
    tasks: list[Task] = []
    counter = 0
    for name, _ in WORKSTREAMS:
        recs = streams.get(name, [])
        for j, rec in enumerate(recs):
            counter += 1
            cid = str(rec.get("Control ID"))
            s, e = _spread(start, 3, len(recs), j, weeks=max(2.0, 9 / max(len(recs), 1)))
            title = catalog.annex_a()[cid].title if cid in catalog.annex_a() else cid
            action = rec.get("Remediation Action") or f"Implement {cid} {title} and keep evidence of its operation."
            depends = [soa_task] if soa_task else []
            if j > 0 and s > tasks[-1].start:
                depends = [tasks[-1].id]
            verb = "Close the gap" if rec.get("Coverage") == "Not addressed" else "Complete"
            tasks.append(
                Task(
                    f"P3-{counter:02d}",
                    str(action),
                    [cid],
                    name,
                    rec.get("Owner"),
                    s,
                    e,
                    f"{verb}: {title}, with evidence",
                    depends,
                )
            )
    return tasks


def phase4(start: dt.date, open_clauses: Sequence[Record], audit_programme: str | None) -> list[Task]:
    d = lambda a, b: _days(start, 4, a, b)  # noqa: E731
    steps: list[tuple[str, list[str], str, tuple[dt.date, dt.date], list[str], str]] = [
        (
            "Select an accredited certification body (UKAS, ANAB or equivalent); agree Stage 1 and Stage 2 dates.",
            [],
            "Certification body contract; audit dates",
            d(0, 11),
            [],
            "Certification",
        ),
        (
            "Plan the internal audit: scope, criteria, auditors independent of the work they audit.",
            ["9.2.2"],
            "Internal audit plan",
            d(0, 4),
            [audit_programme] if audit_programme else [],
            "Internal audit",
        ),
        (
            "Conduct the full internal audit across the whole ISMS scope; report findings.",
            ["9.2.1"],
            "Internal audit report",
            d(7, 18),
            ["P4-02"],
            "Internal audit",
        ),
        (
            "Hold the management review with the required inputs; record decisions and actions.",
            ["9.3.1", "9.3.2", "9.3.3"],
            "Management review minutes",
            d(21, 25),
            ["P4-03"],
            "Management review",
        ),
        (
            "Resolve the internal audit's nonconformities: root cause, correction, corrective action, effectiveness check.",
            ["10.1", "10.2"],
            "Corrective action log (closed)",
            d(21, 39),
            ["P4-03"],
            "Nonconformities",
        ),
        (
            "Organise the evidence repository by Annex A control and clause, linked from the SoA.",
            [],
            "Evidence repository indexed by Annex A",
            d(28, 39),
            [],
            "Audit readiness",
        ),
    ]
    tasks = [
        Task(f"P4-{i:02d}", t, ref, ws, "ISMS Manager", s, e, dl, dep) for i, (t, ref, dl, (s, e), dep, ws) in enumerate(steps, 1)
    ]
    covered = {r for t in tasks for r in t.reference}
    extra = _clause_tasks(open_clauses, start, 4, "P4", covered)
    for i, t in enumerate(extra, start=len(tasks) + 1):
        t.id = f"P4-{i:02d}"
    return tasks + extra


def phase5(start: dt.date, size: str) -> list[Task]:
    stage1_days = 1 if size == SIZES[0] else 2
    stage2_days = STAGE2_DAYS.get(size, 5)
    s1 = _next_weekday(week_of(start, 21))
    s1_end = _business_days(s1, stage1_days)
    s2 = _next_weekday(week_of(start, 22) + dt.timedelta(days=7))
    s2_end = _business_days(s2, stage2_days)
    end = phase_window(start, 5)[1]
    steps = [
        (
            "Final readiness check: SoA, risk register and evidence index reviewed against the audit plan.",
            [],
            "Readiness checklist",
            (week_of(start, 20), week_of(start, 20) + dt.timedelta(days=6)),
            ["P4-06"],
        ),
        (
            f"Stage 1 audit: documentation review ({stage1_days} day{'s' if stage1_days > 1 else ''}), remote or on site.",
            [],
            "Stage 1 report",
            (s1, s1_end),
            ["P5-01"],
        ),
        (
            "Address the Stage 1 areas of concern before Stage 2.",
            [],
            "Stage 1 actions closed",
            (s1_end + dt.timedelta(days=1), s2 - dt.timedelta(days=1)),
            ["P5-02"],
        ),
        (
            f"Stage 2 audit: implementation audit ({stage2_days} days for this organisation's size): interviews, evidence, observation.",
            [],
            "Stage 2 report",
            (s2, s2_end),
            ["P5-03"],
        ),
        (
            "Close Stage 2 nonconformities and send the corrective action plan to the certification body; certificate issued; plan surveillance audits.",
            ["10.2"],
            "ISO/IEC 27001:2022 certificate",
            (s2_end + dt.timedelta(days=1), end),
            ["P5-04"],
        ),
    ]
    return [
        Task(f"P5-{i:02d}", t, ref, "Certification", "ISMS Manager", s, e, d, dep)
        for i, (t, ref, d, (s, e), dep) in enumerate(steps, 1)
    ]


def plan(gap: WorkbookData, start: dt.date, size: str) -> dict[int, list[Task]]:
    """Tasks by phase, from the consultant's gap workbook."""
    annex = [
        r for r in gap.tables[ANNEX].records if r.get("Coverage") not in (FULL, None) and r.get("Control ID") in catalog.annex_a()
    ]
    clauses = [
        r
        for r in gap.tables[CLAUSES].records
        if r.get("Coverage") not in (FULL, None) and r.get("Clause") in catalog.requirements()
    ]
    p2 = _clause_tasks([r for r in clauses if _phase_of(r, 2) == 2], start, 2, "P2", set())
    soa_task = next((t.id for t in p2 if "6.1.3" in t.reference), None)
    programme = next((t.id for t in p2 if "9.2.2" in t.reference), None)
    by_phase: dict[int, list[Record]] = {}
    for rec in annex:
        by_phase.setdefault(_phase_of(rec, 3), []).append(rec)
    p3 = phase3([r for p, rs in by_phase.items() for r in rs if p not in (2, 4)], start, soa_task)
    p4 = phase4(start, [r for r in clauses if _phase_of(r, 2) == 4], programme)
    late = by_phase.get(4, []) + by_phase.get(2, [])
    if late:
        # Controls the consultant moved out of phase 3 keep their own tasks where they were moved.
        for rec in late:
            phase = _phase_of(rec, 3)
            target = p4 if phase == 4 else p2
            s, e = phase_window(start, phase)
            cid = str(rec.get("Control ID"))
            target.append(
                Task(
                    f"P{phase}-{len(target) + 1:02d}",
                    str(rec.get("Remediation Action") or f"Implement {cid}"),
                    [cid],
                    "Moved by consultant",
                    rec.get("Owner"),
                    s,
                    e,
                    f"{cid} implemented, with evidence",
                    [],
                )
            )
    phases = {1: phase1(start), 2: p2, 3: p3, 4: p4, 5: phase5(start, size)}
    # A task depends only on tasks that end before it starts: the plan keeps its own rules.
    ends = {t.id: t.end for ts in phases.values() for t in ts}
    for ts in phases.values():
        for t in ts:
            t.depends = [dep for dep in t.depends if dep in ends and ends[dep] < t.start]
    return phases


def sheet_name(phase: int) -> str:
    return PHASE_NAMES[phase]


def build_roadmap(gap: WorkbookData, start: dt.date, size: str = SIZES[1], org: str | None = None) -> Book:
    tasks = plan(gap, start, size)
    certificate = max(t.end for t in tasks[5])
    form = Form({"Organisation": org, "Start Date": start, "Organisation Size": size, "Target Certificate": certificate})
    book = Book(tables={sheet_name(p): Table([t.row() for t in tasks[p]]) for p in PHASES}, forms={OVERVIEW: form})
    book.custom[OVERVIEW] = gantt(book)
    return book


def gantt(book: Book) -> SheetWriter:
    """Phase dates as live formulas from the start date, then a week-by-week Gantt view."""

    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        form = book.forms[OVERVIEW]
        start = form.fields["Start Date"]
        pos = book.positions
        start_ref = pos[f"{OVERVIEW}:Start Date"].split("!")[1]
        if not isinstance(start, dt.date):
            return
        date_fmt = st.cell(True, "date")
        cert_ref = pos[f"{OVERVIEW}:Target Certificate"].split("!")[1]
        cert_row = int(re.sub(r"\D", "", cert_ref)) - 1
        p5 = sheet_name(5)
        end_col = col_letter([c.name for c in load_spec("roadmap").sheet(p5).columns].index("End"))
        ws.write_formula(cert_row, 1, f"=MAX('{p5}'!${end_col}:${end_col})", date_fmt, cached(form.fields["Target Certificate"]))

        top = int(pos[f"{OVERVIEW}:next_row"]) + 1
        weeks = PHASES[5][1]
        ws.write_string(top, 0, "Gantt view (week by week)", st.subtitle)
        head = top + 1
        ws.write_string(head, 0, "Phase / task", st.header_input)
        ws.write_string(head, 1, "Start", st.header_input)
        ws.write_string(head, 2, "End", st.header_input)
        week_fmt = wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F3864",
                "align": "center",
                "font_size": 8,
                "num_format": "d mmm",
                "text_wrap": True,
                "border": 1,
            }
        )
        for w in range(1, weeks + 1):
            ws.write_formula(head, 2 + w, f"={start_ref}+{7 * (w - 1)}", week_fmt, cached(week_of(start, w)))
            ws.set_column(2 + w, 2 + w, 5.5)
        ws.write_string(head - 1, 3, "Week 1 starts on the start date; each column is one week.", st.italic)
        colours = ["#8EA9DB", "#A9D08E", "#F4B183", "#FFD966", "#C9C9C9"]
        row = head
        spec_cols = [c.name for c in load_spec("roadmap").sheet(sheet_name(1)).columns]
        start_col, end_col2 = col_letter(spec_cols.index("Start")), col_letter(spec_cols.index("End"))
        label_fmt = st.cell(True, "text", wrap=False)
        for p in PHASES:
            bar = wb.add_format({"bg_color": colours[p - 1], "num_format": ";;;", "border": 1, "border_color": "#FFFFFF"})
            blank = wb.add_format({"num_format": ";;;", "border": 1, "border_color": "#F2F2F2"})
            row += 1
            s, e = phase_window(start, p)
            ws.write_string(row, 0, f"{sheet_name(p)} (weeks {PHASES[p][0]}-{PHASES[p][1]})", st.label)
            ws.write_formula(row, 1, f"={start_ref}+{7 * (PHASES[p][0] - 1)}", date_fmt, cached(s))
            ws.write_formula(row, 2, f"={start_ref}+{7 * PHASES[p][1] - 1}", date_fmt, cached(e))
            rows = [
                (
                    f"'{sheet_name(p)}'!$B${i + 2}",
                    f"'{sheet_name(p)}'!${start_col}${i + 2}",
                    f"'{sheet_name(p)}'!${end_col2}${i + 2}",
                    t,
                )
                for i, t in enumerate(book.tables[sheet_name(p)].records)
            ]
            entries = [(None, None, None, {"Start": s, "End": e}), *rows]
            for k, (label_ref, s_ref, e_ref, task) in enumerate(entries):
                if k > 0:
                    row += 1
                    ws.write_formula(row, 0, f'="  "&{label_ref}', label_fmt, f"  {task.get('Task')}")
                    ws.write_formula(row, 1, f"={s_ref}", date_fmt, cached(task.get("Start")))
                    ws.write_formula(row, 2, f"={e_ref}", date_fmt, cached(task.get("End")))
                for w in range(1, weeks + 1):
                    ws_, we_ = week_of(start, w), week_of(start, w) + dt.timedelta(days=6)
                    on = (
                        isinstance(task.get("Start"), dt.date)
                        and isinstance(task.get("End"), dt.date)
                        and ws_ <= task["End"]
                        and we_ >= task["Start"]
                    )
                    col = col_letter(2 + w)
                    formula = f"=IF(AND(ISNUMBER($B{row + 1}),ISNUMBER($C{row + 1}),{col}${head + 1}<=$C{row + 1},{col}${head + 1}+6>=$B{row + 1}),1,0)"
                    ws.write_formula(row, 2 + w, formula, blank, 1 if on else 0)
                ws.conditional_format(row, 3, row, 2 + weeks, {"type": "cell", "criteria": "==", "value": 1, "format": bar})
        ws.set_column(0, 0, 46)
        ws.set_column(1, 2, 11)
        ws.freeze_panes(head + 1, 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head)
        ws.print_area(0, 0, row, 2 + weeks)

    return write


def write_roadmap(book: Book, path: str | os.PathLike[str], org: str | None = None) -> None:
    spec = load_spec("roadmap")
    write_book(spec, book, path, title=f"{spec.title} - {org}" if org else spec.title)


def refresh(book: Book) -> None:
    """After a merge, the Overview's formulas and Gantt view follow the merged tasks."""
    book.custom[OVERVIEW] = gantt(book)
