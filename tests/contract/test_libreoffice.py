"""Round trips through a real spreadsheet program: headless LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_filled_soa
from tests.lo import lo_convert
from tests.paths import AS_OF
from toolkit.kinds.soa.build import SHEET
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

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
    from toolkit.kinds import write_workbook
    from toolkit.kinds.soa.build import new_soa

    original = tmp_path / "blank.xlsx"
    write_workbook("soa", new_soa("Example"), original)
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


def test_every_generated_formula_recalculates_to_its_cached_value(soffice: str, tmp_path: Path) -> None:
    """LibreOffice recalculates every formula of every workbook
    without error and to the value ctk cached (a tampered control proves it recalculated)."""
    from tests.lo import cell_values, formula_cells, lo_recalculate, tamper
    from toolkit.engagement import demo

    pack = demo(tmp_path / "pack")
    written, report = pack.written, pack.report
    assert report.exit_code == 0
    tamper(written[0], tmp_path / "tampered.xlsx")
    back = lo_recalculate(soffice, [*written, tmp_path / "tampered.xlsx"], tmp_path / "lo")
    total = 0
    for src, recalculated in zip(written, back, strict=False):
        cells = formula_cells(src)
        ours, theirs = cell_values(src, cells), cell_values(recalculated, cells)
        errors = {k: v for k, v in theirs.items() if isinstance(v, str) and v.startswith("#")}
        assert not errors, (src.name, list(errors.items())[:5])
        diff = {k: (ours[k], theirs[k]) for k in cells if ours[k] != theirs[k]}
        assert not diff, (src.name, len(diff), list(diff.items())[:5])
        total += len(cells)
    assert total > 2000
    control = cell_values(back[-1], formula_cells(written[0]))
    assert control == cell_values(written[0], formula_cells(written[0])), "the tampered copy was recalculated"


def test_roadmap_and_savings_render_to_pdf(soffice: str, tmp_path: Path) -> None:
    from toolkit.engagement import demo

    written = demo(tmp_path / "pack").written
    for path in written:
        if path.stem in ("roadmap", "cost_savings"):
            pdf = lo_convert(soffice, path, tmp_path / "pdf", "pdf")
            assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
