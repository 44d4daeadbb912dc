"""The proposed audit programme: few audits, whole areas of responsibility, spread over a window."""

from __future__ import annotations

import datetime as dt

from tests.kinds.isms.test_isms_scope import CAT, CONTROLS, REQUIREMENTS
from toolkit.kinds.isms.plan import Item, add_months, cycle_window, plan_programme, spread, working_day
from toolkit.kinds.isms.scope import parse_scope

OWNERS = ["Head of Security (Elena Kowalczyk)", "elena kowalczyk", "IT Manager (Sophie Lindqvist)", "Rafael Mendes", None]


def _controls() -> list[Item]:
    return [Item(c, OWNERS[i % len(OWNERS)]) for i, c in enumerate(CONTROLS)]


def test_programme_covers_everything_in_few_audits() -> None:
    window = (dt.date(2027, 4, 12), dt.date(2027, 4, 23))
    audits = plan_programme([Item(r, "ISMS Manager") for r in REQUIREMENTS], _controls(), REQUIREMENTS, CONTROLS, window)
    assert [a.id for a in audits] == ["IA-01", "IA-02", "IA-03", "IA-04"]
    assert audits[0].scope == "Clauses 4-10" and audits[0].area_owner == "ISMS Manager"
    covered = set()
    for a in audits:
        scope = parse_scope(a.scope, CAT)
        assert scope.unread == []
        assert scope.items == set(a.items)  # the written scope reads back to what was planned
        covered |= scope.items
    assert covered == set(REQUIREMENTS) | set(CONTROLS)
    # Each person's controls stay in one audit, whichever way their name is written.
    elena = [a for a in audits if a.area_owner and "Elena" in a.area_owner]
    assert len(elena) == 1 and "elena kowalczyk" not in (elena[0].area_owner or "")
    assert [a.date for a in audits] == [dt.date(2027, 4, 12), dt.date(2027, 4, 16), dt.date(2027, 4, 19), dt.date(2027, 4, 23)]
    assert all(d.weekday() < 5 for a in audits if (d := a.date))


def test_same_inputs_same_programme() -> None:
    args = ([Item(r, None) for r in REQUIREMENTS], _controls(), REQUIREMENTS, CONTROLS, None)
    assert plan_programme(*args) == plan_programme(*args)
    assert all(a.date is None for a in plan_programme(*args))


def test_dates() -> None:
    assert working_day(dt.date(2027, 4, 17)) == dt.date(2027, 4, 19)  # Saturday -> Monday
    assert working_day(dt.date(2027, 4, 24), latest=dt.date(2027, 4, 24)) == dt.date(2027, 4, 23)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert cycle_window(dt.date(2027, 1, 4), 12) == (dt.date(2027, 1, 4), dt.date(2027, 12, 4))
    quarterly = spread(4, *cycle_window(dt.date(2027, 1, 4), 12))
    assert quarterly[0] == dt.date(2027, 1, 4) and quarterly[-1] <= dt.date(2027, 12, 4)
    assert spread(1, dt.date(2027, 4, 12), dt.date(2027, 4, 23)) == [dt.date(2027, 4, 12)]
