"""The engagement pack: a client folder with settings, and every workbook built and checked.

`init` writes the settings file and a blank SOC 2 control matrix to fill in. `build` runs
gap -> risk register (kept if present) -> SoA -> roadmap -> cost savings -> ISMS workbook,
merging whatever the folder already holds so the client's edits survive, then validates
everything together.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import CtkError
from toolkit.findings import Report
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.identity import Identity, IdentityError, firm_from, issue_from
from toolkit.workbook.writer import Book, atomic_output

if TYPE_CHECKING:
    from toolkit.workbook.reader import WorkbookData

SETTINGS = "ctk.toml"
MATRIX_NAMES = ("soc2_controls.xlsx", "soc2_controls.csv")
RISK_SOURCES = ("risks.csv", "risk_register.csv")

TEMPLATE = """# ctk engagement settings. Edit, then run: ctk build {folder}
organisation = "{org}"
# Kick-off date: week 1 of the roadmap starts on it.
start_date = {start}
# small (under 50 staff), medium (50-250), large (250-1,000), enterprise (over 1,000)
size = "medium"
currency = "{currency}"

[soa]
owner = ""
approved_by = ""
# approval_date = 2027-03-01
version = "0.1"

# Your consultancy, on every workbook's cover and footer. Leave blank for neutral workbooks.
[firm]
name = ""
contact = ""
# logo = "logo.png"            # PNG or JPEG beside this file, under 2 MB
# colours = {{ primary = "#1F3864", accent = "#2E75B6" }}
# footer = "Northbridge Assurance LLP - Confidential"

# This issue of the pack: the cover's version and status, and a line in its change history.
[document]
version = "0.1"
status = "Draft"               # Draft, For review or Final
prepared_by = ""
reviewed_by = ""
# date = 2027-01-04            # the issue date (default: today)
# The risk methodology's version and approval (clause 6.1.2): a Stage 1 auditor asks for them.
[risk]
methodology_version = "0.1"
approved_by = ""
# approval_date = 2027-02-15
"""


@dataclass
class Settings:
    organisation: str | None = None
    start_date: dt.date = field(default_factory=dt.date.today)
    size: str = "medium"
    currency: str = "USD"
    soa: dict[str, Any] = field(default_factory=dict)
    risk: dict[str, Any] = field(default_factory=dict)
    #: Judge review dates at this day instead of today (a fixed snapshot, such as the demo).
    as_of: dt.date | None = None
    #: The consultancy (`[firm]`) and this issue of the pack (`[document]`): covers, footers, properties.
    identity: Identity = field(default_factory=Identity)
    #: What could not be used from the settings (a missing logo), to show as warnings.
    notes: list[str] = field(default_factory=list)


def load_settings(folder: Path) -> Settings:
    path = folder / SETTINGS
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    s = Settings()
    s.organisation = raw.get("organisation") or None
    if isinstance(raw.get("start_date"), dt.date):
        s.start_date = raw["start_date"]
    s.size = str(raw.get("size", s.size)).lower()
    s.currency = str(raw.get("currency", s.currency))
    s.soa = dict(raw.get("soa", {}))
    s.risk = dict(raw.get("risk", {}))
    if isinstance(raw.get("as_of"), dt.date):
        s.as_of = raw["as_of"]
    try:
        firm, s.notes = firm_from(dict(raw.get("firm", {})), folder)
        # The issue date: as set, else the snapshot day (so the demo is reproducible), else today.
        issue = issue_from(dict(raw.get("document", {})), s.organisation, s.as_of)
    except IdentityError as exc:
        raise CtkError(str(exc), str(path)) from None
    s.identity = Identity(firm, issue)
    return s


def identity_near(path: Path) -> Identity:
    """The firm and issue of the engagement folder a file sits in (its `ctk.toml`), else neutral."""
    folder = Path(path).resolve().parent
    if not (folder / SETTINGS).exists():
        return Identity()
    return load_settings(folder).identity


def init(folder: Path, org: str | None, start: dt.date, currency: str = "USD") -> list[Path]:
    """A new engagement folder: settings and a blank SOC 2 control matrix (never overwritten)."""
    from toolkit.workbook.schema import load_spec
    from toolkit.workbook.writer import Book, Table, write_book

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    settings = folder / SETTINGS
    if not settings.exists():
        with atomic_output(settings) as tmp:
            tmp.write_text(
                TEMPLATE.format(folder=folder, org=(org or "").replace('"', "'"), start=start.isoformat(), currency=currency),
                encoding="utf-8",
            )
        written.append(settings)
    matrix = folder / MATRIX_NAMES[0]
    if not any((folder / n).exists() for n in MATRIX_NAMES):
        write_book(
            load_spec("soc2"),
            Book(tables={"SOC 2 Controls": Table([])}),
            matrix,
            title=f"SOC 2 control matrix - {org}" if org else None,
        )
        written.append(matrix)
    return written


Progress = Callable[[str], None]


@dataclass
class Pack:
    """What `build` wrote, the warnings about it, and the validation of everything together."""

    written: list[Path]
    notes: list[str]
    report: Report


def next_monday(today: dt.date) -> dt.date:
    """The default kick-off: the Monday after `today`."""
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def build(folder: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None) -> Pack:
    """Build every workbook of the engagement in `folder`, then validate them together.

    Each workbook goes through the same pipeline as its own command (`kinds.generate`),
    merging the folder's earlier copy so the client's edits survive."""
    from toolkit.kinds import REGISTRY, generate
    from toolkit.kinds.gap.build import build_gap
    from toolkit.kinds.risk.build import from_source
    from toolkit.kinds.roadmap.build import from_gap as roadmap_from_gap
    from toolkit.kinds.savings.build import from_gap as savings_from_gap
    from toolkit.kinds.soa.build import document_fields, from_inputs
    from toolkit.kinds.soc2.model import read_inventory
    from toolkit.validation import validate

    say = progress or (lambda _msg: None)
    s = load_settings(folder)
    org = s.organisation
    notes: list[str] = []
    written: list[Path] = []
    out = {k: folder / kind.filename for k, kind in REGISTRY.items()}

    def existing(kind: str) -> Path | None:
        return out[kind] if out[kind].exists() else None

    notes.extend(s.notes)

    def produce(kind: str, build_book: Callable[[], Book]) -> None:
        made = generate(kind, build_book, out[kind], merge_from=existing(kind), org=org, limits=limits, identity=s.identity)
        notes.extend(made.notes)
        written.append(made.path)

    candidates = [folder / n for n in MATRIX_NAMES if (folder / n).exists()]
    if not candidates:
        raise CtkError(f"no SOC 2 control matrix ({' or '.join(MATRIX_NAMES)}); run `ctk init {folder}` first", str(folder))
    # The blank matrix `init` writes may sit beside a CSV the consultant dropped in: use the filled one.
    inventories = [(path, read_inventory(path, limits)) for path in candidates]
    matrix, inventory = next(((p, inv) for p, inv in inventories if inv.controls), inventories[0])
    if not inventory.controls:
        notes.append(f"{matrix.name} holds no SOC 2 controls yet: every Annex A control comes out Not addressed")

    say(f"[1/6] gap assessment from {matrix.name}")
    produce("gap", lambda: build_gap(inventory))

    say("[2/6] risk register")
    source = next((folder / n for n in RISK_SOURCES if (folder / n).exists()), None)
    # The risks a consultant dropped in seed the register once; after that the register is the source.
    approval = {
        "Version": str(s.risk["methodology_version"]) if s.risk.get("methodology_version") else None,
        "Approved By": s.risk.get("approved_by") or None,
        "Approval Date": s.risk.get("approval_date") if isinstance(s.risk.get("approval_date"), dt.date) else None,
    }
    produce("risk", lambda: from_source(source if existing("risk") is None else None, org, limits=limits, approval=approval))

    say("[3/6] Statement of Applicability")
    fields = document_fields(
        org,
        s.soa.get("owner") or None,
        s.soa.get("approved_by") or None,
        s.soa.get("approval_date") if isinstance(s.soa.get("approval_date"), dt.date) else None,
        str(s.soa["version"]) if s.soa.get("version") else None,
    )
    produce("soa", lambda: from_inputs(out["gap"], out["risk"], fields, limits, start=s.start_date))

    say(f"[4/6] roadmap from {s.start_date.isoformat()}")
    produce("roadmap", lambda: roadmap_from_gap(out["gap"], s.start_date, s.size, org, limits))

    say("[5/6] cost savings")
    produce("savings", lambda: savings_from_gap(out["gap"], org, s.currency, limits))

    say("[6/6] ISMS workbook and Stage 1 readiness")
    produce("isms", lambda: isms_workbook(folder, out, s, existing("isms"), limits))

    say("validating")
    return Pack(written, notes, validate(written, as_of=s.as_of, limits=limits))


def isms_workbook(folder: Path, out: dict[str, Path], s: Settings, merge_from: Path | None, limits: Limits) -> Book:
    """The ISMS workbook seeded from the pack just built, its Readiness sheet judged with it."""
    from toolkit.kinds.isms.build import from_inputs

    return from_inputs(
        out["isms"],
        gap=out["gap"],
        soa=out["soa"],
        risks=out["risk"],
        roadmap=out["roadmap"],
        start=s.start_date,
        org=s.organisation,
        merge_from=merge_from,
        as_of=s.as_of or dt.date.today(),
        limits=limits,
    )


def pack_books(folder: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[dict[str, WorkbookData], dt.date | None]:
    """One client's workbooks in `folder` (not its subfolders), one per kind, and the snapshot
    day its settings name. Where a kind appears twice, the engagement's own file name wins;
    otherwise nobody can tell which one the client means, and that is an error."""
    from toolkit.kinds import REGISTRY
    from toolkit.validation import WORKBOOK_SUFFIXES
    from toolkit.workbook.guard import ReadError
    from toolkit.workbook.reader import read_workbook

    if not folder.is_dir():
        raise CtkError("not a folder", str(folder))
    try:
        settings = load_settings(folder)
    except ValueError as exc:
        raise CtkError(str(exc), str(folder / SETTINGS)) from None
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", ".~lock"))
    )
    found: dict[str, list[WorkbookData]] = {}
    for path in files:
        try:
            book = read_workbook(path, limits=limits)
        except ReadError as exc:
            raise CtkError(str(exc), str(path)) from None
        found.setdefault(book.kind, []).append(book)
    books: dict[str, WorkbookData] = {}
    for kind, group in found.items():
        own = [b for b in group if kind in REGISTRY and Path(b.path).name == REGISTRY[kind].filename]
        if len(group) > 1 and not own:
            names = ", ".join(Path(b.path).name for b in group)
            raise CtkError(f"{len(group)} {group[0].spec.title} workbooks ({names}); keep one in the folder", str(folder))
        books[kind] = own[0] if own else group[0]
    return books, settings.as_of


def demo(folder: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None) -> Pack:
    """The engagement pack of the bundled sample company, built in `folder`."""
    from importlib import resources

    folder.mkdir(parents=True, exist_ok=True)
    sample = resources.files("toolkit").joinpath("sample_data")
    if not sample.is_dir():
        sample = Path(__file__).resolve().parent.parent / "sample_data"
    for name in ("soc2_controls.csv", "risk_register.csv", SETTINGS):
        target = folder / name
        if not target.exists():
            with atomic_output(target) as tmp:
                tmp.write_bytes(sample.joinpath(name).read_bytes())
    fresh = not (folder / "isms.xlsx").exists()
    pack = build(folder, limits, progress)
    if not fresh:
        return pack
    # The second turn: the sample company returns isms.xlsx partly filled in, and it is rebuilt.
    from toolkit.kinds import REGISTRY, generate
    from toolkit.kinds.isms.sample import apply_edits, load_edits
    from toolkit.validation import validate

    say = progress or (lambda _msg: None)
    say("the sample company returns isms.xlsx partly filled in; rebuilding it")
    isms = folder / REGISTRY["isms"].filename
    apply_edits(isms, load_edits(sample.joinpath("isms_client_edits.toml").read_text(encoding="utf-8")))
    s = load_settings(folder)
    out = {k: folder / kind.filename for k, kind in REGISTRY.items()}
    made = generate(
        "isms", lambda: isms_workbook(folder, out, s, isms, limits), isms, merge_from=isms, org=s.organisation, limits=limits
    )
    say("validating")
    return Pack(pack.written, pack.notes + made.notes, validate(pack.written, as_of=s.as_of, limits=limits))
