"""The public API: one function per operation. The `ctk` command calls these and renders.

Usable from a notebook or a script::

    from toolkit import read_workbook, validate
    report = validate("soa.xlsx")          # a file, a folder, or a list of them
    book = read_workbook("soa.xlsx")

Every function raises `CtkError` (one line: the file and the cause) for what the user can fix,
and `InternalError` for a bug in ctk; `validate` never raises for a bad file, it reports it.
Modules are imported inside the functions, so `import toolkit` (and `ctk --help`) stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import CtkError
from toolkit.workbook.guard.base import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from toolkit.engagement import Initialised, Pack
    from toolkit.findings import Finding, Report
    from toolkit.kinds import Generated
    from toolkit.kinds.isms.readiness import Readiness
    from toolkit.rules import Rule
    from toolkit.survey import Portfolio
    from toolkit.workbook.annotate import Annotation
    from toolkit.workbook.diff import Diff
    from toolkit.workbook.reader import WorkbookData

PathLike = str | os.PathLike[str]
Progress = Callable[[str], None]


def read_workbook(path: PathLike, kind: str | None = None, limits: Limits = DEFAULT_LIMITS) -> WorkbookData:
    """Read any workbook ctk knows, or a client's own (an SoA, a register, a SOC 2 matrix; .xlsx,
    .ods or .csv), into records, each with its sheet and row. `kind` reads it as that kind."""
    from toolkit.workbook.reader import read_workbook as read

    return read(path, kind=_kind(kind), limits=limits, force=kind is not None)


def _kind(kind: str | None) -> str | None:
    """A kind the user named, checked (`--kind soa`)."""
    if kind is None:
        return None
    from toolkit.workbook.schema import declared_kinds

    if kind not in declared_kinds():
        raise CtkError(f"no workbook kind {kind!r}; kinds: {', '.join(declared_kinds())}")
    return kind


def validate(
    paths: PathLike | Sequence[PathLike],
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    kind: str | None = None,
) -> Report:
    """Check workbooks (files or folders) alone and, folder by folder, against each other
    (`kind`: read every file as that kind instead of telling it from its headers)."""
    from toolkit.validation import validate as run

    return run(paths, as_of=as_of, limits=limits, jobs=jobs, progress=progress, kind=_kind(kind))


def list_rules() -> list[Rule]:
    """Every rule, in code order."""
    from toolkit.kinds import all_rules

    return sorted(all_rules().values(), key=lambda r: r.code)


def rule(code: str) -> Rule:
    """One rule by its code (`SOA007`)."""
    from toolkit.kinds import all_rules

    found = all_rules().get(code.strip().upper())
    if found is None:
        raise CtkError(f"no rule {code!r}; `ctk rules` lists them")
    return found


WORKBOOK_SUFFIXES = (".xlsx",)


def _no_overwrite(output: PathLike, *inputs: PathLike | None) -> None:
    """No command ever writes over a file it reads; a generated workbook is named `.xlsx`."""
    out = Path(output)
    if out.suffix.lower() not in WORKBOOK_SUFFIXES:
        better = out.with_suffix(".xlsx").name if out.suffix else f"{out.name}.xlsx"
        raise CtkError(f"ctk writes an Excel workbook (.xlsx) here; name it {better}", str(output))
    for p in inputs:
        if p is not None and out.exists() and Path(p).exists() and out.resolve() == Path(p).resolve():
            raise CtkError("refusing to overwrite an input file; choose another output", str(output))


def generate_gap(
    matrix: PathLike,
    output: PathLike,
    *,
    org: str | None = None,
    merge_from: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """The gap assessment from the client's SOC 2 control matrix (.xlsx or .csv)."""
    from toolkit.kinds import generate
    from toolkit.kinds.gap.build import from_matrix

    _no_overwrite(output, matrix, merge_from)
    return generate("gap", lambda: from_matrix(matrix, limits), output, merge_from=merge_from, org=org, limits=limits)


def generate_risk_register(
    output: PathLike,
    *,
    source: PathLike | None = None,
    org: str | None = None,
    threshold: int = 9,
    review_months: int = 12,
    merge_from: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """The risk register (Methodology, Risk Register, Heat Map), blank or from the risks in `source`."""
    from toolkit.kinds import generate
    from toolkit.kinds.risk.build import from_source
    from toolkit.kinds.risk.model import Method

    _no_overwrite(output, source, merge_from)
    method = Method(threshold=threshold, review_months=review_months)
    return generate(
        "risk", lambda: from_source(source, org, method, limits), output, merge_from=merge_from, org=org, limits=limits
    )


def generate_soa(
    output: PathLike,
    *,
    gap: PathLike,
    risks: PathLike | None = None,
    org: str | None = None,
    owner: str | None = None,
    approved_by: str | None = None,
    approval_date: dt.date | None = None,
    version: str | None = None,
    merge_from: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """The Statement of Applicability built from the gap assessment and the risk register."""
    from toolkit.kinds import generate
    from toolkit.kinds.soa.build import document_fields, from_inputs

    _no_overwrite(output, gap, risks, merge_from)
    fields = document_fields(org, owner, approved_by, approval_date, version)
    return generate("soa", lambda: from_inputs(gap, risks, fields, limits), output, merge_from=merge_from, org=org, limits=limits)


def generate_blank_soa(
    output: PathLike, *, org: str | None = None, merge_from: PathLike | None = None, limits: Limits = DEFAULT_LIMITS
) -> Generated:
    """A blank Statement of Applicability: Document Control and the 93 Annex A controls to fill in."""
    from toolkit.kinds import generate
    from toolkit.kinds.soa.build import new_soa

    _no_overwrite(output, merge_from)
    return generate("soa", lambda: new_soa(org), output, merge_from=merge_from, org=org, limits=limits)


def migrate_soa(source: PathLike, output: PathLike, *, org: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Generated:
    """An ISO/IEC 27001:2022 SoA carried over from a 2013 one (applicability, justification,
    status, evidence, owners and risks, through the transition table)."""
    from toolkit.kinds import generate
    from toolkit.kinds.soa.migrate import from_2013

    _no_overwrite(output, source)
    return generate("soa", lambda: from_2013(source, org, limits), output, org=org, limits=limits)


def generate_roadmap(
    output: PathLike,
    *,
    gap: PathLike,
    start: dt.date,
    size: str = "medium",
    org: str | None = None,
    merge_from: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """The phase-by-phase roadmap from the gap assessment and a kick-off date."""
    from toolkit.kinds import generate
    from toolkit.kinds.roadmap.build import from_gap

    _no_overwrite(output, gap, merge_from)
    return generate(
        "roadmap", lambda: from_gap(gap, start, size, org, limits), output, merge_from=merge_from, org=org, limits=limits
    )


def generate_savings(
    output: PathLike,
    *,
    gap: PathLike,
    currency: str = "USD",
    org: str | None = None,
    merge_from: PathLike | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """The cost savings of extending SOC 2 against starting ISO/IEC 27001 from scratch."""
    from toolkit.kinds import generate
    from toolkit.kinds.savings.build import currency_code, from_gap

    _no_overwrite(output, gap, merge_from)
    code = currency_code(currency)  # checked before any file is read
    return generate("savings", lambda: from_gap(gap, org, code, limits), output, merge_from=merge_from, org=org, limits=limits)


def generate_isms(
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
) -> Generated:
    """The ISMS workbook (clauses 4-10), seeded from the engagement's workbooks, with its Readiness sheet."""
    from toolkit.kinds import generate
    from toolkit.kinds.isms.build import from_inputs

    _no_overwrite(output, gap, soa, risks, roadmap, merge_from)
    return generate(
        "isms",
        lambda: from_inputs(
            output,
            gap=gap,
            soa=soa,
            risks=risks,
            roadmap=roadmap,
            start=start,
            org=org,
            merge_from=merge_from,
            as_of=as_of,
            limits=limits,
        ),
        output,
        merge_from=merge_from,
        org=org,
        limits=limits,
    )


def readiness(folder: PathLike, *, as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS) -> Readiness:
    """Stage 1 readiness of one client's folder, item by item (`ctk.toml`'s `as_of` if it has one).

    Raises CtkError when it cannot judge: no such folder, a workbook that cannot be read, or
    two workbooks of one kind (it cannot tell which one the client means)."""
    from toolkit.engagement import pack_books

    books, settings_as_of = pack_books(Path(folder), limits)
    from toolkit.kinds.isms.readiness import evaluate

    return evaluate(Path(folder), books, as_of or settings_as_of or dt.date.today())


def portfolio(clients: PathLike, *, as_of: dt.date | None = None, jobs: int = 1, limits: Limits = DEFAULT_LIMITS) -> Portfolio:
    """One row per client folder under `clients`: coverage, Stage 1 readiness, findings, risks to
    accept, overdue tasks and the next milestone, audit dates, days since the client's last return.
    A folder that cannot be read is named with its reason; the others are still surveyed."""
    from toolkit.survey import survey

    return survey(Path(clients), as_of=as_of, limits=limits, jobs=jobs)


def write_portfolio(result: Portfolio, output: PathLike) -> None:
    """The portfolio as a workbook (`portfolio.xlsx`), coloured where a client needs attention, with a chart."""
    from toolkit import render
    from toolkit.engagement import identity_near

    render.portfolio_xlsx(result, output, identity_near(Path(result.folder) / "portfolio.xlsx"))


def diff(old: PathLike, new: PathLike, *, limits: Limits = DEFAULT_LIMITS, kind: str | None = None) -> Diff:
    """What changed between two versions of a workbook, record by record (paired by key); `kind`
    reads both as that kind instead of telling it from their headers."""
    from toolkit.workbook.diff import diff_files

    return diff_files(old, new, limits=limits, kind=_kind(kind))


def write_diff(result: Diff, output: PathLike) -> None:
    """The changes as one filterable sheet (`changes.xlsx`), in the engagement's name when the
    newer file sits in an engagement folder (`ctk.toml`)."""
    from toolkit import render
    from toolkit.engagement import identity_near

    render.diff_xlsx(result, output, identity_near(Path(result.new)))


def annotate(path: PathLike, findings: Sequence[Finding], output: PathLike, *, limits: Limits = DEFAULT_LIMITS) -> Annotation:
    """A copy of the client's workbook with every finding marked in place and a Review Findings sheet."""
    from toolkit.engagement import identity_near
    from toolkit.workbook.annotate import annotate as run

    if Path(output).suffix.lower() != ".xlsx":
        raise CtkError("--annotate writes an Excel workbook; name it .xlsx", str(output))
    _no_overwrite(output, path)
    return run(path, findings, output, limits=limits, identity=identity_near(Path(path)))


def export(
    path: PathLike, sheet: str | None = None, *, limits: Limits = DEFAULT_LIMITS, kind: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a workbook's tables (`Sheet`, `Row`, declared columns, then extra ones)."""
    from toolkit.workbook.export import table_rows

    return table_rows(path, sheet, limits=limits, kind=_kind(kind))


def table_frame(path: PathLike, sheet: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The same records as a pandas DataFrame."""
    from toolkit.workbook.export import table_frame as frame

    return frame(path, sheet, limits=limits)


def init_engagement(
    folder: PathLike, *, org: str | None = None, start: dt.date | None = None, currency: str | None = None
) -> Initialised:
    """A new engagement folder: `ctk.toml` settings and a blank SOC 2 control matrix to fill in.

    On an existing folder, the settings given replace those in its `ctk.toml` and the rest is
    kept; the result says which (start defaults to next Monday, currency to USD, for a new one)."""
    from toolkit.engagement import init

    return init(Path(folder), org, start, currency)


def build_engagement(
    folder: PathLike, *, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None, dry_run: bool = False
) -> Pack:
    """Every workbook of the engagement in `folder`, built (merged three ways with what it holds),
    then validated together; `dry_run`: what a rebuild would change, with nothing written."""
    from toolkit.engagement import build

    return build(Path(folder), limits, progress, dry_run=dry_run)


def demo(folder: PathLike = "demo_output", *, progress: Progress | None = None) -> Pack:
    """The engagement pack of the bundled sample company, built in `folder`."""
    from toolkit.engagement import demo as run

    return run(Path(folder), progress=progress)
