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
from toolkit.rules import Context, Rule, unmet
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.reader import WorkbookData, read_workbook

#: What a folder run checks: workbooks, OpenDocument spreadsheets and CSV tables.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".csv")
#: Files a folder run passes over without a word: what spreadsheet programs and systems leave beside workbooks.
_LOCKS = ("~$", ".~lock")
_SYSTEM = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ctk.toml"})


Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
#: A folder holding this file holds copies (`ctk build` keeps each workbook as sent and as
#: returned there): a folder run passes over them, so the copies are not checked against the pack.
COPIES_MARKER = ".ctk-copies"


#: `ctk build` builds the pack aside in a folder named so, inside the engagement folder (gone when it ends).
BUILD_PREFIX = ".ctk-build-"


def _in_copies(f: Path, root: Path) -> bool:
    """Whether `f` lies in a folder of copies below `root` (a folder of copies given itself is checked),
    or in the folder a build that was interrupted left behind."""
    return any(
        (parent / COPIES_MARKER).exists() or parent.name.startswith(BUILD_PREFIX)
        for parent in f.parents
        if parent != root and root in parent.parents
    )


def _why_skipped(f: Path) -> str | None:
    """Why a file found in a folder is not checked (None: check it; "": pass over it silently)."""
    name = f.name
    if name.startswith(_LOCKS) or name.lower() in _SYSTEM:
        return ""
    if name.startswith("._"):
        return "a macOS resource file (made when a Mac zips a folder), not a workbook"
    suffix = f.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return None
    if suffix in (".xls", ".xlsb"):
        return f"a {suffix} workbook, which ctk does not read: save it as .xlsx to have it checked"
    return "not a workbook or CSV"


def collect(paths: Paths) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
    """The files to check (files as given, folders' workbooks and CSVs), the folder files passed
    over with the reason, and the folders that hold nothing to check. A file given twice is
    checked once."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    skipped: list[tuple[str, str]] = []
    empty: list[str] = []
    seen: set[Path] = set()

    def add(f: Path) -> None:
        try:
            real = f.resolve()
        except OSError:
            real = f
        if real in seen:
            return
        seen.add(real)
        out.append(f)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                found = sorted(f for f in p.rglob("*") if f.is_file())
            except OSError:  # a folder that cannot be listed is reported like a file that cannot be read
                add(p)
                continue
            before = len(out)
            books = {(f.parent, f.stem.casefold()) for f in found if f.suffix.lower() in (".xlsx", ".xlsm", ".ods")}
            for f in found:
                why = "" if _in_copies(f, p) or f.name == COPIES_MARKER else _why_skipped(f)
                if why is None and f.suffix.lower() == ".csv" and (f.parent, f.stem.casefold()) in books:
                    # `risk_register.csv` beside `risk_register.xlsx`: the seed it was built from, not a second register.
                    why = "the source of the workbook of the same name beside it; give it by name to check it too"
                if why is None:
                    add(f)
                elif why:
                    skipped.append((str(f), why))
            if len(out) == before:
                empty.append(str(p))
        else:
            add(p)
    return out, skipped, empty


def expand(paths: Paths) -> list[Path]:
    """Files as given; folders become the workbooks and CSVs inside them (lock files skipped).

    One path may be given on its own, as a string or a Path."""
    return collect(paths)[0]


def _run(r: Rule, *args: object) -> list[Any]:
    """A rule's findings; a rule that fails is a bug in ctk, named by its code (never exit 1)."""
    try:
        return list(r.func(*args))
    except Exception as exc:
        raise InternalError.wrap(r.code, exc) from exc


def check_book(book: WorkbookData, ctx: Context) -> FileReport:
    """Every rule of the book's kind; one that needs what the workbook lacks is left out (WB008 says so)."""
    report = FileReport(book.path, book.kind)
    for r in rules_for(book.kind):
        if r.needs:
            try:
                lacking = unmet(book, r.needs)
            except KeyError as exc:  # a rule that needs a column the declaration no longer has
                raise InternalError.wrap(r.code, exc) from exc
            if lacking:
                continue
        report.findings.extend(_run(r, book, ctx))
    return report


def _check(path: Path, ctx: Context, limits: Limits, kind: str | None = None) -> tuple[FileReport, WorkbookData | None]:
    """One file: read it (as `kind` when given) and run its kind's rules; a file that cannot be read is one line."""
    try:
        book = read_workbook(path, kind=kind, limits=limits, force=kind is not None)
    except ReadError as exc:
        return FileReport(str(path), None, error=str(exc)), None
    return check_book(book, ctx), book


def _checked(
    paths: list[Path], ctx: Context, limits: Limits, jobs: int, kind: str | None = None
) -> Iterator[tuple[FileReport, WorkbookData | None]]:
    """Each file's result, in order; with `jobs` > 1, files are checked by that many processes."""
    if jobs <= 1 or len(paths) < 2:
        for path in paths:
            yield _check(path, ctx, limits, kind)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        chunk = max(1, len(paths) // (jobs * 4))
        yield from pool.map(_check, paths, [ctx] * len(paths), [limits] * len(paths), [kind] * len(paths), chunksize=chunk)


def validate(
    paths: Paths,
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    kind: str | None = None,
) -> Report:
    """Check every file (folders expanded) and the workbooks against each other.

    Never raises for a bad file: it is reported with its one-line cause and the rest go on.
    `jobs` processes share the files; `progress` is called as each file is done; `kind` reads
    every file as that kind (`--kind`) instead of telling it from its headers.
    """
    return validate_books(paths, as_of=as_of, limits=limits, jobs=jobs, progress=progress, kind=kind)[0]


def validate_books(
    paths: Paths,
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    kind: str | None = None,
) -> tuple[Report, list[WorkbookData]]:
    """`validate`, and the workbooks it read (for a caller that looks further into them)."""
    ctx = Context(as_of=as_of or dt.date.today())
    report = Report()
    books: list[tuple[WorkbookData, FileReport]] = []
    files, report.skipped, report.empty = collect(paths)
    # Records hold no reference cycles: the cyclic collector only costs time on big registers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path, (file_report, book) in zip(files, _checked(files, ctx, limits, jobs, kind), strict=True):
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
