"""The ISMS workbook through a real spreadsheet program: headless LibreOffice."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.lo import lo_convert
from tests.paths import AS_OF
from toolkit.engagement import build, demo
from toolkit.validation import validate
from toolkit.workbook.reader import WorkbookData, read_workbook

pytestmark = pytest.mark.libreoffice


def _content(book: WorkbookData) -> tuple[object, ...]:
    tables = {name: [(r.row, r.values, r.extra) for r in t.records] for name, t in book.tables.items()}
    forms = {
        name: (dict(f.fields), f.cells, {t: [r.values for r in rs] for t, rs in f.blocks.items()})
        for name, f in book.forms.items()
    }
    return book.kind, tables, forms


def _findings(folder: Path) -> list[tuple[str, str, str | None, str | None]]:
    report = validate(folder, as_of=AS_OF)
    return [(Path(fr.path).name, f.code, f.cell, f.key) for fr in report.files for f in fr.findings]


@pytest.mark.parametrize("turn", ["first build", "demo"])
def test_isms_resaved_by_libreoffice_reads_back_the_same(soffice: str, tmp_path: Path, turn: str) -> None:
    folder = tmp_path / "pack"
    if turn == "demo":
        demo(folder)
    else:
        folder.mkdir()
        sample = Path(__file__).resolve().parents[3] / "sample_data"
        for name in ("soc2_controls.csv", "risk_register.csv", "ctk.toml"):
            shutil.copy(sample / name, folder / name)
        build(folder)
    original = folder / "isms.xlsx"
    before = _findings(folder)
    resaved = lo_convert(soffice, original, tmp_path / "lo")
    assert _content(read_workbook(resaved)) == _content(read_workbook(original))
    shutil.copy(resaved, original)
    assert _findings(folder) == before
    assert (turn == "demo") == (before == [])


def test_isms_renders_to_pdf(soffice: str, tmp_path: Path) -> None:
    written = demo(tmp_path / "pack").written
    isms = next(p for p in written if p.name == "isms.xlsx")
    pdf = lo_convert(soffice, isms, tmp_path / "pdf", "pdf")
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert data.startswith(b"%PDF") and 12 <= pages <= 40, pages
