"""The guard: look at a file before any parser does, and refuse what is unsafe or absurd.

Workbooks come back from clients by e-mail, so every input is untrusted. The guard reads the
zip directory itself, inflates every part through a small buffer (checking each against the
size it declares and its checksum), and streams the XML parts through expat with handlers that
refuse a DTD or entity declaration and that track each sheet's cells the way python-calamine
will place them. A hostile file is refused with a one-line cause, in bounded time and memory,
before python-calamine (which aborts the whole process when a sheet's range is absurd) sees it.
OpenDocument spreadsheets (.ods) go through the same zip checks, then `guard.ods`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from toolkit.workbook.guard.base import _DAMAGED, DEFAULT_LIMITS, Inspection, Limits, ReadError, megabytes

# The scanners are imported by `_inspect`, not here: importing `guard.base` (the limits, which
# every command's options and the API name) imports this package first, and `ctk --help` should
# not pay for zipfile and expat.


def inspect(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Check a file before parsing; raise ReadError with a one-line cause if it must be refused."""
    p = Path(path)
    if not p.exists():
        raise ReadError("no such file")
    if p.is_dir():
        raise ReadError("is a folder, not a file")
    try:
        with p.open("rb") as fh:
            return _inspect(p, fh, limits)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"the file cannot be read ({exc.strerror or type(exc).__name__})") from None
    except (MemoryError, RecursionError):
        raise ReadError("the file is too large or too deeply nested to check") from None
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file provokes, the answer is one line
        raise ReadError(f"the file cannot be checked ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None


def _inspect(p: Path, fh: BinaryIO, limits: Limits) -> Inspection:
    import struct
    import zipfile
    import zlib

    from toolkit.workbook.guard.ods import scan_ods
    from toolkit.workbook.guard.package import _scan_package
    from toolkit.workbook.guard.sniff import _sniff_not_zip
    from toolkit.workbook.guard.zipdir import _Budget, _check_directory, _count_entries, _data_starts

    size = p.stat().st_size
    if size == 0:
        raise ReadError("the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise ReadError(f"the file is {megabytes(size)}, over the limit of {limits.max_file_mb:g} MB; see --max-file-mb")
    head = fh.read(2048)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its mark is text
            raise ReadError("not a text/CSV file: it holds binary data")
        return Inspection("csv")
    if not head.startswith(b"PK"):
        raise ReadError(_sniff_not_zip(fh, head))
    _count_entries(fh, size, limits)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error):
        raise ReadError(_DAMAGED) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_parts:
            raise ReadError(f"the package has {len(infos):,} parts, over the limit of {limits.max_parts:,}; see --max-parts")
        _check_directory(infos, limits)
        lowered = {i.filename.lower() for i in infos}
        if "xl/workbook.bin" in lowered:
            raise ReadError("a binary workbook (.xlsb) is not supported: open it and save as Excel Workbook (.xlsx)")
        if "xl/workbook.xml" not in lowered:
            if "word/document.xml" in lowered:
                raise ReadError("a Word document, not a workbook")
            if "ppt/presentation.xml" in lowered:
                raise ReadError("a PowerPoint presentation, not a workbook")
            if "content.xml" in lowered:
                try:
                    return scan_ods(fh, infos, _data_starts(fh, zf, infos, size), limits, _Budget(limits))
                except zlib.error:
                    raise ReadError(_DAMAGED) from None
            raise ReadError("a zip file that is not an Excel workbook (no xl/workbook.xml)")
        try:
            result = _scan_package(fh, zf, infos, size, limits)
        except zlib.error:
            raise ReadError(_DAMAGED) from None
    if result.macros:
        result.format = "xlsm"
        result.warnings.append("macro-enabled workbook: values are read, macros are never run or kept")
    if result.external_links:
        result.warnings.append("the workbook links to other files (external links); linked values are read as cached")
    if result.date1904:
        result.warnings.append("the workbook uses the 1904 date system; dates are converted from it")
    return result


__all__ = ["DEFAULT_LIMITS", "Inspection", "Limits", "ReadError", "inspect"]
