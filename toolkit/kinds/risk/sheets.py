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
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 16)
        ws.set_column(2, 6, 12)
        ws.set_column(7, 7, 4)
        ws.set_column(8, 8, 22)
        ws.set_column(9, 9, 16)
        ws.set_column(10, 14, 12)
        fmts: dict[str, Any] = {}
        for name, colour in LEVEL_COLOURS.items():
            fmts[name] = wb.add_format(
                {"bg_color": colour, "border": 1, "align": "center", "valign": "vcenter", "bold": True, "font_size": 12}
            )
        plain = wb.add_format({"border": 1, "align": "center", "valign": "vcenter"})
        axis = wb.add_format(
            {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "bg_color": "#EDEDED", "border": 1}
        )
        for c0, title, lcol, icol in (
            (0, "Inherent risk", "Likelihood", "Impact"),
            (8, "Residual risk", "Residual Likelihood", "Residual Impact"),
        ):
            ws.write_string(3, c0, title, st.subtitle)
            ws.merge_range(4, c0 + 2, 4, c0 + 6, "Impact", axis)
            ws.merge_range(5, c0, 10, c0, "Likelihood", axis)
            for j, (rating, label, _) in enumerate(IMPACT):
                ws.write_string(11, c0 + 2 + j, f"{rating} {label}", axis)
            for i, (rating, label, _) in enumerate(reversed(LIKELIHOOD)):
                ws.write_string(5 + i, c0 + 1, f"{rating} {label}", axis)
                ws.set_row(5 + i, 34)
            counts = write_crosstab(
                ws,
                5,
                c0 + 2,
                Axis(lcol, _col(lcol), [rating for rating, _, _ in reversed(LIKELIHOOD)]),
                Axis(icol, _col(icol), [impact for impact, _, _ in IMPACT]),
                rows,
                lambda likelihood, impact: fmts.get(method.level(likelihood * impact) or "", plain),
            )
            ws.write_string(
                12,
                c0,
                f"Risks rated: {sum(v for k, v in counts.items() if isinstance(k[0], int) and isinstance(k[1], int))}",
                st.italic,
            )
        ws.write_string(14, 0, "Levels", st.subtitle)
        for i, (name, low, high) in enumerate(method.levels):
            ws.write_string(15 + i, 0, name, fmts.get(name, plain))
            ws.write_string(15 + i, 1, f"score {low}-{high}", st.text)
            ws.write_string(15 + i, 2, f"accepted by: {'; '.join(method.may_accept(high))}", st.text)
        ws.write_string(
            15 + len(method.levels),
            0,
            f"Acceptance threshold: {method.threshold}. At or below it the risk owner accepts; above it, the level's Acceptance Authority.",
            st.italic,
        )
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 1)
        ws.hide_gridlines(2)

    return write
