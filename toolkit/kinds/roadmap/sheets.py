"""The roadmap's Overview: phase dates as live formulas from the start date, and a week-by-week Gantt view."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from toolkit.kinds.roadmap.model import DECISION_WEEKS, OVERVIEW, PHASES, phase_window, sheet_name, week_of
from toolkit.workbook.cells import col_letter
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, SheetWriter, Styles, cached

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet


def gantt(book: Book) -> SheetWriter:
    """Phase dates as live formulas from the start date, then a week-by-week Gantt view."""

    def write(wb: Workbook, ws: Worksheet, st: Styles) -> None:
        form = book.forms[OVERVIEW]
        start = form.fields["Start Date"]
        pos = book.positions
        start_ref = pos[f"{OVERVIEW}:Start Date"].split("!")[1]
        if not isinstance(start, dt.date):
            return
        date_fmt = st.cell(True, "date")
        stage2_ref = pos[f"{OVERVIEW}:Stage 2 Complete"].split("!")[1]
        stage2_row = int(re.sub(r"\D", "", stage2_ref)) - 1
        p5 = sheet_name(5)
        names = [c.name for c in load_spec("roadmap").sheet(p5).columns]
        end_col, id_col = col_letter(names.index("End")), col_letter(names.index("Task ID"))
        # The Stage 2 task's End, found by its id, so rows the client moves or adds do not shift it.
        ws.write_formula(
            stage2_row,
            1,
            f"=INDEX('{p5}'!${end_col}:${end_col},MATCH(\"P5-04\",'{p5}'!${id_col}:${id_col},0))",
            date_fmt,
            cached(form.fields["Stage 2 Complete"]),
        )
        decision_key = f"{OVERVIEW}:Certification Decision"
        if decision_key in pos and isinstance(form.fields.get("Certification Decision"), dt.date):
            decision_row = int(re.sub(r"\D", "", pos[decision_key].split("!")[1])) - 1
            ws.write_formula(
                decision_row, 1, f"={stage2_ref}+{7 * DECISION_WEEKS}", date_fmt, cached(form.fields["Certification Decision"])
            )

        top = int(pos[f"{OVERVIEW}:next_row"]) + 1
        weeks = PHASES[5][1]
        ws.write_string(top, 0, "Gantt view (week by week)", st.subtitle)
        head = top + 1
        ws.write_string(head, 0, "Phase / task", st.header_input)
        ws.write_string(head, 1, "Start", st.header_input)
        ws.write_string(head, 2, "End", st.header_input)
        week_fmt = wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F3864",
                "align": "center",
                "font_size": 8,
                "num_format": "d mmm",
                "text_wrap": True,
                "border": 1,
            }
        )
        for w in range(1, weeks + 1):
            ws.write_formula(head, 2 + w, f"={start_ref}+{7 * (w - 1)}", week_fmt, cached(week_of(start, w)))
            ws.set_column(2 + w, 2 + w, 5.5)
        ws.write_string(head - 1, 3, "Week 1 starts on the start date; each column is one week.", st.italic)
        colours = ["#8EA9DB", "#A9D08E", "#F4B183", "#FFD966", "#C9C9C9"]
        row = head
        spec_cols = [c.name for c in load_spec("roadmap").sheet(sheet_name(1)).columns]
        start_col, end_col2 = col_letter(spec_cols.index("Start")), col_letter(spec_cols.index("End"))
        label_fmt = st.cell(True, "text", wrap=False)
        for p in PHASES:
            bar = wb.add_format({"bg_color": colours[p - 1], "num_format": ";;;", "border": 1, "border_color": "#FFFFFF"})
            blank = wb.add_format({"num_format": ";;;", "border": 1, "border_color": "#F2F2F2"})
            row += 1
            s, e = phase_window(start, p)
            ws.write_string(row, 0, f"{sheet_name(p)} (weeks {PHASES[p][0]}-{PHASES[p][1]})", st.label)
            ws.write_formula(row, 1, f"={start_ref}+{7 * (PHASES[p][0] - 1)}", date_fmt, cached(s))
            ws.write_formula(row, 2, f"={start_ref}+{7 * PHASES[p][1] - 1}", date_fmt, cached(e))
            rows = [
                (
                    f"'{sheet_name(p)}'!$B${i + 2}",
                    f"'{sheet_name(p)}'!${start_col}${i + 2}",
                    f"'{sheet_name(p)}'!${end_col2}${i + 2}",
                    t,
                )
                for i, t in enumerate(book.tables[sheet_name(p)].records)
            ]
            entries = [(None, None, None, {"Start": s, "End": e}), *rows]
            for k, (label_ref, s_ref, e_ref, task) in enumerate(entries):
                if k > 0:
                    row += 1
                    ws.write_formula(row, 0, f'="  "&{label_ref}', label_fmt, f"  {task.get('Task')}")
                    ws.write_formula(row, 1, f"={s_ref}", date_fmt, cached(task.get("Start")))
                    ws.write_formula(row, 2, f"={e_ref}", date_fmt, cached(task.get("End")))
                for w in range(1, weeks + 1):
                    ws_, we_ = week_of(start, w), week_of(start, w) + dt.timedelta(days=6)
                    on = (
                        isinstance(task.get("Start"), dt.date)
                        and isinstance(task.get("End"), dt.date)
                        and ws_ <= task["End"]
                        and we_ >= task["Start"]
                    )
                    col = col_letter(2 + w)
                    formula = f"=IF(AND(ISNUMBER($B{row + 1}),ISNUMBER($C{row + 1}),{col}${head + 1}<=$C{row + 1},{col}${head + 1}+6>=$B{row + 1}),1,0)"
                    ws.write_formula(row, 2 + w, formula, blank, 1 if on else 0)
                ws.conditional_format(row, 3, row, 2 + weeks, {"type": "cell", "criteria": "==", "value": 1, "format": bar})
        ws.set_column(0, 0, 46)
        ws.set_column(1, 2, 11)
        ws.freeze_panes(head + 1, 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head)
        ws.print_area(0, 0, row, 2 + weeks)

    return write
