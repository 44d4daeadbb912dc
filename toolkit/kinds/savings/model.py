"""The cost-savings workbook: starting ISO/IEC 27001 from scratch vs extending a SOC 2 programme.

The article gives six cost categories with the saving of each (ctk adds a seventh, the internal
audit, at 0 by default so the article's figures hold) (a range for consulting, ongoing
maintenance and the first-year total). The client's assumptions sit on `Inputs`; every figure on
`Cost Savings Summary` is a live formula over them, written with the value computed here. Where
the article gives a range, the gap assessment picks the point: the share of Annex A rated
`Fully addressed` places the client between the article's typical 60 % (low end of each range)
and 70 % (high end).

Amounts are rounded to whole currency units and percentages to 0.01 % (the formulas use ROUND
too), so a spreadsheet's recalculation gives exactly the cached values.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from toolkit.data import catalog
from toolkit.kinds.gap.model import ANNEX, FULL, NOT, PARTIAL, TYPICAL
from toolkit.kinds.inputs import read_input
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.reader import WorkbookData
from toolkit.workbook.schema import header_key, load_spec
from toolkit.workbook.writer import Book

if TYPE_CHECKING:
    pass

INPUTS = "Inputs"
SUMMARY = "Cost Savings Summary"
NOTES = "How to read"
RANGES = "Benchmark ranges"
#: The benchmark every range comes from, named once in full wherever the workbook cites it.
SOURCE = '"Extending SOC 2 to ISO 27001: A Practical Guide", a consultancy\'s published guide (undated)'
MONEY_COLUMNS = ("Starting from Scratch", "Extending from SOC 2", "Savings")
FIGURE_COLUMNS = ("Starting from Scratch", "Extending from SOC 2", "Savings %", "Savings")
#: The gap result that places a client at the low and the high end of each range (article: 60-70 %).
LOW_END, HIGH_END = TYPICAL[FULL][0] / 100, TYPICAL[FULL][1] / 100
#: Spreadsheet errors a formula gives when an input is not a number.
VALUE_ERROR = "#VALUE!"

#: The client's assumptions with their defaults, and the name each has in the workbook's formulas:
#: both declared in `workbook_templates/savings.toml`.
_INPUTS = load_spec("savings").sheet(INPUTS)
DEFAULT_CURRENCY = str(_INPUTS.column("Currency").default)
DEFAULTS: dict[str, float] = {c.name: c.default for c in _INPUTS.input_columns if c.type == "number" and c.default is not None}
NAMES = {c.name: c.defined_name for c in _INPUTS.columns if c.defined_name}
MONEY_INPUTS = tuple(
    _INPUTS.column(name).name
    for name in (
        "Consulting Day Rate",
        "FTE Monthly Cost",
        "GRC Platform Annual Cost",
        "Certification Audit Fees",
        "Annual Maintenance from Scratch",
        "GRC Framework Add-on Fee",
        "Internal Audit Cost",
    )
)
#: Inputs that may be zero (their default keeps the article's figures): never negative, never text.
OPTIONAL_INPUTS = ("GRC Framework Add-on Fee", "Internal Audit Cost")


@dataclass(frozen=True)
class Category:
    """One row of the article's cost table."""

    name: str
    low: float
    high: float
    scratch_words: str  # the article's "Starting from Scratch"
    extending_words: str  # the article's "Extending from SOC 2"
    inputs: tuple[str, ...]  # Inputs multiplied for the scratch figure; empty for the total
    basis: str
    #: An input that is the extending figure itself (the GRC platform's add-on fee), instead of a saving %.
    extending_input: str | None = None
    #: Whether the row is the article's (the internal audit row is ctk's addition).
    in_article: bool = True

    @property
    def article_range(self) -> str:
        if self.low == self.high:
            return f"{self.low:.0%}"
        return f"{self.low * 100:.0f}-{self.high:.0%}"


CATEGORIES = (
    Category(
        "Implementation consulting",
        0.50,
        0.60,
        "Higher",
        "Significantly lower",
        ("Consulting Day Rate", "Consulting Days from Scratch"),
        "Consulting Day Rate x Consulting Days from Scratch. Saving: 50-60%, at the Position in Range.",
    ),
    Category(
        "Internal effort",
        0.50,
        0.50,
        "4-8 FTE-months",
        "2-4 FTE-months",
        ("FTE Monthly Cost", "FTE Months from Scratch"),
        "FTE Monthly Cost x FTE Months from Scratch. Extending takes half the FTE-months (benchmark: 4-8 vs 2-4).",
    ),
    Category(
        "GRC platform",
        1.0,
        1.0,
        "Varies",
        "Already in use (no additional cost)",
        ("GRC Platform Annual Cost",),
        "GRC Platform Annual Cost. The SOC 2 programme's platform is already in use; extending costs the GRC Framework "
        "Add-on Fee, if the platform charges one for ISO/IEC 27001 (0 by default: the benchmark's 100%).",
        "GRC Framework Add-on Fee",
    ),
    Category(
        "Certification audit fees",
        0.0,
        0.0,
        "Varies",
        "Same cost",
        ("Certification Audit Fees",),
        "Certification Audit Fees. The certification audit costs the same either way.",
    ),
    Category(
        "Internal audit",
        0.0,
        0.0,
        "Varies",
        "Same cost",
        ("Internal Audit Cost",),
        "Internal Audit Cost: the internal audit is needed either way. Not in the benchmark's table; 0 by default, which keeps "
        "its figures: enter a quote to include it.",
        None,
        False,
    ),
    Category(
        "Ongoing maintenance (annual)",
        0.35,
        0.50,
        "Higher",
        "Significantly lower",
        ("Annual Maintenance from Scratch",),
        "Annual Maintenance from Scratch. Saving: 35-50%, at the Position in Range. Per year; not in the first-year total.",
    ),
    Category(
        "Total first-year cost",
        0.45,
        0.55,
        "Higher",
        "Significantly lower",
        (),
        "Consulting + internal effort + GRC platform + audit fees + internal audit; its savings % follows from theirs (benchmark: 45-55%).",
    ),
)
TOTAL = CATEGORIES[-1]
MAINTENANCE = next(c for c in CATEGORIES if c.name.startswith("Ongoing maintenance"))
FIRST_YEAR = tuple(c for c in CATEGORIES if c not in (TOTAL, MAINTENANCE))
BY_KEY = {header_key(c.name): c for c in CATEGORIES}


# --- the arithmetic, exactly as the formulas do it -------------------------------------------------


def xround(value: float, digits: int) -> float:
    """ROUND as Excel and LibreOffice do it: on the value to 15 significant digits, half away from zero.

    So 0.35 + 0.15 * 0.129 (0.36934999999999996 in binary) rounds to 0.3694, as a spreadsheet shows it.
    """
    if not math.isfinite(value) or abs(value) >= 1e15:
        return value
    rounded = Decimal(f"{value:.15g}").quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    out = float(rounded)
    return float(int(out)) if digits == 0 else out


Value = float | str  # a number, or the spreadsheet error a formula gives


def as_number(value: Any) -> Value:
    """An input as a formula sees it: blank counts as 0, text gives #VALUE!."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return VALUE_ERROR


def _op(func: Callable[..., float], *args: Value) -> Value:
    for a in args:
        if isinstance(a, str):
            return a
    return func(*args)


def position(share: Any) -> Value:
    """Where the client sits in each of the article's ranges: 0 at 60 % fully addressed or less, 1 at 70 % or more."""
    return _op(lambda s: xround(max(0.0, min(1.0, (s - LOW_END) / (HIGH_END - LOW_END))), 4), as_number(share))


def figures(
    fields: Mapping[str, Any], pos: Any, ranges: Mapping[str, tuple[Any, Any]] | None = None
) -> dict[str, dict[str, Value]]:
    """Each category's Starting from Scratch, Extending from SOC 2, Savings % and Savings.

    `ranges` are the savings low and high by category as the workbook states them (the article's
    by default); `pos` the Position in Range.
    """
    ranges = ranges or {}
    p = as_number(pos)
    out: dict[str, dict[str, Value]] = {}
    for cat in CATEGORIES[:-1]:
        values = [as_number(fields.get(name)) for name in cat.inputs]
        scratch = _op(lambda *xs: xround(_product(xs), 0), *values)
        low, high = (as_number(v) for v in ranges.get(cat.name, (cat.low, cat.high)))
        if cat.extending_input is not None:
            # The extending cost is an input (the add-on fee); the saving follows from it.
            extending = _op(lambda x: xround(x, 0), as_number(fields.get(cat.extending_input)))
            pct = _op(lambda s, e, hi: hi if s == 0 else xround(1 - e / s, 4), scratch, extending, high)
        else:
            pct = _op(lambda lo, hi, q: xround(lo + (hi - lo) * q, 4), low, high, p)
            extending = _op(lambda s, r: xround(s * (1 - r), 0), scratch, pct)
        out[cat.name] = {
            "Starting from Scratch": scratch,
            "Extending from SOC 2": extending,
            "Savings %": pct,
            "Savings": _op(lambda s, e: s - e, scratch, extending),
        }
    rows = [out[c.name] for c in FIRST_YEAR]
    scratch = _op(lambda *xs: sum(xs), *(r["Starting from Scratch"] for r in rows))
    extending = _op(lambda *xs: sum(xs), *(r["Extending from SOC 2"] for r in rows))
    saved = _op(lambda s, e: s - e, scratch, extending)
    out[TOTAL.name] = {
        "Starting from Scratch": scratch,
        "Extending from SOC 2": extending,
        "Savings %": _op(lambda s, d: 0.0 if s == 0 else xround(d / s, 4), scratch, saved),
        "Savings": saved,
    }
    return out


def _product(values: tuple[float, ...]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


# --- the gap assessment's part ------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How the gap assessment rates the 93 Annex A controls (unrated or missing ones count as not full)."""

    fully: int = 0
    partially: int = 0
    not_addressed: int = 0

    @property
    def total(self) -> int:
        return len(catalog.annex_a())

    @property
    def share(self) -> float:
        return xround(self.fully / self.total, 4)

    def describe(self) -> str:
        text = (
            f"{self.fully} fully, {self.partially} partially, {self.not_addressed} not addressed of {self.total} Annex A controls"
        )
        unrated = self.total - self.fully - self.partially - self.not_addressed
        return text + (f" ({unrated} unrated)" if unrated else "")


def coverage_of(gap: WorkbookData) -> Coverage:
    """The Annex A ratings of a gap assessment (first row of each control; unknown ids ignored)."""
    table = gap.tables.get(ANNEX)
    if table is None or table.sheet is None or "Coverage" not in table.columns or "Control ID" not in table.columns:
        raise ReadError(f"not a gap assessment: no '{ANNEX}' sheet with Control ID and Coverage columns", gap.path)
    seen: dict[str, Any] = {}
    for rec in table.records:
        cid = rec.get("Control ID")
        if isinstance(cid, str) and cid in catalog.annex_a() and cid not in seen:
            seen[cid] = rec.get("Coverage")
    ratings = list(seen.values())
    return Coverage(ratings.count(FULL), ratings.count(PARTIAL), ratings.count(NOT))


def read_coverage(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Coverage:
    return coverage_of(read_input(path, "gap", "Annex A rows", limits))


# --- the workbook -----------------------------------------------------------------------------------


@dataclass
class SavingsBook(Book):
    """A cost-savings workbook, with the gap result its computed cells are refreshed from."""

    coverage: Coverage = field(default_factory=Coverage)


def range_rule(cov: Coverage) -> str:
    pos = position(cov.share)
    assert isinstance(pos, float)
    consulting, maintenance = (c.low + (c.high - c.low) * pos for c in (CATEGORIES[0], MAINTENANCE))
    return (
        f"Where the benchmark gives a range, the saving sits at this position in it: 0% (the low end) when "
        f"{LOW_END:.0%} or less of Annex A is fully addressed, 100% (the high end) at {HIGH_END:.0%} or more, "
        f"in proportion between. Here {cov.share:.1%} gives {pos:.0%}: consulting {consulting:.1%}, "
        f"ongoing maintenance {maintenance:.1%}."
    )


def article_rows() -> list[dict[str, Any]]:
    return [
        {
            "Cost Category": c.name,
            "Starting from Scratch": c.scratch_words if c.in_article else f"{c.scratch_words} (not in the benchmark)",
            "Extending from SOC 2": c.extending_words,
            "Savings Low": c.low,
            "Savings High": c.high,
        }
        for c in CATEGORIES
    ]
