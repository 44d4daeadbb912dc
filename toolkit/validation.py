"""`validate`: read each workbook, run its kind's rules, then the rules across workbooks."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from toolkit.errors import InternalError
from toolkit.findings import FileReport, Report, sort_findings
from toolkit.kinds import cross_rules, rules_for
from toolkit.rules import Context, Rule
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.reader import WorkbookData, read_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def expand(paths: Paths) -> list[Path]:
    """Files as given; folders become the workbooks inside them (lock files `~$...` skipped).

    One path may be given on its own, as a string or a Path."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                out.extend(
                    sorted(
                        f
                        for f in p.rglob("*")
                        if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith(("~$", ".~lock"))
                    )
                )
            except OSError:  # a folder that cannot be listed is reported like a file that cannot be read
                out.append(p)
        else:
            out.append(p)
    return out


def _run(r: Rule, *args: object) -> list[Any]:
    """A rule's findings; a rule that fails is a bug in ctk, named by its code (never exit 1)."""
    try:
        return list(r.func(*args))
    except Exception as exc:
        raise InternalError.wrap(r.code, exc) from exc


def check_book(book: WorkbookData, ctx: Context) -> FileReport:
    report = FileReport(book.path, book.kind)
    for r in rules_for(book.kind):
        report.findings.extend(_run(r, book, ctx))
    return report


def _check(path: Path, ctx: Context, limits: Limits) -> tuple[FileReport, WorkbookData | None]:
    """One file: read it and run its kind's rules; a file that cannot be read is one line."""
    try:
        book = read_workbook(path, limits=limits)
    except ReadError as exc:
        return FileReport(str(path), None, error=str(exc)), None
    return check_book(book, ctx), book


def _checked(paths: list[Path], ctx: Context, limits: Limits, jobs: int) -> Iterator[tuple[FileReport, WorkbookData | None]]:
    """Each file's result, in order; with `jobs` > 1, files are checked by that many processes."""
    if jobs <= 1 or len(paths) < 2:
        for path in paths:
            yield _check(path, ctx, limits)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        chunk = max(1, len(paths) // (jobs * 4))
        yield from pool.map(_check, paths, [ctx] * len(paths), [limits] * len(paths), chunksize=chunk)


def validate(
    paths: Paths,
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
) -> Report:
    """Check every file (folders expanded) and the workbooks against each other.

    Never raises for a bad file: it is reported with its one-line cause and the rest go on.
    `jobs` processes share the files; `progress` is called as each file is done.
    """
    return validate_books(paths, as_of=as_of, limits=limits, jobs=jobs, progress=progress)[0]


def validate_books(
    paths: Paths,
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
) -> tuple[Report, list[WorkbookData]]:
    """`validate`, and the workbooks it read (for a caller that looks further into them)."""
    ctx = Context(as_of=as_of or dt.date.today())
    report = Report()
    books: list[tuple[WorkbookData, FileReport]] = []
    files = expand(paths)
    # Records hold no reference cycles: the cyclic collector only costs time on big registers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path, (file_report, book) in zip(files, _checked(files, ctx, limits, jobs), strict=True):
            report.files.append(file_report)
            if book is not None:
                books.append((book, file_report))
            if progress is not None:
                progress(path)
    finally:
        if collecting:
            gc.enable()
    by_path = {book.path: fr for book, fr in books}
    if len(books) > 1:  # rules across workbooks: only when there are several
        for r in cross_rules():
            for path, finding in _run(r, [b for b, _ in books], ctx):
                by_path[path].findings.append(finding)
    for fr in report.files:
        fr.findings = sort_findings(fr.findings)
    return report, [b for b, _ in books]
