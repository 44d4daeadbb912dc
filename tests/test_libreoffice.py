"""Round trips through a real spreadsheet program: headless LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import AS_OF, lo_convert
from tests.helpers import write_filled_soa
from toolkit.reader import read_workbook
from toolkit.soa import SHEET
from toolkit.validate import validate

pytestmark = pytest.mark.libreoffice


def records(path: Path) -> list[tuple[int, dict[str, object]]]:
    book = read_workbook(path)
    return [(r.row, r.values) for r in book.records(SHEET)]


def test_soa_resaved_by_libreoffice_reads_back_the_same(soffice: str, tmp_path: Path) -> None:
    original = write_filled_soa(tmp_path / "soa.xlsx")
    resaved = lo_convert(soffice, original, tmp_path / "lo")
    assert read_workbook(resaved).kind == "soa", "the kind must survive a LibreOffice resave"
    assert records(resaved) == records(original)
    before = validate([original], as_of=AS_OF).as_dict()["files"][0]["findings"]
    after = validate([resaved], as_of=AS_OF).as_dict()["files"][0]["findings"]
    assert before == after == []


def test_blank_soa_findings_survive_libreoffice(soffice: str, tmp_path: Path) -> None:
    from toolkit.soa import new_soa, write_soa

    original = tmp_path / "blank.xlsx"
    write_soa(new_soa("Example"), original)
    resaved = lo_convert(soffice, original, tmp_path / "lo")
    before = validate([original], as_of=AS_OF).as_dict()["files"][0]["findings"]
    after = validate([resaved], as_of=AS_OF).as_dict()["files"][0]["findings"]
    assert before == after
    assert len(before) == 95


def test_soa_renders_to_pdf(soffice: str, tmp_path: Path) -> None:
    original = write_filled_soa(tmp_path / "soa.xlsx")
    pdf = lo_convert(soffice, original, tmp_path / "pdf", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_sample_pack_survives_libreoffice(soffice: str, tmp_path: Path) -> None:
    from tests.helpers import write_sample_pack

    pack = write_sample_pack(tmp_path / "generated")
    resaved = {kind: lo_convert(soffice, path, tmp_path / "client") for kind, path in pack.items()}
    for kind, path in pack.items():
        original, back = read_workbook(path), read_workbook(resaved[kind])
        assert back.kind == kind
        for name in original.tables:
            assert [(r.row, r.values, r.extra) for r in back.records(name)] == [
                (r.row, r.values, r.extra) for r in original.records(name)
            ], (kind, name)
    report = validate(list(resaved.values()), as_of=AS_OF)
    assert [(f.code, f.cell) for fr in report.files for f in fr.findings] == []
