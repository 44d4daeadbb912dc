"""The gap assessment's `Summary` (live formulas, a chart) and `How to read` sheets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from toolkit.data import catalog
from toolkit.kinds.gap.model import ANNEX, CLAUSES, RATINGS, TYPICAL, distribution
from toolkit.kinds.soc2.model import EXCEPTIONS, NOT_TESTED, Inventory
from toolkit.workbook.cells import col_letter
from toolkit.workbook.crosstab import Axis, write_crosstab
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import SheetWriter, Styles, cached, write_text_sheet

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet


def _col(sheet: str, name: str) -> str:
    """Whole-column reference to a declared column, so rows a client adds still count."""
    spec = load_spec("gap").sheet(sheet)
    letter = col_letter([c.name for c in spec.columns].index(name))
    return f"'{sheet}'!${letter}:${letter}"


#: Fully, partially and not addressed in the charts: the hues of the Coverage cells' fills.
COLOURS = ("#548235", "#FFC000", "#C00000")


def _against(share: float, low: int, high: int) -> str:
    value = round(share, 9)
    if value < low / 100:
        return "Below typical"
    return "Above typical" if value > high / 100 else "Within typical"


def summary(annex: Sequence[Mapping[str, Any]], clauses: Sequence[Mapping[str, Any]]) -> SheetWriter:
    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        head = st.header_computed
        num = st.int_computed
        pct = st.pct
        label = st.label
        ws.set_column(0, 0, 26)
        ws.set_column(1, 6, 15)
        ws.write_string(0, 0, "Gap Assessment Summary", st.title)
        cov, sug, theme = _col(ANNEX, "Coverage"), _col(ANNEX, "Suggested Coverage"), _col(ANNEX, "Theme")
        assessed = distribution(r.get("Coverage") for r in annex)
        suggested = distribution(r.get("Suggested Coverage") for r in annex)
        total = len(annex)
        # The headline, live: how much SOC 2 already gives, and how much is new work.
        r0 = 3
        fully_at, partly_at, missing_at = (f"B{r0 + 2 + i}" for i in range(3))
        headline = wb.add_format({"bold": True, "font_size": 12, "font_color": st.primary})
        text = (
            # TEXT(...,"0%") rounds half up, as this does
            f"{int((assessed[RATINGS[0]] / total if total else 0) * 100 + 0.5 + 1e-9)}% of Annex A already met through SOC 2; "
            f"{assessed[RATINGS[1]]} controls to complete and {assessed[RATINGS[2]]} to build."
        )
        ws.write_formula(
            1,
            0,
            f'=TEXT(IF(B{r0 + 5}=0,0,{fully_at}/B{r0 + 5}),"0%")&" of Annex A already met through SOC 2; "&{partly_at}&'
            f'" controls to complete and "&{missing_at}&" to build."',
            headline,
            text,
        )
        ws.write_string(
            2,
            0,
            "Live formulas over the Coverage columns: change a rating on the gap sheets and these figures follow.",
            st.italic,
        )
        # Annex A by rating, beside the benchmark's typical ranges.
        for c, text in enumerate(
            ["Annex A coverage", "Controls", "% of controls", "Typical low", "Typical high", "Against typical", "Suggested"]
        ):
            ws.write_string(r0, c, text, head)
        good = wb.add_format({"bg_color": "#C6EFCE", "border": 1, "border_color": "#BFBFBF", "bold": True, "font_size": 10})
        bad = wb.add_format({"bg_color": "#FFEB9C", "border": 1, "border_color": "#BFBFBF", "bold": True, "font_size": 10})
        for i, rating in enumerate(RATINGS):
            r = r0 + 1 + i
            excel_row = r + 1
            share = assessed[rating] / total if total else 0
            low, high = TYPICAL[rating]
            ws.write_string(r, 0, rating, label)
            ws.write_formula(r, 1, f"=COUNTIF({cov},A{excel_row})", num, assessed[rating])
            ws.write_formula(r, 2, f"=IF($B${r0 + 5}=0,0,B{excel_row}/$B${r0 + 5})", pct, cached(share))
            ws.write_number(r, 3, low / 100, pct)
            ws.write_number(r, 4, high / 100, pct)
            against = _against(share, low, high)
            ws.write_formula(
                r,
                5,
                f'=IF(C{excel_row}<D{excel_row},"Below typical",IF(C{excel_row}>E{excel_row},"Above typical","Within typical"))',
                label,
                against,
            )
            # More fully addressed, or fewer gaps, than typical is good news, and coloured so.
            better, worse = ("Above typical", "Below typical") if i == 0 else ("Below typical", "Above typical")
            if i != 1:  # fewer or more partial ratings is neither
                for value, colour in ((better, good), (worse, bad)):
                    ws.conditional_format(r, 5, r, 5, {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": colour})
            ws.write_formula(r, 6, f"=COUNTIF({sug},A{excel_row})", num, suggested[rating])
        rt = r0 + 4
        ws.write_string(rt, 0, "Total", label)
        ws.write_formula(rt, 1, f"=SUM(B{r0 + 2}:B{r0 + 4})", num, sum(assessed.values()))
        ws.write_formula(rt, 2, f"=IF($B${rt + 1}=0,0,1)", pct, 1 if total else 0)
        ws.write_formula(rt, 6, f"=SUM(G{r0 + 2}:G{r0 + 4})", num, sum(suggested.values()))

        # By theme.
        t0 = rt + 3
        ws.write_string(t0 - 1, 0, "By theme", st.subtitle)
        ws.set_row(t0, 30)  # two-line headers ("Partially addressed")
        for c, text in enumerate(["Theme", *RATINGS, "Controls", "% fully"]):
            ws.write_string(t0, c, text, head)
        themes = catalog.themes()
        by_theme = write_crosstab(
            ws,
            t0 + 1,
            1,
            Axis("Theme", theme, themes, [f"$A{t0 + 2 + i}" for i in range(len(themes))]),
            Axis("Coverage", cov, RATINGS, [f"{col_letter(j)}${t0 + 1}" for j in range(1, len(RATINGS) + 1)]),
            annex,
            lambda _theme, _rating: num,
        )
        for i, name in enumerate(themes):
            r = t0 + 1 + i
            in_theme = sum(1 for x in annex if x.get("Theme") == name)
            ws.write_string(r, 0, name, label)
            ws.write_formula(r, 4, f"=SUM(B{r + 1}:D{r + 1})", num, in_theme)
            fully = by_theme.get((name, RATINGS[0]), 0)
            ws.write_formula(r, 5, f"=IF(E{r + 1}=0,0,B{r + 1}/E{r + 1})", pct, cached(fully / in_theme if in_theme else 0))
        t_end = t0 + len(themes)

        # Clauses 4-10.
        c0 = t_end + 3
        ccov = _col(CLAUSES, "Coverage")
        cl = distribution(r.get("Coverage") for r in clauses)
        ws.write_string(c0 - 1, 0, "Management system (clauses 4-10)", st.subtitle)
        for c, text in enumerate(["Clause coverage", "Requirements", "% of requirements"]):
            ws.write_string(c0, c, text, head)
        for i, rating in enumerate(RATINGS):
            r = c0 + 1 + i
            ws.write_string(r, 0, rating, label)
            ws.write_formula(r, 1, f"=COUNTIF({ccov},A{r + 1})", num, cl[rating])
            ws.write_formula(
                r,
                2,
                f"=IF(SUM($B${c0 + 2}:$B${c0 + 4})=0,0,B{r + 1}/SUM($B${c0 + 2}:$B${c0 + 4}))",
                pct,
                cached(cl[rating] / len(clauses) if clauses else 0),
            )
        ws.write_string(c0 + 4, 0, "Total", label)
        ws.write_formula(c0 + 4, 1, f"=SUM(B{c0 + 2}:B{c0 + 4})", num, sum(cl.values()))
        ws.write_formula(c0 + 4, 2, f"=IF($B${c0 + 5}=0,0,1)", pct, 1 if clauses else 0)
        ws.write_string(
            c0 + 6,
            0,
            "Typical ranges: the benchmark's figures for organisations holding a SOC 2 Type II report (see How to read).",
            st.italic,
        )

        # Charts below the tables, so a laptop screen and a printed page show both.
        charts_at = c0 + 8
        chart = wb.add_chart({"type": "column"})
        cats = f"='Summary'!$A${r0 + 2}:$A${r0 + 4}"
        chart.add_series(
            {
                "name": "This assessment",
                "categories": cats,
                "values": f"='Summary'!$C${r0 + 2}:$C${r0 + 4}",
                "points": [{"fill": {"color": c}} for c in COLOURS],
                "border": {"none": True},
                "data_labels": {"value": True, "num_format": "0%"},
            }
        )
        # The typical range is a range, not two more measurements: a band of markers from low to high.
        band = wb.add_chart({"type": "line"})
        for col, name in (("D", "Typical low"), ("E", "Typical high")):
            band.add_series(
                {
                    "name": name,
                    "categories": cats,
                    "values": f"='Summary'!${col}${r0 + 2}:${col}${r0 + 4}",
                    "line": {"none": True},
                    "marker": {"type": "dash", "size": 14, "fill": {"color": "#404040"}, "border": {"color": "#404040"}},
                }
            )
        band.set_high_low_lines({"line": {"color": "#404040", "width": 1.5}})
        chart.combine(band)
        chart.set_title({"name": "Annex A coverage against the typical range", "name_font": {"size": 11}})
        chart.set_y_axis({"num_format": "0%", "max": 1, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 400, "height": 300})
        ws.insert_chart(charts_at, 0, chart)

        bars = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
        for j, (rating, colour) in enumerate(zip(RATINGS, COLOURS, strict=True), start=1):
            col = col_letter(j)
            bars.add_series(
                {
                    "name": rating,
                    "categories": f"='Summary'!$A${t0 + 2}:$A${t_end + 1}",
                    "values": f"='Summary'!${col}${t0 + 2}:${col}${t_end + 1}",
                    "fill": {"color": colour},
                    "data_labels": {"value": True, "font": {"color": "#FFFFFF" if j != 2 else "#000000"}},
                }
            )
        bars.set_title({"name": "Coverage by theme (controls)", "name_font": {"size": 11}})
        bars.set_legend({"position": "bottom"})
        bars.set_size({"width": 395, "height": 300})
        ws.insert_chart(charts_at, 3, bars, {"x_offset": 40})
        ws.set_landscape()
        ws.set_print_scale(100)  # it fits; a fixed scale keeps the page break in every program
        ws.set_h_pagebreaks([charts_at - 1])  # the tables on one page, the charts whole on the next
        ws.print_area(0, 0, charts_at + 16, 6)
        ws.hide_gridlines(2)

    return write


def how_to_read(inv: Inventory) -> SheetWriter:
    in_scope = sorted({c for control in inv.controls for c in control.criteria}, key=list(catalog.criteria()).index)
    categories = sorted({catalog.criteria()[c].category for c in in_scope})
    lines = [
        ("How ratings were derived", "title"),
        (
            f"Each Annex A control and clause 4-10 requirement of {catalog.STANDARD} is compared with the client's SOC 2 control matrix ({catalog.TSC_EDITION}), control by control, not criterion by criterion.",
            "text",
        ),
        (
            "Control Mapping: each client control is proposed for the ISO ids its criteria link to in a reviewed mapping of SOC 2 criteria to ISO requirements, where its description is about the ISO id. Each link says how much of the ISO requirement the criterion covers: all of it ('equal' or 'superset'), part of it ('subset'), or an overlap ('intersect'). Set Use to No to drop a proposal; add a row to map a control that was not proposed. The ratings follow the sheet when the workbook is regenerated.",
            "text",
        ),
        (
            "Fully addressed: a client control tested with no exceptions, performed by the client itself, either through an 'equal' or 'superset' link or with a description that shows the ISO control's specific elements (for A.5.9, an inventory and named owners). The Rating Basis names the controls and the words that carried it.",
            "text",
        ),
        (
            "Partially addressed: controls that go part of the way, or whose test found exceptions (an exception caps exactly the ISO ids its control supports, and its text is in the Gap Description), or that were not tested, or whose support is only inherited from a carved-out provider (physical controls and redundancy).",
            "text",
        ),
        (
            "Not addressed: no client control is used for it. Criteria outside the client's SOC 2 scope count for nothing.",
            "text",
        ),
        (
            "ISO Expects Beyond SOC 2, on every row, Fully addressed ones included: what an ISO auditor will look for that a SOC 2 audit does not. Verify it before relying on the rating.",
            "text",
        ),
        (
            "Management-system requirements (clauses 4-10) are never fully met by SOC 2: their rows name the client controls that go part of the way (a steering committee for 9.3, treatment plans for 6.1.3, objectives for 6.2). Clauses 4.1 and 4.2 include the climate change determination of Amendment 1:2024.",
            "text",
        ),
        (
            "Suggested Coverage, Rating Basis and ISO Expects Beyond SOC 2 are computed; Coverage, Gap Description, Remediation Action, Owner, Target Phase and Notes are yours. Coverage starts as the suggestion; rate a control better than suggested only with a note saying why (the workbook is checked for this when it comes back).",
            "text",
        ),
        (
            "Grey columns are computed and refreshed when the workbook is regenerated; white columns are kept as you typed them.",
            "text",
        ),
        ("This client's SOC 2 scope", "subtitle"),
        (
            f"{len(inv.controls)} SOC 2 controls; categories in scope: {', '.join(categories) or 'none'}; {len(in_scope)} of 61 criteria addressed.",
            "text",
        ),
        (
            "Controls with exceptions noted: "
            + (", ".join(c.id for c in inv.controls if c.result == EXCEPTIONS) or "none")
            + ".",
            "text",
        ),
        ("Controls not tested: " + (", ".join(c.id for c in inv.controls if c.result == NOT_TESTED) or "none") + ".", "text"),
        ("Carve-outs (Inherited): " + (", ".join(c.id for c in inv.controls if c.inherited) or "none") + ".", "text"),
    ]

    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        write_text_sheet(ws, st, lines)

    return write
