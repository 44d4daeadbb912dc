"""Names compared as people write them: the auditor-independence check depends on it."""

from __future__ import annotations

import pytest

from toolkit.kinds.isms.names import conflicts, same_person, split_people

SAME = [
    ("Elena Kowalczyk", "elena  kowalczyk"),
    ("Elena Kowalczyk", "Kowalczyk, Elena"),
    ("Head of Security & Compliance (Elena Kowalczyk)", "Elena Kowalczyk"),
    ("Head of Security & Compliance (Elena Kowalczyk)", "Elena Kowalczyk (CISO)"),
    ("Head of Security & Compliance (Elena Kowalczyk)", "head of security and compliance"),
    ("ISMS Manager", "ISMS Manager (Elena Kowalczyk)"),
    ("ISMS manager", "  isms   MANAGER "),
    ("[Elena Kowalczyk] Head of Security", "Elena Kowalczyk"),
]
DIFFERENT = [
    ("Engineer (Bob Li)", "Engineer (Ana Ruiz)"),
    ("Elena Kowalczyk", "Rafael Mendes"),
    ("ISMS Manager", "Elena Kowalczyk"),  # nothing says Elena holds the role
    ("Head of People (Tom Ashcroft)", "Head of Security & Compliance (Elena Kowalczyk)"),
    ("", "Elena Kowalczyk"),
    ("Northgate Assurance Ltd (external internal auditor)", "IT Manager (Sophie Lindqvist)"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_person(a: str, b: str) -> None:
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_people(a: str, b: str) -> None:
    assert not same_person(a, b)
    assert not same_person(b, a)


def test_several_people_in_one_cell() -> None:
    assert split_people("Ana Ruiz; Bob Li\nCarla Diaz") == ["Ana Ruiz", "Bob Li", "Carla Diaz"]
    assert split_people("Ana Ruiz, Bob Li") == ["Ana Ruiz", "Bob Li"]
    assert split_people("Kowalczyk, Elena") == ["Kowalczyk, Elena"]
    assert split_people("Head of Security & Compliance (Kowalczyk, Elena)") == [
        "Head of Security & Compliance (Kowalczyk, Elena)"
    ]
    assert split_people("CISO/DPO (Elena Kowalczyk)") == ["CISO/DPO (Elena Kowalczyk)"]
    assert split_people(None) == []


def test_conflicts_name_the_pair() -> None:
    owners = "IT Manager (Sophie Lindqvist); Head of People (Tom Ashcroft)"
    assert conflicts("tom ashcroft", owners) == [("tom ashcroft", "Head of People (Tom Ashcroft)")]
    assert conflicts("Northgate Assurance (external)", owners) == []
