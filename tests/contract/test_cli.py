"""The CLI through click's CliRunner: JSON equals the API, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import soa_col, soa_row, write_filled_soa
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.kinds.soa.build import SHEET
from toolkit.validation import validate

FINDING_KEYS = ["code", "severity", "sheet", "cell", "row", "column", "key", "message"]


@pytest.fixture()
def broken_soa(tmp_path: Path) -> Path:
    path = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws[f"{soa_col('Justification')}{soa_row(ws, 'A.7.5')}"] = None
    ws.delete_rows(soa_row(ws, "A.8.9"))
    wb.save(path)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_matches_api_field_for_field(broken_soa: Path) -> None:
    code, out, _ = run("validate", "--format", "json", "--as-of", AS_OF.isoformat(), str(broken_soa))
    assert code == 1
    data = json.loads(out)
    assert data == validate([broken_soa], as_of=AS_OF).as_dict()
    assert list(data) == ["files", "summary"]
    assert list(data["summary"]) == ["files", "errors", "warnings"]
    assert data["summary"] == {"files": 1, "errors": 2, "warnings": 0}
    (entry,) = data["files"]
    assert list(entry) == ["path", "kind", "findings"]
    assert entry["kind"] == "soa"
    for finding in entry["findings"]:
        assert list(finding) == FINDING_KEYS
    missing = next(f for f in entry["findings"] if f["code"] == "SOA001")
    assert missing["cell"] is None and missing["row"] is None and missing["key"] == "A.8.9"
    excluded = next(f for f in entry["findings"] if f["code"] == "SOA005")
    assert excluded["cell"].startswith("E") and excluded["row"] == int(excluded["cell"][1:])
    assert excluded["column"] == "Justification" and excluded["sheet"] == SHEET


def test_text_output_one_line_per_finding(broken_soa: Path) -> None:
    code, out, _ = run("validate", "--as-of", AS_OF.isoformat(), str(broken_soa))
    assert code == 1
    lines = out.strip().splitlines()
    assert any(line.startswith(f"{broken_soa}:{SHEET}!E") and " SOA005 error [A.7.5] " in line for line in lines)
    assert lines[-1] == "1 file checked: 2 errors, 0 warnings"


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    path = write_filled_soa(tmp_path / "soa.xlsx")
    assert run("validate", "--as-of", AS_OF.isoformat(), str(path))[0] == 0


def test_unreadable_file_is_one_line_and_others_still_checked(broken_soa: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x00\x01garbage" * 50)
    code, out, _ = run("validate", "--format", "json", "--as-of", AS_OF.isoformat(), str(junk), str(broken_soa))
    assert code == 2
    data = json.loads(out)
    bad, good = data["files"]
    assert bad["kind"] is None and bad["findings"] == [] and "\n" not in bad["error"]
    assert good["kind"] == "soa" and len(good["findings"]) == 2
    code, out, err = run("validate", str(junk))
    assert code == 2 and "Traceback" not in out + err
    assert out.splitlines()[0].startswith(f"{junk}: error: ")


def test_bad_arguments_exit_two() -> None:
    assert run("validate")[0] == 2
    assert run("validate", "--format", "yaml", "x.xlsx")[0] == 2


def test_folder_is_expanded(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    write_filled_soa(tmp_path / "a" / "soa.xlsx")
    (tmp_path / "a" / "~$soa.xlsx").write_bytes(b"lock")
    report = validate([tmp_path], as_of=AS_OF)
    assert [Path(f.path).name for f in report.files] == ["soa.xlsx"]


def test_rules_lists_every_code() -> None:
    code, out, _ = run("rules")
    assert code == 0
    from toolkit.kinds import all_rules as load_all

    for rule_code in load_all():
        assert any(line.startswith(rule_code + " ") for line in out.splitlines())
    data = json.loads(run("rules", "--format", "json")[1])
    assert all(r["summary"] for r in data)


def test_export_csv_round_trips_records(tmp_path: Path) -> None:
    path = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws[f"{soa_col()}1"] = "Client Notes"
    ws[f"{soa_col()}2"] = '=HYPERLINK("http://evil")'
    ws[f"{soa_col('Justification')}2"] = "@SUM(1+1)"
    wb.save(path)
    code, out, _ = run("export", str(path), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 93
    assert rows[0]["Control ID"] == "A.5.1" and rows[0]["Row"] == "2"
    assert rows[0]["Justification"] == "'@SUM(1+1)", "client text must never become a formula"
    assert "Client Notes" in rows[0]
    out_json = json.loads(run("export", str(path), "--format", "json")[1])
    assert out_json[1]["Applicable"] == "Yes"


def test_export_csv_for_european_excel(tmp_path: Path) -> None:
    """`--dialect excel-eu`: semicolons, decimal commas, a UTF-8 byte-order mark, CRLF; still no formulas."""
    from tests.helpers import write_sample_pack
    from toolkit.kinds import write_workbook
    from toolkit.kinds.savings.build import from_gap

    pack = write_sample_pack(tmp_path / "pack")
    pack["savings"] = tmp_path / "savings.xlsx"
    write_workbook("savings", from_gap(pack["gap"]), pack["savings"])
    path = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[SHEET][f"{soa_col('Justification')}2"] = "+1 Zürich; Genève"
    wb.save(path)
    out = tmp_path / "soa.csv"
    code, _, _ = run("export", str(path), "--format", "csv", "--dialect", "excel-eu", "-o", str(out))
    data = out.read_bytes()
    assert code == 0 and data.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 93 and rows[0]["Justification"] == "'+1 Zürich; Genève"
    code, out_text, _ = run("export", str(pack["savings"]), "--dialect", "excel-eu")
    assert code == 0 and out_text.startswith("\ufeff")
    summary = list(csv.DictReader(io.StringIO(out_text.lstrip("\ufeff"), newline=""), delimiter=";"))
    plain = run("export", str(pack["savings"]))[1]
    assert not plain.startswith("\ufeff")
    share = next(iter(csv.DictReader(io.StringIO(plain))))["Savings %"]
    assert "." in share and summary[0]["Savings %"] == share.replace(".", ","), "decimal comma for a European Excel"


def test_export_unreadable_is_exit_two(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    code, _out, err = run("export", str(empty))
    assert code == 2 and err.strip().count("\n") == 0 and "empty" in err


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        write_filled_soa(tmp_path / name / "soa.xlsx")
    (tmp_path / "b" / "broken.xlsx").write_bytes(b"PK\x03\x04junk")
    serial = validate([tmp_path], as_of=AS_OF).as_dict()
    parallel = validate([tmp_path], as_of=AS_OF, jobs=2).as_dict()
    assert serial == parallel and len(serial["files"]) == 4
    code, out, _ = run("validate", "-j", "2", "--format", "json", "--as-of", AS_OF.isoformat(), str(tmp_path))
    assert code == 2 and json.loads(out) == serial


def test_outputs_are_ordinary_files(tmp_path: Path) -> None:
    import os
    import stat

    path = tmp_path / "soa.xlsx"
    assert run("soa", "new", "-o", str(path))[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_an_interrupted_write_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    from toolkit.workbook.schema import load_spec
    from toolkit.workbook.writer import Book, write_book

    path = write_filled_soa(tmp_path / "soa.xlsx")
    before = path.read_bytes()

    def crash(*_: object) -> None:
        raise KeyboardInterrupt  # the consultant presses Ctrl-C halfway through

    spec = load_spec("gap")  # its Summary sheet is drawn by a function: make it fail mid-write
    with pytest.raises(KeyboardInterrupt):
        write_book(spec, Book(custom={"Summary": crash}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["soa.xlsx"], "no temporary file left behind"


def test_records_as_a_dataframe(tmp_path: Path) -> None:
    from toolkit import table_frame

    frame = table_frame(write_filled_soa(tmp_path / "soa.xlsx"))
    assert len(frame) == 93 and list(frame.columns[:3]) == ["Sheet", "Row", "Control ID"]
    assert frame.loc[0, "Control ID"] == "A.5.1" and frame.loc[0, "Row"] == 2


def test_every_rule_shows_a_bad_and_a_good_example_and_is_tested() -> None:
    from tests.paths import ROOT
    from toolkit.kinds import all_rules

    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    for code, r in sorted(all_rules().items()):
        assert "Bad" in r.example and "Good" in r.example, f"{code}: the docstring needs a Bad and a Good example"
        assert re.search(rf"\b{code}\b", tests), f"{code} is named in no test"
    assert run("rules", "SOA007")[1].splitlines()[1].strip().startswith("Bad:")
    assert run("rules", "NOPE01")[0] == 2
