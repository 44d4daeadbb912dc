"""The SoA's `Summary`: applicability and implementation status counted, as live formulas.

The first question a certification body asks of a Statement of Applicability: how many controls
apply, how many are excluded, and how many of those that apply are implemented or planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from toolkit.data import catalog
from toolkit.workbook.cells import col_letter
from toolkit.workbook.crosstab import Axis, write_crosstab
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import SheetWriter, Styles

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

SHEET = "Statement of Applicability"
SUMMARY = "Summary"


def _col(name: str) -> str:
    names = [c.name for c in load_spec("soa").sheet(SHEET).columns]
    letter = col_letter(names.index(name))
    return f"'{SHEET}'!${letter}:${letter}"


def summary(records: Sequence[Mapping[str, Any]]) -> SheetWriter:
    spec = load_spec("soa").sheet(SHEET)
    statuses = spec.column("Implementation Status").values
    colours = dict(spec.column("Implementation Status").colors)

    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        ws.set_column(0, 0, 26)
        ws.set_column(1, len(statuses) + 1, 13)
        ws.write_string(0, 0, "Statement of Applicability: summary", st.title)
        ws.write_string(
            1, 0, "Live formulas over the Statement of Applicability: change a row there and these follow.", st.italic
        )
        head, num, label = st.header_computed, st.int_computed, st.label
        applicable, status = _col("Applicable"), _col("Implementation Status")
        values = [r.get("Applicable") for r in records]
        r0 = 3
        for c, text in enumerate(["Applicability", "Controls"]):
            ws.write_string(r0, c, text, head)
        for i, (name, value) in enumerate((("Applicable", "Yes"), ("Excluded", "No"))):
            ws.write_string(r0 + 1 + i, 0, name, label)
            ws.write_formula(r0 + 1 + i, 1, f'=COUNTIF({applicable},"{value}")', num, values.count(value))
        ws.write_string(r0 + 3, 0, "Total", label)
        ws.write_formula(r0 + 3, 1, f"=B{r0 + 2}+B{r0 + 3}", num, values.count("Yes") + values.count("No"))

        s0 = r0 + 6
        got = [r.get("Implementation Status") for r in records]
        for c, text in enumerate(["Implementation status", "Controls"]):
            ws.write_string(s0, c, text, head)
        for i, name in enumerate(statuses):
            fill = wb.add_format({**st._base, "bold": True, "bg_color": colours.get(name, "#EDEDED")})
            ws.write_string(s0 + 1 + i, 0, name, fill)
            ws.write_formula(s0 + 1 + i, 1, f'=COUNTIF({status},"{name}")', num, got.count(name))

        t0 = s0 + len(statuses) + 3
        ws.write_string(t0 - 1, 0, "By theme", st.subtitle)
        ws.set_row(t0, 30)
        for c, text in enumerate(["Theme", *statuses]):
            ws.write_string(t0, c, text, head)
        themes = catalog.themes()
        write_crosstab(
            ws,
            t0 + 1,
            1,
            Axis("Theme", _col("Theme"), themes, [f"$A{t0 + 2 + i}" for i in range(len(themes))]),
            Axis("Implementation Status", status, statuses, [f"{col_letter(j)}${t0 + 1}" for j in range(1, len(statuses) + 1)]),
            records,
            lambda _theme, _status: num,
        )
        for i, name in enumerate(themes):
            ws.write_string(t0 + 1 + i, 0, name, label)
        ws.set_landscape()
        ws.set_print_scale(100)
        ws.hide_gridlines(2)

    return write
