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
            st.cell(True, "date", left=True),
            cached(form.fields["Stage 2 Complete"]),
        )
        decision_key = f"{OVERVIEW}:Certification Decision"
        if decision_key in pos and isinstance(form.fields.get("Certification Decision"), dt.date):
            decision_row = int(re.sub(r"\D", "", pos[decision_key].split("!")[1])) - 1
            ws.write_formula(
                decision_row,
                1,
                f"={stage2_ref}+{7 * DECISION_WEEKS}",
                st.cell(True, "date", left=True),
                cached(form.fields["Certification Decision"]),
            )

        top = int(pos[f"{OVERVIEW}:next_row"]) + 1
        # The window runs past the last phase and the latest task, so a slip stays on the chart.
        last_end = max(
            [t["End"] for p in PHASES for t in book.tables[sheet_name(p)].records if isinstance(t.get("End"), dt.date)] or [start]
        )
        weeks = max(PHASES[5][1] + SLACK_WEEKS, (last_end - start).days // 7 + 1 + 2)
        ws.write_string(top, 0, "Gantt view (week by week)", st.subtitle)
        head = top + 2
        months = top + 1
        ws.write_string(head, 0, "Task", st.header_input)
        ws.write_string(head, 1, "Start", st.header_input)
        ws.write_string(head, 2, "End", st.header_input)
        week_fmt = wb.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": st.primary,
                "align": "center",
                "valign": "vcenter",
                "font_size": 10,
                "num_format": "d mmm",
                "rotation": 90,
                "border": 1,
            }
        )
        month_fmt = wb.add_format({"bold": True, "font_size": 10, "font_color": st.primary})
        ws.set_row(head, 44)
        for w in range(1, weeks + 1):
            ws.write_formula(head, 2 + w, f"={start_ref}+{7 * (w - 1)}", week_fmt, cached(week_of(start, w)))
            ws.set_column(2 + w, 2 + w, 2.7)
            # The month above its first week, live from the start date.
            this, before = week_of(start, w), week_of(start, w - 1)
            col, prev = col_letter(2 + w), col_letter(1 + w)
            name = f'TEXT({col}{head + 1},"mmm")'
            if w == 1:
                ws.write_formula(months, 2 + w, f"={name}", month_fmt, f"{this:%b}")
            else:
                ws.write_formula(
                    months,
                    2 + w,
                    f'=IF(MONTH({col}{head + 1})<>MONTH({prev}{head + 1}),{name},"")',
                    month_fmt,
                    f"{this:%b}" if this.month != before.month else "",
                )
        later_col = 3 + weeks
        ws.write_string(head, later_col, "After", st.header_computed)
        ws.set_column(later_col, later_col, 7)
        ws.write_string(
            top,
            3,
            f"Week 1 starts on the start date; each column is one week; {SLACK_WEEKS} weeks of slack after Phase 5.",
            st.italic,
        )
        late = wb.add_format({"font_color": "#C00000", "bold": True, "font_size": 10, "align": "center"})
        colours = ["#8EA9DB", "#A9D08E", "#F4B183", "#FFD966", "#C9C9C9"]
        row = head
        spec_cols = [c.name for c in load_spec("roadmap").sheet(sheet_name(1)).columns]
        id_col, task_col = col_letter(spec_cols.index("Task ID")), col_letter(spec_cols.index("Task"))
        start_col, end_col2 = col_letter(spec_cols.index("Start")), col_letter(spec_cols.index("End"))
        label_fmt = st.cell(True, "text", wrap=False)
        window_end = week_of(start, weeks) + dt.timedelta(days=6)
        for p in PHASES:
            bar = wb.add_format({"bg_color": colours[p - 1], "num_format": ";;;", "border": 1, "border_color": "#FFFFFF"})
            blank = wb.add_format({"num_format": ";;;", "border": 1, "border_color": "#F2F2F2"})
            row += 1
            s, e = phase_window(start, p)
            ws.write_string(row, 0, f"{sheet_name(p)} (weeks {PHASES[p][0]}-{PHASES[p][1]})", st.label)
            ws.write_formula(row, 1, f"={start_ref}+{7 * (PHASES[p][0] - 1)}", date_fmt, cached(s))
            # The phase ends on the Friday of its last week: work happens on working days.
            ws.write_formula(row, 2, f"={start_ref}+{7 * PHASES[p][1] - 3}", date_fmt, cached(e - dt.timedelta(days=2)))
            sheet = f"'{sheet_name(p)}'"
            rows = [
                (
                    f"{sheet}!${id_col}${i + 2}",
                    f"{sheet}!${task_col}${i + 2}",
                    f"{sheet}!${start_col}${i + 2}",
                    f"{sheet}!${end_col2}${i + 2}",
                    t,
                )
                for i, t in enumerate(book.tables[sheet_name(p)].records)
            ]
            entries = [(None, None, None, None, {"Start": s, "End": e}), *rows]
            for k, (id_ref, task_ref, s_ref, e_ref, task) in enumerate(entries):
                if k > 0:
                    row += 1
                    # The task's id and short title; its full wording is on the phase sheet.
                    at = f'IFERROR(FIND(":",{task_ref}),999)'
                    base = f"IF({at}<={TITLE + 1},LEFT({task_ref},{at}-1),{task_ref})"
                    label = f'="  "&{id_ref}&" "&IF(LEN({base})>{TITLE},LEFT({base},{TITLE - 1})&"\u2026",{base})'
                    ws.write_formula(row, 0, label, label_fmt, f"  {task.get('Task ID') or ''} {short_title(task.get('Task'))}")
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
                # A task that ends after the window is flagged, never silently cut off.
                last_week = col_letter(2 + weeks)
                beyond = isinstance(task.get("End"), dt.date) and task["End"] > window_end
                ws.write_formula(
                    row,
                    later_col,
                    f'=IF(AND(ISNUMBER($C{row + 1}),$C{row + 1}>${last_week}${head + 1}+6),"later","")',
                    late,
                    "later" if beyond else "",
                )
        ws.set_column(0, 0, 30)
        ws.set_column(1, 2, 11)
        ws.freeze_panes(head + 1, 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(months, head)
        ws.print_area(0, 0, row, later_col)

    return write


#: Weeks of the Gantt view after the last phase's last week.
SLACK_WEEKS = 4
#: The longest short title a Gantt row shows: the text before the task's first colon, or its start.
TITLE = 30


def short_title(task: object) -> str:
    """What the Gantt's label formula gives (so the cached value is what a spreadsheet computes)."""
    text = "" if task is None else str(task)
    at = text.find(":") + 1 or 999
    base = text[: at - 1] if at <= TITLE + 1 else text
    return base[: TITLE - 1] + "\u2026" if len(base) > TITLE else base
