"""`validate`: read each workbook, run its kind's rules, then the rules across workbooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from toolkit.findings import FileReport, Report, sort_findings
from toolkit.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.reader import WorkbookData, read_workbook
from toolkit.rules import Context, load_all, rules_for

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders become the workbooks inside them (lock files `~$...` skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith(("~$", ".~lock"))
                )
            )
        else:
            out.append(p)
    return out


def check_book(book: WorkbookData, ctx: Context) -> FileReport:
    report = FileReport(book.path, book.kind)
    for r in rules_for(book.kind):
        report.findings.extend(r.func(book, ctx))
    return report


def validate(
    paths: Iterable[str | Path],
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Check every file (folders expanded) and the workbooks against each other.

    Never raises for a bad file: it is reported with its one-line cause and the rest go on.
    """
    ctx = Context(as_of=as_of or dt.date.today())
    report = Report()
    books: list[tuple[WorkbookData, FileReport]] = []
    for path in expand(paths):
        try:
            book = read_workbook(path, limits=limits)
        except ReadError as exc:
            report.files.append(FileReport(str(path), None, error=str(exc)))
            continue
        file_report = check_book(book, ctx)
        report.files.append(file_report)
        books.append((book, file_report))
    by_path = {book.path: fr for book, fr in books}
    for r in sorted(load_all().values(), key=lambda r: r.code):
        if r.kind != "cross":
            continue
        for path, finding in r.func([b for b, _ in books], ctx):
            by_path[path].findings.append(finding)
    for fr in report.files:
        fr.findings = sort_findings(fr.findings)
    return report
