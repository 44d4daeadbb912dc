"""The hostile corpus: workbooks that are broken, disguised or built to hurt, generated on demand.

Nothing here is committed as a binary: every file is built from a few lines of code, so anyone
can reproduce the corpus and see exactly what each file does.

    python tests/workbook/hostile.py OUTDIR            # write the corpus (and a good workbook) to OUTDIR
    python tests/workbook/hostile.py OUTDIR --check    # also run `ctk validate` on each, under the bounds

Each refusal case names the file, what it is, the cause `ctk validate` must give (a regular
expression) and any extra command-line flags. Notable-but-readable cases (macros, links,
hidden sheets, 1904 dates, uncalculated formulas) are built from a good workbook.
"""

from __future__ import annotations

import io
import os
import random
import re
import resource
import struct
import subprocess
import sys
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.workbook.guard import DEFAULT_LIMITS

#: Every hostile file is refused within these bounds (the README's Security section).
SECONDS = 5.0
MEMORY_MB = 500
#: When a run is taken for hung and killed: far above SECONDS, so a loaded machine never trips it.
HANG_SECONDS = 60.0

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --- building blocks ------------------------------------------------------------------------


def content_types(extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{extra}</Types>"
    )


def sheet_xml(data: str, prolog: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}"><sheetData>{data}</sheetData></worksheet>'


def workbook_parts(sheet: str | bytes, target: str = "worksheets/sheet1.xml") -> dict[str, str | bytes]:
    """A minimal one-sheet workbook ("Sheet1") whose sheet part is `sheet`."""
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="{target}"/></Relationships>'
        ),
        "xl/" + target: sheet,
    }


def package(parts: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some cases
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in parts.items():
                zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def workbook(sheet_data: str, prolog: str = "") -> bytes:
    return package(workbook_parts(sheet_xml(sheet_data, prolog)))


def with_parts(base: bytes, replace: dict[str, str | bytes] | None = None, add: dict[str, str | bytes] | None = None) -> bytes:
    """A copy of a package with some parts replaced (by a function of the old text) or added."""
    parts: dict[str, str | bytes] = {}
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        for name in zf.namelist():
            parts[name] = zf.read(name)
    for name, data in (replace or {}).items():
        parts[name] = data
    parts.update(add or {})
    return package(parts)


@dataclass
class Raw:
    """One entry of a hand-made zip, with whatever lies the case needs."""

    name: str
    payload: bytes  # the bytes stored in the zip (already compressed for method 8)
    size: int  # uncompressed size declared in the headers
    crc: int
    method: int = 8
    flags: int = 0
    offset: int | None = None  # where the central directory says the local header is
    central_name: str | None = None


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def honest(name: str, data: str | bytes) -> Raw:
    raw = data.encode() if isinstance(data, str) else data
    return Raw(name, deflate(raw), len(raw), zlib.crc32(raw))


def raw_zip(entries: Sequence[Raw]) -> bytes:
    out = bytearray()
    central = bytearray()
    for e in entries:
        offset = len(out)
        out += _local(e)
        central += _central(e, offset if e.offset is None else e.offset)
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def minimal_entries(sheet: str | bytes | None = None) -> list[Raw]:
    parts = workbook_parts(sheet if sheet is not None else sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))
    return [honest(name, data) for name, data in parts.items()]


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (the container of .xls, .doc and encrypted OOXML), directory last.

    Streams are padded to 4096 bytes so that none lives in the mini stream; the directory and
    the allocation table come after the data, as they may in any real file.
    """
    sector = 512
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    data = {name: body + b"\0" * max(0, 4096 - len(body)) for name, body in streams.items()}
    chains: list[tuple[str, int, int]] = []  # name, first sector, sector count
    next_sector = 0
    for name, body in data.items():
        count = -(-len(body) // sector)
        chains.append((name, next_sector, count))
        next_sector += count
    dir_first = next_sector
    dir_count = -(-(len(data) + 1) * 128 // sector)
    used = next_sector + dir_count
    fat_count = 1
    while fat_count * (sector // 4) < used + fat_count:
        fat_count += 1
    fat = [free] * (fat_count * (sector // 4))
    for _name, first, count in chains:
        for k in range(count):
            fat[first + k] = first + k + 1 if k < count - 1 else end
    for k in range(dir_count):
        fat[dir_first + k] = dir_first + k + 1 if k < dir_count - 1 else end
    for k in range(fat_count):
        fat[used + k] = fat_mark

    def entry(name: str, kind: int, child: int, right: int, first: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3L", len(encoded), kind, 1, free, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<LQ", first, size)
        )

    directory = entry("Root Entry", 5, 1 if data else free, free, end, 0)
    for k, (name, first, _count) in enumerate(chains, start=1):
        directory += entry(name, 2, free, k + 1 if k < len(chains) else free, first, len(streams[name]))
    directory = directory.ljust(dir_count * sector, b"\0")
    difat = [used + k for k in range(fat_count)] + [free] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<LLLLLLLLL", 0, fat_count, dir_first, 0, 4096, end, 0, end, 0)
        + struct.pack("<109L", *difat)
    )
    body = b"".join(data[name] + b"\0" * (-len(data[name]) % sector) for name in data)
    return header + body + directory + struct.pack(f"<{len(fat)}L", *fat)


def noise(n: int, seed: int = 6) -> bytes:
    return random.Random(seed).randbytes(n)


# --- the refusal cases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    build: Callable[[], bytes]
    expect: str  # a regular expression the one-line cause must match
    args: tuple[str, ...] = ()
    note: str = ""


def _two_kb_range() -> bytes:
    data = workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert len(data) < 2048, len(data)
    return data


def _split_tag() -> bytes:
    """The far cell's tag is 700 bytes long and straddles the guard's 1 MiB read boundary."""
    rows = []
    size = 0
    head = len(sheet_xml("").split("</sheetData>")[0])
    n = 1
    while head + size < (1 << 20) - 300:
        row = f'<row r="{n}"><c r="A{n}"><v>{(n * 7919) % 100003}</v></c></row>'
        rows.append(row)
        size += len(row)
        n += 1
    tag = '<row r="1048576"><c' + " " * 700 + 'r="XFD1048576"><v>1</v></c></row>'
    return workbook("".join(rows) + tag)


def _declared_bomb() -> bytes:
    entries = minimal_entries()
    entries[-1].size = 0xF0000000  # the sheet says it inflates to 3.75 GB
    return raw_zip(entries)


def _lying_bomb() -> bytes:
    """The sheet declares 2 KB and a matching checksum, and inflates to 200 MB."""
    head = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = c.compress(head)
    block = b" " * (1 << 20)
    for _ in range(200):
        payload += c.compress(block)
    payload += c.flush()
    entries = minimal_entries()
    entries[-1] = Raw("xl/worksheets/sheet1.xml", payload, 2048, zlib.crc32((head + b" " * 2048)[:2048]))
    return raw_zip(entries)


def _ratio_bomb() -> bytes:
    """An honest sheet of 100 MB of spaces: it declares what it is, a 1000:1 ratio."""
    head = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = c.compress(head)
    crc = zlib.crc32(head)
    block = b" " * (1 << 20)
    for _ in range(100):
        payload += c.compress(block)
        crc = zlib.crc32(block, crc)
    payload += c.flush()
    entries = minimal_entries()
    entries[-1] = Raw("xl/worksheets/sheet1.xml", payload, len(head) + 100 * len(block), crc)
    return raw_zip(entries)


def _local(e: Raw) -> bytes:
    name = e.name.encode()
    header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21, e.crc, len(e.payload), e.size, len(name), 0)
    return header + name + e.payload


def _central(e: Raw, offset: int) -> bytes:
    name = (e.central_name or e.name).encode()
    fields = (20, 20, e.flags, e.method, 0, 0x21, e.crc, len(e.payload), e.size, len(name), 0, 0, 0, 0, 0, offset)
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", *fields) + name


def _overlapping() -> bytes:
    """A second central entry points at a local header hidden inside the first entry's data."""
    inner = honest("xl/worksheets/sheet2.xml", sheet_xml(""))
    record = _local(inner)
    entries = [*minimal_entries(), Raw("xl/media/blob.bin", record, len(record), zlib.crc32(record), method=0)]
    plain = raw_zip(entries)
    cd_at = struct.unpack("<L", plain[-6:-2])[0]
    body, central = plain[:cd_at], plain[cd_at:-22]
    central += _central(inner, body.rindex(record))
    n = len(entries) + 1
    return body + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), len(body), 0)


def _truncated() -> bytes:
    data = workbook('<row r="1"><c r="A1"><v>1</v></c></row>' * 1)
    return data[: len(data) // 2]


def _damaged() -> bytes:
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>row {r} {r * r}</t></is></c></row>' for r in range(1, 400))
    data = bytearray(workbook(rows))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    n, m = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + n + m
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    return bytes(data)


def _too_many_parts() -> bytes:
    parts = workbook_parts(sheet_xml(""))
    for k in range(6000):
        parts[f"customXml/item{k}.xml"] = "<a/>"
    return package(parts, zipfile.ZIP_STORED)


def _billion_laughs() -> bytes:
    dtd = '<!DOCTYPE worksheet [<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + k)} "' + f"&{chr(97 + k)};" * 10 + '">' for k in range(9)
    )
    dtd += "]>"
    return workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>', prolog=dtd)


def _xxe() -> bytes:
    parts = workbook_parts(sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'))
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    return package(parts)


def _dtd_in_any_part() -> bytes:
    parts = workbook_parts(sheet_xml(""))
    parts["docProps/app.xml"] = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e "x">]><Properties>&e;</Properties>'
    return package(parts)


def _dtd_after_comment() -> bytes:
    """The DOCTYPE comes after 20 KB of comment: a scan of the first 8 KB would miss it."""
    parts = workbook_parts(sheet_xml(""))
    parts["xl/workbook.xml"] = str(parts["xl/workbook.xml"]).replace(
        "?><workbook", "?><!--" + "x" * 20000 + '--><!DOCTYPE workbook [<!ENTITY e "x">]><workbook'
    )
    return package(parts)


def _dtd_utf16() -> bytes:
    """A DOCTYPE in a UTF-16 part nobody reads: byte patterns in ASCII would miss it."""
    parts = workbook_parts(sheet_xml(""))
    parts["docProps/core.xml"] = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE p [<!ENTITY e "x">]><p>&e;</p>'.encode(
        "utf-16"
    )
    return package(parts)


def _encrypted() -> bytes:
    info = (
        b"\x04\x00\x04\x00\x40\x00\x00\x00"
        + b'<?xml version="1.0"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    )
    package_ = struct.pack("<Q", 180_000) + noise(180_000)
    return compound_file({"EncryptedPackage": package_, "EncryptionInfo": info})


def _legacy_xls() -> bytes:
    bof = struct.pack("<HHHHLL", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    return compound_file({"Workbook": bof + noise(3000)})


def _docx() -> bytes:
    return package(
        {
            "[Content_Types].xml": content_types(),
            "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
        }
    )


def _xlsb() -> bytes:
    return package(
        {"[Content_Types].xml": content_types(), "xl/workbook.bin": noise(200), "xl/worksheets/sheet1.bin": noise(200)}
    )


def _bzip2() -> bytes:
    return package(workbook_parts(sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')), zipfile.ZIP_BZIP2)


def _zip_encrypted() -> bytes:
    entries = minimal_entries()
    entries[-1].flags |= 0x1
    return raw_zip(entries)


def _names_differ() -> bytes:
    entries = minimal_entries()
    entries[-1].central_name = "xl/worksheets/sheet9.xml"
    return raw_zip(entries)


def _dotdot() -> bytes:
    return package({**workbook_parts(sheet_xml("")), "xl/../../evil.xml": "<a/>"})


def _absolute() -> bytes:
    return package({**workbook_parts(sheet_xml("")), "/etc/cron.d/evil": "x"})


def _duplicate() -> bytes:
    entries = minimal_entries()
    far = sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    return raw_zip([*entries, honest("xl/worksheets/sheet1.xml", far)])


def _duplicate_case() -> bytes:
    return package({**workbook_parts(sheet_xml("")), "XL/Worksheets/Sheet1.xml": sheet_xml("")})


def _strings(n: int) -> bytes:
    parts = workbook_parts(sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'))
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">'
        + "".join(f"<si><t>{k:x}</t></si>" for k in range(n))
        + "</sst>"
    )
    return package(parts)


def _copied_strings() -> bytes:
    """One shared string of 32,767 characters used by 20,000 cells: 42 KB that the reader would copy into 655 MB."""
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>0</v></c>' for c in "ABCDEFGHIJ") + "</row>" for r in range(1, 2001)
    )
    parts = workbook_parts(sheet_xml(rows))
    parts["xl/workbook.xml"] = str(parts["xl/workbook.xml"]).replace('name="Sheet1"', 'name="Document Control"')
    text = "".join(chr(65 + (k * 7919) % 26) for k in range(32767))
    parts["xl/sharedStrings.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>{text}</t></si></sst>'
    return package(parts)


def _styles_bomb() -> bytes:
    parts = workbook_parts(sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><cellXfs>'
        + "".join(f'<xf numFmtId="{k % 997}" fontId="{k % 89}"/>' for k in range(1_100_000))
        + "</cellXfs></styleSheet>"
    )
    return package(parts)


def _no_extension() -> bytes:
    """The sheet part has no .xml extension; python-calamine follows the relationship regardless."""
    far = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    return package(workbook_parts(far, target="worksheets/data"))


def _prefixed() -> bytes:
    far = (
        '<?xml version="1.0" encoding="UTF-8"?><x-1:worksheet xmlns:x-1="' + MAIN + '"><x-1:sheetData>'
        '<x-1:row r="1"><x-1:c r="A1"><x-1:v>1</x-1:v></x-1:c></x-1:row>'
        '<x-1:row r="1048576"><x-1:c r="XFD1048576"><x-1:v>1</x-1:v></x-1:c></x-1:row></x-1:sheetData></x-1:worksheet>'
    )
    return package(workbook_parts(far))


def sheets_at_limit(count: int = 6, files: int | None = None) -> bytes:
    """Sheets each at the cell limit (A1 and E{limit/5}: the limit's cells from A1), together far over.

    With `files`, the sheets share that many parts of the package, as no spreadsheet program writes.
    """
    files = files or count
    parts = workbook_parts(sheet_xml(""))
    names = ["Document Control", *(f"Sheet{k}" for k in range(2, count + 1))]  # the reader then looks in every sheet
    sheets = "".join(f'<sheet name="{names[k - 1]}" sheetId="{k}" r:id="rId{k}"/>' for k in range(1, count + 1))
    rels = "".join(
        f'<Relationship Id="rId{k}" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet{(k - 1) % files + 1}.xml"/>'
        for k in range(1, count + 1)
    )
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>{sheets}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">{rels}</Relationships>'
    )
    for k in range(1, files + 1):
        parts[f"xl/worksheets/sheet{k}.xml"] = sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>Control ID</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Applicable</t></is></c></row>'
            f'<row r="{LIMIT // 5}"><c r="E{LIMIT // 5}"><v>1</v></c></row>'
        )
    return package(parts)


def _rows(data: str) -> Callable[[], bytes]:
    return lambda: workbook(data)


LIMIT = DEFAULT_LIMITS.max_cells
RANGE = rf"spans 1,048,576 rows x 16,384 columns, over the limit of {LIMIT:,} cells; see --max-cells"
OUTSIDE = r"outside the spreadsheet grid"

CASES: tuple[Case, ...] = (
    Case("empty", "empty.xlsx", lambda: b"", r"the file is empty \(0 bytes\)"),
    Case("random", "random.xlsx", lambda: noise(4096), r"not a zip package \(random or damaged bytes\)"),
    Case("random-pk", "random-pk.xlsx", lambda: b"PK\x03\x04" + noise(4096), r"truncated or damaged"),
    Case("csv", "csv.xlsx", lambda: "Control ID,Applicable\nA.5.1,Yes\nA.5.2,Nein – später\n".encode(), r"a text or CSV file"),
    Case(
        "utf16-text", "unicode-text.xlsx", lambda: "Control ID\tApplicable\r\nA.5.1\tYes\r\n".encode("utf-16"), r"a text or CSV"
    ),
    Case(
        "html", "html.xlsx", lambda: b"<html><body><table><tr><td>A.5.1</td></tr></table></body></html>", r"an HTML or XML file"
    ),
    Case("docx", "word.xlsx", _docx, r"a Word document, not a workbook"),
    Case("xls", "legacy.xlsx", _legacy_xls, r"a legacy binary Excel workbook \(\.xls\)"),
    Case("xlsb", "binary.xlsb", _xlsb, r"a binary workbook \(\.xlsb\) is not supported"),
    Case("encrypted", "encrypted.xlsx", _encrypted, r"password-protected \(encrypted\).*clear the password"),
    Case("zip-encrypted", "zip-encrypted.xlsx", _zip_encrypted, r"the zip package is encrypted"),
    Case("truncated", "truncated.xlsx", _truncated, r"truncated or damaged"),
    Case("damaged", "damaged.xlsx", _damaged, r"damaged"),
    Case("bomb-declared", "bomb-declared.xlsx", _declared_bomb, r"declares 3,840 MB uncompressed, over the limit of 200 MB"),
    Case("bomb-lying", "bomb-lying.xlsx", _lying_bomb, r"inflates beyond the 2,048 bytes it declares"),
    Case("bomb-ratio", "bomb-ratio.xlsx", _ratio_bomb, r"declares a compression ratio over 200 \(zip bomb\?\)"),
    Case("too-many-parts", "parts.xlsx", _too_many_parts, r"over 5,000 parts, over the limit; see --max-parts"),
    Case("billion-laughs", "laughs.xlsx", _billion_laughs, r"sheet1\.xml declares a DTD or entities"),
    Case("xxe", "xxe.xlsx", _xxe, r"sharedStrings\.xml declares a DTD or entities"),
    Case("dtd-any-part", "dtd-app.xlsx", _dtd_in_any_part, r"docProps/app\.xml declares a DTD or entities"),
    Case("dtd-late", "dtd-late.xlsx", _dtd_after_comment, r"workbook\.xml declares a DTD or entities"),
    Case("dtd-utf16", "dtd-utf16.xlsx", _dtd_utf16, r"docProps/core\.xml declares a DTD or entities"),
    Case("range", "range.xlsx", _two_kb_range, RANGE, note="2 KB; python-calamine would abort allocating 550 GB"),
    Case("range-one-cell", "range-one.xlsx", _rows('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), RANGE),
    Case(
        "range-lowercase",
        "range-lower.xlsx",
        _rows('<row r="1"><c r="a1"><v>1</v></c><c r="xfd1048576"><v>1</v></c></row>'),
        RANGE,
    ),
    Case(
        "range-no-r",
        "range-no-r.xlsx",
        _rows('<row r="1"><c r="XFC1"><v>1</v></c><c><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>'),
        RANGE,
        note="cells without `r` placed as python-calamine places them",
    ),
    Case("range-split-tag", "range-split.xlsx", _split_tag, RANGE, note="a 700-byte tag across the 1 MiB read boundary"),
    Case("range-quoted-gt", "range-gt.xlsx", _rows('<row r="1"><c a=">" r="XFD1048576"><v>1</v></c></row>'), RANGE),
    Case("range-spaced-attr", "range-spaced.xlsx", _rows("<row r='1'><c r = 'XFD1048576'><v>1</v></c></row>"), RANGE),
    Case("range-prefixed", "range-prefixed.xlsx", _prefixed, RANGE),
    Case("range-no-extension", "range-noext.xlsx", _no_extension, RANGE),
    Case(
        "range-many-sheets",
        "range-sheets.xlsx",
        sheets_at_limit,
        rf"sheets together span {2 * LIMIT:,} cells counted from A1, over the limit of {LIMIT:,} cells; see --max-cells",
        note="each sheet is within the limit; the reader would hold them all",
    ),
    Case(
        "range-shared-part",
        "range-shared.xlsx",
        lambda: sheets_at_limit(6, files=1),
        r"sheets 'Document Control' and 'Sheet2' are the same part of the package \(tampered file\)",
        note="six sheets, one part: the reader would read it six times",
    ),
    Case("outside-row", "outside-row.xlsx", _rows('<row r="1048577"><c r="A1048577"><v>1</v></c></row>'), OUTSIDE),
    Case("outside-col", "outside-col.xlsx", _rows('<row r="1"><c r="XFE1"><v>1</v></c></row>'), OUTSIDE),
    Case("outside-overflow", "overflow.xlsx", _rows('<row r="1"><c r="AAAAAAAAAAAAAAA1"><v>1</v></c></row>'), OUTSIDE),
    Case("outside-row-overflow", "overflow-row.xlsx", _rows('<row r="4294967297"><c><v>1</v></c></row>'), OUTSIDE),
    Case("bad-reference", "bad-ref.xlsx", _rows('<row r="1"><c r="1A"><v>1</v></c></row>'), r"not a cell address"),
    Case(
        "cell-count",
        "cells.xlsx",
        _rows("".join(f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(1, 1501))),
        r"over 1,000 cells, over the limit; see --max-cells",
        args=("--max-cells", "1000"),
    ),
    Case(
        "cell-count-commented",
        "cells-commented.xlsx",
        _rows(
            "<!-- typed by hand -->"
            + "".join(f'<row r="{r}"><x:c xmlns:x="{MAIN}" r="A{r}" s="1"/></row>' for r in range(1, 1501))
        ),
        r"over 1,000 cells, over the limit; see --max-cells",
        args=("--max-cells", "1000"),
        note="a comment and prefixed names: counted by the full scan, not the quick count",
    ),
    Case("strings-bomb", "strings.xlsx", lambda: _strings(1500), r"over 1,000 shared strings", args=("--max-cells", "1000")),
    Case(
        "strings-copied",
        "strings-copied.xlsx",
        _copied_strings,
        r"sheet 'Document Control' uses its shared strings so often that the workbook amounts to over 200 MB \(string bomb\?\)",
        note="python-calamine would copy the string into every cell and abort",
    ),
    Case("styles-bomb", "styles.xlsx", _styles_bomb, r"styles\.xml has over 1,000,000 XML elements"),
    Case("utf16-sheet", "utf16.xlsx", lambda: package(workbook_parts(sheet_xml("").encode("utf-16"))), r"UTF-16"),
    Case("not-well-formed", "malformed.xlsx", _rows('<row r="1"><c r="A1"><v>1</v></x></row>'), r"not well-formed XML"),
    Case("compression-method", "bzip2.xlsx", _bzip2, r"compression method 12"),
    Case("dotdot-name", "dotdot.xlsx", _dotdot, r"'\.\.' in its name"),
    Case("absolute-name", "absolute.xlsx", _absolute, r"absolute name"),
    Case("duplicate-names", "duplicate.xlsx", _duplicate, r"duplicate entries"),
    Case("duplicate-case", "duplicate-case.xlsx", _duplicate_case, r"duplicate entries"),
    Case("overlapping", "overlap.xlsx", _overlapping, r"overlapping entries"),
    Case("names-differ", "names-differ.xlsx", _names_differ, r"local and central names differ"),
)


# --- OpenDocument (.ods): repetition is compressed into attributes --------------------------

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods(rows: str, prolog: str = "", manifest: str = ODS_MANIFEST, mimetype: str = ODS_MIME) -> bytes:
    """An OpenDocument spreadsheet with one table of the given `<table:table-row>` elements."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {ODS_NS}><office:body><office:spreadsheet>'
        f'<table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _ods_cell(value: str = "1", repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="float" '
        f'office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    )


ODS_CASES = (
    Case(
        "ods-repeat-bomb",
        "repeat.ods",
        lambda: ods(f'<table:table-row table:number-rows-repeated="100000">{_ods_cell("1", 1000)}</table:table-row>'),
        r"repeats values into over 3,000,000 cells, over the limit \(a repetition bomb\?\)",
        note="700 bytes; python-calamine would expand it into 100 million cells and abort",
    ),
    Case(
        "ods-far-cell",
        "far.ods",
        lambda: ods(
            '<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/>'
            f'</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/>{_ods_cell()}'
            "</table:table-row>"
        ),
        r"has a value at row 1,048,575, column 16,384, so its range from A1 spans over the limit",
    ),
    Case(
        "ods-spaces-bomb",
        "spaces.ods",
        lambda: ods(
            '<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1000" '
            'office:value-type="string"><text:p>x<text:s text:c="100000"/></text:p></table:table-cell></table:table-row>'
        ),
        r"inflates beyond 200 MB \(zip bomb\?\)",
        note="a run of spaces in one element, repeated a million times",
    ),
    Case(
        "ods-dtd",
        "laughs.ods",
        lambda: ods(f"<table:table-row>{_ods_cell('&lol;')}</table:table-row>", '<!DOCTYPE x [<!ENTITY lol "lol">]>'),
        r"content\.xml declares a DTD or entities",
    ),
    Case(
        "ods-encrypted",
        "encrypted.ods",
        lambda: ods(
            "",
            manifest=ODS_MANIFEST.replace(
                'manifest:media-type="text/xml"/>',
                'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum="x"/></manifest:file-entry>',
            ),
        ),
        r"password-protected \(encrypted\).*Save with password",
    ),
    Case(
        "ods-text-document",
        "letter.ods",
        lambda: ods("", mimetype="application/vnd.oasis.opendocument.text"),
        r"not a spreadsheet",
    ),
    Case(
        "ods-malformed",
        "malformed.ods",
        lambda: ods("<table:table-row><table:table-cell></table:table-row>"),
        r"not well-formed XML",
    ),
)

CASES = (*CASES, *ODS_CASES)


# --- readable, but worth a warning ----------------------------------------------------------


def good_workbook(path: Path) -> Path:
    """A correct, freshly generated Statement of Applicability (blank: it has findings)."""
    from toolkit.kinds import write_workbook
    from toolkit.kinds.soa.build import new_soa

    write_workbook("soa", new_soa("Example Ltd"), path, "Example Ltd")
    return path


def _read_parts(base: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The zip entry holding the named sheet, found through the workbook and its relationships."""
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    tag = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*>', book)
    assert tag is not None, sheet
    rid = re.search(r'r:id="([^"]+)"', tag.group())
    assert rid is not None
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*>', rels)
    assert target is not None
    path = re.search(r'Target="([^"]+)"', target.group())
    assert path is not None
    return path.group(1).lstrip("/") if path.group(1).startswith("/xl/") else "xl/" + path.group(1)


def macro_enabled(base: bytes) -> bytes:
    return with_parts(base, add={"xl/vbaProject.bin": compound_file({"VBA": noise(512), "dir": noise(256)})})


def external_link(base: bytes) -> bytes:
    link = (
        f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Prices"/></sheetNames></externalBook></externalLink>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC_RELS}/externalLinkPath" Target="file:///C:/secret/prices.xlsx" TargetMode="External"/></Relationships>'
    )
    return with_parts(
        base, add={"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": rels}
    )


def hidden_sheet(base: bytes) -> bytes:
    parts = _read_parts(base)
    text = parts["xl/workbook.xml"].decode()
    text = re.sub(r'(<sheet name="Document Control")', r'\1 state="hidden"', text)
    return with_parts(base, replace={"xl/workbook.xml": text})


def date1904(base: bytes) -> bytes:
    parts = _read_parts(base)
    text = parts["xl/workbook.xml"].decode()
    text = re.sub(r"<workbookPr([^>]*?)/>", r'<workbookPr\1 date1904="1"/>', text)
    if "date1904" not in text:
        text = text.replace("<bookViews>", '<workbookPr date1904="1"/><bookViews>')
    return with_parts(base, replace={"xl/workbook.xml": text})


def uncalculated(base: bytes, cell: str = "D2", sheet: str = "Statement of Applicability") -> bytes:
    """A formula with no cached value (as a script writes it) in the given cell."""
    parts = _read_parts(base)
    name = sheet_part(parts, sheet)
    text = parts[name].decode()
    pattern = re.compile(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)')
    formula = f'<c r="{cell}"><f>IF(1,"Yes","No")</f></c>'
    if pattern.search(text):
        text = pattern.sub(formula, text, count=1)
    else:
        row = re.search(r"\d+", cell)
        assert row is not None
        text = re.sub(rf'(<row r="{row.group()}"[^>]*>)', rf"\1{formula}", text, count=1)
    return with_parts(base, replace={name: text})


WARNINGS: dict[str, tuple[str, Callable[[bytes], bytes], str]] = {
    "macro": ("macros.xlsm", macro_enabled, r"macro-enabled workbook: values are read, macros are never run or kept"),
    "external-link": ("links.xlsx", external_link, r"links to other files \(external links\)"),
    "hidden-sheet": ("hidden.xlsx", hidden_sheet, r"sheet 'Document Control' is hidden"),
    "date1904": ("date1904.xlsx", date1904, r"1904 date system"),
}


# --- generating and checking ----------------------------------------------------------------


def generate(outdir: str | os.PathLike[str]) -> dict[str, tuple[Case, Path]]:
    """Write every refusal case (and `good.xlsx`) to `outdir`; return them by case name."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, tuple[Case, Path]] = {}
    for case in CASES:
        path = out / case.filename
        path.write_bytes(case.build())
        written[case.name] = (case, path)
    good = good_workbook(out / "good.xlsx")
    base = good.read_bytes()
    for _name, (filename, build, _expect) in WARNINGS.items():
        (out / filename).write_bytes(build(base))
    return written


@dataclass
class Outcome:
    code: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def ctk_command() -> list[str]:
    script = Path(sys.executable).with_name("ctk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "toolkit.cli"]


def run_bounded(args: Sequence[str], seconds: float = HANG_SECONDS, memory_mb: int = MEMORY_MB) -> Outcome:
    """Run `ctk ARGS` with its address space capped and killed after `seconds` (a hang, not slowness: the
    time bound itself is measured by bench/run.py); measure its wall time and peak resident memory."""
    limit = memory_mb << 20

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*ctk_command(), *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=cap)
        code: int | None = None
        usage = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - start > seconds:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        proc.returncode = code if code is not None else -9
        out.seek(0)
        err.seek(0)
        return Outcome(
            code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), elapsed, usage.ru_maxrss / 1024
        )


def message(result: Outcome, path: Path) -> str:
    """The cause `ctk validate` gave for `path` (the text after `PATH: error: `), or ''."""
    prefix = f"{path}: error: "
    return next((line[len(prefix) :] for line in result.stdout.splitlines() if line.startswith(prefix)), "")


def main(argv: Sequence[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    written = generate(argv[0])
    if "--check" not in argv:
        for name, (_case, path) in written.items():
            print(f"{name:22} {path.stat().st_size:>10,} B  {path}")
        return 0
    worst = 0
    for name, (case, path) in written.items():
        result = run_bounded(["validate", str(path), *case.args])
        ok = result.code == 2 and re.search(case.expect, message(result, path)) is not None and "Traceback" not in result.stderr
        ok = ok and result.seconds < SECONDS and result.peak_mb < MEMORY_MB
        worst = max(worst, 0 if ok else 1)
        line = next((ln for ln in result.stdout.splitlines() if str(path) in ln), result.stderr.strip()[-120:])
        print(f"{'ok  ' if ok else 'FAIL'} {name:22} {result.seconds:5.2f} s {result.peak_mb:6.1f} MB  {line}")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
