"""`ctk portfolio CLIENTS_DIR`: the consultancy's view over every client, one row per client folder.

Each folder is an engagement (`ctk.toml` and the workbooks `ctk build` wrote, as returned by the
client). A row says how far the client is: Annex A and clauses 4-10 fully, partially and not
addressed; the Stage 1 readiness verdict; what `validate` finds (errors, warnings); risks above
the acceptance threshold that nobody has accepted; roadmap tasks overdue and the next
milestone; the Stage 1 and Stage 2 audit dates; and how long ago the client last sent a workbook
back. Every workbook is read once. A folder that cannot be read is named with the reason, and
the others are still surveyed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.engagement import SETTINGS, load_settings
from toolkit.errors import CtkError
from toolkit.findings import ERROR, WARNING
from toolkit.kinds import REGISTRY
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData

#: The Stage 1 readiness check of one folder: (folder, the books read, as of) -> (ready, headline).
Readiness = Callable[[Path, list[WorkbookData], dt.date], tuple[bool, str]]
_STAGE = re.compile(r"^\s*Stage ([12])\b", re.IGNORECASE)
_CORE_DATE = re.compile(rb"<dcterms:(created|modified)[^>]*>([0-9T:\-]+)")


@dataclass
class ClientRow:
    """Where one client stands (None: not known, because the workbook it comes from is missing)."""

    folder: str
    client: str
    workbooks: list[str] = field(default_factory=list)
    annex: dict[str, int] | None = None
    clauses: dict[str, int] | None = None
    ready: bool | None = None
    readiness: str | None = None
    errors: int = 0
    warnings: int = 0
    unreadable_files: int = 0
    risks_to_accept: int | None = None
    overdue_tasks: int | None = None
    next_milestone: str | None = None
    next_milestone_date: dt.date | None = None
    stage1: dt.date | None = None
    stage2: dt.date | None = None
    last_returned: dt.date | None = None
    days_since_return: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("next_milestone_date", "stage1", "stage2", "last_returned"):
            if out[name] is not None:
                out[name] = out[name].isoformat()
        return out


@dataclass
class Portfolio:
    folder: str
    as_of: dt.date
    rows: list[ClientRow] = field(default_factory=list)
    #: Folders that could not be surveyed, each with its one-line reason.
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "as_of": self.as_of.isoformat(),
            "clients": [r.as_dict() for r in self.rows],
            "unreadable": [{"folder": f, "error": e} for f, e in self.unreadable],
        }


def _ratings(book: WorkbookData, sheet: str) -> dict[str, int] | None:
    from toolkit.kinds.gap.model import FULL, NOT, PARTIAL

    table = book.tables.get(sheet)
    if table is None or table.sheet is None or "Coverage" not in table.columns:
        return None
    ratings = [r.get("Coverage") for r in table.records]
    return {"fully": ratings.count(FULL), "partially": ratings.count(PARTIAL), "not": ratings.count(NOT)}


def _risks_to_accept(book: WorkbookData) -> int | None:
    """Risks whose residual (else inherent) score is above the Methodology's threshold, with no acceptance."""
    from toolkit.kinds.risk.model import METHOD, REGISTER

    table = book.tables.get(REGISTER)
    if table is None or table.sheet is None:
        return None
    method = book.forms.get(METHOD)
    threshold = method.fields.get("Acceptance Threshold") if method is not None and method.sheet else None
    if not isinstance(threshold, int):
        threshold = 9
    count = 0
    for rec in table.records:
        score = rec.get("Residual Score")
        if not isinstance(score, (int, float)):
            score = rec.get("Inherent Score")
        accepted = rec.get("Accepted By") and rec.get("Acceptance Date")
        if isinstance(score, (int, float)) and score > threshold and not accepted:
            count += 1
    return count


def _roadmap(row: ClientRow, book: WorkbookData, as_of: dt.date) -> None:
    from toolkit.kinds.roadmap.model import OVERVIEW, PHASES, sheet_name

    overdue = 0
    milestones: list[tuple[dt.date, str]] = []
    for p in PHASES:
        table = book.tables.get(sheet_name(p))
        if table is None or table.sheet is None:
            continue
        ends = []
        for rec in table.records:
            start, end, status = rec.get("Start"), rec.get("End"), rec.get("Status")
            if isinstance(end, dt.date):
                ends.append(end)
                if end < as_of and status != "Done":
                    overdue += 1
            stage = _STAGE.match(str(rec.get("Task") or ""))
            if stage and isinstance(start, dt.date):
                if stage.group(1) == "1" and row.stage1 is None:
                    row.stage1 = start
                elif stage.group(1) == "2" and row.stage2 is None:
                    row.stage2 = start
        if ends:
            milestones.append((max(ends), f"{sheet_name(p)} complete"))
    for day, what in ((row.stage1, "Stage 1 audit"), (row.stage2, "Stage 2 audit")):
        if day is not None:
            milestones.append((day, what))
    form = book.forms.get(OVERVIEW)
    decision = form.fields.get("Certification Decision") if form is not None and form.sheet else None
    if isinstance(decision, dt.date):
        milestones.append((decision, "Certification decision"))
    upcoming = sorted(m for m in milestones if m[0] >= as_of)
    row.overdue_tasks = overdue
    if upcoming:
        row.next_milestone_date, row.next_milestone = upcoming[0]


def _returned(path: Path) -> dt.date | None:
    """When the client last saved this workbook: its `modified` date, when later than ctk wrote it."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 1 << 16:
                return None
            dates = {k.decode(): v.decode() for k, v in _CORE_DATE.findall(zf.read(info))}
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    try:
        created, modified = (dt.datetime.fromisoformat(dates[k].rstrip("Z")) for k in ("created", "modified"))
    except (KeyError, ValueError):
        return None
    return modified.date() if modified > created else None


def survey_folder(folder: Path, as_of: dt.date | None, limits: Limits, readiness: Readiness | None) -> ClientRow:
    """One client folder's row. Raises CtkError when the folder itself cannot be read."""
    from toolkit.validation import validate_books

    if not folder.is_dir():
        raise CtkError("not a folder", str(folder))
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise CtkError(f"cannot be listed ({exc.strerror or exc})", str(folder)) from None
    try:
        settings = load_settings(folder) if SETTINGS in names else None
    except ValueError as exc:  # a ctk.toml that is not valid TOML
        raise CtkError(" ".join(str(exc).split())[:200], str(folder / SETTINGS)) from None
    day = as_of or (settings.as_of if settings is not None else None) or dt.date.today()
    client = (settings.organisation if settings is not None else None) or folder.name
    files = [REGISTRY[k].filename for k in REGISTRY if REGISTRY[k].generated and REGISTRY[k].filename in names]
    extra = [n for n in names if n.endswith(".xlsx") and n not in files and n not in {k.filename for k in REGISTRY.values()}]
    row = ClientRow(folder.name, client, files)
    if not files and settings is None:
        raise CtkError(f"not an engagement folder: no {SETTINGS} and no workbook ctk builds", str(folder))
    report, books = validate_books([folder / n for n in files + extra], as_of=day, limits=limits)
    row.errors = sum(1 for fr in report.files for f in fr.findings if f.severity == ERROR)
    row.warnings = sum(1 for fr in report.files for f in fr.findings if f.severity == WARNING)
    row.unreadable_files = sum(1 for fr in report.files if fr.error is not None)
    by_kind: dict[str, WorkbookData] = {}
    for book in books:
        by_kind.setdefault(book.kind, book)
    if "gap" in by_kind:
        from toolkit.kinds.gap.model import ANNEX, CLAUSES

        row.annex, row.clauses = _ratings(by_kind["gap"], ANNEX), _ratings(by_kind["gap"], CLAUSES)
    if "risk" in by_kind:
        row.risks_to_accept = _risks_to_accept(by_kind["risk"])
    if "roadmap" in by_kind:
        _roadmap(row, by_kind["roadmap"], day)
    if readiness is not None:
        row.ready, row.readiness = readiness(folder, books, day)
    returns = [d for d in (_returned(folder / n) for n in files) if d is not None]
    if returns:
        row.last_returned = max(returns)
        row.days_since_return = (day - row.last_returned).days
    return row


def stage1(folder: Path, books: list[WorkbookData], as_of: dt.date) -> tuple[bool, str]:
    """The Stage 1 readiness verdict of `ctk readiness`, on the books already read."""
    from toolkit.kinds.isms.readiness import evaluate

    by_kind: dict[str, WorkbookData] = {}
    for book in books:
        by_kind.setdefault(book.kind, book)
    result = evaluate(folder, by_kind, as_of)
    return result.ready, result.headline


def _one(args: tuple[Path, dt.date | None, Limits, Readiness | None]) -> tuple[str, ClientRow | str]:
    folder, as_of, limits, readiness = args
    try:
        return folder.name, survey_folder(folder, as_of, limits, readiness)
    except CtkError as exc:  # ReadError included
        return folder.name, exc.one_line()
    except Exception as exc:  # noqa: BLE001 - one client's bug must not hide the others
        return folder.name, f"could not be surveyed ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})"


def survey(
    clients: Path,
    *,
    as_of: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    readiness: Readiness | None = stage1,
) -> Portfolio:
    """One row per client folder under `clients`, in name order; `jobs` processes share the folders."""
    if not clients.is_dir():
        raise CtkError("not a folder of client folders", str(clients))
    try:
        folders = sorted(p for p in clients.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise CtkError(f"cannot be listed ({exc.strerror or exc})", str(clients)) from None
    out = Portfolio(str(clients), as_of or dt.date.today())
    work = [(f, as_of, limits, readiness) for f in folders]
    if jobs > 1 and len(work) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_one, work, chunksize=max(1, len(work) // (jobs * 4))))
    else:
        results = [_one(w) for w in work]
    for name, result in results:
        if isinstance(result, ClientRow):
            out.rows.append(result)
        else:
            out.unreadable.append((name, result))
    return out


def coverage_text(counts: Mapping[str, int] | None) -> str:
    """`57 / 27 / 9` (fully / partially / not), or a dash when unknown."""
    return "-" if counts is None else f"{counts['fully']} / {counts['partially']} / {counts['not']}"
