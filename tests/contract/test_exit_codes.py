"""Exit codes scripts can trust: 0 clean, 1 findings, 2 could not run, a bug in ctk included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write_filled_soa
from toolkit.cli import main
from toolkit.kinds import all_rules
from toolkit.rules import RULES, Rule


@pytest.fixture()
def broken_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """SOA007 replaced by one that crashes, as a bug would."""
    all_rules()
    original = RULES["SOA007"]

    def crash(book: object, ctx: object) -> Iterator[object]:
        yield from ()
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(RULES, "SOA007", Rule(original.code, original.kind, original.severity, original.summary, crash))
    yield "SOA007"


def test_a_crash_inside_a_rule_exits_two_with_one_line(tmp_path: Path, broken_rule: str) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    result = CliRunner().invoke(main, ["validate", str(soa)])
    assert result.exit_code == 2
    assert result.stderr == (
        "ctk: internal error in SOA007: ZeroDivisionError: division by zero; please report it "
        "(run `ctk --debug ...` for the traceback)\n"
    )
    assert result.stdout == ""


def test_debug_shows_the_traceback(tmp_path: Path, broken_rule: str) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    result = CliRunner().invoke(main, ["--debug", "validate", str(soa)])
    assert result.exit_code != 0 and isinstance(result.exception, Exception)
    assert "SOA007" in str(result.exception)


def test_a_crash_outside_the_rules_names_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit import api

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("Coverage")

    monkeypatch.setattr(api, "generate_gap", broken)
    result = CliRunner().invoke(main, ["gap", "matrix.csv", "-o", str(tmp_path / "gap.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.startswith("ctk: internal error in gap: KeyError: 'Coverage'; please report it")


def test_a_user_error_is_one_line_and_exit_two(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["gap", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "gap.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "absent.csv" in result.stderr and "Traceback" not in result.output
