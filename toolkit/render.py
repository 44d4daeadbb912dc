"""Rendering lives here, one function per format; commands never format findings themselves."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from toolkit.findings import Finding, Report

if TYPE_CHECKING:
    from toolkit.kinds.isms.readiness import Readiness
    from toolkit.rules import Rule
    from toolkit.workbook.diff import Diff

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


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",", bom: bool = False) -> str:
    """CSV that no spreadsheet will read a formula from. `bom`: starts with a byte-order mark, so
    Excel on Windows reads it as UTF-8; `delimiter` `;` for Excel set to a European locale."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\n", delimiter=delimiter)
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([safe_text(_cell(v)) if v is not None else "" for v in row])
    return buf.getvalue()


def rows_json(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    records = [{h: _cell(v) for h, v in zip(header, row, strict=False)} for row in rows]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


# --- diff --------------------------------------------------------------------------------------


_DIFF_MARKS = {"added": "+", "removed": "-", "changed": "~"}
_DIFF_COLUMNS = (
    ("Change", 10),
    ("Sheet", 26),
    ("Key", 14),
    ("Column", 24),
    ("Old Value", 40),
    ("New Value", 40),
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


def diff_xlsx(diff: Diff, path: str | os.PathLike[str]) -> None:
    """One filterable sheet of changes (and a `Notes` sheet when there are notes), written atomically.

    Client text stays text: strings are never read as formulas, numbers or links.
    """
    import xlsxwriter

    from toolkit.workbook.writer import CREATED, NAVY, atomic_output

    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": f"Changes: {diff.title}", "author": "ctk", "created": CREATED})
        head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "valign": "top", "text_wrap": True})
        text = wb.add_format({"valign": "top", "text_wrap": True, "font_size": 10})
        fills = {k: wb.add_format({"valign": "top", "font_size": 10, "bg_color": v}) for k, v in _DIFF_FILLS.items()}
        ws = wb.add_worksheet("Changes")
        for c, (name, width) in enumerate(_DIFF_COLUMNS):
            ws.write_string(0, c, name, head)
            ws.set_column(c, c, width, text)
        for r, ch in enumerate(diff.changes, start=1):
            row = (ch.change, ch.sheet, ch.key, ch.column, ch.old, ch.new, ch.old_row, ch.new_row)
            for c, value in enumerate(row):
                fmt = fills[ch.change] if c == 0 else text
                if value is None:
                    ws.write_blank(r, c, None, fmt)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(r, c, value, fmt)
                else:
                    ws.write_string(r, c, str(value), fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(diff.changes), 1), len(_DIFF_COLUMNS) - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.write_string(len(diff.changes) + 2, 0, diff_summary(diff))
        if diff.notes:
            notes = wb.add_worksheet("Notes")
            notes.set_column(0, 0, 120, text)
            notes.write_string(0, 0, "Note", head)
            for r, note in enumerate(diff.notes, start=1):
                notes.write_string(r, 0, note)
        wb.close()
