"""`ctk.toml` is checked (a typo or a bad value is one line naming the key and the file, exit 2), and
`ctk init` on an existing folder says what it keeps and what it changes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import SAMPLE
from toolkit.cli import main
from toolkit.engagement import load_settings, next_monday


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "c1"
    assert CliRunner().invoke(main, ["init", str(f), "--start", "2027-02-01"]).exit_code == 0
    shutil.copy(SAMPLE / "soc2_controls.csv", f / "soc2_controls.csv")
    return f


@pytest.mark.parametrize(
    ("line", "replaces", "said"),
    [
        ('start_date = "next monday"', "start_date = 2027-02-01", "start_date must be a date such as 2027-03-01"),
        ("start = 2027-03-01", "start_date = 2027-02-01", "unknown setting 'start'"),
        ('size = "huge"', 'size = "medium"', "size must be one of small, medium, large, enterprise, not 'huge'"),
        ("organisation = 42", 'organisation = ""', "organisation must be text, not 42"),
        ('currency = "JPY"', 'currency = "USD"', "currency: currency 'JPY' is not one of: USD, EUR"),
        ('approval_date = "15/03/2027"', "# approval_date = 2027-03-01", "soa.approval_date must be a date"),
        ("unknown_key = 1\n" + "size = 'small'", 'size = "medium"', "unknown setting 'unknown_key'"),
        ("[soa]\nsigner = 'y'", "[soa]", "unknown setting 'soa.signer'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_key_and_the_file(folder: Path, line: str, replaces: str, said: str) -> None:
    settings = folder / "ctk.toml"
    text = settings.read_text(encoding="utf-8")
    assert replaces in text
    settings.write_text(text.replace(replaces, line, 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert result.stderr.startswith(f"ctk: {settings}: ") and said in result.stderr
    assert not (folder / "gap_assessment.xlsx").exists(), "nothing built from bad settings"


def test_good_settings_are_read_as_written(folder: Path) -> None:
    settings = folder / "ctk.toml"
    text = (
        settings.read_text(encoding="utf-8")
        .replace('size = "medium"', 'size = "Small"')
        .replace("# approval_date", "approval_date")
    )
    settings.write_text(text.replace('version = "0.1"', "version = 2"), encoding="utf-8")
    s = load_settings(folder)
    assert (s.start_date, s.size, s.currency) == (dt.date(2027, 2, 1), "Small (under 50 staff)", "USD")
    assert s.soa == {"owner": "", "approved_by": "", "approval_date": dt.date(2027, 3, 1), "version": "2"}


def test_no_start_date_starts_next_monday_and_says_so(folder: Path) -> None:
    settings = folder / "ctk.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("start_date = 2027-02-01\n", ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(folder)])
    monday = next_monday(dt.date.today())
    assert f"sets no start_date: the roadmap starts next Monday, {monday.isoformat()}" in result.stderr
    assert monday.weekday() == 0


def test_init_on_an_existing_folder_says_what_it_keeps_and_changes(folder: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(folder), "--currency", "eur", "--org", "Zürich Rück – 东京 🚀"])
    assert result.exit_code == 0, result.output
    settings = folder / "ctk.toml"
    assert f"changed in {settings}: organisation: (blank) -> 'Zürich Rück – 东京 🚀'" in result.stderr
    assert f"changed in {settings}: currency: 'USD' -> 'EUR'" in result.stderr
    assert f"kept in {folder}: start_date = 2027-02-01" in result.stderr and "soc2_controls" in result.stderr
    s = load_settings(folder)
    assert (s.organisation, s.currency, s.start_date) == ("Zürich Rück – 东京 🚀", "EUR", dt.date(2027, 2, 1))
    assert "# Kick-off date" in settings.read_text(encoding="utf-8"), "the rest of the file is as it was"
    again = CliRunner().invoke(main, ["init", str(folder), "--currency", "EUR"])
    assert "changed" not in again.stderr and "currency = 'EUR'" in again.stderr


def test_init_refuses_a_currency_it_cannot_use(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "c2"), "--currency", "JPY"])
    assert result.exit_code == 2 and "JPY" in result.stderr and not (tmp_path / "c2").exists()


def test_init_quotes_the_folder_for_the_shell(tmp_path: Path) -> None:
    folder = tmp_path / "Zürich Rück – 东京 🚀"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert f"then run: ctk build '{folder}'" in result.stderr
