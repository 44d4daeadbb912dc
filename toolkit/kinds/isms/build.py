"""The ISMS workbook assembled: seeded from the engagement's workbooks, with its Readiness sheet.

The Readiness sheet is the verdict on the pack as it will stand once this workbook is written:
the client's returned edits merged in, checked together with the other workbooks. So the new
workbook is previewed (merged and read back from a temporary copy) before it is written.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tempfile
from pathlib import Path

from toolkit.errors import CtkError
from toolkit.kinds.isms import model as m
from toolkit.kinds.isms.readiness import Readiness, evaluate
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData, read_workbook
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Form, Table

PathLike = str | os.PathLike[str]


def refresh(book: Book) -> None:
    """After a merge, the Scope sheet is laid out for the client's answers. (The Readiness sheet,
    the only thing computed, is worked out over the whole pack before writing: `with_readiness`.)"""
    from toolkit.kinds.isms.sheets import scope_layout

    book.custom[m.SCOPE] = scope_layout(book.forms.get(m.SCOPE))


def read_sources(
    gap: PathLike | None = None,
    soa: PathLike | None = None,
    risks: PathLike | None = None,
    roadmap: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> m.Sources:
    def read(path: PathLike | None, kind: str) -> WorkbookData | None:
        if path is None:
            return None
        book = read_workbook(path, limits=limits)
        if book.kind != kind:  # a SoA given as --gap would seed nothing, in silence
            wanted = load_spec(kind).title
            raise CtkError(f"expected the {wanted}, found a {book.spec.title} workbook", str(path))
        return book

    return m.Sources(read(gap, "gap"), read(soa, "soa"), read(risks, "risk"), read(roadmap, "roadmap"))


def set_readiness(book: Book, readiness: Readiness) -> None:
    book.tables[m.READINESS] = Table(readiness.sheet_rows())
    book.forms[m.READINESS] = Form(readiness.sheet_fields())


def preview(book: Book, merge_from: PathLike | None, output: PathLike, limits: Limits = DEFAULT_LIMITS) -> WorkbookData:
    """The workbook `book` becomes once the client's edits in `merge_from` are merged, as read
    back (its path is `output`'s, so it is checked with the workbooks beside it)."""
    from toolkit.kinds import write_workbook
    from toolkit.workbook.merge import merge_into

    merged = copy.deepcopy(book)
    merge_into(merged, m.KIND, Path(merge_from) if merge_from is not None else None, limits)
    refresh(merged)
    with tempfile.TemporaryDirectory(prefix="ctk-isms-") as tmp:
        target = Path(tmp) / Path(output).name
        write_workbook(m.KIND, merged, target)
        data = read_workbook(target, kind=m.KIND, limits=limits)
    data.path = str(output)
    return data


def with_readiness(
    book: Book,
    src: m.Sources,
    output: PathLike,
    merge_from: PathLike | None,
    as_of: dt.date,
    limits: Limits = DEFAULT_LIMITS,
) -> Book:
    """`book` with its Readiness sheet: the Stage 1 verdict on the pack it completes."""
    isms = preview(book, merge_from, output, limits)
    others = {
        k: b for k, b in (("gap", src.gap), ("soa", src.soa), ("risk", src.risks), ("roadmap", src.roadmap)) if b is not None
    }
    set_readiness(book, evaluate(Path(output).parent, {**others, m.KIND: isms}, as_of))
    return book


def from_inputs(
    output: PathLike,
    *,
    gap: PathLike | None = None,
    soa: PathLike | None = None,
    risks: PathLike | None = None,
    roadmap: PathLike | None = None,
    start: dt.date | None = None,
    org: str | None = None,
    merge_from: PathLike | None = None,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Book:
    """The ISMS workbook seeded from whichever of the engagement's workbooks are given."""
    src = read_sources(gap, soa, risks, roadmap, limits)
    files = {
        kind: Path(p).name for kind, p in (("gap", gap), ("soa", soa), ("risk", risks), ("roadmap", roadmap)) if p is not None
    }
    files[m.KIND] = Path(output).name
    book = m.build_isms(src, org, start, files)
    return with_readiness(book, src, output, merge_from, as_of or dt.date.today(), limits)
