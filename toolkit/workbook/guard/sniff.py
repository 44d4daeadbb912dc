"""Files that are not a zip package: what they are, in one line."""

from __future__ import annotations

import codecs
from typing import BinaryIO

from toolkit.workbook.guard.base import _CHUNK, _OLE_MAGIC

# --- not a zip ------------------------------------------------------------------------------

_OLE_STREAMS = (
    (("EncryptionInfo", "EncryptedPackage"), "encrypted"),
    (("WordDocument",), "a Word document (.doc), not a workbook"),
    (("PowerPoint Document",), "a PowerPoint presentation (.ppt), not a workbook"),
    (("Workbook", "Book"), "a legacy binary Excel workbook (.xls), not .xlsx: open it and save as Excel Workbook (.xlsx)"),
)
ENCRYPTED = (
    "the workbook is password-protected (encrypted), so it cannot be read: open it in Excel, "
    "File > Info > Protect Workbook > Encrypt with Password, clear the password, save, and send it again"
)


def _ole_kind(fh: BinaryIO) -> str:
    """What an OLE compound file holds, from the stream names in its directory (anywhere in the file)."""
    markers = [(name.encode("utf-16-le"), what) for names, what in _OLE_STREAMS for name in names]
    found: set[str] = set()
    fh.seek(0)
    tail = b""
    while True:
        block = fh.read(_CHUNK)
        if not block:
            break
        buf = tail + block
        for marker, what in markers:
            if marker in buf:
                found.add(what)
        tail = buf[-64:]
    for _names, what in _OLE_STREAMS:
        if what in found:
            return ENCRYPTED if what == "encrypted" else what
    return "a legacy Office (OLE) file, not .xlsx: open it and save as Excel Workbook (.xlsx)"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    if not text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\r\n")
    return printable / len(text) > 0.95


def _sniff_not_zip(fh: BinaryIO, head: bytes) -> str:
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(fh)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in text:
        return "an HTML or XML file named as a workbook, not .xlsx: open it and save as Excel Workbook (.xlsx)"
    if text.startswith(b"{\\rtf"):
        return "a rich-text (RTF) document, not a workbook"
    if text.startswith(b"%pdf"):
        return "a PDF document, not a workbook"
    if _looks_like_text(head):
        return "a text or CSV file named as a workbook, not .xlsx: rename it to .csv or save it as .xlsx"
    return "not a workbook: the file is not a zip package (random or damaged bytes)"
