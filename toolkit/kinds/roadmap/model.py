"""The phase-by-phase roadmap, from the gap assessment and a start date.

Phases overlap on purpose (weeks 1-4, 5-10, 8-16, 14-20, 20-24). Phase 2 tasks come from the
clause gaps, phase 3 tasks from every partially or not addressed Annex A control (owner and
action from the consultant's gap workbook, grouped into workstreams), phases 1, 4 and 5 from
the engagement's fixed steps. Every task starts and ends inside its phase's weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toolkit.data import catalog
from toolkit.data.ids import natural_key
from toolkit.kinds.gap.model import ANNEX, CLAUSES, FULL, NOT, PHASE_NAMES
from toolkit.workbook.reader import Record, WorkbookData
from toolkit.workbook.schema import load_spec

if TYPE_CHECKING:
    pass

OVERVIEW = "Overview"
PHASES = {1: (1, 4), 2: (5, 10), 3: (8, 16), 4: (14, 20), 5: (20, 24)}
SIZES = load_spec("roadmap").sheet(OVERVIEW).column("Organisation Size").values
STAGE2_DAYS = dict(zip(SIZES, (3, 5, 6, 8), strict=True))
#: Phase 3 workstreams: the first whose range (first and last control, inclusive) holds a control.
WORKSTREAMS: list[tuple[str, str, str]] = [
    ("Asset management", "A.5.9", "A.5.14"),
    ("Supplier security", "A.5.19", "A.5.23"),
    ("Compliance and privacy", "A.5.31", "A.5.36"),
    ("Cryptography", "A.8.24", "A.8.24"),
    ("Physical security", "A.7.1", "A.7.99"),
    ("People security", "A.6.1", "A.6.99"),
    ("Organizational controls", "A.5.1", "A.5.99"),
    ("Technological controls", "A.8.1", "A.8.99"),
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

    def __post_init__(self) -> None:
        # Work happens on working days: a task starts on a weekday and ends on one (a Friday, not a Sunday).
        start = _next_weekday(self.start)
        end = self.end
        while end.weekday() >= 5:
            end -= dt.timedelta(days=1)
        self.start, self.end = start, max(end, start)

    @property
    def working_days(self) -> int:
        return sum(1 for i in range((self.end - self.start).days + 1) if (self.start + dt.timedelta(days=i)).weekday() < 5)

    def row(self) -> dict[str, Any]:
        return {
            "Task ID": self.id,
            "Task": self.task,
            "Reference": self.reference,
            "Workstream": self.workstream,
            "Owner": self.owner,
            "Start": self.start,
            "End": self.end,
            "Days": self.working_days,
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


@dataclass(frozen=True)
class Step:
    """A fixed step of phases 1 and 4, as `workbook_templates/roadmap.toml` declares it."""

    phase: int
    task: str
    deliverable: str
    days: tuple[int, int]
    workstream: str
    reference: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    after_clause: str | None = None


def steps(phase: int) -> list[Step]:
    """The declared steps of one phase, in order."""
    out = []
    for raw in load_spec("roadmap").data.get("steps", []):
        first, last = raw["days"]
        step = Step(
            int(raw["phase"]),
            str(raw["task"]),
            str(raw["deliverable"]),
            (int(first), int(last)),
            str(raw["workstream"]),
            tuple(raw.get("reference", ())),
            tuple(raw.get("after", ())),
            raw.get("after_clause"),
        )
        if step.phase == phase:
            out.append(step)
    return out


def fixed_tasks(start: dt.date, phase: int, clause_tasks: dict[str, str] | None = None) -> list[Task]:
    """Phase `phase`'s declared steps as tasks `P<phase>-01`...; `clause_tasks` maps a clause to
    the earlier task that delivers it, for steps that depend on it."""
    tasks = []
    for i, step in enumerate(steps(phase), 1):
        begin, end = _days(start, phase, *step.days)
        depends = list(step.after)
        if step.after_clause and clause_tasks and step.after_clause in clause_tasks:
            depends.append(clause_tasks[step.after_clause])
        tasks.append(
            Task(
                f"P{phase}-{i:02d}",
                step.task,
                list(step.reference),
                step.workstream,
                "ISMS Manager",
                begin,
                end,
                step.deliverable,
                depends,
            )
        )
    return tasks


def phase1(start: dt.date) -> list[Task]:
    return fixed_tasks(start, 1)


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
        name = next((label for label, low, high in WORKSTREAMS if _in(cid, low, high)), WORKSTREAMS[-1][0])
        streams.setdefault(name, []).append(rec)
    tasks: list[Task] = []
    counter = 0
    for name, _, _ in WORKSTREAMS:
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
            verb = "Close the gap" if rec.get("Coverage") == NOT else "Complete"
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
    tasks = fixed_tasks(start, 4, {"9.2.2": audit_programme} if audit_programme else None)
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
