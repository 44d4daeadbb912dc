"""The engagement pack: a client folder with settings, and every workbook built and checked.

`init` writes the settings file and a blank SOC 2 control matrix to fill in (on an existing
folder it says what it keeps and what it changes). `build` runs gap -> risk register -> SoA ->
roadmap -> cost savings -> ISMS workbook, each merged three ways with the folder's copy so the
client's edits survive and everything they did not touch is refreshed, then validates
everything together.

Nothing is lost: each workbook as ctk sent it is kept in `sent/<date>/`, and a workbook the
client changed is kept, byte for byte, in `returned/<date>/` before it is replaced. A workbook
that would come out the same is not rewritten, so building twice changes nothing.
`build(dry_run=True)` says what a rebuild would change, workbook by workbook, writing nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.data import shipped
from toolkit.errors import CtkError
from toolkit.findings import Report
from toolkit.validation import BUILD_PREFIX, COPIES_MARKER
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.identity import Identity, IdentityError, firm_from, issue_from
from toolkit.workbook.writer import Book, atomic_output, cannot_write

if TYPE_CHECKING:
    from toolkit.workbook.reader import WorkbookData

SETTINGS = "ctk.toml"
MATRIX_NAMES = ("soc2_controls.xlsx", "soc2_controls.csv")
RISK_SOURCES = ("risks.csv", "risk_register.csv")
#: Where `build` keeps each workbook as sent and as returned, one folder per day.
SENT, RETURNED = "sent", "returned"

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

#: The settings `ctk.toml` may hold, and what each must be.
TOP_KEYS = {
    "organisation": "text",
    "start_date": "a date such as 2027-03-01 (no quotes)",
    "size": "one of small, medium, large, enterprise",
    "currency": "a currency code",
    "soa": "a [soa] table",
    "risk": "a [risk] table",
    "firm": "a [firm] table",
    "document": "a [document] table",
    "as_of": "a date such as 2027-03-01 (no quotes)",
}
FIRM_KEYS = {
    "name": "text",
    "contact": "text",
    "logo": "a file name",
    "colours": "a table",
    "colors": "a table",
    "footer": "text",
}
DOCUMENT_KEYS = {
    "engagement": "text",
    "version": "text",
    "status": "Draft, For review or Final",
    "date": "a date such as 2027-03-01 (no quotes)",
    "prepared_by": "text",
    "reviewed_by": "text",
    "classification": "Public, Internal, Confidential or Restricted",
    "description": "text",
}
SOA_KEYS = {
    "owner": "text",
    "approved_by": "text",
    "approval_date": "a date such as 2027-03-01 (no quotes)",
    "version": 'text, such as "1.0"',
}
RISK_KEYS = {
    "methodology_version": 'text, such as "1.0"',
    "approved_by": "text",
    "approval_date": "a date such as 2027-03-01 (no quotes)",
}


@dataclass
class Settings:
    organisation: str | None = None
    #: None: not set (the roadmap then starts next Monday, and `build` says so).
    start_date: dt.date | None = None
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


def _bad(path: Path, key: str, want: str, value: object) -> CtkError:
    return CtkError(f"{key} must be {want}, not {value!r}", str(path))


def _date(path: Path, key: str, want: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _bad(path, key, want, value)
    return value


def _text(path: Path, key: str, want: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _bad(path, key, want, value)
    if not isinstance(value, str) and not key.endswith("version"):
        raise _bad(path, key, want, value)
    return str(value)


def _unknown(path: Path, found: dict[str, Any], allowed: dict[str, str], where: str = "") -> None:
    for key in found:
        if key not in allowed:
            raise CtkError(f"unknown setting {(where + key)!r}; known: {', '.join(allowed)}", str(path))


def load_settings(folder: Path) -> Settings:
    """The folder's `ctk.toml`, checked: a typo or a bad value is a one-line error naming the key."""
    from toolkit.kinds.roadmap.build import size_named
    from toolkit.kinds.savings.build import currency_code

    path = folder / SETTINGS
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CtkError(f"not valid TOML ({exc})", str(path)) from None
    except OSError as exc:
        raise CtkError(f"cannot be read ({exc.strerror or exc})", str(path)) from None
    _unknown(path, raw, TOP_KEYS)
    s = Settings()
    if "organisation" in raw:
        s.organisation = _text(path, "organisation", "text", raw["organisation"]).strip() or None
    if "start_date" in raw:
        s.start_date = _date(path, "start_date", TOP_KEYS["start_date"], raw["start_date"])
    if "size" in raw:
        try:
            s.size = size_named(_text(path, "size", TOP_KEYS["size"], raw["size"]))
        except CtkError:
            raise _bad(path, "size", TOP_KEYS["size"], raw["size"]) from None
    if "currency" in raw:
        try:
            s.currency = currency_code(_text(path, "currency", "a currency code", raw["currency"]))
        except CtkError as exc:
            raise CtkError(f"currency: {exc}", str(path)) from None
    if "as_of" in raw:
        s.as_of = _date(path, "as_of", TOP_KEYS["as_of"], raw["as_of"])
    for table, keys, into in (("soa", SOA_KEYS, s.soa), ("risk", RISK_KEYS, s.risk)):
        section = raw.get(table, {})
        if not isinstance(section, dict):
            raise _bad(path, table, TOP_KEYS[table], section)
        _unknown(path, section, keys, f"{table}.")
        for key, value in section.items():
            if key == "approval_date":
                into[key] = _date(path, f"{table}.approval_date", keys[key], value)
            else:
                into[key] = _text(path, f"{table}.{key}", keys[key], value)
    for table, keys in (("firm", FIRM_KEYS), ("document", DOCUMENT_KEYS)):
        section = raw.get(table, {})
        if not isinstance(section, dict):
            raise _bad(path, table, TOP_KEYS[table], section)
        _unknown(path, section, keys, f"{table}.")
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


@dataclass
class Initialised:
    """What `init` did: the files it wrote, and what it kept or changed in those already there."""

    written: list[Path] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def _toml_line(key: str, value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{key} = {value.isoformat()}"
    return f'{key} = "{str(value).replace(chr(92), "/").replace(chr(34), chr(39))}"'


def init(
    folder: Path,
    org: str | None = None,
    start: dt.date | None = None,
    currency: str | None = None,
    *,
    today: dt.date | None = None,
) -> Initialised:
    """A new engagement folder: settings and a blank SOC 2 control matrix (never overwritten).

    On a folder that already has settings, the options given replace those settings (each said),
    the others are kept (and said)."""
    from toolkit.kinds.savings.build import currency_code
    from toolkit.workbook.schema import load_spec
    from toolkit.workbook.writer import Book, Table, write_book

    code = currency_code(currency) if currency is not None else None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    done = Initialised()
    settings = folder / SETTINGS
    if not settings.exists():
        start = start or next_monday(today or dt.date.today())
        text = TEMPLATE.format(
            folder=_quoted(folder), org=(org or "").replace('"', "'"), start=start.isoformat(), currency=code or "USD"
        )
        with atomic_output(settings) as tmp:
            tmp.write_text(text, encoding="utf-8")
        done.written.append(settings)
    else:
        current = load_settings(folder)
        text = settings.read_text(encoding="utf-8")
        wanted = {"organisation": org, "start_date": start, "currency": code}
        now = {"organisation": current.organisation or "", "start_date": current.start_date, "currency": current.currency}
        for key, value in wanted.items():
            if value is None or value == now[key]:
                done.kept.append(f"{key} = {_shown(now[key])}")
                continue
            line = re.compile(rf"^{key}\s*=.*$", re.MULTILINE)
            head, sep, tail = text.partition("\n[")  # top-level keys live above the first table
            if line.search(head):
                head = line.sub(_toml_line(key, value).replace("\\", "\\\\"), head, count=1)
            else:
                head = head.rstrip("\n") + "\n" + _toml_line(key, value) + "\n"
            text = head + sep + tail
            done.changed.append(f"{key}: {_shown(now[key])} -> {_shown(value)}")
        if done.changed:
            with atomic_output(settings) as tmp:
                tmp.write_text(text, encoding="utf-8")
    present = [n for n in MATRIX_NAMES if (folder / n).exists()]
    if present:
        done.kept.extend(f"{name} (as it is)" for name in present)
    else:
        matrix = folder / MATRIX_NAMES[0]
        write_book(
            load_spec("soc2"),
            Book(tables={"SOC 2 Controls": Table([])}),
            matrix,
            title=f"SOC 2 control matrix - {org}" if org else None,
        )
        done.written.append(matrix)
    return done


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    return value.isoformat() if isinstance(value, dt.date) else repr(value) if isinstance(value, str) else str(value)


def _quoted(folder: Path) -> str:
    """The folder as a shell would need it typed (quoted when it has spaces or other specials)."""
    import shlex

    return shlex.quote(str(folder))


Progress = Callable[[str], None]


@dataclass
class Change:
    """What a build did (or, dry, would do) to one workbook of the pack."""

    path: Path
    state: str  # "new", "changed", "unchanged"
    summary: str = ""  # dry run: what would change, in one line
    sent_copy: Path | None = None
    returned_copy: Path | None = None


@dataclass
class Pack:
    """What `build` wrote, the warnings about it, and the validation of everything together."""

    written: list[Path]
    notes: list[str]
    report: Report
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False


def next_monday(today: dt.date) -> dt.date:
    """The default kick-off: the Monday after `today`."""
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def _copies(folder: Path, which: str, name: str) -> list[Path]:
    """The dated copies of workbook `name` in `folder/which/`, oldest first."""
    root = folder / which
    if not root.is_dir():
        return []
    found = []
    stem, suffix = Path(name).stem, Path(name).suffix
    pattern = re.compile(rf"^{re.escape(stem)}(?:-(\d+))?{re.escape(suffix)}$")
    for day in root.iterdir():
        if not day.is_dir() or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.name):
            continue
        for f in day.iterdir():
            m = pattern.match(f.name)
            if m and f.is_file():
                found.append((day.name, int(m.group(1) or 1), f))
    return [f for _, _, f in sorted(found)]


def _keep_copy(folder: Path, which: str, name: str, data: bytes, today: dt.date) -> Path:
    """Keep `data` as the dated copy of `name` (a new name if the day already has a different one)."""
    root = folder / which
    day = root / today.isoformat()
    try:
        day.mkdir(parents=True, exist_ok=True)
        marker = root / COPIES_MARKER
        if not marker.exists():
            marker.write_text(
                "ctk keeps here each workbook as it was sent to the client (sent/) or returned by them (returned/).\n"
                "`ctk validate` on the engagement folder skips these copies.\n",
                encoding="utf-8",
            )
    except OSError as exc:
        raise cannot_write(day, exc) from None
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while True:
        target = day / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not target.exists():
            break
        if target.read_bytes() == data:
            return target
        n += 1
    with atomic_output(target) as tmp:
        tmp.write_bytes(data)
    return target


def build(
    folder: Path,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> Pack:
    """Build every workbook of the engagement in `folder`, then validate them together.

    Each workbook goes through the same pipeline as its own command (`kinds.generate`), merged
    three ways with the folder's copy. The new pack is built aside first; only then is each
    changed workbook put in place, after keeping the client's returned copy (and with a copy of
    what is sent). `dry_run`: say what would change, write nothing in the folder."""
    from toolkit.kinds import REGISTRY, generate
    from toolkit.kinds.gap.build import build_gap
    from toolkit.kinds.risk.build import from_source
    from toolkit.kinds.roadmap.build import from_gap as roadmap_from_gap
    from toolkit.kinds.savings.build import from_gap as savings_from_gap
    from toolkit.kinds.soa.build import document_fields, from_inputs
    from toolkit.kinds.soc2.model import read_inventory
    from toolkit.validation import validate

    say = progress or (lambda _msg: None)
    today = today or dt.date.today()
    s = load_settings(folder)
    org = s.organisation
    notes: list[str] = []
    kinds = [k for k, kind in REGISTRY.items() if kind.generated]
    final = {k: folder / REGISTRY[k].filename for k in kinds}

    candidates = [folder / n for n in MATRIX_NAMES if (folder / n).exists()]
    if not candidates:
        others = (
            sorted(p.name for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".csv") and "soc" in p.name.lower())
            if folder.is_dir()
            else []
        )
        if others:
            raise CtkError(
                f"no SOC 2 control matrix named {' or '.join(MATRIX_NAMES)}; rename {others[0]!r} to one of them", str(folder)
            )
        if (folder / SETTINGS).exists():
            raise CtkError(f"no SOC 2 control matrix ({' or '.join(MATRIX_NAMES)}); put the client's matrix there", str(folder))
        raise CtkError(
            f"no SOC 2 control matrix ({' or '.join(MATRIX_NAMES)}); run `ctk init {_quoted(folder)}` first", str(folder)
        )
    # The blank matrix `init` writes may sit beside a CSV the consultant dropped in: use the filled one.
    inventories = [(path, read_inventory(path, limits)) for path in candidates]
    matrix, inventory = next(((p, inv) for p, inv in inventories if inv.controls), inventories[0])
    for path, inv in inventories:
        if path != matrix:
            notes.append(
                f"{path.name} ignored: {matrix.name} is used ({len(inventory.controls)} controls)"
                + ("; it holds no controls" if not inv.controls else "; remove one of the two")
            )
    if not inventory.controls:
        notes.append(f"{matrix.name} holds no SOC 2 controls yet: every Annex A control comes out Not addressed")
    start = s.start_date
    if start is None:
        start = next_monday(today)
        notes.append(f"{SETTINGS} sets no start_date: the roadmap starts next Monday, {start.isoformat()}; set it to keep it")

    try:
        work = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX, dir=folder if not dry_run else None))
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    try:
        out = {k: work / REGISTRY[k].filename for k in kinds}

        def existing(kind: str) -> Path | None:
            return final[kind] if final[kind].exists() else None

        notes.extend(s.notes)

        def produce(kind: str, build_book: Callable[[], Book]) -> None:
            made = generate(kind, build_book, out[kind], merge_from=existing(kind), org=org, limits=limits, identity=s.identity)
            notes.extend(f"{REGISTRY[kind].filename}: {n}" if not n.startswith(str(folder)) else n for n in made.notes)

        say(f"[1/6] gap assessment from {matrix.name}")
        produce("gap", lambda: build_gap(inventory))

        say("[2/6] risk register")
        source = next((folder / n for n in RISK_SOURCES if (folder / n).exists()), None)
        # The risks a consultant dropped in seed the register once; after that the register is the source.
        approval = {
            "Version": s.risk.get("methodology_version") or None,
            "Approved By": s.risk.get("approved_by") or None,
            "Approval Date": s.risk.get("approval_date"),
        }
        produce("risk", lambda: from_source(source if existing("risk") is None else None, org, limits=limits, approval=approval))

        say("[3/6] Statement of Applicability")
        fields = document_fields(
            org,
            s.soa.get("owner") or None,
            s.soa.get("approved_by") or None,
            s.soa.get("approval_date"),
            s.soa.get("version") or None,
        )
        produce("soa", lambda: from_inputs(out["gap"], out["risk"], fields, limits, start=start))

        say(f"[4/6] roadmap from {start.isoformat()}")
        produce("roadmap", lambda: roadmap_from_gap(out["gap"], start, s.size, org, limits))

        say("[5/6] cost savings")
        produce("savings", lambda: savings_from_gap(out["gap"], org, s.currency, limits))

        say("[6/6] ISMS workbook and Stage 1 readiness")
        produce("isms", lambda: isms_workbook(final["isms"], out, s, start, existing("isms"), limits))

        changes = [_settle(folder, k, final[k], out[k], today, dry_run, limits) for k in kinds]
        for change in changes:
            if change.returned_copy is not None:  # what could not be carried is in the copy kept
                lost = f"{change.path} holds "
                notes[:] = [
                    n.replace("copy them over by hand if needed", f"copy them over by hand from {change.returned_copy}")
                    if n.startswith(lost)
                    else n
                    for n in notes
                ]
        if dry_run:
            say("validating (the pack as it would be)")
            report = validate([out[k] for k in kinds], as_of=s.as_of, limits=limits)
            for fr in report.files:
                fr.path = str(final[next(k for k in kinds if str(out[k]) == fr.path)])
            return Pack([final[k] for k in kinds], notes, report, changes, dry_run=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say("validating")
    written = [final[k] for k in kinds]
    return Pack(written, notes, validate(written, as_of=s.as_of, limits=limits), changes)


def _settle(folder: Path, kind: str, target: Path, new: Path, today: dt.date, dry_run: bool, limits: Limits) -> Change:
    """Put the new workbook in place (or, dry, say what it would change), keeping the copies."""
    data = new.read_bytes()
    name = target.name
    if not target.exists():
        if dry_run:
            return Change(target, "new", "would be written")
        _replace(new, target)
        return Change(target, "new", sent_copy=_keep_copy(folder, SENT, name, data, today))
    current = target.read_bytes()
    if current == data:
        return Change(target, "unchanged", "would not change" if dry_run else "")
    sent = _copies(folder, SENT, name)
    returned = None if sent and sent[-1].read_bytes() == current else current
    if dry_run:
        return Change(target, "changed", _what_changes(target, new, limits))
    kept = _keep_copy(folder, RETURNED, name, returned, today) if returned is not None else None
    _replace(new, target)
    return Change(target, "changed", sent_copy=_keep_copy(folder, SENT, name, data, today), returned_copy=kept)


def _replace(new: Path, target: Path) -> None:
    with atomic_output(target) as tmp:
        shutil.copyfile(new, tmp)


def _what_changes(old: Path, new: Path, limits: Limits) -> str:
    from toolkit.workbook.diff import diff_files
    from toolkit.workbook.guard import ReadError

    try:
        d = diff_files(old, new, limits=limits)
    except (ReadError, CtkError) as exc:
        return f"would be rebuilt ({exc})"
    if not d.changes:
        return "would be rewritten (formatting and computed values only)"
    counts = d.summary
    parts = [f"{counts[k]} {k}" for k in ("changed", "added", "removed") if counts[k]]
    return f"{d.title}: would change ({', '.join(parts)}; `ctk diff` shows each)"


def isms_workbook(
    output: Path, out: dict[str, Path], s: Settings, start: dt.date, merge_from: Path | None, limits: Limits
) -> Book:
    """The ISMS workbook seeded from the pack just built (`out`), its Readiness sheet judged with
    it as the folder's pack (`output` is where it goes)."""
    from toolkit.kinds.isms.build import from_inputs

    return from_inputs(
        output,
        gap=out["gap"],
        soa=out["soa"],
        risks=out["risk"],
        roadmap=out["roadmap"],
        start=start,
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
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    sample = shipped("sample_data")
    for name in ("soc2_controls.csv", "risk_register.csv", SETTINGS):
        target = folder / name
        if not target.exists():
            with atomic_output(target) as tmp:
                tmp.write_bytes(sample.joinpath(name).read_bytes())
    fresh = not (folder / "isms.xlsx").exists()
    pack = build(folder, limits, progress)
    if not fresh:
        return pack
    # The second turn: the sample company returns isms.xlsx partly filled in, and the pack is rebuilt.
    from toolkit.kinds import REGISTRY
    from toolkit.kinds.isms.sample import apply_edits, load_edits

    say = progress or (lambda _msg: None)
    say("the sample company returns isms.xlsx partly filled in; rebuilding")
    apply_edits(
        folder / REGISTRY["isms"].filename, load_edits(sample.joinpath("isms_client_edits.toml").read_text(encoding="utf-8"))
    )
    again = build(folder, limits, progress)
    first = {c.path: c for c in pack.changes}
    changes = [c if c.state != "unchanged" or c.path not in first else first[c.path] for c in again.changes]
    return Pack(again.written, pack.notes + again.notes, again.report, changes)
