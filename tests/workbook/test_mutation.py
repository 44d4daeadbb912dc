"""Mutate generated workbooks the way clients (and accidents) do.

Cells blanked, types changed, rows deleted or duplicated, sheets renamed or dropped, junk typed
in, junk bytes in the package: `validate` only ever returns a Report, with findings for the file
or its one-line error, and never raises.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from toolkit.findings import Finding, Report
from toolkit.kinds import write_workbook
from toolkit.kinds.soa.build import new_soa
from toolkit.render import report_json, report_text
from toolkit.validation import validate

SHEETS = 2  # Document Control and Statement of Applicability


@functools.cache
def base_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "soa.xlsx"
        write_workbook("soa", new_soa("Example Ltd"), path, "Example Ltd")
        return path.read_bytes()


def check(path: Path) -> Report:
    report = validate([path])
    assert isinstance(report, Report) and len(report.files) == 1
    file = report.files[0]
    if file.error is not None:
        assert isinstance(file.error, str) and file.error and "\n" not in file.error
        assert file.findings == []
    else:
        assert all(isinstance(f, Finding) for f in file.findings)
    report_text(report)
    report_json(report)
    return report


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
values = st.one_of(
    st.none(),
    text,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.sampled_from(["=1/0", "=A1+", "=SUM(A:A)", "Yes", "No", "Maybe", "A.5.1", "5.1", "00123", " ", "#N/A"]),
)
sheet = st.integers(0, SHEETS)  # SHEETS: a sheet the mutations added, when there is one
row = st.integers(1, 120)
col = st.integers(1, 16)
mutation = st.one_of(
    st.tuples(st.just("blank"), sheet, row, col),
    st.tuples(st.just("retype"), sheet, row, col, values),
    st.tuples(st.just("delete rows"), sheet, row, st.integers(1, 30)),
    st.tuples(st.just("duplicate row"), sheet, row),
    st.tuples(st.just("delete columns"), sheet, col, st.integers(1, 3)),
    st.tuples(st.just("rename"), sheet, st.text(alphabet="ABCDEFGHIJ abcdef0123-_éÉ()", min_size=1, max_size=31)),
    st.tuples(st.just("junk"), sheet, st.integers(1, 300), st.integers(1, 40), values),
    st.tuples(st.just("junk rows on top"), sheet, st.integers(1, 4)),
    st.tuples(st.just("add sheet"), st.lists(st.lists(values, max_size=6), max_size=6)),
    st.tuples(st.just("delete sheet"), sheet),
)


def put(ws: Any, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row, col)
    if not isinstance(cell, MergedCell):  # the covered cells of a merged range take no value
        cell.value = value


def apply(wb: Any, change: tuple[Any, ...]) -> None:
    kind = change[0]
    if kind == "add sheet":
        ws = wb.create_sheet("Junk")
        for r, cells in enumerate(change[1], start=1):
            for c, value in enumerate(cells, start=1):
                put(ws, r, c, value)
        return
    sheets = wb.worksheets
    ws = sheets[min(change[1], len(sheets) - 1)]
    if kind == "blank":
        put(ws, change[2], change[3], None)
    elif kind in ("retype", "junk"):
        put(ws, change[2], change[3], change[4])
    elif kind == "delete rows":
        ws.delete_rows(change[2], change[3])
    elif kind == "duplicate row":
        values_ = [c.value for c in ws[change[2]]]
        ws.insert_rows(change[2] + 1)
        for c, value in enumerate(values_, start=1):
            put(ws, change[2] + 1, c, value)
    elif kind == "delete columns":
        ws.delete_cols(change[2], change[3])
    elif kind == "rename":
        names = {s.title for s in sheets}
        if change[2] not in names and change[2].strip("'"):
            ws.title = change[2]
    elif kind == "junk rows on top":
        ws.insert_rows(1, change[2])
        put(ws, 1, 1, "Copied from last year's file")
    elif kind == "delete sheet" and len(sheets) > 1:
        wb.remove(ws)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6))
def test_mutated_workbooks_give_findings_or_one_line_never_a_crash(changes: list[tuple[Any, ...]]) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(base_workbook()))
    for change in changes:
        apply(wb, change)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.xlsx"
        wb.save(path)
        check(path)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml", None]),
    st.floats(0, 1),
    st.one_of(
        st.binary(min_size=1, max_size=64), st.sampled_from([b"<", b"</c>", b'<c r="XFD1048576"><v>1</v></c>', b"&e;", b"]]>"])
    ),
)
def test_junk_bytes_give_findings_or_one_line_never_a_crash(part: str | None, where: float, junk: bytes) -> None:
    """Junk inserted into one XML part (re-zipped), or written over the package's own bytes."""
    data = base_workbook()
    if part is None:
        at = int(where * (len(data) - 1))
        data = data[:at] + junk + data[at + len(junk) :]
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = {n: zf.read(n) for n in zf.namelist()}
        at = int(where * len(parts[part]))
        parts[part] = parts[part][:at] + junk + parts[part][at:]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, body in parts.items():
                zf.writestr(name, body)
        data = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.xlsx"
        path.write_bytes(data)
        check(path)
