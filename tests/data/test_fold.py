from __future__ import annotations

import pytest

from toolkit.data.fold import header_fold, leading, title_similarity, value_fold


@pytest.mark.parametrize(
    ("header", "folded"),
    [
        ("Likelihood\n(1–5)", "likelihood"),
        ("Applicable (Yes/No)", "applicable"),
        ("Applicable?", "applicable"),
        ("Control ID*", "control id"),
        ("Owner:", "owner"),
        ("Evidence / Notes", "evidence notes"),
        ("current_proba", "current proba"),
        ("Kontroll-ID", "kontroll id"),
        ("Begründung", "begrundung"),
        ("Propriétaire du risque", "proprietaire du risque"),
        ("Control No.", "control no"),
        ("Control #", "control no"),
        ("Risk Nr.", "risk no"),
        ("  Reason for inclusion/ exclusion", "reason for inclusion exclusion"),
        ("(blank)", "blank"),
    ],
)
def test_header_fold(header: str, folded: str) -> None:
    assert header_fold(header) == folded


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("Partially Implemented ", "partially implemented"),
        ("partially_implemented", "partially implemented"),
        ("🔄 In Progress", "in progress"),
        ("N/A", "n a"),
        ("✓", "✓"),
        ("-", "-"),
        ("Yes (partial)", "yes partial"),
    ],
)
def test_value_fold(value: str, folded: str) -> None:
    assert value_fold(value) == folded


def test_leading_words() -> None:
    assert leading("justification for inclusion exclusion", "justification")
    assert leading("evidence", "evidence")
    assert not leading("evidenced", "evidence")
    assert not leading("evidence", "")


def test_titles_compared_without_spelling_noise() -> None:
    assert title_similarity("Clock synchronisation", "Clock synchronization") == 1.0
    assert title_similarity("User end point devices", "User endpoint devices") == 1.0
    assert title_similarity("Secure development lifecycle", "Secure development life cycle") == 1.0
    assert title_similarity("Policies for Information Security", "Policies for information security") == 1.0
    assert title_similarity("Networks Security", "Privileged access rights") == 0.0
    assert 0 < title_similarity("ICT readiness", "ICT readiness for business continuity") < 1
