"""The `ctk` command line: each command parses its options, calls one `toolkit.api` function, renders.

Nothing else in the package imports click. Exit status: 0 clean, 1 findings (validate, diff,
readiness), 2 could not run: a one-line error the user can fix, or an internal error (a bug in
ctk, named by where it happened; `ctk --debug ...` shows the traceback).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from toolkit import api
from toolkit.errors import CtkError, InternalError
from toolkit.workbook.guard.base import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from toolkit.kinds import Generated

F = Callable[..., Any]
_DEBUG = {"on": False}


class CtkGroup(click.Group):
    """Turns what escapes a command into one line and exit status 2 (never 1, never a traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except CtkError as exc:
            click.echo(f"ctk: {exc.one_line()}", err=True)
            ctx.exit(2)
        except Exception as exc:
            if _DEBUG["on"]:
                raise
            error = exc if isinstance(exc, InternalError) else InternalError.wrap(ctx.invoked_subcommand or "ctk", exc)
            click.echo(f"ctk: {error} (run `ctk --debug ...` for the traceback)", err=True)
            ctx.exit(2)


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
    d = DEFAULT_LIMITS
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
        # A limit is a positive number: `--max-file-mb -5` is refused, not read as "no file is small enough".
        bounded = click.FloatRange(min=0, min_open=True) if typ is float else click.IntRange(min=1)
        func = click.option(flag, type=bounded, default=value, show_default=True, help=text)(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["limits"] = Limits(
            max_file_mb=kwargs.pop("max_file_mb"),
            max_uncompressed_mb=kwargs.pop("max_uncompressed_mb"),
            max_ratio=kwargs.pop("max_ratio"),
            max_parts=kwargs.pop("max_parts"),
            max_cells=kwargs.pop("max_cells"),
        )
        return func(*args, **kwargs)

    return wrapper


def merge_option(func: F) -> F:
    return click.option(
        "--merge",
        "merge_from",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Keep every value the client typed in this earlier workbook (and their extra columns, rows and sheets).",
    )(func)


def kind_option(func: F) -> F:
    return click.option(
        "--kind",
        metavar="KIND",
        help="Read the file(s) as this kind of workbook (soc2, gap, risk, soa, roadmap, savings, isms) "
        "instead of telling it from the headers.",
    )(func)


def org_option(func: F) -> F:
    return click.option("--org", help="The client organisation's name, shown in titles.")(func)


def required_output(what: str) -> Callable[[F], F]:
    return click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help=what)


DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


#: Output names that promise a spreadsheet, which a text, CSV or JSON output must not take.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
#: What each text format is named, and the names that would promise another format.
TEXT_SUFFIXES = {"text": ".txt", "json": ".json", "csv": ".csv"}


def check_text_output(output: Path | None, fmt: str, command: str) -> None:
    """Refuse an output name whose extension says another format than the one written, with the fix."""
    if output is None:
        return
    suffix = output.suffix.lower()
    right = TEXT_SUFFIXES.get(fmt, ".txt")
    others = set(TEXT_SUFFIXES.values()) - {right, ".txt"}
    if suffix in SPREADSHEET_SUFFIXES or suffix in others:
        fail(
            f"{output}: `ctk {command}` writes {fmt.upper() if fmt != 'text' else 'plain text'} there, not a "
            f"{suffix} file; name it {output.with_suffix(right).name}"
            + (" (or use --format)" if suffix in TEXT_SUFFIXES.values() else "")
        )


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from toolkit.workbook.writer import atomic_output

    with atomic_output(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


class busy:
    """A line on a terminal saying a single long step is still running, shown after `after` seconds.

    Silent when standard error is not a terminal (piped, in CI) or with --quiet."""

    def __init__(self, label: str, quiet: bool = False, stream: Any = None, after: float = 2.0, every: float = 1.0) -> None:
        import threading

        self.label, self.after, self.every = label, after, every
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = not quiet and bool(isatty and isatty())
        self.shown = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import time

        start = time.monotonic()
        if self._done.wait(self.after):
            return
        while not self._done.is_set():
            self.stream.write(f"\r{self.label} ... {time.monotonic() - start:.0f} s")
            self.stream.flush()
            self.shown = True
            self._done.wait(self.every)

    def __enter__(self) -> busy:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self.enabled:
            self._thread.join()
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()


def fail(message: str) -> NoReturn:
    """A one-line error the user can fix: no traceback, exit status 2."""
    click.echo(f"ctk: {message}", err=True)
    sys.exit(2)


def wrote(made: Generated) -> None:
    from toolkit import render

    for note in made.notes:
        click.echo(f"warning: {note}", err=True)
    for finding in made.findings:
        click.echo(render.finding_line(str(made.path), finding), err=True)
    click.echo(f"wrote {made.path}", err=True)


def quiet_option(func: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, help="No progress line on long runs.")(func)


@click.group(cls=CtkGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ctk-iso27001", prog_name="ctk")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def main(debug: bool) -> None:
    """ctk: from SOC 2 to ISO/IEC 27001:2022 through Excel workbooks.

    Generate the gap assessment, risk register, Statement of Applicability, roadmap, cost-savings
    and ISMS workbooks; read back what clients return; validate them alone and together; say
    whether the pack is ready for the Stage 1 audit.
    """
    _DEBUG["on"] = debug


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options("text", "json")
@click.option("--as-of", type=DATE, help="Judge review dates against this day instead of today.")
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
@kind_option
@limit_options
def validate(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    as_of: dt.datetime | None,
    jobs: int,
    quiet: bool,
    annotate_to: Path | None,
    kind: str | None,
    limits: Limits,
) -> None:
    """Check workbooks (files or folders) alone and against each other.

    `--annotate OUT` writes the client's workbook back with each cell at fault highlighted and
    commented, and a first sheet listing every finding; the input is never modified.

    Folders are searched for .xlsx, .xlsm, .ods and .csv files; what else they hold is named as
    skipped. `--kind` reads every file as that kind instead of telling it from its headers.

    Exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read (or a
    folder holds nothing to check).
    """
    import os

    from toolkit import render
    from toolkit.validation import expand

    check_text_output(output, fmt, "validate")
    files = expand(paths)
    if annotate_to is not None:
        if len(files) != 1:
            fail(f"--annotate marks up one workbook, but {len(files)} were given")
        if files[0].suffix.lower() in (".csv", ".tsv", ".txt", ".ods"):
            fail(f"{files[0]}: only .xlsx workbooks can be annotated; save it as .xlsx first")
        if annotate_to.suffix.lower() != ".xlsx":
            fail(f"{annotate_to}: --annotate writes an Excel workbook; name it .xlsx")
    workers = jobs or os.cpu_count() or 1
    if len(files) < 2:
        with busy(f"checking {files[0] if files else ''}", quiet):
            report = api.validate(list(paths), as_of=_day(as_of), limits=limits, jobs=workers, kind=kind)
    elif quiet or not sys.stderr.isatty():
        report = api.validate(list(paths), as_of=_day(as_of), limits=limits, jobs=workers, kind=kind)
    else:
        with click.progressbar(length=len(files), label="checking", file=sys.stderr) as bar:
            report = api.validate(
                list(paths), as_of=_day(as_of), limits=limits, jobs=workers, progress=lambda _p: bar.update(1), kind=kind
            )
    emit(render.report_json(report) if fmt == "json" else render.report_text(report), output)
    if annotate_to is not None:
        _annotate(report.files[0], annotate_to, limits, quiet)
    sys.exit(report.exit_code)


def _annotate(file_report: Any, output: Path, limits: Limits, quiet: bool = False) -> None:
    if file_report.error is not None:
        click.echo(f"ctk: {file_report.path}: not annotated: {file_report.error}", err=True)
        return
    with busy(f"annotating {file_report.path}", quiet):
        result = api.annotate(file_report.path, file_report.findings, output, limits=limits)
    for note in result.warnings:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"wrote {output}: {result.cells} cells marked, {result.listed} findings listed", err=True)


@main.command()
@click.argument("code", required=False)
@output_options("text", "json")
def rules(code: str | None, fmt: str, output: Path | None) -> None:
    """List every rule code with its workbook kind, severity and a one-line description.

    `ctk rules SOA007` shows one rule with its bad and good examples.
    """
    from toolkit import render

    check_text_output(output, fmt, "rules")
    chosen = [api.rule(code)] if code else api.list_rules()
    emit(render.rules_json(chosen) if fmt == "json" else render.rules_text(chosen, detail=code is not None), output)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--sheet", help="Which table to export (default: every table the workbook holds).")
@output_options("csv", "json")
@kind_option
@click.option(
    "--dialect",
    type=click.Choice(["excel", "excel-eu"]),
    default="excel",
    show_default=True,
    help="CSV for Excel: excel (comma) or excel-eu (semicolon, decimal comma, UTF-8 with BOM) for European settings.",
)
@quiet_option
@limit_options
def export(
    path: Path, sheet: str | None, fmt: str, output: Path | None, kind: str | None, dialect: str, quiet: bool, limits: Limits
) -> None:
    """Print the records of a workbook's tables as CSV or JSON (for pandas or a spreadsheet).

    Works on every kind, and on workbooks ctk did not write (.xlsx, .ods, .csv); `--kind`
    reads the file as that kind instead of telling it from its headers.
    """
    from toolkit import render

    check_text_output(output, fmt, "export")
    with busy(f"reading {path}", quiet):
        header, rows = api.export(path, sheet, limits=limits, kind=kind)
    if output is not None and output.exists() and output.resolve() == path.resolve():
        fail(f"{output}: refusing to overwrite an input file; choose another --output")
    emit(render.rows_json(header, rows) if fmt == "json" else render.rows_csv(header, rows, dialect), output)


@main.command()
@click.argument("inventory", type=click.Path(path_type=Path))
@required_output("The gap assessment workbook to write.")
@org_option
@merge_option
@quiet_option
@limit_options
def gap(inventory: Path, output: Path, org: str | None, merge_from: Path | None, quiet: bool, limits: Limits) -> None:
    """Build the gap assessment from the client's SOC 2 control matrix (.xlsx or .csv).

    Every Annex A control and clause 4-10 requirement gets a suggested rating from the
    crosswalk and the client's tested controls; Coverage is pre-filled with it.
    """
    with busy(f"writing {output}", quiet):
        made = api.generate_gap(inventory, output, org=org, merge_from=merge_from, limits=limits)
    wrote(made)


@main.group(invoke_without_command=True)
@click.option("--gap", "gap_path", type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook.")
@click.option("--risks", "risk_path", type=click.Path(dir_okay=False, path_type=Path), help="The risk register workbook.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The SoA workbook to write.")
@merge_option
@org_option
@click.option("--owner", help="Document Control: the SoA's owner.")
@click.option("--approved-by", help="Document Control: who approved it.")
@click.option("--approval-date", type=DATE, help="Document Control: when (YYYY-MM-DD).")
@click.option("--version", "doc_version", help="Document Control: the version (default 0.1).")
@quiet_option
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
    quiet: bool,
    limits: Limits,
) -> None:
    """The Statement of Applicability, built from the gap assessment and the risk register.

    `ctk soa --gap gap.xlsx --risks risks.xlsx -o soa.xlsx` builds it: every control applicable
    unless your --merge input says otherwise, justified by the risks relying on it, its status
    from the gap rating, its evidence from the client's SOC 2 controls. `ctk soa new` writes a
    blank one.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = (limits, quiet)
        return
    if gap_path is None or output is None:
        given = [gap_path, risk_path, output, merge_from, org, owner, approved_by, approval_date, doc_version]
        if all(v is None for v in given):
            click.echo(ctx.get_help())
            return
        lacking = " and ".join(name for name, v in (("--gap", gap_path), ("-o/--output", output)) if v is None)
        fail(f"ctk soa needs {lacking} (and usually --risks); `ctk soa new -o soa.xlsx` writes a blank one")
    with busy(f"writing {output}", quiet):
        made = api.generate_soa(
            output,
            gap=gap_path,
            risks=risk_path,
            org=org,
            owner=owner,
            approved_by=approved_by,
            approval_date=_day(approval_date),
            version=doc_version,
            merge_from=merge_from,
            limits=limits,
        )
    wrote(made)


@soa.command("new")
@required_output("The workbook to write.")
@org_option
@merge_option
@click.pass_obj
def soa_new(obj: tuple[Limits, bool], output: Path, org: str | None, merge_from: Path | None) -> None:
    """Write a blank SoA: Document Control and all 93 Annex A controls to fill in."""
    limits, quiet = obj
    with busy(f"writing {output}", quiet):
        made = api.generate_blank_soa(output, org=org, merge_from=merge_from, limits=limits)
    wrote(made)


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@required_output("The ISO/IEC 27001:2022 SoA to write.")
@org_option
@limit_options
def migrate(source: Path, output: Path, org: str | None, limits: Limits) -> None:
    """Carry an ISO/IEC 27001:2013 Statement of Applicability onto the 2022 controls.

    Each 2022 control takes what was written for its 2013 predecessors (the transition table):
    applicable if any was, their justifications, evidence, policies and owners side by side, a
    status that claims no more than they did. The 11 controls new in 2022 are left blank, named.
    """
    wrote(api.migrate_soa(source, output, org=org, limits=limits))


@main.group(invoke_without_command=True)
@click.pass_context
def risk(ctx: click.Context) -> None:
    """The information security risk register."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@risk.command("new")
@required_output("The workbook to write.")
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
@quiet_option
@limit_options
def risk_new(
    output: Path,
    source: Path | None,
    org: str | None,
    threshold: int,
    review_months: int,
    merge_from: Path | None,
    quiet: bool,
    limits: Limits,
) -> None:
    """Write a risk register: Methodology, Risk Register (with scores and levels) and Heat Map."""
    with busy(f"writing {output}", quiet):
        made = api.generate_risk_register(
            output,
            source=source,
            org=org,
            threshold=threshold,
            review_months=review_months,
            merge_from=merge_from,
            limits=limits,
        )
    wrote(made)


@main.command()
@click.option(
    "--gap", "gap_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook."
)
@click.option("--start", required=True, type=DATE, help="Kick-off date: week 1 starts on it (YYYY-MM-DD).")
@required_output("The roadmap workbook to write.")
@click.option(
    "--size",
    type=click.Choice(["small", "medium", "large", "enterprise"]),
    default="medium",
    show_default=True,
    help="Organisation size: sets the Stage 2 audit length (3, 5, 6 or 8 days).",
)
@org_option
@merge_option
@quiet_option
@limit_options
def roadmap(
    gap_path: Path,
    start: dt.datetime,
    output: Path,
    size: str,
    org: str | None,
    merge_from: Path | None,
    quiet: bool,
    limits: Limits,
) -> None:
    """Write the phase-by-phase roadmap from the gap assessment and a start date.

    An Overview with the five phases, their calendar dates and a week-by-week Gantt view, then
    one sheet of tasks per phase: phase 2 from the clause gaps, phase 3 from every partially or
    not addressed control, phases 1, 4 and 5 from the engagement's steps.
    """
    with busy(f"writing {output}", quiet):
        made = api.generate_roadmap(
            output, gap=gap_path, start=start.date(), size=size, org=org, merge_from=merge_from, limits=limits
        )
    wrote(made)


@main.command()
@click.option(
    "--gap", "gap_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook."
)
@required_output("The cost-savings workbook to write.")
@click.option("--currency", default="USD", show_default=True, help="Currency of the amounts: USD, EUR, GBP, CHF, CAD or AUD.")
@org_option
@merge_option
@quiet_option
@limit_options
def savings(
    gap_path: Path, output: Path, currency: str, org: str | None, merge_from: Path | None, quiet: bool, limits: Limits
) -> None:
    """Write the cost savings of extending SOC 2 vs starting ISO 27001 from scratch.

    Inputs holds the assumptions (currency, day rate, FTE cost, platform, audit and maintenance
    costs) with defaults to change; the Cost Savings Summary gives the article's six categories as
    live formulas over them, with a chart. Where the article gives a range, the gap assessment's
    share of Annex A fully addressed picks the point. With --merge the client's Inputs win.
    """
    with busy(f"writing {output}", quiet):
        made = api.generate_savings(output, gap=gap_path, currency=currency, org=org, merge_from=merge_from, limits=limits)
    wrote(made)


@main.command()
@click.option("--gap", "gap_path", type=click.Path(dir_okay=False, path_type=Path), help="The gap assessment workbook.")
@click.option("--soa", "soa_path", type=click.Path(dir_okay=False, path_type=Path), help="The Statement of Applicability.")
@click.option("--risks", "risk_path", type=click.Path(dir_okay=False, path_type=Path), help="The risk register workbook.")
@click.option(
    "--roadmap",
    "roadmap_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The roadmap: the audits and the review are dated before its Stage 1.",
)
@click.option("--start", type=DATE, help="Without a roadmap: spread the audits over twelve months from this day (YYYY-MM-DD).")
@click.option("--as-of", type=DATE, help="Judge readiness at this day instead of today.")
@required_output("The ISMS workbook to write.")
@org_option
@merge_option
@quiet_option
@limit_options
def isms(
    gap_path: Path | None,
    soa_path: Path | None,
    risk_path: Path | None,
    roadmap_path: Path | None,
    start: dt.datetime | None,
    as_of: dt.datetime | None,
    output: Path,
    org: str | None,
    merge_from: Path | None,
    quiet: bool,
    limits: Limits,
) -> None:
    """Write the ISMS workbook (clauses 4-10): context, scope, objectives, documents, audits, reviews.

    Seeded from what the engagement knows: the document register from the SoA's policies and the
    open clause gaps' deliverables, an audit programme covering every clause and applicable
    control, a management review with the seven 9.3.2 inputs, typical SaaS context issues and
    interested parties marked "To confirm". A Readiness sheet gives the Stage 1 verdict.
    """
    with busy(f"writing {output}", quiet):
        made = api.generate_isms(
            output,
            gap=gap_path,
            soa=soa_path,
            risks=risk_path,
            roadmap=roadmap_path,
            start=_day(start),
            org=org,
            merge_from=merge_from,
            as_of=_day(as_of),
            limits=limits,
        )
    wrote(made)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@output_options("text", "json")
@click.option("--as-of", type=DATE, help="Judge at this day (default: ctk.toml's as_of, else today).")
@limit_options
def readiness(folder: Path, fmt: str, output: Path | None, as_of: dt.datetime | None, limits: Limits) -> None:
    """Say, item by item, whether FOLDER holds what a Stage 1 auditor asks for.

    Scope, policy, risk assessment and treatment process and results, SoA, objectives,
    competence evidence, monitoring results, audit programme and results, management review
    results, nonconformities: each ready, incomplete (with the cell that shows why) or missing.

    Exit status: 0 ready, 1 not ready, 2 could not run (no such folder, an unreadable workbook,
    two workbooks of one kind).
    """
    from toolkit import render

    check_text_output(output, fmt, "readiness")
    result = api.readiness(folder, as_of=_day(as_of), limits=limits)
    emit(render.readiness_json(result) if fmt == "json" else render.readiness_text(result), output)
    sys.exit(result.exit_code)


def _pack_summary(pack: Any, quiet: bool) -> None:
    """What a build did, workbook by workbook; then the validation (only its summary with --quiet)."""
    from toolkit import render

    if not quiet:
        for note in pack.notes:
            click.echo(f"warning: {note}", err=True)
        for change in pack.changes:
            if pack.dry_run:
                click.echo(f"{change.path}: {change.summary}", err=True)
                continue
            if change.returned_copy is not None:
                click.echo(f"kept the client's {change.path.name} as returned: {change.returned_copy}", err=True)
            if change.state == "unchanged":
                click.echo(f"unchanged {change.path}", err=True)
            else:
                sent = f" (as sent: {change.sent_copy})" if change.sent_copy is not None else ""
                click.echo(f"wrote {change.path}{sent}", err=True)
        click.echo(render.report_text(pack.report), nl=False)
    else:
        click.echo(render.report_summary(pack.report))
    if pack.dry_run:
        click.echo("dry run: nothing was written", err=True)
    sys.exit(pack.report.exit_code)


def _progress(quiet: bool) -> Callable[[str], None]:
    return (lambda _msg: None) if quiet else (lambda msg: click.echo(msg, err=True))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@org_option
@click.option("--start", type=DATE, help="Kick-off date (default for a new folder: next Monday).")
@click.option("--currency", help="Currency of the cost summary (default for a new folder: USD).")
def init(folder: Path, org: str | None, start: dt.datetime | None, currency: str | None) -> None:
    """Start an engagement folder: a settings file and a blank SOC 2 control matrix to fill in.

    On a folder that already has settings, the options given replace those settings and the
    rest is kept; each is said."""
    import shlex

    done = api.init_engagement(folder, org=org, start=_day(start), currency=currency)
    for path in done.written:
        click.echo(f"wrote {path}", err=True)
    settings = folder / "ctk.toml"
    for change in done.changed:
        click.echo(f"changed in {settings}: {change}", err=True)
    if done.kept:
        click.echo(f"kept in {folder}: {'; '.join(done.kept)}", err=True)
    click.echo(
        f"next: fill in {folder / 'soc2_controls.xlsx'} (or drop soc2_controls.csv there), then run: "
        f"ctk build {shlex.quote(str(folder))}",
        err=True,
    )


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Only the validation summary line.")
@click.option("-n", "--dry-run", is_flag=True, help="Say what a rebuild would change, workbook by workbook; write nothing.")
@limit_options
def build(folder: Path, quiet: bool, dry_run: bool, limits: Limits) -> None:
    """Build the engagement pack in FOLDER: gap, risk register, SoA, roadmap, cost savings, ISMS; then validate.

    Each workbook is merged three ways with the folder's copy: what the client changed is kept,
    what they left as sent is refreshed, what both changed is kept and reported (MRG001). Each
    workbook as sent is kept in FOLDER/sent/<date>/, each the client returned in
    FOLDER/returned/<date>/. Exit status is the validation's: 0 clean, 1 errors, 2 a file could
    not be read.
    """
    _pack_summary(api.build_engagement(folder, limits=limits, progress=_progress(quiet), dry_run=dry_run), quiet)


@main.command()
@click.argument("folder", default="demo_output", type=click.Path(file_okay=False, path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Only the validation summary line.")
def demo(folder: Path, quiet: bool) -> None:
    """Build the whole engagement pack for the bundled sample company in FOLDER (default demo_output)."""
    _pack_summary(api.demo(folder, progress=_progress(quiet)), quiet)


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@output_options("text", "json")
@kind_option
@quiet_option
@limit_options
def diff(old: Path, new: Path, fmt: str, output: Path | None, kind: str | None, quiet: bool, limits: Limits) -> None:
    """What changed between two versions of a workbook: sheets added, removed or renamed,
    columns, form fields, and record by record.

    Records are paired by their key (Control ID, Clause, Risk ID, Task ID), not by position:
    column order, blank rows, moved rows and formatting make no difference. `-o changes.xlsx`
    writes one filterable sheet of changes; `-o changes.txt` or `.json` the text or JSON.

    `--kind` reads both files as that kind instead of telling it from their headers.

    Exit status: 0 identical, 1 different, 2 could not run (unreadable file, different kinds).
    """
    from toolkit import render

    for p in (old, new):
        if output is not None and output.exists() and p.exists() and output.resolve() == p.resolve():
            fail(f"{output}: refusing to overwrite an input file; choose another --output")
    if output is not None and output.suffix.lower() != ".xlsx":
        check_text_output(output, fmt, "diff")
    with busy(f"comparing {old} and {new}", quiet):
        result = api.diff(old, new, limits=limits, kind=kind)
    if output is not None and output.suffix.lower() == ".xlsx":
        api.write_diff(result, output)
        click.echo(f"wrote {output}: {render.diff_summary(result)}", err=True)
    else:
        emit(render.diff_json(result) if fmt == "json" else render.diff_text(result), output)
    sys.exit(result.exit_code)


@main.command()
@click.argument("clients", type=click.Path(file_okay=False, path_type=Path))
@output_options("text", "json")
@click.option("--as-of", type=DATE, help="Judge overdue tasks, milestones and reviews at this day instead of today.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 64),
    default=1,
    show_default=True,
    help="Survey client folders in this many processes (0: one per core).",
)
@quiet_option
@limit_options
def portfolio(
    clients: Path, fmt: str, output: Path | None, as_of: dt.datetime | None, jobs: int, quiet: bool, limits: Limits
) -> None:
    """One row per client folder in CLIENTS: where each engagement stands.

    Annex A and clauses fully / partially / not addressed, the Stage 1 readiness verdict, errors
    and warnings, risks above the threshold nobody accepted, overdue tasks and the next milestone,
    the Stage 1 and Stage 2 dates, and days since the client last returned a workbook. `-o
    portfolio.xlsx` writes a workbook with colour and a chart. A folder that cannot be read is
    named; the others are still surveyed.
    """
    import os

    from toolkit import render

    if output is not None and output.suffix.lower() != ".xlsx":
        check_text_output(output, fmt, "portfolio")
    with busy(f"surveying {clients}", quiet):
        result = api.portfolio(clients, as_of=_day(as_of), jobs=jobs or os.cpu_count() or 1, limits=limits)
    if output is not None and output.suffix.lower() == ".xlsx":
        api.write_portfolio(result, output)
        click.echo(f"wrote {output}: {len(result.rows)} clients", err=True)
    else:
        emit(render.portfolio_json(result) if fmt == "json" else render.portfolio_text(result), output)
    for folder, reason in result.unreadable:
        click.echo(f"warning: {folder}: could not be read: {reason}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
