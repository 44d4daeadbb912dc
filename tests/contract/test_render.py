"""The pack as a person sees it: every workbook printed through LibreOffice and measured.

The sample engagement's workbooks, a client's returned SoA annotated by `validate --annotate`
(its `Review Findings`), and the `changes.xlsx` of `diff -o`, each turned into a PDF on A4 as
written and on US Letter, then measured: no text printed below 8 pt, no data row taller than the
writer's limit, each sheet within its page budget, the tool's name nowhere a client reads. The
PNG pages are written for a person to look at: to `$CTK_RENDER_PNG` when it is set (keep them
outside the repository), else into the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import header
from tests.lo import _soffice
from tests.render import TOOL_NAME, Page, as_letter, client_facing_xml, pages, write_pngs
from toolkit import api
from toolkit.engagement import demo
from toolkit.kinds import REGISTRY
from toolkit.workbook import layout
from toolkit.workbook.layout import MAX_ROW_HEIGHT
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import column_width

pytestmark = pytest.mark.libreoffice

#: Nothing a reader needs is printed smaller than this (points); a hair of rounding allowed.
SMALLEST = 8.0 - 0.05
#: Nothing is printed larger than this (points): a cover's title.
LARGEST = 24.0
#: At most this many printed pages per sheet (A4 landscape or portrait, as the sheet says).
PAGE_BUDGET = {
    "Cover": 1,
    "How to read": 2,
    "Summary": 2,
    "Annex A Gaps": 12,
    "Clause Gaps": 6,
    "Control Mapping": 40,
    "SOC 2 Controls": 16,
    "Methodology": 2,
    "Risk Register": 20,
    "Heat Map": 1,
    "Document Control": 1,
    "Statement of Applicability": 24,
    "Additional Controls": 1,
    "Overview": 4,
    "Inputs": 1,
    "Cost Savings Summary": 2,
    "Review Findings": 2,
    "Changes": 2,
    "Notes": 1,
    # the ISMS workbook
    "How to fill this in": 2,
    "Readiness": 2,
    "Context": 4,
    "Interested Parties": 3,
    "Scope": 2,
    "Objectives": 3,
    "Documents": 6,
    "Audit Programme": 3,
    "Nonconformities": 3,
    "Management Reviews": 3,
    "Review Actions": 2,
}
PHASE_BUDGET = 6  # each `Phase N - ...` sheet of the roadmap


@pytest.fixture(scope="module")
def printed(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Page], list[Page]]]:
    """Each workbook -> (the .xlsx, its A4 pages, its Letter pages); PNGs of the A4 pages written."""
    root = tmp_path_factory.mktemp("render")
    pack = demo(root / "pack")
    assert pack.report.exit_code == 0
    books = {p.name: p for p in pack.written}
    # A client's returned SoA, reviewed: annotate it, and diff it against what was sent.
    sent = books["soa.xlsx"]
    returned = root / "soa_returned.xlsx"
    shutil.copy(sent, returned)
    wb = openpyxl.load_workbook(returned)
    ws = wb["Statement of Applicability"]
    cols = {c.value: c.column for c in ws[1]}
    for row in (3, 11, 20):
        ws.cell(row=row, column=cols["Justification"]).value = None
    for row in (5, 12, 30):
        ws.cell(row=row, column=cols["Evidence Reference"]).value = None
    ws.cell(row=1, column=ws.max_column + 1).value = "Client Notes"
    ws.cell(row=4, column=ws.max_column).value = "Our legal team is checking whether this applies to the Dublin office as well."
    wb.save(returned)
    report = api.validate([returned])
    review = root / "soa_review.xlsx"
    api.annotate(returned, report.files[0].findings, review)
    changes = root / "changes.xlsx"
    api.write_diff(api.diff(sent, returned), changes)
    books.update({review.name: review, changes.name: changes})

    (root / "letter").mkdir()
    letters = [as_letter(p, root / "letter" / p.name) for p in books.values()]
    a4_pdfs = _soffice(soffice, list(books.values()), root / "pdf", "pdf")
    letter_pdfs = _soffice(soffice, letters, root / "pdf_letter", "pdf")
    pngs = Path(os.environ.get("CTK_RENDER_PNG") or root / "png")
    out = {}
    index = []
    for (name, path), a4, letter in zip(books.items(), a4_pdfs, letter_pdfs, strict=True):
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
        images = write_pngs(a4, pngs)
        out[name] = (path, pages(a4, names), pages(letter, names))
        index += [
            f"{png.name}\t{name}\t{page.sheet}\t{page.smallest:.1f} pt" for png, page in zip(images, out[name][1], strict=True)
        ]
    (pngs / "pages.tsv").write_text("png\tworkbook\tsheet\tsmallest text\n" + "\n".join(index) + "\n", encoding="utf-8")
    return out


def test_every_workbook_is_printed(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    generated = {kind.filename for kind in REGISTRY.values() if kind.generated}
    assert generated <= set(printed), "every generated workbook is in the render test"
    assert {"soa_review.xlsx", "changes.xlsx"} <= set(printed)


def test_no_text_larger_than_a_title(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    """A header or footer code that swallows digits (`&10` before `27 November`) prints at 1,027 pt
    or 100 pt: nothing on a page is larger than a cover's title."""
    large = [
        (name, p.number, p.sheet, max(p.sizes))
        for name, (_, a4, _) in printed.items()
        for p in a4
        if p.sizes and max(p.sizes) > LARGEST
    ]
    assert large == [], large


def test_no_text_below_8_pt_on_a4_or_letter(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    small = [
        (name, paper, p.number, p.sheet, p.smallest)
        for name, (_, a4, letter) in printed.items()
        for paper, pdf_pages in (("A4", a4), ("Letter", letter))
        for p in pdf_pages
        if p.smallest < SMALLEST
    ]
    assert small == [], small


def test_every_page_names_its_sheet_and_each_sheet_keeps_to_its_page_budget(
    printed: dict[str, tuple[Path, list[Page], list[Page]]],
) -> None:
    for name, (path, a4, _) in printed.items():
        assert all(p.sheet is not None for p in a4), (name, [p.number for p in a4 if p.sheet is None])
        counts = Counter(p.sheet for p in a4)
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
        assert set(counts) == set(names), (name, "every sheet prints", set(names) - set(counts))
        over = {s: n for s, n in counts.items() if n > (PHASE_BUDGET if s and s.startswith("Phase ") else PAGE_BUDGET[str(s)])}
        assert over == {}, (name, over)


def test_no_data_row_taller_than_the_limit(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    for name, (path, _, _) in printed.items():
        wb = openpyxl.load_workbook(path)
        tables = set()
        if name in {k.filename for k in REGISTRY.values()}:
            kind = next(k.name for k in REGISTRY.values() if k.filename == name)
            tables = {s.name for s in load_spec(kind).tables}
        tables |= {"Review Findings", "Changes"} & set(wb.sheetnames)
        for sheet in tables:
            ws = wb[sheet]
            tall = [(r, d.height) for r, d in ws.row_dimensions.items() if d.height and d.height > MAX_ROW_HEIGHT]
            assert tall == [], (name, sheet, tall)


def test_the_sample_packs_text_prints_whole(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    """Every wrapped text ctk wrote into the sample pack fits its row: none is cut off on paper
    (the longest, clause 10.2's gap description with its client controls, needs 13 lines)."""
    written = [k for k in REGISTRY.values() if k.filename in printed]
    assert len(written) == 6, [k.filename for k in written]
    for kind in written:
        wb = openpyxl.load_workbook(printed[kind.filename][0])
        for sheet in load_spec(kind.name).tables:
            if sheet.name not in wb.sheetnames:
                continue
            top, at = header(wb[sheet.name], sheet.columns[0].name)
            ws = wb[sheet.name]
            cut = []
            for col in (c for c in sheet.columns if c.wrap and c.name in at):
                for row in range(top + 1, ws.max_row + 1):
                    text = ws.cell(row=row, column=at[col.name]).value
                    if not isinstance(text, str) or not text or text.startswith("="):
                        continue
                    need = layout.height(layout.lines(text, column_width(col)), cap=float("inf"))
                    if need > (ws.row_dimensions[row].height or 15.0) + 0.1:
                        cut.append((row, col.name, need))
            assert cut == [], (kind.filename, sheet.name, cut)


def test_the_tool_name_is_nowhere_a_client_reads(printed: dict[str, tuple[Path, list[Page], list[Page]]]) -> None:
    for name, (path, a4, _) in printed.items():
        on_paper = [p.number for p in a4 if TOOL_NAME.search(p.text.encode())]
        assert on_paper == [], (name, "printed pages naming the tool", on_paper)
        in_parts = [part for part, xml in client_facing_xml(path).items() if TOOL_NAME.search(xml)]
        assert in_parts == [], (name, "cells, headers, footers, prompts or comments naming the tool", in_parts)
        with zipfile.ZipFile(path) as zf:
            props = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("docProps/"))
        if name in {k.filename for k in REGISTRY.values()}:
            assert TOOL_NAME.search(props), (name, "the tool and its version are in the document properties")
