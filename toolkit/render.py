"""Rendering lives here, one function per format; commands never format findings themselves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from toolkit.findings import Report

if TYPE_CHECKING:
    from toolkit.rules import Rule
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


def report_text(report: Report) -> str:
    """One line per finding: `file:sheet!cell: CODE severity [key] message`, then a summary."""
    lines: list[str] = []
    for fr in report.files:
        if fr.error is not None:
            lines.append(f"{fr.path}: error: {fr.error}")
            continue
        for f in fr.findings:
            where = fr.path
            if f.sheet:
                where += f":{f.sheet}" + (f"!{f.cell}" if f.cell else "")
            key = f" [{f.key}]" if f.key else ""
            lines.append(f"{where}: {f.code} {f.severity}{key} {f.message}")
    unreadable = report.unreadable
    summary = f"{len(report.files)} file{'s' if len(report.files) != 1 else ''} checked: {report.errors} error{'s' if report.errors != 1 else ''}, {report.warnings} warning{'s' if report.warnings != 1 else ''}"
    if unreadable:
        summary += f", {unreadable} could not be read"
    lines.append(summary)
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
        if c.key is None:
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
