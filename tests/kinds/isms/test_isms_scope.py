"""Audit scopes as clients write them, read into the clause requirements and controls they cover."""

from __future__ import annotations

import pytest

from toolkit.kinds.isms.scope import Catalog, compress, parse_scope

REQUIREMENTS = [
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "5.1",
    "5.2",
    "5.3",
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.2",
    "6.3",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "8.1",
    "8.2",
    "8.3",
    "9.1",
    "9.2.1",
    "9.2.2",
    "9.3.1",
    "9.3.2",
    "9.3.3",
    "10.1",
    "10.2",
]
CONTROLS = tuple(
    [f"A.5.{i}" for i in range(1, 38)]
    + [f"A.6.{i}" for i in range(1, 9)]
    + [f"A.7.{i}" for i in range(1, 15)]
    + [f"A.8.{i}" for i in range(1, 35)]
)
CAT = Catalog(tuple(REQUIREMENTS), CONTROLS)

CASES = [
    ("Clauses 4-10", 30, 0),
    ("Clause 6", 5, 0),
    ("4.1; 9.2", 3, 0),
    ("4.1-5.3", 7, 0),
    ("ISO/IEC 27001:2022 clauses 9.2 and 9.3", 5, 0),
    ("A.5.1-A.5.8", 0, 8),
    ("A.5.1 to A.5.8", 0, 8),
    ("A.5.1\u20138", 0, 8),
    ("Controls 5.1-5.8", 0, 8),
    ("A.8", 0, 34),
    ("A.8.*", 0, 34),
    ("A.7 (all)", 0, 14),
    ("Annex A", 0, 93),
    ("All applicable controls", 0, 93),
    ("Full ISMS", 30, 93),
    ("A.5.9 Inventory of information and other associated assets", 0, 1),
    ("5.9, 5.10", 0, 2),
]


@pytest.mark.parametrize(("text", "clauses", "controls"), CASES)
def test_scope_read(text: str, clauses: int, controls: int) -> None:
    scope = parse_scope(text, CAT)
    assert (len(scope.clauses), len(scope.controls), scope.unread) == (clauses, controls, [])


def test_unreadable_items_are_returned() -> None:
    scope = parse_scope("A.9.2.1; cloud things; 4.3", CAT)
    assert scope.unread == ["A.9.2.1", "cloud things"]
    assert scope.clauses == {"4.3"}


def test_compress_writes_ranges_within_a_theme() -> None:
    ids = ["A.5.1", "A.5.2", "A.5.3", "A.5.7", "A.5.9", "A.5.10", "A.7.13", "A.7.14", "A.8.1", "A.8.2", "A.8.3"]
    assert compress(ids, CONTROLS) == "A.5.1-A.5.3; A.5.7; A.5.9; A.5.10; A.7.13; A.7.14; A.8.1-A.8.3"
    assert parse_scope(compress(ids, CONTROLS), CAT).controls == set(ids)
    assert compress(REQUIREMENTS, REQUIREMENTS) == "4.1-10.2"
