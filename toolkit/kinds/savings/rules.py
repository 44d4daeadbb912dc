"""Cost-savings rules: the assumptions are usable, the article's six categories are there, each
saving stays within the article's range, and the figures still follow from the inputs.

The figures are worked out here from the workbook's own Inputs exactly as its formulas do, so a
workbook whose formulas have not been recalculated (edited by a script, say) is still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from toolkit.findings import WARNING, Finding
from toolkit.kinds.savings.model import (
    BY_KEY,
    CATEGORIES,
    FIGURE_COLUMNS,
    INPUTS,
    MONEY_COLUMNS,
    RANGES,
    SUMMARY,
    Category,
    Value,
    figures,
    position,
)
from toolkit.rules import Context, at, at_form, missing, required_by, rule, table_ok
from toolkit.workbook.reader import FormData, Record, TableData, WorkbookData
from toolkit.workbook.schema import header_key

#: How far a figure may stray from the Inputs before it is reported (rounding in another spreadsheet).
MONEY_TOLERANCE = 1.0
PCT_TOLERANCE = 0.0001


def _inputs(book: WorkbookData) -> FormData | None:
    form = book.forms.get(INPUTS)
    return form if form is not None and form.sheet is not None else None


def _summary(book: WorkbookData) -> TableData | None:
    table = book.tables.get(SUMMARY)
    return table if table_ok(table) else None


def _rows(table: TableData) -> dict[str, Record]:
    """The first row of each of the article's categories, by category name."""
    out: dict[str, Record] = {}
    for rec in table.records:
        cat = BY_KEY.get(header_key(rec.get("Cost Category") or ""))
        if cat is not None and cat.name not in out:
            out[cat.name] = rec
    return out


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _position(form: FormData) -> Value:
    """The Position in Range as the sheet states it, or as its formula gives it when not calculated."""
    stated = form.fields.get("Position in Range")
    if _number(stated):
        return float(stated)
    return position(form.fields.get("Annex A Fully Addressed"))


def _model(form: FormData) -> dict[str, dict[str, Value]]:
    """What the workbook's formulas give from its own Inputs and its Benchmark ranges."""
    ranges = {}
    for rec in form.blocks.get(RANGES, []):
        cat = BY_KEY.get(header_key(rec.get("Cost Category") or ""))
        if cat is not None:
            ranges[cat.name] = (rec.get("Savings Low"), rec.get("Savings High"))
    return figures(form.fields, _position(form), ranges)


def _pct(value: float) -> str:
    return f"{value:.2%}".replace(".00%", "%")


@rule("SAV001", "savings", "An assumption on Inputs is missing or not a positive number")
def input_invalid(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Consulting Day Rate empty, `0`, `-1500` or `TBD`; Currency empty.
    Good: `1500` (in the workbook's currency); Currency `EUR`."""
    form = _inputs(book)
    if form is None:
        return
    for col in required_by(form, "SAV001"):
        name, value = col.name, form.fields.get(col.name)
        if col.type == "enum":
            if value is None:
                yield at_form(
                    "SAV001", form, name, f"{name} is empty; choose one ({', '.join(col.values[:3])} ...) for the amounts"
                )
        elif value is None:
            yield at_form("SAV001", form, name, f"{name} is empty; enter a positive number")
        elif not _number(value):
            yield at_form("SAV001", form, name, f"{name} is '{value}', not a number; enter a positive number")
        elif value <= 0:
            yield at_form("SAV001", form, name, f"{name} is {value:g}; it must be a positive number")


@rule("SAV002", "savings", "A savings % is outside the benchmark's range for its category", WARNING)
def outside_range(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Total first-year cost saving 38% after raising Certification Audit Fees to 500,000 (article: 45-55%);
    consulting typed over as 75% (article: 50-60%). Good: each saving within its range, e.g. total 49.35%."""
    table, form = _summary(book), _inputs(book)
    if table is None:
        return
    model = _model(form) if form is not None else {}
    for name, rec in _rows(table).items():
        cat = BY_KEY[header_key(name)]
        stated = rec.get("Savings %")
        if _number(stated):
            value, how = float(stated), ""
        elif stated is None and _number(model.get(name, {}).get("Savings %")):
            # A formula no spreadsheet has calculated yet: judge what the Inputs give.
            value, how = float(model[name]["Savings %"]), " (worked out from the Inputs; the sheet is not recalculated)"
        else:
            continue
        if not cat.low - 1e-9 <= round(value, 6) <= cat.high + 1e-9:
            yield at(
                "SAV002",
                rec,
                "Savings %",
                name,
                f"{name}: saving of {_pct(value)}{how} is outside the benchmark's {_range(cat)}; check the Inputs",
            )


def _range(cat: Category) -> str:
    return _pct(cat.low) if cat.low == cat.high else f"{cat.low * 100:.0f}-{_pct(cat.high)}"


@rule("SAV003", "savings", "One of the cost categories has no row on the Cost Savings Summary")
def category_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: the `GRC platform` row deleted. Good: all six rows, from Implementation consulting to
    Total first-year cost (regenerate with `ctk savings --merge` to put one back)."""
    table = _summary(book)
    if table is None:
        return
    present = _rows(table)
    for cat in CATEGORIES:
        if cat.name not in present:
            yield missing(
                "SAV003",
                table.sheet,
                cat.name,
                f"no row for '{cat.name}'; regenerate with `ctk savings --merge` to restore it",
                column="Cost Category",
            )


@rule("SAV004", "savings", "A figure does not follow from the Inputs (typed over, or its formula changed)", WARNING)
def figure_mismatch(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: Savings for Implementation consulting typed over as 60,000 when the Inputs give 46,161.
    Good: the live formula's value; change the Inputs instead."""
    table, form = _summary(book), _inputs(book)
    if table is None or form is None:
        return
    stated_pos = form.fields.get("Position in Range")
    expected_pos = position(form.fields.get("Annex A Fully Addressed"))
    if _number(stated_pos) and _number(expected_pos) and abs(float(stated_pos) - float(expected_pos)) > PCT_TOLERANCE:
        yield at_form(
            "SAV004",
            form,
            "Position in Range",
            f"Position in Range is {_pct(float(stated_pos))}; Annex A Fully Addressed gives {_pct(float(expected_pos))}",
        )
    model = _model(form)
    for name, rec in _rows(table).items():
        for column in FIGURE_COLUMNS:
            stated, expected = rec.get(column), model[name][column]
            if not (_number(stated) and _number(expected)):
                continue
            tolerance = MONEY_TOLERANCE if column in MONEY_COLUMNS else PCT_TOLERANCE
            if abs(float(stated) - float(expected)) > tolerance + 1e-9:
                shown: Callable[[float], str] = _pct if column == "Savings %" else _amount
                yield at(
                    "SAV004",
                    rec,
                    column,
                    name,
                    f"{name}: {column} is {shown(float(stated))}, the Inputs give {shown(float(expected))}",
                )


def _amount(value: float) -> str:
    return f"{value:,.0f}"


@rule("SAV005", "savings", "An optional cost on Inputs is negative or not a number")
def optional_input_invalid(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: GRC Framework Add-on Fee `-500` or `ask vendor`. Good: `0` (no add-on fee, the article's figures)
    or the fee quoted, e.g. `6000`; blank counts as 0."""
    form = _inputs(book)
    if form is None:
        return
    for col in required_by(form, "SAV005"):
        name, value = col.name, form.fields.get(col.name)
        if value is None:
            continue
        if not _number(value):
            yield at_form("SAV005", form, name, f"{name} is '{value}', not a number; enter 0 or the amount")
        elif value < 0:
            yield at_form("SAV005", form, name, f"{name} is {value:g}; it cannot be negative")
