"""Outputs: what cannot be written is one line and exit 2; a name promising another format is refused
with the fix; long single runs show progress on a terminal only."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write_filled_soa
from tests.paths import SAMPLE
from toolkit.cli import busy, main

MATRIX = str(SAMPLE / "soc2_controls.csv")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/sys/kernel").is_dir(), reason="needs Linux /sys")
@pytest.mark.parametrize(
    "command",
    [
        ["gap", MATRIX, "-o", "/sys/gap.xlsx"],
        ["soa", "new", "-o", "/sys/soa.xlsx"],
        ["rules", "-o", "/sys/rules.txt"],
        ["init", "/sys/kernel/newdir"],
        ["demo", "/sys/kernel/newdir"],
    ],
)
def test_an_unwritable_place_is_one_line_and_exit_2(command: list[str]) -> None:
    code, _, err = run(*command)
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("ctk: /sys/") and "cannot write here" in err


def test_validate_o_to_an_unwritable_place_is_not_exit_1(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    code, _, err = run("validate", str(soa), "-o", str(tmp_path / "missing" / "report.txt"))
    assert (
        code == 2
        and err
        == f"ctk: {tmp_path / 'missing' / 'report.txt'}: cannot write here: the folder {str(tmp_path / 'missing')!r} does not exist; create it first\n"
    )


def test_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    out = tmp_path / "typo" / "gap.xlsx"
    code, _, err = run("gap", MATRIX, "-o", str(out))
    assert code == 2 and not out.parent.exists() and "does not exist" in err


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["gap", MATRIX, "-o", "gap.csv"], "name it gap.xlsx"),
        (["soa", "new", "-o", "new.ods"], "name it new.xlsx"),
        (["soa", "new", "-o", "new.xls"], "name it new.xlsx"),
        (["soa", "new", "-o", "noext"], "name it noext.xlsx"),
        (["rules", "-o", "rules.xlsx"], "name it rules.txt"),
        (["rules", "--format", "json", "-o", "rules.txt.csv"], "name it rules.txt.json"),
    ],
)
def test_an_output_name_for_another_format_is_refused_with_the_fix(
    args: list[str], fix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*args)
    assert code == 2 and fix in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_export_and_validate_refuse_a_workbook_name_for_text(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    assert run("export", str(soa), "-o", str(tmp_path / "exported.xlsx"))[0] == 2
    code, _, err = run("validate", str(soa), "-o", str(tmp_path / "report.xlsx"))
    assert code == 2 and "name it report.txt" in err and not (tmp_path / "report.xlsx").exists()


def test_text_outputs_say_where_they_went(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    out = tmp_path / "report.json"
    code, _, err = run("validate", "--format", "json", str(soa), "-o", str(out))
    assert code == 0 and f"wrote {out}" in err and out.exists()


def test_soa_with_an_option_missing_says_which(tmp_path: Path) -> None:
    code, out, err = run("soa", "--risks", "r.xlsx", "-o", str(tmp_path / "soa.xlsx"))
    assert (
        code == 2
        and out == ""
        and err == ("ctk: ctk soa needs --gap (and usually --risks); `ctk soa new -o soa.xlsx` writes a blank one\n")
    )
    assert "needs -o/--output" in run("soa", "--gap", "g.xlsx")[2]


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_shows_on_a_terminal_after_the_delay_only() -> None:
    shown = Terminal(True)
    with busy("annotating big.xlsx", stream=shown, after=0.05, every=0.02):
        time.sleep(0.25)
    assert "\rannotating big.xlsx ... 0 s" in shown.getvalue() and shown.getvalue().endswith("\r\x1b[K")
    for stream, quiet in ((Terminal(False), False), (Terminal(True), True)):
        with busy("annotating big.xlsx", quiet=quiet, stream=stream, after=0.05, every=0.02):
            time.sleep(0.15)
        assert stream.getvalue() == "", "silent when piped or with --quiet"
    quick = Terminal(True)
    with busy("writing gap.xlsx", stream=quick, after=0.5):
        pass
    assert quick.getvalue() == "", "nothing for a run shorter than the delay"


def test_text_over_the_cell_limit_is_cut_and_said(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.csv"
    long = "Access is reviewed quarterly. " * 1400  # 42,000 characters, 41,999 once the reader strips it
    matrix.write_text(
        f"Control ID,Control Description,TSC Criteria,Test Result\nC-1,{long},CC6.1,No exceptions noted\n", encoding="utf-8"
    )
    code, _, err = run("gap", str(matrix), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 0 and "SOC 2 Controls!B2: a text of 41,999 characters was cut to Excel's limit of 32,767" in err


def test_limits_are_positive_and_sizes_read_plainly(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    code, _, err = run("validate", str(soa), "--max-file-mb", "-5")
    assert code == 2 and "--max-file-mb" in err
    code, out, _ = run("validate", str(soa), "--max-file-mb", "0.001")
    assert code == 2 and "KB, over the limit of 0.001 MB" in out and "is 0 MB" not in out


def test_messages_read_as_english(tmp_path: Path) -> None:
    from tests.helpers import write_sample_pack

    pack = write_sample_pack(tmp_path / "pack")
    code, _, err = run("diff", str(pack["soa"]), str(pack["risk"]))
    assert code == 2 and "is an Information Security Risk Register (risk)" in err
    code, _, err = run("export", str(pack["risk"]), "--sheet", "Heat Map")
    assert code == 2 and "in an Information Security Risk Register" in err
