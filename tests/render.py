"""Printed workbooks measured as a reader sees them: LibreOffice's PDF, page by page.

What a page says (its text, the size of every character as printed, which sheet it belongs to,
from the header every sheet carries) and a PNG of it for a person to look at. PDFium reads the
PDF (pypdfium2); PNGs are encoded here, so nothing beyond the test extras is needed.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

#: The tool's name as a word (`ctk`, `CTK`), wherever a client could read it.
TOOL_NAME = re.compile(rb"(?<![A-Za-z0-9_])ctk(?![A-Za-z0-9_])", re.IGNORECASE)


@dataclass
class Page:
    number: int
    landscape: bool
    text: str
    sizes: list[float]
    sheet: str | None

    @property
    def smallest(self) -> float:
        return min(self.sizes, default=99.0)


def pages(pdf: Path, sheet_names: list[str]) -> list[Page]:
    """Every page of `pdf`, each named by the sheet in its header (the right part of its first line)."""
    doc = pdfium.PdfDocument(str(pdf))
    by_length = sorted(sheet_names, key=len, reverse=True)
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            sizes = []
            for c in range(textpage.count_chars()):
                if not chr(pdfium_raw.FPDFText_GetUnicode(textpage, c)).isspace():
                    sizes.append(round(pdfium_raw.FPDFText_GetFontSize(textpage, c), 2))
            text = textpage.get_text_range()
            first = text.strip().splitlines()[0].strip() if text.strip() else ""
            sheet = next((n for n in by_length if first.endswith(n)), None)
            width, height = page.get_size()
            out.append(Page(i + 1, width > height, text, sizes, sheet))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return out


def _png(pixels: bytes, width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + pixels[y * width * 3 : (y + 1) * width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def write_pngs(pdf: Path, folder: Path, dpi: int = 60) -> list[Path]:
    """One PNG per page (`<pdf stem>-<page>.png`) for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(pdf))
    written = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)  # RGB(A) in memory order
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            channels = stride // width if width else 3
            buffer = bytes(bitmap.buffer)
            rgb = bytearray()
            for y in range(height):
                row = buffer[y * stride : y * stride + width * channels]
                if channels == 3:
                    rgb += row
                else:
                    rgb += b"".join(row[x : x + 3] for x in range(0, len(row), channels))
            target = folder / f"{pdf.stem}-{i + 1:02d}.png"
            target.write_bytes(_png(bytes(rgb), width, height))
            written.append(target)
            bitmap.close()
            page.close()
    finally:
        doc.close()
    return written


def as_letter(src: Path, dst: Path) -> Path:
    """A copy of a workbook whose sheets print on US Letter instead of A4 (`paperSize` 1)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'paperSize="\d+"', b'paperSize="1"', data)
                if b"<pageSetup" in data and b"paperSize" not in data:
                    data = data.replace(b"<pageSetup", b'<pageSetup paperSize="1"', 1)
            zout.writestr(info, data)
    return dst


def client_facing_xml(path: Path) -> dict[str, bytes]:
    """The parts of a workbook a client reads: cells, headers and footers, prompts, comments, charts.

    Not the document properties (`docProps/`), where the tool's name belongs.
    """
    with zipfile.ZipFile(path) as zf:
        return {
            n: zf.read(n)
            for n in zf.namelist()
            if n.startswith(("xl/worksheets/sheet", "xl/sharedStrings", "xl/comments", "xl/charts/chart", "xl/drawings/"))
            and n.endswith(".xml")
        }
