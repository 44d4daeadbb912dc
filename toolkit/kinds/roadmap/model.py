"""The phase-by-phase roadmap, from the gap assessment and a start date.

Phases overlap on purpose (weeks 1-4, 5-10, 8-16, 14-20, 20-24). Phase 2 tasks come from the
clause gaps, chained in the order the standard's logic needs (context, scope, risk method, risk
assessment, treatment and SoA, objectives; the policy before the objectives), with the
certification body chosen early enough for its lead time. Phase 3 tasks come from every
partially or not addressed Annex A control (owner and action from the consultant's gap workbook,
grouped into workstreams that start once the gap assessment is approved). Phase 4 audits the
ISMS after the remediation, then holds the management review; phase 5 ends when Stage 2 is
complete, and the certification decision follows weeks later, outside the plan. Every task starts
and ends inside its phase's weeks, on working days; a dependency that does not fit is kept, and
`ctk validate` warns about it (ROAD006).
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
            "Days": business_days(self.start, self.end),
            "Status": "Not started",
            "Deliverable": self.deliverable,
            "Depends On": ", ".join(self.depends) or None,
        }


def business_days(first: dt.date, last: dt.date) -> int:
    """Working days (Monday to Friday) from `first` to `last`, both included: NETWORKDAYS."""
    return sum(1 for i in range((last - first).days + 1) if (first + dt.timedelta(days=i)).weekday() < 5)


def _weeks(start: dt.date, first: int, last: int) -> tuple[dt.date, dt.date]:
    """From the first working day of week `first` to the last working day of week `last`."""
    return _next_weekday(week_of(start, first)), _last_weekday(week_of(start, last) + dt.timedelta(days=6))


def _last_weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def _spread(
    start: dt.date, phase: int, n: int, i: int, weeks: float | None = None, first_week: int | None = None
) -> tuple[dt.date, dt.date]:
    """The i-th of n tasks spread across the phase's weeks (from `first_week`), each at least a week, all inside it."""
    first, last = PHASES[phase]
    first = max(first, first_week or first)
    span = last - first + 1
    begin = first + (i * span) // max(n, 1)
    length = max(1, round(weeks if weeks is not None else span / max(n, 1)))
    end = min(last, begin + length - 1)
    return _weeks(start, begin, end)


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
    """Days `first`..`last` counted from the phase's first day, moved onto working days inside them."""
    lo = phase_window(start, phase)[0]
    return _next_weekday(lo + dt.timedelta(days=first)), _last_weekday(lo + dt.timedelta(days=last))


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
    #: Depends on the last task of every workstream of this phase (the internal audit after remediation).
    after_phase: int | None = None


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
            int(raw["after_phase"]) if "after_phase" in raw else None,
        )
        if step.phase == phase:
            out.append(step)
    return out


def fixed_tasks(
    start: dt.date,
    phase: int,
    clause_tasks: dict[str, str] | None = None,
    finished: dict[int, list[str]] | None = None,
    first: int = 1,
) -> list[Task]:
    """Phase `phase`'s declared steps as tasks `P<phase>-<first>`...; `clause_tasks` maps a clause to
    the earlier task that delivers it, `finished` a phase to the tasks that end its workstreams."""
    tasks = []
    for i, step in enumerate(steps(phase), first):
        begin, end = _days(start, phase, *step.days)
        depends = list(step.after)
        if step.after_clause and clause_tasks and step.after_clause in clause_tasks:
            depends.append(clause_tasks[step.after_clause])
        if step.after_phase is not None and finished:
            depends.extend(finished.get(step.after_phase, []))
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


#: Phase 2's order (weeks 5-10): each clause's weeks and the clauses that must be done first.
#: Context before scope, scope before the risk method, the method before the assessment, the
#: assessment before treatment and the SoA, the SoA and the policy before the objectives.
CHAIN: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "4.1": (5, 5, ()),
    "4.2": (5, 5, ()),
    "5.1": (5, 6, ()),
    "5.2": (5, 6, ()),
    "4.3": (6, 6, ("4.1", "4.2")),
    "7.1": (6, 7, ()),
    "7.5.1": (6, 7, ()),
    "7.5.2": (6, 7, ()),
    "7.5.3": (6, 7, ()),
    "4.4": (7, 8, ("4.3",)),
    "5.3": (7, 7, ("4.3",)),
    "6.1.1": (7, 7, ("4.3",)),
    "6.1.2": (7, 7, ("4.3",)),
    "7.2": (7, 8, ()),
    "8.2": (8, 8, ("6.1.2",)),
    "7.3": (8, 9, ()),
    "7.4": (8, 9, ()),
    "6.1.3": (9, 9, ("8.2",)),
    "6.2": (10, 10, ("6.1.3", "5.2")),
    "6.3": (9, 10, ()),
    "9.1": (10, 10, ("6.1.3",)),
    "9.2.2": (10, 10, ("6.1.3",)),
}


def _text(recs: Sequence[Record]) -> str:
    actions = list(dict.fromkeys(str(r.get("Remediation Action")) for r in recs if r.get("Remediation Action")))
    return " ".join(actions) or f"Close the gaps in clause {', '.join(str(r.get('Clause')) for r in recs)}."


def _groups(rows: Sequence[Record], skip: set[str]) -> dict[str, list[Record]]:
    """Open clause gaps by deliverable, in clause order."""
    groups: dict[str, list[Record]] = {}
    for rec in sorted(rows, key=lambda r: natural_key(str(r.get("Clause")))):
        if rec.get("Clause") in skip:
            continue
        groups.setdefault(str(rec.get("Deliverable") or rec.get("Clause")), []).append(rec)
    return groups


def phase2(rows: Sequence[Record], start: dt.date) -> list[Task]:
    """One task per deliverable among the clause gaps of phase 2, in the chain's order and weeks,
    each depending on the tasks that deliver the clauses it needs; then the fixed steps."""
    groups = _groups(rows, set())
    slot = {}
    for deliverable, recs in groups.items():
        known = [CHAIN[str(r.get("Clause"))] for r in recs if str(r.get("Clause")) in CHAIN]
        first = min((k[0] for k in known), default=6)
        last = max((k[1] for k in known), default=10)
        slot[deliverable] = (first, last)
    order = sorted(groups, key=lambda d: (slot[d][0], slot[d][1], natural_key(str(groups[d][0].get("Clause")))))
    tasks: list[Task] = []
    delivers: dict[str, str] = {}
    for i, deliverable in enumerate(order, 1):
        recs = groups[deliverable]
        first, last = slot[deliverable]
        tid = f"P2-{i:02d}"
        clauses = [str(r.get("Clause")) for r in recs]
        needs = [c for clause in clauses for c in CHAIN.get(clause, (0, 0, ()))[2]]
        s, e = _weeks(start, first, last)
        tasks.append(
            Task(
                tid,
                _text(recs),
                clauses,
                "ISMS foundation",
                next((str(r.get("Owner")) for r in recs if r.get("Owner")), None),
                s,
                e,
                deliverable,
                list(dict.fromkeys(delivers[c] for c in needs if c in delivers)),
            )
        )
        for clause in clauses:
            delivers[clause] = tid
    return tasks + fixed_tasks(start, 2, first=len(tasks) + 1)


def _clause_tasks(rows: Sequence[Record], start: dt.date, phase: int, prefix: str, skip: set[str]) -> list[Task]:
    """One task per deliverable among the open clause gaps of a phase (4), in clause order."""
    groups = _groups(rows, skip)
    tasks = []
    n = len(groups)
    for i, (deliverable, recs) in enumerate(groups.items()):
        s, e = _spread(start, phase, n, i)
        tasks.append(
            Task(
                f"{prefix}-{i + 1:02d}",
                _text(recs),
                [str(r.get("Clause")) for r in recs],
                "Pre-certification",
                next((str(r.get("Owner")) for r in recs if r.get("Owner")), None),
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


def phase3(gaps: Sequence[Record], start: dt.date, approved: str | None) -> list[Task]:
    """Every open Annex A gap, grouped into workstreams that run in parallel across the phase, each
    starting once the gap assessment is approved (`approved`, a phase 1 task)."""
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
            depends = [approved] if approved else []
            if j > 0 and s > tasks[-1].end:
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


def phase4(
    start: dt.date, open_clauses: Sequence[Record], audit_programme: str | None, finished: dict[int, list[str]]
) -> list[Task]:
    tasks = fixed_tasks(start, 4, {"9.2.2": audit_programme} if audit_programme else None, finished)
    covered = {r for t in tasks for r in t.reference}
    extra = _clause_tasks(open_clauses, start, 4, "P4", covered)
    for i, t in enumerate(extra, start=len(tasks) + 1):
        t.id = f"P4-{i:02d}"
    return tasks + extra


def stage_dates(start: dt.date, size: str) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Stage 1 from the first working day of week 21; Stage 2 ending on the last working day of week
    24, so that Stage 1 concerns get three weeks where the audit length allows."""
    stage1_days = 1 if size == SIZES[0] else 2
    stage2_days = STAGE2_DAYS.get(size, 5)
    s1 = _next_weekday(week_of(start, 21))
    s1_end = _business_days(s1, stage1_days)
    s2_end = _last_weekday(week_of(start, 24) + dt.timedelta(days=6))
    s2 = s2_end
    while business_days(s2, s2_end) < stage2_days:
        s2 -= dt.timedelta(days=1)
    return (s1, s1_end), (_next_weekday(s2), s2_end)


#: Typical wait for the certification body's decision after Stage 2 (2-6 weeks): the plan's estimate.
DECISION_WEEKS = 4


def phase5(start: dt.date, size: str, ready_after: list[Task]) -> list[Task]:
    stage1_days = 1 if size == SIZES[0] else 2
    stage2_days = STAGE2_DAYS.get(size, 5)
    (s1, s1_end), (s2, s2_end) = stage_dates(start, size)
    # Two working days after the last Phase 4 work (the nonconformities close in week 20), before Stage 1.
    lo = phase_window(start, 5)[0]
    first = _next_weekday(max([lo] + [t.end + dt.timedelta(days=1) for t in ready_after]))
    readiness = (first, min(_business_days(first, 2), _last_weekday(s1 - dt.timedelta(days=1))))
    steps = [
        (
            "Final readiness check: SoA, risk register and evidence index reviewed against the audit plan.",
            [],
            "Readiness checklist",
            readiness,
            [t.id for t in ready_after],
        ),
        (
            f"Stage 1 audit: documentation review ({stage1_days} day{'s' if stage1_days > 1 else ''}, indicative), remote or on site.",
            [],
            "Stage 1 report",
            (s1, s1_end),
            ["P5-01"],
        ),
        (
            "Address the Stage 1 areas of concern before Stage 2.",
            [],
            "Stage 1 actions closed",
            (_next_weekday(s1_end + dt.timedelta(days=1)), _last_weekday(s2 - dt.timedelta(days=1))),
            ["P5-02"],
        ),
        (
            f"Stage 2 audit: implementation audit ({stage2_days} days for this organisation's size, indicative: the "
            "certification body sets the audit time): interviews, evidence, observation. Stage 2 complete: send "
            "corrective action plans for any nonconformities; the certification decision follows (Overview).",
            ["10.2"],
            "Stage 2 report; corrective action plans",
            (s2, s2_end),
            ["P5-03"],
        ),
    ]
    return [
        Task(f"P5-{i:02d}", t, ref, "Certification", "ISMS Manager", s, e, d, dep)
        for i, (t, ref, d, (s, e), dep) in enumerate(steps, 1)
    ]


def plan(gap: WorkbookData, start: dt.date, size: str) -> dict[int, list[Task]]:
    """Tasks by phase, from the consultant's gap workbook. Dependencies are kept as planned, even one
    that does not fit the dates (`ctk validate` warns about it: ROAD006)."""
    annex = [
        r for r in gap.tables[ANNEX].records if r.get("Coverage") not in (FULL, None) and r.get("Control ID") in catalog.annex_a()
    ]
    clauses = [
        r
        for r in gap.tables[CLAUSES].records
        if r.get("Coverage") not in (FULL, None) and r.get("Clause") in catalog.requirements()
    ]
    p1 = phase1(start)
    p2 = phase2([r for r in clauses if _phase_of(r, 2) == 2], start)
    programme = next((t.id for t in p2 if "9.2.2" in t.reference), None)
    by_phase: dict[int, list[Record]] = {}
    for rec in annex:
        by_phase.setdefault(_phase_of(rec, 3), []).append(rec)
    approved = next((t.id for t in p1 if t.deliverable.startswith("Gap assessment report")), None)
    p3 = phase3([r for p, rs in by_phase.items() for r in rs if p not in (2, 4)], start, approved)
    last_of_stream: dict[str, Task] = {}
    for t in p3:
        if t.workstream not in last_of_stream or t.end >= last_of_stream[t.workstream].end:
            last_of_stream[t.workstream] = t
    p4 = phase4(start, [r for r in clauses if _phase_of(r, 2) == 4], programme, {3: [t.id for t in last_of_stream.values()]})
    late = by_phase.get(4, []) + by_phase.get(2, [])
    if late:
        # Controls the consultant moved out of phase 3 keep their own tasks where they were moved.
        for rec in late:
            phase = _phase_of(rec, 3)
            target = p4 if phase == 4 else p2
            s, e = _weeks(start, *PHASES[phase])
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
    ready = [t for t in p4 if t.workstream in ("Nonconformities", "Audit readiness")]
    return {1: p1, 2: p2, 3: p3, 4: p4, 5: phase5(start, size, ready)}


def not_fitting(phases: dict[int, list[Task]]) -> list[str]:
    """The dependencies that do not fit the dates: a task starting before a task it depends on ends."""
    ends = {t.id: t.end for ts in phases.values() for t in ts}
    return [
        f"{t.id} starts {t.start.isoformat()}, before {dep} ends ({ends[dep].isoformat()})"
        for ts in phases.values()
        for t in ts
        for dep in t.depends
        if dep in ends and ends[dep] >= t.start
    ]


def sheet_name(phase: int) -> str:
    return PHASE_NAMES[phase]
