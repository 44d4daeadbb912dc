"""The risk register's `Heat Map`: 5 x 5 counts as live formulas, inherent and residual."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from toolkit.kinds.risk.model import IMPACT, LIKELIHOOD, REGISTER, Method
from toolkit.workbook.cells import col_letter
from toolkit.workbook.crosstab import Axis, write_crosstab
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import SheetWriter, Styles

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

LEVEL_COLOURS = dict(load_spec("risk").sheet(REGISTER).column("Risk Level").colors)


def _col(name: str) -> str:
    names = [c.name for c in load_spec("risk").sheet(REGISTER).columns]
    letter = col_letter(names.index(name))
    return f"'{REGISTER}'!${letter}:${letter}"


def heat_map(rows: Sequence[dict[str, Any]], method: Method) -> SheetWriter:
    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        ws.write_string(0, 0, "Risk Heat Map", st.title)
        ws.write_string(
            1,
            0,
            "Number of risks in each cell: live formulas over the register. Colours follow the Methodology's levels.",
            st.italic,
        )
        # Square cells (9 characters = 68 px = 51 pt, wide enough for "Negligible"); the grids side by side.
        for c0 in (0, 8):
            ws.set_column(c0, c0, 5)
            ws.set_column(c0 + 1, c0 + 1, 15)
            ws.set_column(c0 + 2, c0 + 6, 9)
        ws.set_column(7, 7, 3)
        fmts: dict[str, Any] = {}
        # A zero is left blank (`;;;` for it): only the cells that hold risks draw the eye.
        count = {"border": 1, "border_color": "#FFFFFF", "align": "center", "valign": "vcenter", "bold": True, "font_size": 14}
        for name, colour in LEVEL_COLOURS.items():
            fmts[name] = wb.add_format({**count, "bg_color": colour, "num_format": "0;-0;;@"})
        plain = wb.add_format({**count, "num_format": "0;-0;;@"})
        axis = wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#EDEDED",
                "border": 1,
                "font_size": 10,
            }
        )
        vertical = wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "rotation": 90,
                "bg_color": "#EDEDED",
                "border": 1,
                "font_size": 10,
            }
        )
        top = 5
        for c0, title, lcol, icol in (
            (0, "Inherent risk", "Likelihood", "Impact"),
            (8, "Residual risk", "Residual Likelihood", "Residual Impact"),
        ):
            ws.write_string(3, c0, title, st.subtitle)
            ws.merge_range(top, c0, top + 4, c0, "Likelihood", vertical)
            for i, (rating, label, _) in enumerate(reversed(LIKELIHOOD)):
                ws.write_string(top + i, c0 + 1, f"{rating} {label}", axis)
                ws.set_row(top + i, 51)
            for j, (rating, label, _) in enumerate(IMPACT):
                ws.write_string(top + 5, c0 + 2 + j, f"{rating} {label}", axis)
            ws.merge_range(top + 6, c0 + 2, top + 6, c0 + 6, "Impact", axis)
            counts = write_crosstab(
                ws,
                top,
                c0 + 2,
                Axis(lcol, _col(lcol), [rating for rating, _, _ in reversed(LIKELIHOOD)]),
                Axis(icol, _col(icol), [impact for impact, _, _ in IMPACT]),
                rows,
                lambda likelihood, impact: fmts.get(method.level(likelihood * impact) or "", plain),
            )
            ws.write_string(
                top + 7,
                c0,
                f"Risks rated: {sum(v for k, v in counts.items() if isinstance(k[0], int) and isinstance(k[1], int))}",
                st.italic,
            )
        ws.set_row(top + 5, 30)
        legend = top + 9
        ws.write_string(legend, 0, "Levels", st.subtitle)
        for i, (name, low, high) in enumerate(method.levels):
            ws.merge_range(
                legend + 1 + i,
                0,
                legend + 1 + i,
                1,
                name,
                wb.add_format({**count, "font_size": 10, "bg_color": LEVEL_COLOURS.get(name, "#FFFFFF")}),
            )
            ws.merge_range(legend + 1 + i, 2, legend + 1 + i, 6, f"score {low}-{high}", st.text)
            ws.merge_range(legend + 1 + i, 7, legend + 1 + i, 12, f"accepted by: {'; '.join(method.may_accept(high))}", st.text)
        ws.write_string(
            legend + 1 + len(method.levels),
            0,
            f"Acceptance threshold: {method.threshold}. At or below it the risk owner accepts; above it, the level's Acceptance Authority.",
            st.italic,
        )
        ws.set_landscape()
        ws.fit_to_pages(1, 1)
        ws.hide_gridlines(2)

    return write
