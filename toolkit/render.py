"""Rendering lives here, one function per format; commands never format findings themselves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from toolkit.findings import Finding, Report

if TYPE_CHECKING:
    from toolkit.kinds.isms.readiness import Readiness
    from toolkit.rules import Rule
    from toolkit.survey import ClientRow, Portfolio
    from toolkit.workbook.diff import Diff
    from toolkit.workbook.identity import Identity

_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """Client text never becomes a formula: a leading =, +, -, @, tab or CR gets a quote.

    Only for CSV: in workbooks strings are always written as strings (xlsxwriter's
    strings_to_formulas is off), so the text is kept as the client typed it.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


def finding_line(path: str, f: Finding) -> str:
    """`file:sheet!cell: CODE severity [key] message`."""
    where = path
    if f.sheet:
        where += f":{f.sheet}" + (f"!{f.cell}" if f.cell else "")
    key = f" [{f.key}]" if f.key else ""
    return f"{where}: {f.code} {f.severity}{key} {f.message}"


def report_summary(report: Report) -> str:
    """`5 files checked: 0 errors, 2 warnings`."""
    unreadable = report.unreadable
    summary = f"{len(report.files)} file{'s' if len(report.files) != 1 else ''} checked: {report.errors} error{'s' if report.errors != 1 else ''}, {report.warnings} warning{'s' if report.warnings != 1 else ''}"
    if unreadable:
        summary += f", {unreadable} could not be read"
    if report.skipped:
        summary += f", {len(report.skipped)} skipped"
    return summary


def report_text(report: Report) -> str:
    """One line per finding: `file:sheet!cell: CODE severity [key] message`, then a summary."""
    lines: list[str] = []
    for fr in report.files:
        if fr.error is not None:
            lines.append(f"{fr.path}: error: {fr.error}")
            continue
        lines.extend(finding_line(fr.path, f) for f in fr.findings)
    for path, reason in report.skipped:
        lines.append(f"{path}: skipped: {reason}")
    for folder in report.empty:
        lines.append(f"{folder}: error: the folder holds no workbook (.xlsx, .xlsm, .ods) or CSV to check")
    lines.append(report_summary(report))
    return "\n".join(lines) + "\n"


def rules_text(rules: Sequence[Rule], detail: bool = False) -> str:
    """One line per rule; with `detail`, each rule's bad and good examples below its line."""
    lines = []
    for r in rules:
        lines.append(f"{r.code}  {r.kind:<7} {r.severity:<7} {r.summary}")
        if detail and r.example:
            lines.extend("    " + line.strip() for line in r.example.splitlines())
    return "".join(line + "\n" for line in lines)


def rules_json(rules: Sequence[Rule]) -> str:
    data = [{"code": r.code, "kind": r.kind, "severity": r.severity, "summary": r.summary, "example": r.example} for r in rules]
    return json.dumps(data, indent=2) + "\n"


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


def readiness_text(result: Readiness) -> str:
    """One line per Stage 1 item: its verdict, what it is, why, and where that shows; then the verdict."""
    width = max((len(v.item) for v in result.items), default=0)
    lines = [f"Stage 1 readiness of {result.folder} as of {result.as_of.isoformat()}"]
    for v in result.items:
        where = f" ({v.where})" if v.where and v.verdict != "ready" else ""
        lines.append(f"  {v.verdict:<10} {v.item:<{width}}  {v.reason}{where}")
    lines.append(result.headline)
    return "\n".join(lines) + "\n"


def readiness_json(result: Readiness) -> str:
    return json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


#: CSV dialects: `excel` (comma, plain UTF-8) and `excel-eu`, for Excel set to a European locale,
#: which splits on semicolons, reads decimal commas, and needs a byte-order mark to read UTF-8.
CSV_DIALECTS = ("excel", "excel-eu")


def _eu(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], dialect: str = "excel") -> str:
    """CSV that no spreadsheet will read a formula from, in one of `CSV_DIALECTS`."""
    if dialect not in CSV_DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}; one of {', '.join(CSV_DIALECTS)}")
    eu = dialect == "excel-eu"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if eu else "\n", delimiter=";" if eu else ",")
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        cells = [safe_text(_cell(v)) if v is not None else "" for v in row]
        writer.writerow([_eu(c) for c in cells] if eu else cells)
    return ("\ufeff" if eu else "") + buf.getvalue()


def rows_json(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    records = [{h: _cell(v) for h, v in zip(header, row, strict=False)} for row in rows]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


# --- diff --------------------------------------------------------------------------------------


_DIFF_MARKS = {"added": "+", "removed": "-", "changed": "~"}
_DIFF_COLUMNS = (
    ("Change", 10),
    ("Sheet", 22),
    ("Key", 14),
    ("Column", 20),
    ("Old Value", 36),
    ("New Value", 36),
    ("Old Row", 9),
    ("New Row", 9),
)
_DIFF_FILLS = {"added": "#C6EFCE", "removed": "#FFC7CE", "changed": "#FFEB9C"}


def _shown(value: Any, limit: int = 60) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value).replace("\r\n", "\n").replace("\n", "\\n")
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def diff_summary(diff: Diff) -> str:
    """One line: what changed, in counts (records, columns, form fields)."""
    if not diff.changes:
        return f"{diff.title}: no differences"
    parts = []
    for change, word in (("added", "added"), ("removed", "removed"), ("changed", "renamed")):
        if diff.count("sheet", change):
            parts.append(f"{_plural(diff.count('sheet', change), 'sheet')} {word}")
    for change in ("added", "removed"):
        if diff.count("record", change):
            parts.append(f"{_plural(diff.count('record', change), 'record')} {change}")
    if diff.changed_records:
        values = _plural(diff.count("record", "changed"), "value")
        parts.append(f"{_plural(diff.changed_records, 'record')} changed ({values})")
    for change in ("added", "removed"):
        if diff.count("column", change):
            parts.append(f"{_plural(diff.count('column', change), 'column')} {change}")
    fields = sum(diff.count("field", change) for change in ("added", "removed", "changed"))
    if fields:
        parts.append(f"{_plural(fields, 'form field')} changed")
    return f"{diff.title}: " + ", ".join(parts)


def diff_text(diff: Diff) -> str:
    """A compact listing, one line per change (`+` added, `-` removed, `~` changed), then a summary."""
    lines = [f"--- {diff.old}", f"+++ {diff.new}"]
    for c in diff.changes:
        mark = _DIFF_MARKS[c.change]
        if c.scope == "sheet":
            what = {"added": "added", "removed": "removed", "changed": f"renamed to '{c.new}'"}[c.change]
            lines.append(f"{mark} sheet '{c.old if c.change != 'added' else c.new}' {what}")
        elif c.key is None:
            # the sheet itself: a column (or a form's field line) added or removed, or a form field changed
            if c.change == "changed":
                lines.append(f"{mark} {c.sheet}  {c.column}: {_shown(c.old)} -> {_shown(c.new)}")
            else:
                value = c.new if c.change == "added" else c.old
                tail = f": {_shown(value)}" if value not in (None, "") else ""
                lines.append(f"{mark} {c.sheet}  {c.scope} '{c.column}' {c.change}{tail}")
        elif c.change == "changed":
            lines.append(f"{mark} {c.sheet} {c.key}  {c.column}: {_shown(c.old)} -> {_shown(c.new)}")
        elif c.change == "added":
            lines.append(f"{mark} {c.sheet} {c.key}  added (row {c.new_row})")
        else:
            lines.append(f"{mark} {c.sheet} {c.key}  removed (was row {c.old_row})")
    lines.extend(f"note: {n}" for n in diff.notes)
    lines.append(diff_summary(diff))
    return "\n".join(lines) + "\n"


def diff_json(diff: Diff) -> str:
    return json.dumps(diff.as_dict(), indent=2, ensure_ascii=False) + "\n"


#: The header row of the Changes sheet (0-based): the title, the files compared and the summary above it.
DIFF_HEADER_ROW = 4


def _modified(path: str) -> str:
    try:
        day = dt.date.fromtimestamp(os.stat(path).st_mtime)
    except OSError:
        return ""
    return f" (modified {day.day} {day:%b %Y})"


def diff_xlsx(diff: Diff, path: str | os.PathLike[str], identity: Identity | None = None) -> None:
    """One filterable sheet of changes (and a `Notes` sheet when there are notes), written atomically.

    It says which two files were compared and when, and what changed in total, above the table.
    Client text stays text: strings are never read as formulas, numbers or links.
    """
    import xlsxwriter

    from toolkit.workbook import layout
    from toolkit.workbook.identity import NEUTRAL
    from toolkit.workbook.writer import FONT, atomic_output, header_footer

    ident = identity or NEUTRAL
    today = dt.date.today()
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties(
            {
                "title": f"Changes: {diff.title}",
                "author": ident.author,
                "company": ident.firm.name,
                "comments": "ctk diff",
                "created": dt.datetime(today.year, today.month, today.day),
            }
        )
        primary = ident.firm.primary
        base = {"font_name": FONT, "font_size": 10, "valign": "top"}
        head = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": primary, "text_wrap": True, "border": 1})
        text = wb.add_format({**base, "text_wrap": True, "border": 1, "border_color": "#BFBFBF"})
        marker = wb.add_format(
            {**base, "text_wrap": True, "italic": True, "font_color": "#7F7F7F", "border": 1, "border_color": "#BFBFBF"}
        )
        title = wb.add_format({"font_name": FONT, "bold": True, "font_size": 16, "font_color": primary})
        plain = wb.add_format(base)
        bold = wb.add_format({**base, "bold": True})
        fills = {
            k: wb.add_format({**base, "bg_color": v, "border": 1, "border_color": "#BFBFBF"}) for k, v in _DIFF_FILLS.items()
        }
        ws = wb.add_worksheet("Changes")
        h = DIFF_HEADER_ROW
        widths = [w for _, w in _DIFF_COLUMNS]
        ws.write_string(0, 0, f"Changes: {diff.title}", title)
        ws.write_string(
            1,
            0,
            f"Compared {os.path.basename(diff.old)}{_modified(diff.old)} with {os.path.basename(diff.new)}{_modified(diff.new)}",
            plain,
        )
        ws.write_string(2, 0, f"{diff_summary(diff)}. Compared on {today.day} {today:%B %Y}.", bold)
        for c, (name, width) in enumerate(_DIFF_COLUMNS):
            ws.write_string(h, c, name, head)
            ws.set_column(c, c, width)
        for r, ch in enumerate(diff.changes, start=h + 1):
            key = ch.key if ch.key is not None else ("(whole column)" if ch.scope == "column" else "(the sheet)")
            row = (ch.change, ch.sheet, key, ch.column, ch.old, ch.new, ch.old_row, ch.new_row)
            lines = 1
            for c, value in enumerate(row):
                fmt = fills[ch.change] if c == 0 else text
                blank_value = c in (4, 5) and ch.change == "changed" and value in (None, "")
                if blank_value:
                    ws.write_string(r, c, "(blank)", marker)  # as the text output shows a value removed
                elif value is None:
                    ws.write_blank(r, c, None, fmt)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(r, c, value, fmt)
                else:
                    ws.write_string(r, c, str(value), fmt)
                    lines = max(lines, layout.lines(str(value), widths[c]))
            ws.set_row(r, layout.height(lines))  # rows a program writes are never grown by the reader
        ws.freeze_panes(h + 1, 0)
        ws.autofilter(h, 0, h + max(len(diff.changes), 1), len(_DIFF_COLUMNS) - 1)
        header_footer(ws, f"Changes: {diff.title}", ident)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(h)
        ws.hide_gridlines(2)
        if diff.notes:
            notes = wb.add_worksheet("Notes")
            notes.set_column(0, 0, 110, text)
            notes.write_string(0, 0, "Note", head)
            for r, note in enumerate(diff.notes, start=1):
                notes.write_string(r, 0, note, text)
                notes.set_row(r, layout.height(layout.lines(note, 110)))
            header_footer(notes, f"Changes: {diff.title}", ident)
            notes.set_landscape()
            notes.fit_to_pages(1, 0)
        wb.close()


# --- portfolio ---------------------------------------------------------------------------------


#: The portfolio text table's columns: header, width, and the row's value as shown.
def _portfolio_columns() -> list[tuple[str, float, Any]]:
    from toolkit.survey import coverage_text

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value is not None else "-"

    def number(value: int | None) -> str:
        return "-" if value is None else str(value)

    def stage1(r: ClientRow) -> str:
        if r.ready is None:
            return "-"
        return "ready" if r.ready else "not ready"

    return [
        ("Client", 26, lambda r: r.client),
        ("Annex A F / P / N", 16, lambda r: coverage_text(r.annex)),
        ("Clauses F / P / N", 16, lambda r: coverage_text(r.clauses)),
        ("Stage 1 readiness", 14, stage1),
        ("Errors", 8, lambda r: str(r.errors)),
        ("Warnings", 9, lambda r: str(r.warnings)),
        ("Risks to accept", 10, lambda r: number(r.risks_to_accept)),
        ("Overdue tasks", 9, lambda r: number(r.overdue_tasks)),
        ("Next milestone", 30, lambda r: f"{r.next_milestone} ({day(r.next_milestone_date)})" if r.next_milestone else "-"),
        ("Stage 1", 11, lambda r: day(r.stage1)),
        ("Stage 2", 11, lambda r: day(r.stage2)),
        ("Days since return", 10, lambda r: number(r.days_since_return)),
    ]


def portfolio_text(p: Portfolio) -> str:
    """A table, one line per client, then the folders that could not be read."""
    columns = _portfolio_columns()
    table = [[h for h, _, _ in columns]] + [[str(get(r)) for _, _, get in columns] for r in p.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += [f"{folder}: could not be read: {reason}" for folder, reason in p.unreadable]
    ready = sum(1 for r in p.rows if r.ready)
    lines.append(
        f"{_plural(len(p.rows), 'client')} as of {p.as_of.isoformat()}: {ready} ready for Stage 1, "
        f"{sum(1 for r in p.rows if r.errors)} with errors"
        + (f", {len(p.unreadable)} folder{'s' if len(p.unreadable) != 1 else ''} could not be read" if p.unreadable else "")
    )
    return "\n".join(lines) + "\n"


def portfolio_json(p: Portfolio) -> str:
    return json.dumps(p.as_dict(), indent=2, ensure_ascii=False) + "\n"


def portfolio_xlsx(p: Portfolio, path: str | os.PathLike[str], identity: Identity | None = None) -> None:
    """The portfolio as a workbook: one row per client, coloured where it needs attention, and a
    chart of each client's Annex A coverage."""
    import xlsxwriter

    from toolkit.workbook import layout
    from toolkit.workbook.identity import NEUTRAL
    from toolkit.workbook.writer import DATE_FORMAT, FONT, atomic_output, header_footer

    ident = identity or NEUTRAL
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties(
            {
                "title": "Client portfolio",
                "author": ident.author,
                "company": ident.firm.name,
                "comments": "ctk portfolio",
                "created": dt.datetime(p.as_of.year, p.as_of.month, p.as_of.day),
            }
        )
        base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        head = wb.add_format({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": ident.firm.primary, "text_wrap": True})
        text = wb.add_format({**base, "text_wrap": True})
        num = wb.add_format({**base, "align": "center"})
        date = wb.add_format({**base, "num_format": DATE_FORMAT, "align": "left"})
        red = wb.add_format({"bg_color": "#FFC7CE"})
        amber = wb.add_format({"bg_color": "#FFEB9C"})
        green = wb.add_format({"bg_color": "#C6EFCE"})
        ws = wb.add_worksheet("Portfolio")
        ws.write_string(
            0,
            0,
            "Client portfolio",
            wb.add_format({"font_name": FONT, "bold": True, "font_size": 16, "font_color": ident.firm.primary}),
        )
        ws.write_string(
            1, 0, f"{_plural(len(p.rows), 'client')} as of {p.as_of.day} {p.as_of:%B %Y}.", wb.add_format({"font_name": FONT})
        )
        h = 3
        # The sheet shows numbers as numbers: F / P / N split into three columns each.
        headers = [
            "Client",
            "Annex A fully",
            "Annex A partially",
            "Annex A not",
            "Clauses fully",
            "Clauses partially",
            "Clauses not",
            "Stage 1 readiness",
            "Errors",
            "Warnings",
            "Risks to accept",
            "Overdue tasks",
            "Next milestone",
            "Milestone date",
            "Stage 1",
            "Stage 2",
            "Last return",
            "Days since return",
        ]
        widths = [24, 9, 9, 9, 9, 9, 9, 14, 8, 9, 9, 9, 24, 12, 12, 12, 12, 9]
        for c, (name, width) in enumerate(zip(headers, widths, strict=True)):
            ws.write_string(h, c, name, head)
            ws.set_column(c, c, width)
        ws.set_row(h, layout.LINE * 2 + 4)
        for r, row in enumerate(p.rows, start=h + 1):
            annex = row.annex or {}
            clauses = row.clauses or {}
            readiness = "-" if row.ready is None else ("Ready" if row.ready else "Not ready")
            values: list[Any] = [
                row.client,
                annex.get("fully"),
                annex.get("partially"),
                annex.get("not"),
                clauses.get("fully"),
                clauses.get("partially"),
                clauses.get("not"),
                readiness,
                row.errors,
                row.warnings,
                row.risks_to_accept,
                row.overdue_tasks,
                row.next_milestone,
                row.next_milestone_date,
                row.stage1,
                row.stage2,
                row.last_returned,
                row.days_since_return,
            ]
            for c, value in enumerate(values):
                if value is None:
                    ws.write_blank(r, c, None, num)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
                elif isinstance(value, int):
                    ws.write_number(r, c, value, num)
                else:
                    ws.write_string(r, c, str(value), text)
        last = h + max(len(p.rows), 1)
        # What needs attention: errors and overdue tasks red, risks to accept amber, readiness green or red.
        for col, rule in ((8, red), (11, red), (10, amber)):
            ws.conditional_format(h + 1, col, last, col, {"type": "cell", "criteria": ">", "value": 0, "format": rule})
        ws.conditional_format(h + 1, 7, last, 7, {"type": "cell", "criteria": "==", "value": '"Ready"', "format": green})
        ws.conditional_format(h + 1, 7, last, 7, {"type": "cell", "criteria": "==", "value": '"Not ready"', "format": red})
        ws.conditional_format(h + 1, 17, last, 17, {"type": "cell", "criteria": ">", "value": 30, "format": amber})
        ws.freeze_panes(h + 1, 1)
        ws.autofilter(h, 0, last, len(headers) - 1)
        below = last + 2
        for i, (folder, reason) in enumerate(p.unreadable):
            ws.write_string(
                below + i,
                0,
                f"{folder}: could not be read: {reason}",
                wb.add_format({"font_name": FONT, "font_color": "#C00000"}),
            )
        if p.rows:
            chart = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
            for c, (name, colour) in enumerate((("Fully", "#548235"), ("Partially", "#FFC000"), ("Not", "#C00000")), start=1):
                chart.add_series(
                    {
                        "name": f"{name} addressed",
                        "categories": ["Portfolio", h + 1, 0, last, 0],
                        "values": ["Portfolio", h + 1, c, last, c],
                        "fill": {"color": colour},
                        "gap": 40,
                    }
                )
            chart.set_title({"name": "Annex A coverage by client", "name_font": {"size": 11}})
            chart.set_y_axis({"reverse": True})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 720, "height": max(240, 22 * len(p.rows) + 90)})
            ws.insert_chart(below + len(p.unreadable) + 1, 0, chart)
        header_footer(ws, "Client portfolio", ident)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(h)
        ws.hide_gridlines(2)
        wb.close()
