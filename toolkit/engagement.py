"""The engagement pack: a client folder with settings, and every workbook built and checked.

`init` writes the settings file and a blank SOC 2 control matrix to fill in. `build` runs
gap -> risk register (kept if present) -> SoA -> roadmap -> cost savings, merging whatever the
folder already holds so the client's edits survive, then validates everything together.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.findings import Report
from toolkit.guard import DEFAULT_LIMITS, Limits
from toolkit.writer import atomic_output

SETTINGS = "ctk.toml"
MATRIX_NAMES = ("soc2_controls.xlsx", "soc2_controls.csv")
RISK_SOURCES = ("risks.csv", "risk_register.csv")
OUTPUTS = {
    "gap": "gap_assessment.xlsx",
    "risk": "risk_register.xlsx",
    "soa": "soa.xlsx",
    "roadmap": "roadmap.xlsx",
    "savings": "cost_savings.xlsx",
}

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
"""


@dataclass
class Settings:
    organisation: str | None = None
    start_date: dt.date = field(default_factory=dt.date.today)
    size: str = "medium"
    currency: str = "USD"
    soa: dict[str, Any] = field(default_factory=dict)
    #: Judge review dates at this day instead of today (a fixed snapshot, such as the demo).
    as_of: dt.date | None = None


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
    if isinstance(raw.get("as_of"), dt.date):
        s.as_of = raw["as_of"]
    return s


def init(folder: Path, org: str | None, start: dt.date, currency: str = "USD") -> list[Path]:
    """A new engagement folder: settings and a blank SOC 2 control matrix (never overwritten)."""
    from toolkit.schema import load_spec
    from toolkit.writer import Book, Table, write_book

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


def build(
    folder: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
) -> tuple[list[Path], list[str], Report]:
    """Build every workbook of the engagement in `folder`, then validate them together."""
    from toolkit.gap import build_gap, read_inventory, write_gap
    from toolkit.merge import merge_into
    from toolkit.reader import read_workbook
    from toolkit.risk import build_register, import_risks, write_register
    from toolkit.risk import refresh as refresh_risks
    from toolkit.roadmap import SIZES, build_roadmap, write_roadmap
    from toolkit.roadmap import refresh as refresh_roadmap
    from toolkit.savings import build_savings, write_savings
    from toolkit.soa import build_soa, write_soa
    from toolkit.validate import validate

    say = progress or (lambda _msg: None)
    s = load_settings(folder)
    org = s.organisation
    notes: list[str] = []
    written: list[Path] = []
    out = {k: folder / v for k, v in OUTPUTS.items()}

    def existing(kind: str) -> Path | None:
        return out[kind] if out[kind].exists() else None

    candidates = [folder / n for n in MATRIX_NAMES if (folder / n).exists()]
    if not candidates:
        raise FileNotFoundError(f"{folder}: no SOC 2 control matrix ({' or '.join(MATRIX_NAMES)}); run `ctk init {folder}` first")
    # The blank matrix `init` writes may sit beside a CSV the consultant dropped in: use the filled one.
    inventories = [(path, read_inventory(path, limits)) for path in candidates]
    matrix, inventory = next(((p, inv) for p, inv in inventories if inv.controls), inventories[0])
    if not inventory.controls:
        notes.append(f"{matrix.name} holds no SOC 2 controls yet: every Annex A control comes out Not addressed")

    say(f"[1/5] gap assessment from {matrix.name}")
    gap_book = build_gap(inventory)
    notes += merge_into(gap_book, "gap", existing("gap"), limits)
    write_gap(gap_book, out["gap"], org)
    written.append(out["gap"])
    gap = read_workbook(out["gap"], kind="gap", limits=limits)

    say("[2/5] risk register")
    source = next((folder / n for n in RISK_SOURCES if (folder / n).exists()), None)
    if existing("risk") or source:
        risk_book = build_register(import_risks(source, limits) if source and not existing("risk") else [], org)
        notes += merge_into(risk_book, "risk", existing("risk"), limits)
        refresh_risks(risk_book)
    else:
        risk_book = build_register([], org)
    write_register(risk_book, out["risk"], org)
    written.append(out["risk"])
    risks = read_workbook(out["risk"], kind="risk", limits=limits)

    say("[3/5] Statement of Applicability")
    fields = {
        "Organisation": org,
        "Owner": s.soa.get("owner") or None,
        "Approved By": s.soa.get("approved_by") or None,
        "Approval Date": s.soa.get("approval_date") if isinstance(s.soa.get("approval_date"), dt.date) else None,
        "Version": str(s.soa["version"]) if s.soa.get("version") else None,
    }
    soa_book = build_soa(gap, risks, fields)
    notes += merge_into(soa_book, "soa", existing("soa"), limits)
    write_soa(soa_book, out["soa"], org)
    written.append(out["soa"])

    say(f"[4/5] roadmap from {s.start_date.isoformat()}")
    size = next((x for x in SIZES if x.lower().startswith(s.size)), SIZES[1])
    road = build_roadmap(gap, s.start_date, size, org)
    notes += merge_into(road, "roadmap", existing("roadmap"), limits)
    refresh_roadmap(road)
    write_roadmap(road, out["roadmap"], org)
    written.append(out["roadmap"])

    say("[5/5] cost savings")
    savings = build_savings(gap, org=org, currency=s.currency)
    notes += merge_into(savings, "savings", existing("savings"), limits)
    write_savings(savings, out["savings"], org)
    written.append(out["savings"])

    say("validating")
    report = validate(written, as_of=s.as_of, limits=limits)
    return written, notes, report


def demo(folder: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None) -> tuple[list[Path], list[str], Report]:
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
    return build(folder, limits, progress)
