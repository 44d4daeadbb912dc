"""The cost-savings workbook: starting ISO/IEC 27001 from scratch vs extending a SOC 2 programme.

The article gives six cost categories with the saving of each (a range for consulting, ongoing
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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit import catalog
from toolkit.cells import cell_ref, col_letter
from toolkit.gap import ANNEX, FULL, NOT, PARTIAL, TYPICAL
from toolkit.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.reader import WorkbookData, read_workbook
from toolkit.schema import header_key, load_spec
from toolkit.writer import BORDER, GREY_FILL, NAVY, Book, Form, SheetWriter, Styles, Table, write_book, write_text_sheet

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

INPUTS = "Inputs"
SUMMARY = "Cost Savings Summary"
NOTES = "How to read"
RANGES = "Article ranges"
MONEY_COLUMNS = ("Starting from Scratch", "Extending from SOC 2", "Savings")
FIGURE_COLUMNS = ("Starting from Scratch", "Extending from SOC 2", "Savings %", "Savings")
#: The gap result that places a client at the low and the high end of each range (article: 60-70 %).
LOW_END, HIGH_END = TYPICAL[FULL][0] / 100, TYPICAL[FULL][1] / 100
#: Spreadsheet errors a formula gives when an input is not a number.
VALUE_ERROR = "#VALUE!"

#: The client's assumptions with their defaults, and the name each has in the workbook's formulas.
DEFAULTS: dict[str, float] = {
    "Consulting Day Rate": 1500,
    "Consulting Days from Scratch": 60,
    "FTE Monthly Cost": 10000,
    "FTE Months from Scratch": 6,
    "GRC Platform Annual Cost": 25000,
    "Certification Audit Fees": 30000,
    "Annual Maintenance from Scratch": 40000,
}
DEFAULT_CURRENCY = "USD"
MONEY_INPUTS = (
    "Consulting Day Rate",
    "FTE Monthly Cost",
    "GRC Platform Annual Cost",
    "Certification Audit Fees",
    "Annual Maintenance from Scratch",
)
NAMES = {
    "Currency": "Currency_Code",
    "Consulting Day Rate": "Day_Rate",
    "Consulting Days from Scratch": "Consulting_Days",
    "FTE Monthly Cost": "FTE_Monthly_Cost",
    "FTE Months from Scratch": "FTE_Months",
    "GRC Platform Annual Cost": "GRC_Platform_Cost",
    "Certification Audit Fees": "Audit_Fees",
    "Annual Maintenance from Scratch": "Maintenance_Cost",
    "Annex A Fully Addressed": "Fully_Addressed",
    "Position in Range": "Range_Position",
}


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
        "FTE Monthly Cost x FTE Months from Scratch. Extending takes half the FTE-months (article: 4-8 vs 2-4).",
    ),
    Category(
        "GRC platform",
        1.0,
        1.0,
        "Varies",
        "Already in use (no additional cost)",
        ("GRC Platform Annual Cost",),
        "GRC Platform Annual Cost. The SOC 2 programme's platform is already in use: nothing to add.",
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
        "Consulting + internal effort + GRC platform + audit fees; its savings % follows from theirs (article: 45-55%).",
    ),
)
TOTAL = CATEGORIES[-1]
FIRST_YEAR = CATEGORIES[:4]
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


def read_coverage(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Coverage:
    return coverage_of(read_workbook(path, kind="gap", limits=limits))


# --- the workbook -----------------------------------------------------------------------------------


@dataclass
class SavingsBook(Book):
    """A cost-savings workbook, with the gap result its computed cells are refreshed from."""

    coverage: Coverage = field(default_factory=Coverage)


def range_rule(cov: Coverage) -> str:
    pos = position(cov.share)
    assert isinstance(pos, float)
    consulting, maintenance = (c.low + (c.high - c.low) * pos for c in (CATEGORIES[0], CATEGORIES[4]))
    return (
        f"Where the article gives a range, the saving sits at this position in it: 0% (the low end) when "
        f"{LOW_END:.0%} or less of Annex A is fully addressed, 100% (the high end) at {HIGH_END:.0%} or more, "
        f"in proportion between. Here {cov.share:.1%} gives {pos:.0%}: consulting {consulting:.1%}, "
        f"ongoing maintenance {maintenance:.1%}."
    )


def article_rows() -> list[dict[str, Any]]:
    return [
        {
            "Cost Category": c.name,
            "Starting from Scratch": c.scratch_words,
            "Extending from SOC 2": c.extending_words,
            "Savings Low": c.low,
            "Savings High": c.high,
        }
        for c in CATEGORIES
    ]


def build_savings(
    gap: WorkbookData | Coverage, org: str | None = None, currency: str | None = None, inputs: Mapping[str, Any] | None = None
) -> SavingsBook:
    """The cost-savings workbook for a gap assessment, with the default assumptions (or `inputs`)."""
    cov = gap if isinstance(gap, Coverage) else coverage_of(gap)
    fields: dict[str, Any] = {"Organisation": org, "Currency": currency or DEFAULT_CURRENCY, **DEFAULTS, **(inputs or {})}
    book = SavingsBook(forms={INPUTS: Form(fields)}, coverage=cov)
    refresh(book)
    return book


def refresh(book: SavingsBook) -> None:
    """Recompute every computed cell from the (possibly merged) Inputs and the gap result."""
    spec = load_spec("savings")
    form = book.forms.get(INPUTS, Form({}))
    fields = {c.name: form.fields.get(c.name) for c in spec.sheet(INPUTS).input_columns}
    cov = book.coverage
    fields["Annex A Fully Addressed"] = cov.share
    fields["Gap Assessment Result"] = cov.describe()
    fields["Position in Range"] = position(cov.share)
    fields["How the Range Is Used"] = range_rule(cov)
    book.forms[INPUTS] = Form(fields, {RANGES: article_rows()})
    values = figures(fields, fields["Position in Range"])
    old = book.tables.get(SUMMARY, Table([]))
    by_key = {header_key(r.get("Cost Category")): r for r in old.records if r.get("Cost Category") is not None}
    rows: list[dict[str, Any]] = []
    for cat in CATEGORIES:
        row = dict(by_key.get(header_key(cat.name), {}))
        row.update({"Cost Category": cat.name, **values[cat.name], "Article Range": cat.article_range, "Basis": cat.basis})
        rows.append(row)
    # Rows the client added to the summary are kept as they typed them, below the article's six.
    rows += [dict(r) for r in old.records if header_key(r.get("Cost Category") or "") not in BY_KEY]
    book.tables[SUMMARY] = Table(rows, old.extra_columns)
    book.custom[NOTES] = _finish(book)


def write_savings(book: SavingsBook, path: str | os.PathLike[str], org: str | None = None) -> None:
    refresh(book)
    spec = load_spec("savings")
    write_book(spec, book, path, title=f"{spec.title} - {org}" if org else spec.title)


# --- live formulas, formats, chart: added once the generic writer has laid the sheets out ---------

_RANGE = re.compile(r"\$([A-Z]+)\$(\d+):")


def money_format(currency: Any) -> str:
    return f'#,##0 "{currency}"' if isinstance(currency, str) and currency.isalpha() else "#,##0"


def field_row(name: str) -> int:
    """The 0-based row of an Inputs field, as the generic form writer lays fields out (from row 4)."""
    return 3 + [c.name for c in load_spec("savings").sheet(INPUTS).columns].index(name)


def _cached(value: Value) -> float | int | str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _finish(book: SavingsBook) -> SheetWriter:
    """The `How to read` sheet; first, the formulas and formats the generic writer cannot declare.

    write_book lays the sheets out in declaration order, so `Inputs` and `Cost Savings Summary`
    are written by the time this last sheet is: their cells are rewritten here with live
    formulas (and the values computed in Python), currency formats, and the chart.
    """

    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        fields = book.forms[INPUTS].fields
        base = {"valign": "top", "border": 1, "border_color": BORDER, "font_size": 10}
        grey = {**base, "bg_color": GREY_FILL, "font_color": "#262626"}
        fmt = _Formats(wb, base, grey, fields.get("Currency"))
        inputs = wb.get_worksheet_by_name(INPUTS)
        summary = wb.get_worksheet_by_name(SUMMARY)
        assert inputs is not None and summary is not None
        _finish_inputs(wb, inputs, fields, fmt)
        low, high = _range_cells(book)
        _finish_summary(wb, summary, st, book, fmt, low, high)
        _notes(ws, st, book)

    return write


class _Formats:
    def __init__(self, wb: Workbook, base: dict[str, Any], grey: dict[str, Any], currency: Any) -> None:
        money = money_format(currency)
        self.currency = currency
        self.money_input = wb.add_format({**base, "num_format": money, "align": "left"})
        self.count_input = wb.add_format({**base, "num_format": "General", "align": "left"})
        self.money = wb.add_format({**grey, "num_format": money})
        self.money_total = wb.add_format({**grey, "num_format": money, "bold": True})
        self.pct = wb.add_format({**grey, "num_format": "0.0%"})
        self.pct_total = wb.add_format({**grey, "num_format": "0.0%", "bold": True})
        self.share = wb.add_format({**grey, "num_format": "0.0%", "align": "left"})
        self.position = wb.add_format({**grey, "num_format": "0%", "align": "left"})
        self.label_total = wb.add_format({**grey, "bold": True, "text_wrap": True})
        self.plain = wb.add_format({"bg_color": "#FFFFFF"})
        # When the client picks another currency, amounts follow (Excel and LibreOffice; a static label elsewhere).
        codes = load_spec("savings").sheet(INPUTS).column("Currency").values
        self.by_currency = {code: wb.add_format({"num_format": money_format(code)}) for code in codes}

    def follow_currency(self, ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        for code, fmt in self.by_currency.items():
            if code == self.currency:
                continue
            ws.conditional_format(
                first_row,
                first_col,
                last_row,
                last_col,
                {"type": "formula", "criteria": f'={NAMES["Currency"]}="{code}"', "format": fmt},
            )


def _finish_inputs(wb: Workbook, ws: Worksheet, fields: Mapping[str, Any], fmt: _Formats) -> None:
    ws.set_column(0, 0, 32)  # the longest label in full
    for name, defined in NAMES.items():
        wb.define_name(defined, f"='{INPUTS}'!$B${field_row(name) + 1}")
    for name in DEFAULTS:
        r = field_row(name)
        value = fields.get(name)
        cell_fmt = fmt.money_input if name in MONEY_INPUTS else fmt.count_input
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(r, 1, value, cell_fmt)
        elif value is None:
            ws.write_blank(r, 1, None, cell_fmt)
        else:
            ws.write_string(r, 1, str(value), cell_fmt)
        ws.data_validation(
            r,
            1,
            r,
            1,
            {
                "validate": "decimal",
                "criteria": ">",
                "value": 0,
                "error_title": name[:32],
                "error_message": f"{name}: enter a positive number.",
            },
        )
        if name in MONEY_INPUTS:
            fmt.follow_currency(ws, r, 1, r, 1)
    share = field_row("Annex A Fully Addressed")
    ws.write_number(share, 1, fields["Annex A Fully Addressed"], fmt.share)
    r = field_row("Position in Range")
    formula = f"=ROUND(MAX(0,MIN(1,({NAMES['Annex A Fully Addressed']}-{LOW_END})/({HIGH_END}-{LOW_END}))),4)"
    ws.write_formula(r, 1, formula, fmt.position, _cached(fields["Position in Range"]))


def _range_cells(book: SavingsBook) -> tuple[list[str], list[str]]:
    """The Inputs cells holding each category's Savings Low and Savings High (absolute)."""
    out: list[list[str]] = []
    for column in ("Savings Low", "Savings High"):
        where = book.positions[f"{INPUTS}:{RANGES}:{column}"]
        match = _RANGE.search(where)
        assert match is not None, where
        letter, first = match.group(1), int(match.group(2))
        out.append([f"'{INPUTS}'!${letter}${first + i}" for i in range(len(CATEGORIES))])
    return out[0], out[1]


def _finish_summary(
    wb: Workbook, ws: Worksheet, st: Styles, book: SavingsBook, fmt: _Formats, low: list[str], high: list[str]
) -> None:
    spec = load_spec("savings").sheet(SUMMARY)
    col = {c.name: i for i, c in enumerate(spec.columns)}
    records = book.tables[SUMMARY].records

    def cell(row: int, name: str) -> str:
        return cell_ref(row, col[name])

    first, last_first_year = 1, len(FIRST_YEAR)
    for i, cat in enumerate(CATEGORIES):
        r = 1 + i
        values = records[i]
        total = cat is TOTAL
        money, pct = (fmt.money_total, fmt.pct_total) if total else (fmt.money, fmt.pct)
        scratch, extending, rate, saved = (cell(r, n) for n in FIGURE_COLUMNS)
        if total:
            formulas = {
                "Starting from Scratch": f"=SUM({cell(first, 'Starting from Scratch')}:{cell(last_first_year, 'Starting from Scratch')})",
                "Extending from SOC 2": f"=SUM({cell(first, 'Extending from SOC 2')}:{cell(last_first_year, 'Extending from SOC 2')})",
                "Savings %": f"=IF({scratch}=0,0,ROUND({saved}/{scratch},4))",
            }
            ws.write_string(r, col["Cost Category"], cat.name, fmt.label_total)
        else:
            product = "*".join(NAMES[name] for name in cat.inputs)
            formulas = {
                "Starting from Scratch": f"=ROUND({product},0)",
                "Extending from SOC 2": f"=ROUND({scratch}*(1-{rate}),0)",
                "Savings %": f"=ROUND({low[i]}+({high[i]}-{low[i]})*{NAMES['Position in Range']},4)",
            }
        formulas["Savings"] = f"={scratch}-{extending}"
        for name, formula in formulas.items():
            ws.write_formula(r, col[name], formula, pct if name == "Savings %" else money, _cached(values[name]))
    rows = len(CATEGORIES)
    for name in MONEY_COLUMNS:
        fmt.follow_currency(ws, 1, col[name], rows, col[name])

    below = max(len(records), rows) + 2
    # A clean white area for the explanation and the chart (the table's columns are formatted grey).
    for r in range(below - 1, below + 23):
        for c in range(len(spec.columns)):
            ws.write_blank(r, c, None, fmt.plain)
    # The explanation lives on `How to read` and in the Basis column: a text box here would read
    # back as a client's shape when the workbook is merged.
    chart = wb.add_chart({"type": "bar"})
    for name, colour in (("Starting from Scratch", NAVY), ("Extending from SOC 2", "#70AD47")):
        letter = col_letter(col[name])
        chart.add_series(
            {
                "name": f"='{SUMMARY}'!${letter}$1",
                "categories": f"='{SUMMARY}'!$A$2:$A${rows + 1}",
                "values": f"='{SUMMARY}'!${letter}$2:${letter}${rows + 1}",
                "fill": {"color": colour},
                "border": {"none": True},
                "gap": 60,
            }
        )
    chart.set_title({"name": "Starting from scratch vs extending from SOC 2", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 340})
    ws.insert_chart(below, 0, chart, {"object_position": 3})


def _notes(ws: Worksheet, st: Styles, book: SavingsBook) -> None:
    cov = book.coverage
    lines = [
        ("How the cost savings are worked out", "title"),
        (
            "Source: the article's cost and effort comparison for organisations extending SOC 2 to ISO/IEC 27001 "
            f"(the '{RANGES}' table on Inputs). The figures are planning estimates for a budget conversation, not quotes.",
            "text",
        ),
        (
            "Inputs: the white cells are the assumptions (currency, consulting day rate and days, FTE monthly cost and "
            "months, GRC platform, certification audit and annual maintenance costs). Change them and every figure on "
            f"'{SUMMARY}' follows: its formulas read them by name ({', '.join(NAMES[n] for n in DEFAULTS)}).",
            "text",
        ),
        (
            "Starting from scratch: consulting = day rate x days; internal effort = FTE monthly cost x FTE-months; the GRC "
            "platform, certification audit and annual maintenance as entered. Extending from SOC 2 = starting from scratch "
            "x (1 - savings %); savings = the difference. Amounts are rounded to whole currency units, percentages to 0.01%.",
            "text",
        ),
        (
            "Ranges: where the article gives one (consulting 50-60%, ongoing maintenance 35-50%), the saving sits at the "
            f"Position in Range: 0% when {LOW_END:.0%} or less of Annex A is fully addressed in the gap assessment (the "
            f"low end of the article's typical {LOW_END:.0%}-{HIGH_END:.0%} for a SOC 2 organisation), 100% at "
            f"{HIGH_END:.0%} or more, in proportion between. The more SOC 2 already covers, the more it saves.",
            "text",
        ),
        (
            "Fixed points: internal effort 50% (4-8 FTE-months from scratch vs 2-4 extending), GRC platform 100% "
            "(already in use for SOC 2), certification audit fees 0% (the same audit either way).",
            "text",
        ),
        (
            "Total first-year cost adds consulting, internal effort, GRC platform and audit fees; its savings % follows from "
            "theirs (the article: 45-55%). Ongoing maintenance is a yearly cost after the first year and is not in the total.",
            "text",
        ),
        (
            "ctk validate checks that every input is a positive number, that each savings % stays within the article's "
            "range (a warning when the inputs push it out), and that the figures still follow from the inputs.",
            "text",
        ),
        ("This client's gap assessment", "subtitle"),
        (f"{cov.describe()}: {cov.share:.1%} fully addressed. {range_rule(cov)}", "text"),
    ]
    write_text_sheet(ws, st, lines)
