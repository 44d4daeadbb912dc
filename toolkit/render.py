"""Rendering lives here, one function per format; commands never format findings themselves."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from toolkit.findings import Report
from toolkit.writer import safe_text


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


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV that no spreadsheet will read a formula from."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([safe_text(_cell(v)) if v is not None else "" for v in row])
    return buf.getvalue()


def rows_json(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    records = [{h: _cell(v) for h, v in zip(header, row, strict=False)} for row in rows]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
