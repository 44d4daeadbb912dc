"""The record of what ctk wrote: where it lives, what survives which resave, and the merge it drives."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import edit_cell, write_sample_pack
from tests.lo import lo_convert
from tests.paths import SAMPLE
from toolkit.cli import main
from toolkit.kinds import write_workbook
from toolkit.kinds.risk.build import build_register
from toolkit.kinds.risk.model import REGISTER, import_risks
from toolkit.kinds.soa.build import SHEET, build_soa
from toolkit.workbook import record
from toolkit.workbook.merge import merge_into, record_of
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book


@pytest.fixture()
def pack(tmp_path: Path) -> dict[str, Path]:
    return write_sample_pack(tmp_path / "client")


def test_every_generated_workbook_carries_its_record_in_short_properties(pack: dict[str, Path]) -> None:
    for kind, path in pack.items():
        found = record.read(path)
        assert found is not None and found.kind == kind and found.sheets == read_workbook(path).sheet_names
        with zipfile.ZipFile(path) as zf:
            props = re.findall(rb'name="ctk_sent_\d+"[^>]*><vt:lpwstr>([^<]*)<', zf.read("docProps/custom.xml"))
        assert props and max(len(p) for p in props) <= 255, "Excel keeps a text property of up to 255 characters"
    soa = record.read(pack["soa"])
    assert soa is not None
    table = soa.tables[SHEET]
    assert len(table.rows) == 93 and table.columns == [c.name for c in load_spec("soa").sheet(SHEET).input_columns]
    assert all(len(record.split_cells(v)) == len(table.columns) for v in table.rows.values())
    assert soa.tables[SHEET].mode == "cells" and record.read(pack["risk"]).tables[REGISTER].mode == "rows"  # type: ignore[union-attr]


def test_the_record_survives_an_openpyxl_save(pack: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "saved.xlsx"
    openpyxl.load_workbook(pack["soa"]).save(out)
    assert record.read(out) == record.read(pack["soa"])


@pytest.mark.libreoffice
def test_the_record_survives_libreoffice(soffice: str, pack: dict[str, Path], tmp_path: Path) -> None:
    """A LibreOffice resave (.xlsx), a second one, an .ods and a trip through .ods and back keep the record."""
    original = record.read(pack["soa"])
    once = lo_convert(soffice, pack["soa"], tmp_path / "once")
    twice = lo_convert(soffice, once, tmp_path / "twice")
    ods = lo_convert(soffice, pack["soa"], tmp_path / "ods", "ods")
    back = lo_convert(soffice, ods, tmp_path / "back")
    for path in (once, twice, back, ods):
        assert record.read(path) == original, path


@pytest.mark.libreoffice
def test_a_libreoffice_resave_alone_changes_no_value(soffice: str, pack: dict[str, Path], tmp_path: Path) -> None:
    """Nothing the client did not change counts as changed: every cell of a resaved copy (.xlsx or
    .ods) is refreshed."""
    new_risks = tmp_path / "risks.xlsx"
    risks = import_risks(SAMPLE / "risk_register.csv")
    risks[0]["Annex A Controls"] = ["A.7.4"]  # the new inputs move R-001 from its controls to A.7.4
    write_workbook("risk", build_register(risks), new_risks)
    gap, reg = read_workbook(pack["gap"]), read_workbook(new_risks)
    fresh = build_soa(gap, reg)

    def values(book: Book) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if v not in (None, "")} for r in book.tables[SHEET].records]

    for fmt in ("xlsx", "ods"):
        resaved = lo_convert(soffice, pack["soa"], tmp_path / fmt, fmt)
        merged = build_soa(gap, reg)
        result = merge_into(merged, "soa", resaved)
        assert result.conflicts == [] and not any("no record" in n for n in result.notes), fmt
        assert values(merged) == values(fresh), fmt


def _strip_record(src: Path, out: Path) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'<property [^>]*name="ctk_sent_\d+".*?</property>', b"", data, flags=re.DOTALL)
            zout.writestr(info, data)


def test_a_workbook_without_a_record_is_merged_as_before_with_one_warning(pack: dict[str, Path], tmp_path: Path) -> None:
    old = tmp_path / "old.xlsx"
    _strip_record(pack["soa"], old)
    assert record.read(old) is None
    gap = read_workbook(pack["gap"])
    book = build_soa(gap, None)  # the new inputs: no risks any more
    result = merge_into(book, "soa", old)
    assert sum("no record of what ctk sent" in n for n in result.notes) == 1
    rows = {r["Control ID"]: r for r in book.tables[SHEET].records}
    sent = {r.get("Control ID"): r for r in read_workbook(old).records(SHEET)}
    assert rows["A.5.15"]["Related Risks"] == sent["A.5.15"].get("Related Risks"), "every value counts as the client's"
    assert record_of(load_spec("soa"), book).tables[SHEET].rows, "the new workbook has a record again"


def test_a_damaged_record_is_no_record_and_said_so(pack: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(pack["soa"]) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'(name="ctk_sent_001"[^>]*><vt:lpwstr>)[^<]{10}', rb"\g<1>AAAAAAAAAA", data)
            zout.writestr(info, data)
    with pytest.raises(record.RecordError):
        record.read(bad)
    result = merge_into(build_soa(read_workbook(pack["gap"]), None), "soa", bad)
    assert any("the record is damaged" in n for n in result.notes)
    done = CliRunner().invoke(main, ["validate", str(bad)])
    assert done.exit_code in (0, 1) and "Traceback" not in done.output


def test_rows_the_client_owns_are_compared_row_by_row(tmp_path: Path) -> None:
    """`risk new --from` a consultant's CSV: a risk the client edited is theirs, an untouched one follows the CSV."""
    source = tmp_path / "risks.csv"
    shutil.copy(SAMPLE / "risk_register.csv", source)
    sent = tmp_path / "sent.xlsx"
    assert CliRunner().invoke(main, ["risk", "new", "--from", str(source), "-o", str(sent)]).exit_code == 0
    returned = tmp_path / "returned.xlsx"
    shutil.copy(sent, returned)
    edit_cell(returned, REGISTER, "R-001", "Risk Owner", "Head of Data")
    rows = list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"))))
    rows[0]["Impact"], rows[1]["Risk Owner"] = "1", "CFO"  # the consultant edits R-001 (edited by the client) and R-002
    with source.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "v2.xlsx"
    done = CliRunner().invoke(main, ["risk", "new", "--from", str(source), "--merge", str(returned), "-o", str(out)])
    assert done.exit_code == 0, done.output
    risks = {r.get("Risk ID"): r for r in read_workbook(out).records(REGISTER)}
    assert risks["R-001"].get("Risk Owner") == "Head of Data" and risks["R-001"].get("Impact") != 1, "the client's row is theirs"
    assert risks["R-002"].get("Risk Owner") == "CFO", "an untouched row follows the new source"
    assert f"{out.name}:{REGISTER}!" in done.stderr and "MRG001 warning [R-001] Impact" in done.stderr


def test_a_sheet_ctk_wrote_and_the_client_deleted_is_noticed(pack: dict[str, Path], tmp_path: Path) -> None:
    """MRG003: the Heat Map gone; MRG001 and MRG002 are covered by tests/test_roundtrip.py."""
    from toolkit.validation import validate

    returned = tmp_path / "risks.xlsx"
    wb = openpyxl.load_workbook(pack["risk"])
    del wb["Heat Map"]
    wb.save(returned)
    found = [f for f in validate([returned]).files[0].findings if f.code == "MRG003"]
    assert [(f.severity, f.sheet, f.cell) for f in found] == [("warning", None, None)] and "'Heat Map'" in found[0].message
    assert [f for f in validate([pack["risk"]]).files[0].findings if f.code == "MRG003"] == []


def test_a_column_the_record_does_not_know_keeps_the_clients_value(pack: dict[str, Path], tmp_path: Path) -> None:
    """A record written before a column was declared: where the client's value differs from the new
    one, the client's is kept and, as nobody can tell who wrote it, reported; the rest merge three ways."""
    from toolkit.workbook.record import SentRecord, properties

    returned = tmp_path / "returned.xlsx"
    sent = record.read(pack["soa"])
    assert sent is not None
    table = sent.tables[SHEET]
    drop = table.columns.index("Control Owner")
    rows = {k: "".join(p for i, p in enumerate(record.split_cells(v)) if i != drop) for k, v in table.rows.items()}
    older = SentRecord(
        sent.kind,
        sent.schema,
        sent.sheets,
        {SHEET: record.TableRecord([c for c in table.columns if c != "Control Owner"], "cells", rows)},
        sent.forms,
    )
    with zipfile.ZipFile(pack["soa"]) as zin, zipfile.ZipFile(returned, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'<property [^>]*name="ctk_sent_\d+".*?</property>', b"", data, flags=re.DOTALL)
                extra = "".join(
                    f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{100 + i}" name="{n}"><vt:lpwstr>{v}</vt:lpwstr></property>'
                    for i, (n, v) in enumerate(properties(older))
                )
                data = data.replace(b"</Properties>", extra.encode() + b"</Properties>")
            zout.writestr(info, data)
    assert record.read(returned) is not None
    edit_cell(returned, SHEET, "A.5.1", "Control Owner", "Head of IT")
    book = build_soa(read_workbook(pack["gap"]), read_workbook(pack["risk"]))
    result = merge_into(book, "soa", returned)
    rows_now = {r["Control ID"]: r for r in book.tables[SHEET].records}
    assert rows_now["A.5.1"]["Control Owner"] == "Head of IT"
    assert [(c.subject, c.column) for c in result.conflicts] == [("A.5.1", "Control Owner")]
