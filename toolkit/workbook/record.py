"""What ctk wrote: the record every generated workbook carries of the values it sent.

A regeneration compares three versions of each cell: what ctk sent (this record), what the
client returned (the workbook) and what the new inputs give. So the record holds, for every
input cell of every row ctk generated, a short digest of the value as the reader reads it back
(not the value: the record stays small, and a digest cannot leak into a formula). Rows the
client owns (`rows = "client"`, the risk register) get one digest per row. Form fields get one
each, form blocks one per block. It also lists the sheets as written, the rows ctk no longer
generates but kept (`orphans`), and the conflicts found when it was written.

Where it lives: the document's custom properties (`docProps/custom.xml`; `meta.xml` in an .ods), as zlib-compressed
JSON in base64, cut into properties `ctk_sent_000`, `ctk_sent_001`... of at most 255 characters
(Excel's limit for a text property). Measured with LibreOffice 7.4 and openpyxl 3.1: custom
properties survive a LibreOffice resave (.xlsx, and .xlsx -> .ods -> .xlsx) and an openpyxl
load and save; a custom XML part survives LibreOffice but not openpyxl; a very hidden sheet
survives both but LibreOffice turns it into a plain hidden sheet any client can show and edit.
The kind is already recorded the same way (`ctk_kind`).

The record is untrusted input like the rest of the workbook: anything that does not decode to
the expected shape is treated as no record (with a note), never an error.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.data.ids import natural_key
from toolkit.workbook.reader import converter
from toolkit.workbook.schema import Column, Sheet

VERSION = 1
CELL_LIMIT = 32_767  # as the writer cuts text (toolkit.workbook.writer.CELL_LIMIT)
PROPERTY = "ctk_sent_"
CHUNK = 255
#: The record is refused beyond this size decompressed (a client cannot make ctk inflate a bomb).
MAX_BYTES = 64 * 1024 * 1024
DIGEST = 6  # bytes per cell: 48 bits, 8 base64 characters
ROW_DIGEST = 9  # bytes per client-owned row: 72 bits, 12 characters
_CELL = len(base64.urlsafe_b64encode(bytes(DIGEST)))


def canon(value: Any) -> str:
    """A value as the reader gives it, as stable text: what a digest is taken of."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\x1f".join(canon(v) for v in value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def as_read(col: Column, value: Any) -> Any:
    """The value the reader will see in a cell ctk writes `value` into (lists are written joined)."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT]  # what the writer keeps of it
    return converter(col)(value)


@cache
def _blake2b() -> Any:
    import hashlib  # not at import: reading a record (validate) takes no digest, and hashlib loads OpenSSL

    return hashlib.blake2b


def digest(text: str, size: int = DIGEST) -> str:
    return base64.urlsafe_b64encode(_blake2b()(text.encode("utf-8"), digest_size=size).digest()).decode("ascii")


def cell_digest(col: Column, value: Any) -> str:
    """The digest of what the reader reads back from a cell written with `value`."""
    return digest(canon(as_read(col, value)))


def read_digest(value: Any) -> str:
    """The digest of a value as the reader gave it."""
    return digest(canon(value))


def subject_text(value: Any) -> str | None:
    """A subject as text: list items in natural order (a client reordering them changes nothing)."""
    if isinstance(value, (list, tuple)):
        items = sorted({canon(v) for v in value if canon(v)}, key=natural_key)
        return "; ".join(items) or None
    text = canon(value)
    return text or None


def subject_of(sheet: Sheet, values: Mapping[str, Any]) -> str | None:
    """What a row is about: its declared subject, else its key (`#P1-01` when the subject is blank)."""
    if sheet.subject is not None:
        found = subject_text(values.get(sheet.subject))
        if found is not None:
            return found
        key = subject_text(values.get(sheet.key)) if sheet.key else None
        return f"#{key}" if key is not None else None
    return subject_text(values.get(sheet.key)) if sheet.key else None


def indexed_subjects(sheet: Sheet, rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    """(subject, row) for every row; a repeated subject is told apart by its occurrence (`X`, `X\x1e2`)."""
    seen: dict[str, int] = {}
    for row in rows:
        subject = subject_of(sheet, row)
        if subject is not None:
            n = seen.get(subject, 0)
            seen[subject] = n + 1
            if n:
                subject = f"{subject}\x1e{n + 1}"
        yield subject, row


def display(subject: str) -> str:
    """A subject as the user knows it: `#P1-01` (the key standing in for a blank subject) is `P1-01`."""
    subject = subject.split("\x1e", 1)[0]
    return subject[1:] if subject.startswith("#") else subject


def recorded_columns(sheet: Sheet) -> list[Column]:
    """The columns whose values the record keeps: what the client may type over."""
    return [c for c in sheet.columns if not c.computed]


class Rows:
    """Digests of the rows of one table over its recorded columns, converters chosen once
    (a register of 20,000 risks is 400,000 cells)."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._plan = [(c.name, c.type == "text", converter(c)) for c in self.columns]

    def _written(self, values: Mapping[str, Any]) -> list[str]:
        parts = []
        for name, text, conv in self._plan:
            v = values.get(name)
            if v is None:
                parts.append("")
            elif text and v.__class__ is str and len(v) <= CELL_LIMIT:
                parts.append(v.strip())  # what the reader makes of a text cell
            else:
                if isinstance(v, (list, tuple)):
                    v = "; ".join(str(x) for x in v)
                if isinstance(v, str) and len(v) > CELL_LIMIT:
                    v = v[:CELL_LIMIT]
                parts.append(canon(conv(v)))
        return parts

    def cells(self, values: Mapping[str, Any]) -> str:
        """The per-cell digests of a row ctk writes, concatenated in column order."""
        return "".join(digest(p) for p in self._written(values))

    def whole(self, values: Mapping[str, Any], written: bool = True) -> str:
        """One digest for a whole row (`written`: values as ctk writes them; else as the reader read them)."""
        parts = self._written(values) if written else [canon(values.get(c.name)) for c in self.columns]
        return digest("\x1e".join(parts), ROW_DIGEST)


def row_cells(columns: Sequence[Column], values: Mapping[str, Any]) -> str:
    return Rows(columns).cells(values)


def row_whole(columns: Sequence[Column], values: Mapping[str, Any], written: bool = True) -> str:
    return Rows(columns).whole(values, written)


def split_cells(text: str) -> list[str]:
    return [text[i : i + _CELL] for i in range(0, len(text), _CELL)]


@dataclass
class TableRecord:
    columns: list[str]
    mode: str = "cells"  # "cells": a digest per cell; "rows": one per row (rows the client owns)
    rows: dict[str, str] = field(default_factory=dict)  # subject -> digests
    orphans: dict[str, str] = field(default_factory=dict)  # rows ctk no longer generates, kept

    def cells(self, subject: str) -> dict[str, str] | None:
        text = self.rows.get(subject, self.orphans.get(subject))
        if text is None or self.mode != "cells":
            return None
        parts = split_cells(text)
        return dict(zip(self.columns, parts, strict=False)) if len(parts) == len(self.columns) else None


@dataclass
class FormRecord:
    fields: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Conflict:
    """A cell both the client and the new inputs changed: the client's value was kept."""

    sheet: str
    subject: str | None  # None: a form field (or block, `column` is then its title)
    column: str
    ours: str  # what the new inputs gave, as text (cut to a readable length)

    def as_list(self) -> list[Any]:
        return [self.sheet, self.subject, self.column, self.ours]


@dataclass
class SentRecord:
    kind: str
    schema: str
    sheets: list[str] = field(default_factory=list)
    tables: dict[str, TableRecord] = field(default_factory=dict)
    forms: dict[str, FormRecord] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "kind": self.kind,
            "schema": self.schema,
            "sheets": self.sheets,
            "tables": {
                name: {"cols": t.columns, "mode": t.mode, "rows": t.rows, **({"orphans": t.orphans} if t.orphans else {})}
                for name, t in self.tables.items()
            },
            "forms": {name: {"fields": f.fields, "blocks": f.blocks} for name, f in self.forms.items()},
            "conflicts": [c.as_list() for c in self.conflicts],
        }


def block_digest(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], written: bool = True) -> str:
    """One digest for a form block's rows (blank rows skipped, as the reader skips them)."""
    lines = []
    for row in rows:
        parts = [canon(as_read(c, row.get(c.name)) if written else row.get(c.name)) for c in columns]
        if any(parts):
            lines.append("\x1e".join(parts))
    return digest("\x1d".join(lines))


# --- storing ----------------------------------------------------------------------------------


def properties(record: SentRecord) -> list[tuple[str, str]]:
    """The custom properties that carry `record`, in order."""
    raw = json.dumps(record.as_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
    text = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return [(f"{PROPERTY}{i:03d}", text[at : at + CHUNK]) for i, at in enumerate(range(0, len(text), CHUNK))]


_PROPERTY = re.compile(rb'name="ctk_sent_(\d{3,6})"[^>]*>\s*<(?:\w+:)?lpwstr>([A-Za-z0-9+/=\s]*)<')
#: The same properties in an OpenDocument spreadsheet (LibreOffice's .ods keeps them in meta.xml).
_ODF_PROPERTY = re.compile(rb'<meta:user-defined\s+meta:name="ctk_sent_(\d{3,6})"[^>]*>([A-Za-z0-9+/=\s]*)<')


class RecordError(ValueError):
    """The record is there but cannot be used (damaged, too large, of another version)."""


def read(path: str | Path) -> SentRecord | None:
    """The record in a workbook; None when it has none. Raises RecordError when it is unusable."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower(): n for n in zf.namelist()}
            name, pattern = names.get("docprops/custom.xml"), _PROPERTY
            if name is None:
                name, pattern = names.get("meta.xml"), _ODF_PROPERTY
            if name is None:
                return None
            if zf.getinfo(name).file_size > MAX_BYTES:
                raise RecordError("the document properties are too large to hold a record")
            data = zf.read(name)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    chunks = sorted((int(m.group(1)), m.group(2)) for m in pattern.finditer(data))
    if not chunks:
        return None
    if [i for i, _ in chunks] != list(range(len(chunks))):
        raise RecordError("part of the record is missing")
    try:
        packed = base64.b64decode(b"".join(re.sub(rb"\s", b"", c) for _, c in chunks), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_BYTES)
        if inflater.unconsumed_tail:
            raise RecordError("the record is too large")
        return _parse(json.loads(raw.decode("utf-8")))
    except (ValueError, zlib.error, UnicodeDecodeError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, RecordError):
            raise
        raise RecordError("the record is damaged") from None


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError("the record is damaged")
    return list(value)


def _mapping(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise RecordError("the record is damaged")
    return dict(value)


def _parse(raw: Any) -> SentRecord:
    if not isinstance(raw, dict) or raw.get("v") != VERSION:
        raise RecordError("the record is of another ctk version")
    rec = SentRecord(str(raw["kind"]), str(raw["schema"]), _strings(raw.get("sheets", [])))
    for name, t in dict(raw.get("tables", {})).items():
        mode = t.get("mode", "cells")
        if mode not in ("cells", "rows"):
            raise RecordError("the record is damaged")
        rec.tables[str(name)] = TableRecord(_strings(t["cols"]), mode, _mapping(t["rows"]), _mapping(t.get("orphans", {})))
    for name, f in dict(raw.get("forms", {})).items():
        rec.forms[str(name)] = FormRecord(_mapping(f.get("fields", {})), _mapping(f.get("blocks", {})))
    for c in raw.get("conflicts", []):
        if not isinstance(c, list) or len(c) != 4:
            raise RecordError("the record is damaged")
        rec.conflicts.append(Conflict(str(c[0]), None if c[1] is None else str(c[1]), str(c[2]), str(c[3])))
    return rec
