"""Generators check their inputs: the wrong kind, no control, no criterion is exit 2 and one line;
a partly readable input gives counts and the rows concerned."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests import clientfiles as cf
from tests.helpers import write_sample_pack
from toolkit.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("ctk: ") and "Traceback" not in err


def test_gap_refuses_an_input_of_another_kind(tmp_path: Path) -> None:
    soa = cf.soa_title_rows(tmp_path / "soa.xlsx")
    code, err = run("gap", str(soa), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 2 and one_line(err) and "a Statement of Applicability, not a SOC 2 control matrix" in err
    assert not (tmp_path / "gap.xlsx").exists()


def test_gap_refuses_a_matrix_with_no_control(tmp_path: Path) -> None:
    empty = cf.write_csv(tmp_path / "m.csv", [["Control ID", "Control Description", "TSC Criteria", "Test Result"]])
    code, err = run("gap", str(empty), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 2 and one_line(err) and "with no SOC 2 controls" in err


def test_gap_refuses_a_matrix_with_no_criterion(tmp_path: Path) -> None:
    rows = [["Control ID", "Control Description", "Test Result"], ["C-1", "Access reviews", "No exceptions noted"]]
    no_column = cf.write_csv(tmp_path / "a.csv", rows)
    code, err = run("gap", str(no_column), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 2 and one_line(err) and "no criteria column" in err and "'TSC Criteria'" in err
    rows = [
        ["Control ID", "Control Description", "TSC Criteria"],
        ["C-1", "Access reviews", "logical access"],
        ["C-2", "Logs", "tbd"],
    ]
    none_read = cf.write_csv(tmp_path / "b.csv", rows)
    code, err = run("gap", str(none_read), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 2 and one_line(err) and "none of the 2 controls names a Trust Services Criterion" in err


def test_a_partly_readable_matrix_gives_counts_and_rows(tmp_path: Path) -> None:
    path = cf.soc2_readiness(tmp_path / "m.csv")
    text = path.read_text(encoding="utf-8").replace("CTL-02,CC6.1", "CTL-02,").replace("CTL-03,CC9.1", "CTL-03,TBD")
    path.write_text(text, encoding="utf-8")
    code, err = run("gap", str(path), "-o", str(tmp_path / "gap.xlsx"))
    assert code == 0, err
    assert "3 controls, 2 without a Trust Services Criterion (rows 3, 4)" in err
    assert "1 controls name something that is not a criterion (row 4), e.g. 'TBD'" in err
    assert "no Test Result column: all 3 controls are treated as not tested" in err and "'Status' column" in err


def test_soa_roadmap_savings_refuse_swapped_inputs(tmp_path: Path) -> None:
    pack = write_sample_pack(tmp_path / "pack")
    out = str(tmp_path / "out.xlsx")
    cases = [
        (
            ("soa", "--gap", str(pack["risk"]), "--risks", str(pack["gap"]), "-o", out),
            "a risk register (ctk wrote it as one), not a gap assessment",
        ),
        (("roadmap", "--gap", str(pack["soa"]), "--start", "2027-01-04", "-o", out), "not a gap assessment"),
        (("roadmap", "--gap", str(tmp_path / "pack" / "x.csv"), "--start", "2027-01-04", "-o", out), "no such file"),
        (("savings", "--gap", str(pack["risk"]), "-o", out), "not a gap assessment"),
    ]
    for args, text in cases:
        code, err = run(*args)
        assert code == 2 and one_line(err) and text in err, (args, err)
    assert not Path(out).exists()


def test_risk_register_from_a_matrix_or_from_nothing_is_refused(tmp_path: Path) -> None:
    matrix = cf.soc2_readiness(tmp_path / "m.csv")
    code, err = run("risk", "new", "-o", str(tmp_path / "r.xlsx"), "--from", str(matrix))
    assert code == 2 and one_line(err) and "not a risk register" in err
    empty = cf.write_csv(tmp_path / "risks.csv", [["Risk ID", "Threat", "Likelihood", "Impact", "Risk Owner"]])
    code, err = run("risk", "new", "-o", str(tmp_path / "r.xlsx"), "--from", str(empty))
    assert code == 2 and one_line(err) and "a risk register with no risks" in err


def test_merge_refuses_a_workbook_of_another_kind(tmp_path: Path) -> None:
    pack = write_sample_pack(tmp_path / "pack")
    code, err = run("soa", "new", "-o", str(tmp_path / "soa.xlsx"), "--merge", str(pack["risk"]))
    assert code == 2 and one_line(err) and "not a Statement of Applicability" in err
