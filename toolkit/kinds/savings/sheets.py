"""The cost-savings sheets' live formulas, currency formats and chart, and the How to read sheet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from toolkit.kinds.savings.model import (
    CATEGORIES,
    DEFAULTS,
    FIGURE_COLUMNS,
    FIRST_YEAR,
    HIGH_END,
    INPUTS,
    LOW_END,
    MONEY_COLUMNS,
    MONEY_INPUTS,
    NAMES,
    OPTIONAL_INPUTS,
    RANGES,
    SOURCE,
    SUMMARY,
    TOTAL,
    SavingsBook,
    Value,
    range_rule,
)
from toolkit.workbook import layout
from toolkit.workbook.cells import cell_ref, col_letter
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import BORDER, GREY_FILL, NAVY, SheetWriter, Styles, column_width, write_text_sheet

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet


# --- live formulas, formats, chart: added once the generic writer has laid the sheets out ---------

_RANGE = re.compile(r"\$([A-Z]+)\$(\d+):")


#: How each declared currency is shown: its symbol before the amount, as the client writes it.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CHF": "CHF ", "CAD": "C$", "AUD": "A$"}


def money_format(currency: Any) -> str:
    """`£1,500`, not `1,500 GBP`; a currency ctk does not know keeps its code after the amount."""
    if isinstance(currency, str) and currency in SYMBOLS:
        symbol = SYMBOLS[currency]
        return f'"{symbol}"#,##0;-"{symbol}"#,##0'
    return f'#,##0 "{currency}"' if isinstance(currency, str) and currency.isalpha() else "#,##0"


def field_row(name: str) -> int:
    """The 0-based row of an Inputs field, as the generic form writer lays fields out (from row 4)."""
    return 3 + [c.name for c in load_spec("savings").sheet(INPUTS).columns].index(name)


def _cached(value: Value) -> float | int | str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def finish(book: SavingsBook) -> SheetWriter:
    """The formulas and formats the generic writer cannot declare, once it has laid out the Summary.

    write_book calls this right after `Cost Savings Summary` (and `Inputs` before it) is written:
    their cells are rewritten here with live formulas (and the values computed in Python),
    currency formats, the headline and the chart.
    """

    def write(wb: Workbook, summary: Worksheet, st: Styles) -> None:
        fields = book.forms[INPUTS].fields
        base = {"valign": "top", "border": 1, "border_color": BORDER, "font_size": 10}
        grey = {**base, "bg_color": GREY_FILL, "font_color": "#262626"}
        fmt = _Formats(wb, base, grey, fields.get("Currency"))
        inputs = wb.get_worksheet_by_name(INPUTS)
        assert inputs is not None
        _finish_inputs(wb, inputs, fields, fmt)
        low, high = _range_cells(book)
        _finish_summary(wb, summary, st, book, fmt, low, high)

    return write


def how_to_read(book: SavingsBook) -> SheetWriter:
    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        _notes(ws, st, book)

    return write


class _Formats:
    def __init__(self, wb: Workbook, base: dict[str, Any], grey: dict[str, Any], currency: Any) -> None:
        money = money_format(currency)
        self.money_code = money
        self.currency = currency
        self.money_input = wb.add_format({**base, "num_format": money, "align": "left"})
        self.count_input = wb.add_format({**base, "num_format": "General", "align": "left"})
        self.money = wb.add_format({**grey, "num_format": money})
        rule = {"top": 2, "top_color": NAVY}  # a rule above the total row
        self.money_total = wb.add_format({**grey, **rule, "num_format": money, "bold": True})
        self.pct = wb.add_format({**grey, "num_format": "0.0%"})
        self.pct_total = wb.add_format({**grey, **rule, "num_format": "0.0%", "bold": True})
        self.share = wb.add_format({**grey, "num_format": "0.0%", "align": "left"})
        self.position = wb.add_format({**grey, "num_format": "0%", "align": "left"})
        self.label_total = wb.add_format({**grey, **rule, "bold": True, "text_wrap": True})
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
        zero_ok = name in OPTIONAL_INPUTS
        ws.data_validation(
            r,
            1,
            r,
            1,
            {
                "validate": "decimal",
                "criteria": ">=" if zero_ok else ">",
                "value": 0,
                "error_title": name[:32],
                "error_message": f"{name}: enter {'0 or more' if zero_ok else 'a positive number'}.",
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
            if cat.extending_input is not None:
                formulas = {
                    "Starting from Scratch": f"=ROUND({product},0)",
                    "Extending from SOC 2": f"=ROUND({NAMES[cat.extending_input]},0)",
                    "Savings %": f"=IF({scratch}=0,{high[i]},ROUND(1-{extending}/{scratch},4))",
                }
            else:
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
    # A clean white area for the chart (the table's columns are formatted grey).
    for r in range(below - 1, below + 24):
        for c in range(len(spec.columns)):
            ws.write_blank(r, c, None, fmt.plain)
    # The headline the sheet exists for, as live formulas, beside the table (a row below it would
    # read back as a cost category the client added).
    total_row = 1 + CATEGORIES.index(TOTAL)
    kpi_col = len(spec.columns) + 1
    kpi_label = wb.add_format(
        {"bold": True, "font_size": 11, "font_color": "#FFFFFF", "bg_color": st.primary, "valign": "vcenter"}
    )
    box = {"bold": True, "font_size": 16, "font_color": "#375623", "bg_color": "#E2EFDA", "align": "left", "valign": "vcenter"}
    kpi_money = wb.add_format({**box, "num_format": fmt.money_code})
    kpi_pct = wb.add_format({**box, "num_format": '0.0%" of the first-year cost"', "font_size": 11})
    total_values = records[total_row - 1]
    ws.set_column(kpi_col - 1, kpi_col - 1, 2)
    ws.set_column(kpi_col, kpi_col, 24)
    ws.write_string(1, kpi_col, "First-year saving from SOC 2", kpi_label)
    ws.write_formula(2, kpi_col, f"={cell(total_row, 'Savings')}", kpi_money, _cached(total_values["Savings"]))
    ws.write_formula(3, kpi_col, f"={cell(total_row, 'Savings %')}", kpi_pct, _cached(total_values["Savings %"]))
    fmt.follow_currency(ws, 2, kpi_col, 2, kpi_col)
    # The table and the headline on the first page, the chart whole on the second, at a scale
    # planned for the table's columns and the headline's together.
    widths = [column_width(c) for c in spec.columns] + [2, 24]
    pages = layout.plan(widths, 1)
    ws.print_area(0, 0, below + 18, kpi_col)
    ws.set_print_scale(pages.scale or 100)
    ws.set_h_pagebreaks([below - 1])
    # The explanation lives on `How to read` and in the Basis column: a text box here would read
    # back as a client's shape when the workbook is merged.
    # The chart shows the first-year components only: the total beside its own parts squashes them.
    chart = wb.add_chart({"type": "column"})
    for name, colour in (("Starting from Scratch", NAVY), ("Extending from SOC 2", "#70AD47")):
        letter = col_letter(col[name])
        chart.add_series(
            {
                "name": f"='{SUMMARY}'!${letter}$1",
                "categories": f"='{SUMMARY}'!$A$2:$A${last_first_year + 1}",
                "values": f"='{SUMMARY}'!${letter}$2:${letter}${last_first_year + 1}",
                "fill": {"color": colour},
                "border": {"none": True},
                "gap": 80,
                "data_labels": {"value": True, "num_format": fmt.money_code, "font": {"size": 10}},
            }
        )
    chart.set_title({"name": "First-year cost by category: from scratch vs extending SOC 2", "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": fmt.money_code, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 340})
    ws.insert_chart(below, 0, chart, {"object_position": 3})


def _notes(ws: Worksheet, st: Styles, book: SavingsBook) -> None:
    cov = book.coverage
    lines = [
        ("How the cost savings are worked out", "title"),
        (
            f"Source: the cost and effort comparison of {SOURCE}, for organisations extending a SOC 2 programme to "
            f"ISO/IEC 27001 (the '{RANGES}' table on Inputs; 'the benchmark' below). The figures are planning "
            "estimates for a budget conversation, not quotes.",
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
            "Ranges: where the benchmark gives one (consulting 50-60%, ongoing maintenance 35-50%), the saving sits at the "
            f"Position in Range: 0% when {LOW_END:.0%} or less of Annex A is fully addressed in the gap assessment (the "
            f"low end of the benchmark's typical {LOW_END:.0%}-{HIGH_END:.0%} for a SOC 2 organisation), 100% at "
            f"{HIGH_END:.0%} or more, in proportion between. The more SOC 2 already covers, the more it saves.",
            "text",
        ),
        (
            "Fixed points: internal effort 50% (4-8 FTE-months from scratch vs 2-4 extending), GRC platform 100% "
            "(already in use for SOC 2), certification audit fees 0% (the same audit either way).",
            "text",
        ),
        (
            "Two inputs the benchmark leaves out, both 0 by default so its figures hold: the GRC Framework Add-on Fee (GRC "
            "platforms usually charge to add ISO/IEC 27001 as a framework; enter it and the GRC saving falls below 100%, "
            "which the check of the returned workbook points out) and the Internal Audit Cost (an outsourced internal auditor or an independent "
            "internal one: the same either way, so 0% saving, but part of the first-year cost). Remediation tooling the "
            "gap assessment calls for (DLP, web filtering, CSPM) is not costed here.",
            "text",
        ),
        (
            "Total first-year cost adds consulting, internal effort, GRC platform, audit fees and internal audit; its savings % follows from "
            "theirs (the benchmark: 45-55%). Ongoing maintenance is a yearly cost after the first year and is not in the total.",
            "text",
        ),
        (
            "When the workbook comes back, it is checked that every input is a positive number, that each savings % "
            "stays within the benchmark's range (a warning when the inputs push it out), and that the figures still "
            "follow from the inputs.",
            "text",
        ),
        ("This client's gap assessment", "subtitle"),
        (f"{cov.describe()}: {cov.share:.1%} fully addressed. {range_rule(cov)}", "text"),
    ]
    write_text_sheet(ws, st, lines)
