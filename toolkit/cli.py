"""The `ctk` command line: each command parses options, calls one API function, renders."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

F = Callable[..., Any]


def output_options(*formats: str, default: str | None = None) -> Callable[[F], F]:
    """The shared `--format` and `--output` options."""

    def decorate(func: F) -> F:
        func = click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write to this file instead of standard output.",
        )(func)
        func = click.option(
            "--format", "fmt", type=click.Choice(formats), default=default or formats[0], show_default=True, help="Output format."
        )(func)
        return func

    return decorate


def limit_options(func: F) -> F:
    """The reader's safety limits, each adjustable (see the README's Security section)."""
    from toolkit.guard import DEFAULT_LIMITS as d

    options = [
        ("--max-file-mb", float, d.max_file_mb, "Refuse files larger than this many MB."),
        ("--max-uncompressed-mb", float, d.max_uncompressed_mb, "Refuse packages that inflate beyond this many MB."),
        ("--max-ratio", float, d.max_ratio, "Refuse zip parts compressed more than this ratio."),
        ("--max-parts", int, d.max_parts, "Refuse packages with more parts than this."),
        (
            "--max-cells",
            int,
            d.max_cells,
            "Refuse workbooks whose sheets' used ranges (from A1) or shared strings add up to more cells than this.",
        ),
    ]
    for flag, typ, value, text in reversed(options):
        func = click.option(flag, type=typ, default=value, show_default=True, help=text)(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from toolkit.guard import Limits

        kwargs["limits"] = Limits(
            max_file_mb=kwargs.pop("max_file_mb"),
            max_uncompressed_mb=kwargs.pop("max_uncompressed_mb"),
            max_ratio=kwargs.pop("max_ratio"),
            max_parts=kwargs.pop("max_parts"),
            max_cells=kwargs.pop("max_cells"),
        )
        return func(*args, **kwargs)

    return wrapper


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from toolkit.writer import atomic_output

    with atomic_output(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


def fail(message: str) -> None:
    """A one-line error the user can fix: no traceback, exit status 2."""
    click.echo(f"ctk: {message}", err=True)
    sys.exit(2)


def guard_output(output: Path, *inputs: Path | None) -> None:
    """No command ever writes over a file it reads."""
    for p in inputs:
        if p is not None and p.exists() and output.exists() and output.resolve() == p.resolve():
            fail(f"{output}: refusing to overwrite an input file; choose another --output")


def merge_option(func: F) -> F:
    return click.option(
        "--merge",
        "merge_from",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Keep every value the client typed in this earlier workbook (and their extra columns, rows and sheets).",
    )(func)


def org_option(func: F) -> F:
    return click.option("--org", help="The client organisation's name, shown in titles.")(func)


def produce(
    kind: str,
    output: Path,
    inputs: tuple[Path | None, ...],
    merge_from: Path | None,
    limits: Any,
    build: Callable[[], Any],
    write: Callable[[Any], None],
    refresh: Callable[[Any], None] | None = None,
) -> None:
    """What every generator does: build from its inputs, merge the client's earlier workbook,
    refresh the computed parts, write atomically; a bad input is one line and exit 2."""
    from toolkit.guard import ReadError
    from toolkit.merge import merge_into

    guard_output(output, *inputs, merge_from)
    try:
        book = build()
        notes = merge_into(book, kind, merge_from, limits)
        if refresh is not None:
            refresh(book)
    except ReadError as exc:
        fail(f"{exc.path}: {exc}")
        return
    finish(lambda: write(book), output, notes)


def finish(write: Callable[[], None], output: Path, notes: list[str]) -> None:
    write()
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ctk", prog_name="ctk")
def main() -> None:
    """ctk: from SOC 2 to ISO/IEC 27001:2022 through Excel workbooks.

    Generate the gap assessment, risk register, Statement of Applicability, roadmap and
    cost-savings workbooks; read back what clients return; validate them alone and together.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options("text", "json")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Judge review dates against this day instead of today.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 64),
    default=1,
    show_default=True,
    help="Check files in this many processes (0: one per core).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--annotate",
    "annotate_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a copy of the (one) workbook with every finding marked in place and a Review Findings sheet.",
)
@limit_options
def validate(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    as_of: dt.datetime | None,
    jobs: int,
    quiet: bool,
    annotate_to: Path | None,
    limits: Any,
) -> None:
    """Check workbooks (files or folders) alone and against each other.

    `--annotate OUT` writes the client's workbook back with each cell at fault highlighted and
    commented, and a first sheet listing every finding; the input is never modified.

    Exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read.
    """
    from toolkit import render
    from toolkit.validate import expand
    from toolkit.validate import validate as run

    if annotate_to is not None:
        files = expand(paths)
        if len(files) != 1:
            fail(f"--annotate marks up one workbook, but {len(files)} were given")
        if annotate_to.suffix.lower() != ".xlsx":
            fail(f"{annotate_to}: --annotate writes an Excel workbook; name it .xlsx")
        if files[0].suffix.lower() in (".csv", ".tsv", ".txt"):
            fail(f"{files[0]}: only .xlsx workbooks can be annotated; save the CSV as .xlsx first")
        guard_output(annotate_to, files[0], output)
    import os

    files = expand(paths)
    workers = jobs or os.cpu_count() or 1
    if quiet or len(files) < 2 or not sys.stderr.isatty():
        report = run(files, as_of=as_of.date() if as_of else None, limits=limits, jobs=workers)
    else:
        with click.progressbar(length=len(files), label="checking", file=sys.stderr) as bar:
            report = run(
                files, as_of=as_of.date() if as_of else None, limits=limits, jobs=workers, progress=lambda _p: bar.update(1)
            )
    emit(render.report_json(report) if fmt == "json" else render.report_text(report), output)
    if annotate_to is not None:
        _annotate(report.files[0], annotate_to, limits)
    sys.exit(report.exit_code)


def _annotate(file_report: Any, output: Path, limits: Any) -> None:
    from toolkit.annotate import annotate
    from toolkit.guard import ReadError

    if file_report.error is not None:
        click.echo(f"ctk: {file_report.path}: not annotated: {file_report.error}", err=True)
        return
    try:
        result = annotate(file_report.path, file_report.findings, output, limits=limits)
    except ReadError as exc:
        fail(f"{exc.path}: {exc}")
        return
    for note in result.warnings:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"wrote {output}: {result.cells} cells marked, {result.listed} findings listed", err=True)


@main.command()
@output_options("text", "json")
def rules(fmt: str, output: Path | None) -> None:
    """List every rule code with its workbook kind, severity and a one-line description."""
    import json

    from toolkit.rules import load_all

    all_rules = sorted(load_all().values(), key=lambda r: r.code)
    if fmt == "json":
        data = [{"code": r.code, "kind": r.kind, "severity": r.severity, "summary": r.summary} for r in all_rules]
        emit(json.dumps(data, indent=2) + "\n", output)
    else:
        emit("".join(f"{r.code}  {r.kind:<7} {r.severity:<7} {r.summary}\n" for r in all_rules), output)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--sheet", help="Which table to export (default: the workbook's main table).")
@output_options("csv", "json")
@limit_options
def export(path: Path, sheet: str | None, fmt: str, output: Path | None, limits: Any) -> None:
    """Print the records of a workbook's table as CSV or JSON (for pandas or a spreadsheet)."""
    from toolkit import render
    from toolkit.export import table_rows
    from toolkit.guard import ReadError

    try:
        header, rows = table_rows(path, sheet, limits=limits)
    except ReadError as exc:
        fail(f"{path}: {exc}")
        return
    except KeyError as exc:
        fail(f"{path}: {exc.args[0]}")
        return
    if output is not None:
        guard_output(output, path)
    emit(render.rows_json(header, rows) if fmt == "json" else render.rows_csv(header, rows), output)


@main.command()
@click.argument("inventory", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook to write."
)
@org_option
@merge_option
@limit_options
def gap(inventory: Path, output: Path, org: str | None, merge_from: Path | None, limits: Any) -> None:
    """Build the gap assessment from the client's SOC 2 control matrix (.xlsx or .csv).

    Every Annex A control and clause 4-10 requirement gets a suggested rating from the
    crosswalk and the client's tested controls; Coverage is pre-filled with it.
    """
    from toolkit.gap import build_gap, read_inventory, write_gap

    produce(
        "gap",
        output,
        (inventory,),
        merge_from,
        limits,
        lambda: build_gap(read_inventory(inventory, limits)),
        lambda book: write_gap(book, output, org),
    )


@main.group(invoke_without_command=True)
@click.option("--gap", "gap_path", type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook.")
@click.option("--risks", "risk_path", type=click.Path(dir_okay=False, path_type=Path), help="The risk register workbook.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The SoA workbook to write.")
@merge_option
@org_option
@click.option("--owner", help="Document Control: the SoA's owner.")
@click.option("--approved-by", help="Document Control: who approved it.")
@click.option("--approval-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Document Control: when (YYYY-MM-DD).")
@click.option("--version", "doc_version", help="Document Control: the version (default 0.1).")
@limit_options
@click.pass_context
def soa(
    ctx: click.Context,
    gap_path: Path | None,
    risk_path: Path | None,
    output: Path | None,
    merge_from: Path | None,
    org: str | None,
    owner: str | None,
    approved_by: str | None,
    approval_date: dt.datetime | None,
    doc_version: str | None,
    limits: Any,
) -> None:
    """The Statement of Applicability, built from the gap assessment and the risk register.

    `ctk soa --gap gap.xlsx --risks risks.xlsx -o soa.xlsx` builds it: every control applicable
    unless your --merge input says otherwise, justified by the risks relying on it, its status
    from the gap rating, its evidence from the client's SOC 2 controls. `ctk soa new` writes a
    blank one.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = limits
        return
    if gap_path is None or output is None:
        click.echo(ctx.get_help())
        if gap_path is not None or output is not None or risk_path is not None:
            fail("ctk soa needs --gap and -o (and usually --risks); or use `ctk soa new`")
        return
    from toolkit.reader import read_workbook
    from toolkit.soa import build_soa, write_soa

    fields = {
        "Organisation": org,
        "Owner": owner,
        "Approved By": approved_by,
        "Approval Date": approval_date.date() if approval_date else None,
        "Version": doc_version,
    }
    produce(
        "soa",
        output,
        (gap_path, risk_path),
        merge_from,
        limits,
        lambda: build_soa(
            read_workbook(gap_path, kind="gap", limits=limits),
            read_workbook(risk_path, kind="risk", limits=limits) if risk_path else None,
            fields,
        ),
        lambda book: write_soa(book, output, org),
    )


@soa.command("new")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The workbook to write.")
@org_option
@merge_option
@click.pass_obj
def soa_new(limits: Any, output: Path, org: str | None, merge_from: Path | None) -> None:
    """Write a blank SoA: Document Control and all 93 Annex A controls to fill in."""
    from toolkit.soa import new_soa, write_soa

    produce("soa", output, (), merge_from, limits, lambda: new_soa(org), lambda book: write_soa(book, output, org))


@main.group(invoke_without_command=True)
@click.pass_context
def risk(ctx: click.Context) -> None:
    """The information security risk register."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@risk.command("new")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The workbook to write.")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Start from these risks (.csv or .xlsx with the register's headers).",
)
@org_option
@click.option(
    "--threshold",
    type=click.IntRange(1, 25),
    default=9,
    show_default=True,
    help="Acceptance threshold: risks scoring above it need an authorised acceptor.",
)
@click.option("--review-months", type=click.IntRange(1, 60), default=12, show_default=True, help="Review interval in months.")
@merge_option
@limit_options
def risk_new(
    output: Path, source: Path | None, org: str | None, threshold: int, review_months: int, merge_from: Path | None, limits: Any
) -> None:
    """Write a risk register: Methodology, Risk Register (with scores and levels) and Heat Map."""
    from toolkit.risk import Method, build_register, import_risks, refresh, write_register

    method = Method(threshold=threshold, review_months=review_months)
    produce(
        "risk",
        output,
        (source,),
        merge_from,
        limits,
        lambda: build_register(import_risks(source, limits) if source else [], org, method),
        lambda book: write_register(book, output, org),
        refresh,
    )


@main.command()
@click.option(
    "--gap", "gap_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook."
)
@click.option(
    "--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Kick-off date: week 1 starts on it (YYYY-MM-DD)."
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The roadmap workbook to write."
)
@click.option(
    "--size",
    type=click.Choice(["small", "medium", "large", "enterprise"]),
    default="medium",
    show_default=True,
    help="Organisation size: sets the Stage 2 audit length (3, 5, 6 or 8 days).",
)
@org_option
@merge_option
@limit_options
def roadmap(
    gap_path: Path, start: dt.datetime, output: Path, size: str, org: str | None, merge_from: Path | None, limits: Any
) -> None:
    """Write the phase-by-phase roadmap from the gap assessment and a start date.

    An Overview with the five phases, their calendar dates and a week-by-week Gantt view, then
    one sheet of tasks per phase: phase 2 from the clause gaps, phase 3 from every partially or
    not addressed control, phases 1, 4 and 5 from the engagement's steps.
    """
    from toolkit.reader import read_workbook
    from toolkit.roadmap import SIZES, build_roadmap, refresh, write_roadmap

    size_name = next(s for s in SIZES if s.lower().startswith(size))
    produce(
        "roadmap",
        output,
        (gap_path,),
        merge_from,
        limits,
        lambda: build_roadmap(read_workbook(gap_path, kind="gap", limits=limits), start.date(), size_name, org),
        lambda book: write_roadmap(book, output, org),
        refresh,
    )


def _pack_summary(written: list[Path], notes: list[str], report: Any, quiet: bool) -> None:
    from toolkit import render

    for note in notes:
        click.echo(f"warning: {note}", err=True)
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}", err=True)
    click.echo(render.report_text(report), nl=False)
    sys.exit(report.exit_code)


def _progress(quiet: bool) -> Callable[[str], None]:
    return (lambda _msg: None) if quiet else (lambda msg: click.echo(msg, err=True))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@org_option
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), help="Kick-off date (default: next Monday).")
@click.option("--currency", default="USD", show_default=True, help="Currency of the cost summary.")
def init(folder: Path, org: str | None, start: dt.datetime | None, currency: str) -> None:
    """Start an engagement folder: a settings file and a blank SOC 2 control matrix to fill in."""
    from toolkit.engagement import init as run

    if start is None:
        today = dt.date.today()
        day = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        day = start.date()
    for path in run(folder, org, day, currency):
        click.echo(f"wrote {path}", err=True)
    click.echo(
        f"next: fill in {folder / 'soc2_controls.xlsx'} (or drop soc2_controls.csv there), then run: ctk build {folder}", err=True
    )


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Only the validation summary.")
@limit_options
def build(folder: Path, quiet: bool, limits: Any) -> None:
    """Build the engagement pack in FOLDER: gap, risk register, SoA, roadmap, cost savings; then validate.

    What the folder already holds is merged, so the client's edits survive. Exit status is
    the validation's: 0 clean, 1 errors, 2 a file could not be read.
    """
    from toolkit.engagement import build as run
    from toolkit.guard import ReadError

    try:
        written, notes, report = run(folder, limits, _progress(quiet))
    except ReadError as exc:
        fail(f"{exc.path}: {exc}")
        return
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
        return
    _pack_summary(written, notes, report, quiet)


@main.command()
@click.argument("folder", default="demo_output", type=click.Path(file_okay=False, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Only the validation summary.")
def demo(folder: Path, quiet: bool) -> None:
    """Build the whole engagement pack for the bundled sample company in FOLDER (default demo_output)."""
    from toolkit.engagement import demo as run

    written, notes, report = run(folder, progress=_progress(quiet))
    _pack_summary(written, notes, report, quiet)


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@output_options("text", "json")
@limit_options
def diff(old: Path, new: Path, fmt: str, output: Path | None, limits: Any) -> None:
    """What changed between two versions of a workbook, record by record.

    Records are paired by their key (Control ID, Clause, Risk ID, Task ID), not by position:
    column order, blank rows, moved rows and formatting make no difference. `-o changes.xlsx`
    writes one filterable sheet of changes; any other -o name gets the text or JSON.

    Exit status: 0 identical, 1 different, 2 could not run (unreadable file, different kinds).
    """
    from toolkit import render
    from toolkit.diff import KindMismatch, diff_files
    from toolkit.guard import ReadError

    if output is not None:
        guard_output(output, old, new)
    try:
        result = diff_files(old, new, limits=limits)
    except ReadError as exc:
        fail(f"{exc.path}: {exc}")
        return
    except KindMismatch as exc:
        fail(str(exc))
        return
    if output is not None and output.suffix.lower() == ".xlsx":
        render.diff_xlsx(result, output)
        click.echo(f"wrote {output}: {render.diff_summary(result)}", err=True)
    else:
        emit(render.diff_json(result) if fmt == "json" else render.diff_text(result), output)
    sys.exit(result.exit_code)


@main.command()
@click.option(
    "--gap", "gap_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook."
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The cost-savings workbook to write."
)
@click.option("--currency", default="USD", show_default=True, help="Currency of the amounts: USD, EUR, GBP, CHF, CAD or AUD.")
@org_option
@merge_option
@limit_options
def savings(gap_path: Path, output: Path, currency: str, org: str | None, merge_from: Path | None, limits: Any) -> None:
    """Write the cost savings of extending SOC 2 vs starting ISO 27001 from scratch.

    Inputs holds the assumptions (currency, day rate, FTE cost, platform, audit and maintenance
    costs) with defaults to change; the Cost Savings Summary gives the article's six categories as
    live formulas over them, with a chart. Where the article gives a range, the gap assessment's
    share of Annex A fully addressed picks the point. With --merge the client's Inputs win.
    """
    from toolkit.savings import INPUTS, read_coverage, refresh, write_savings
    from toolkit.savings import build_savings as build_book
    from toolkit.schema import load_spec

    guard_output(output, gap_path, merge_from)
    allowed = load_spec("savings").sheet(INPUTS).column("Currency")
    code = allowed.canonical(currency)
    if code is None:
        fail(f"--currency {currency!r} is not one of: {', '.join(allowed.values)}")
        return
    produce(
        "savings",
        output,
        (gap_path,),
        merge_from,
        limits,
        lambda: build_book(read_coverage(gap_path, limits), org=org, currency=code),
        lambda book: write_savings(book, output, org),
        refresh,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
