"""The internal audit programme ctk proposes (clause 9.2.2).

A few audits that together cover every clause requirement and every applicable control:

- one audit of the management system (every clause requirement 4.1-10.2), its area owners the
  owners of the clause gaps;
- the applicable controls grouped by their owner (the auditee), the owners packed into audits of
  about `controls_per_audit` controls each, largest first, so each audit walks through whole areas
  of responsibility and the auditor can be chosen from outside them;
- dates spread evenly, on working days, over a window: the roadmap's internal audit task when
  there is a roadmap (certification needs the whole scope audited before Stage 1), otherwise the
  twelve months of the cycle from the start date;
- the auditor left for the client to name.

The same inputs always give the same programme; audit ids are slots (`IA-01` is always the
management system audit), so a regenerated programme pairs with the client's rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.kinds.isms.names import person
from toolkit.kinds.isms.scope import compress


@dataclass(frozen=True)
class Item:
    """A clause requirement or an applicable control, with who owns it (as written, or None)."""

    id: str
    owner: str | None


@dataclass(frozen=True)
class PlannedAudit:
    id: str
    scope: str
    items: tuple[str, ...]
    area_owner: str | None
    date: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def working_day(day: dt.date, latest: dt.date | None = None) -> dt.date:
    """The day itself if a weekday, else the next Monday (or the Friday before, past `latest`)."""
    if day.weekday() < 5:
        return day
    forward = day + dt.timedelta(days=7 - day.weekday())
    if latest is not None and forward > latest:
        return day - dt.timedelta(days=day.weekday() - 4)
    return forward


def spread(count: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """`count` working days spread evenly from `start` to `end` (both included when count > 1)."""
    if count <= 0:
        return []
    if count == 1:
        return [working_day(start, end if end >= start else None)]
    if end <= start:
        return [working_day(start)] * count
    span = (end - start).days
    return [working_day(start + dt.timedelta(days=round(i * span / (count - 1))), end) for i in range(count)]


def owner_key(owner: str | None) -> tuple[str, ...]:
    """One key per person however their name is written (the name if given, else the role)."""
    if not owner or not owner.strip():
        return ()
    p = person(owner)
    return tuple(sorted(p.name or p.role))


def _owners_text(items: Sequence[Item]) -> str | None:
    """The area owners of some items: each person once, as most often written, most items first."""
    spellings: dict[tuple[str, ...], Counter[str]] = {}
    counts: Counter[tuple[str, ...]] = Counter()
    for item in items:
        key = owner_key(item.owner)
        if not key:
            continue
        assert item.owner is not None
        spellings.setdefault(key, Counter())[" ".join(item.owner.split())] += 1
        counts[key] += 1
    ordered = sorted(counts, key=lambda k: (-counts[k], spellings[k].most_common(1)[0][0]))
    names = [min(spellings[k], key=lambda s: (-spellings[k][s], s)) for k in ordered]
    return "; ".join(names) or None


def group_controls(controls: Sequence[Item], per_audit: int) -> list[list[Item]]:
    """Controls packed into audits by owner: each owner's controls stay in one audit."""
    if not controls:
        return []
    by_owner: dict[tuple[str, ...], list[Item]] = {}
    for item in controls:
        by_owner.setdefault(owner_key(item.owner), []).append(item)
    audits = max(1, math.ceil(len(controls) / max(per_audit, 1)))
    bins: list[list[Item]] = [[] for _ in range(audits)]
    # Largest areas first, each into the lightest audit so far (ties: the earlier audit).
    for _key, items in sorted(by_owner.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lightest = min(range(audits), key=lambda i: (len(bins[i]), i))
        bins[lightest].extend(items)
    return [b for b in bins if b]


def plan_programme(
    requirements: Sequence[Item],
    controls: Sequence[Item],
    requirement_order: Sequence[str],
    control_order: Sequence[str],
    window: tuple[dt.date, dt.date] | None,
    per_audit: int = 32,
) -> list[PlannedAudit]:
    """The proposed audits: the management system first, then the controls by area owner."""
    groups: list[list[Item]] = []
    if requirements:
        groups.append(list(requirements))
    control_groups = group_controls(controls, per_audit)
    # Each control audit's controls in catalog order; audits ordered by their first control.
    position = {c: i for i, c in enumerate(control_order)}
    control_groups = [sorted(g, key=lambda it: position.get(it.id, len(position))) for g in control_groups]
    control_groups.sort(key=lambda g: position.get(g[0].id, len(position)))
    groups.extend(control_groups)
    dates: list[dt.date | None] = list(spread(len(groups), *window)) if window else [None] * len(groups)
    out = []
    for n, (group, day) in enumerate(zip(groups, dates, strict=True), start=1):
        ids = tuple(item.id for item in group)
        if requirements and n == 1:
            scope = "Clauses 4-10" if set(ids) >= set(requirement_order) else compress(ids, requirement_order)
        else:
            scope = compress(ids, control_order)
        out.append(PlannedAudit(f"IA-{n:02d}", scope, ids, _owners_text(group), day))
    return out


def cycle_window(start: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a cycle of `months` from `start`, for spreading audits over it:
    the last audit a month before the cycle ends, leaving room for the management review."""
    return start, add_months(start, max(months - 1, 0))
