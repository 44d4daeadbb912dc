"""Builders for test workbooks: a filled-in SoA as a careful client would return it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from toolkit.data import catalog
from toolkit.kinds import write_workbook
from toolkit.kinds.soa.build import DOC, SHEET, catalog_row, document_control
from toolkit.workbook.cells import col_letter
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Table


def soa_col(name: str | None = None) -> str:
    """The letter of an SoA column as the declaration lays it out; no name: the first column after them."""
    columns = [c.name for c in load_spec("soa").sheet(SHEET).columns]
    return col_letter(columns.index(name) if name is not None else len(columns))


EXCLUDED = {"A.7.5": "Cloud-hosted: no premises of our own house information processing facilities."}


def filled_values(cid: str) -> dict[str, Any]:
    """The input columns of a correctly filled SoA row."""
    if cid in EXCLUDED:
        return {"Applicable": "No", "Justification": EXCLUDED[cid], "Implementation Status": "Not applicable"}
    return {
        "Applicable": "Yes",
        "Justification": "Required to treat R-001",
        "Implementation Status": "Implemented",
        "Policy / Procedure": "Information Security Policy v3",
        "Evidence Reference": f"EV-{cid}",
        "Control Owner": "CISO",
        "Related Risks": ["R-001"],
        "Last Reviewed": dt.date(2026, 10, 1),
    }


def filled_soa_book() -> Book:
    records = [{**catalog_row(cid), **filled_values(cid)} for cid in catalog.annex_a()]
    form = document_control("Example Ltd", "1.0")
    form.fields = {
        **form.fields,
        "Owner": "CISO",
        "Approved By": "CEO",
        "Approval Date": dt.date(2026, 11, 2),
        "Next Review": dt.date(2027, 11, 1),
    }
    return Book(tables={SHEET: Table(records)}, forms={DOC: form})


def write_filled_soa(path: Path) -> Path:
    write_workbook("soa", filled_soa_book(), path, "Example Ltd")
    return path


def fill_by_hand(path: Path) -> None:
    """Fill a blank `ctk soa new` workbook the way a client would, in a spreadsheet program."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cid = row[0].value
        if not cid:
            continue
        for name, value in filled_values(cid).items():
            if isinstance(value, list):
                value = "; ".join(value)
            row[header.index(name)].value = value
    doc = wb[DOC]
    for row in doc.iter_rows(min_row=1, max_row=15):
        label = row[0].value
        if label == "Owner":
            row[1].value = "CISO"
        elif label == "Approved By":
            row[1].value = "Chief Executive Officer"
        elif label == "Approval Date":
            row[1].value = dt.datetime(2026, 11, 2)
        elif label == "Version":
            row[1].value = "1.0"
    # A careful client records the new version in the change history too (SOA018).
    title = next(r[0].row for r in doc.iter_rows(min_row=1) if r[0].value == "Change history")
    header = next(r for r in doc.iter_rows(min_row=title + 1) if any(c.value == "Version" for c in r))
    first = next(c.column for c in header if c.value == "Version")
    blank = next(r for r in doc.iter_rows(min_row=header[0].row + 1) if r[first - 1].value is None)
    for offset, value in enumerate(("1.0", dt.datetime(2026, 11, 2), "CISO", "Filled in and approved")):
        blank[first - 1 + offset].value = value
    wb.save(path)


def soa_row(ws: Any, cid: str) -> int:
    for row in ws.iter_rows(min_row=1):
        if row[0].value == cid:
            return int(row[0].row)
    raise KeyError(cid)


def write_sample_pack(folder: Path) -> dict[str, Path]:
    """The sample company's gap assessment, risk register and SoA, as `ctk` writes them."""
    from toolkit.kinds import write_workbook
    from toolkit.kinds.gap.build import build_gap
    from toolkit.kinds.risk.build import build_register
    from toolkit.kinds.risk.model import import_risks
    from toolkit.kinds.soa.build import build_soa
    from toolkit.kinds.soc2.model import read_inventory
    from toolkit.workbook.reader import read_workbook

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"gap": folder / "gap_assessment.xlsx", "risk": folder / "risk_register.xlsx", "soa": folder / "soa.xlsx"}
    write_workbook("gap", build_gap(read_inventory(sample / "soc2_controls.csv")), paths["gap"], "Harbourline")
    approval = {"Version": "2.0", "Approved By": "ISMS Steering Committee", "Approval Date": dt.date(2026, 9, 9)}
    write_workbook(
        "risk",
        build_register(import_risks(sample / "risk_register.csv"), "Harbourline", approval=approval),
        paths["risk"],
        "Harbourline",
    )
    fields = {
        "Approved By": "Chief Executive Officer (Priya Raman)",
        "Approval Date": dt.date(2026, 11, 20),
        "Version": "1.0",
        "Owner": "CISO",
    }
    soa = build_soa(read_workbook(paths["gap"]), read_workbook(paths["risk"]), fields, start=dt.date(2027, 1, 4))
    write_workbook("soa", soa, paths["soa"], "Harbourline")
    return paths


def header(ws: Any, name: str) -> tuple[int, dict[str, int]]:
    """The header row of the table on `ws` (the first of its first 30 rows that holds `name`) and
    each header's 1-based column."""
    for row in ws.iter_rows(min_row=1, max_row=30):
        values = [c.value for c in row]
        if name in values:
            return row[0].row, {v: i + 1 for i, v in enumerate(values) if v}
    raise KeyError(name)


def edit_cell(path: Path, sheet: str, key: str, column: str, value: object, key_column: str | None = None) -> int:
    """Set one cell, found by record key and header, as a client would in a spreadsheet."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    top, col = header(ws, column)
    key_index = col[key_column] - 1 if key_column else 0
    for row in ws.iter_rows(min_row=top + 1):
        if row[key_index].value == key:
            row[col[column] - 1].value = value
            wb.save(path)
            return int(row[0].row)
    raise KeyError(key)


def append_record(path: Path, sheet: str, values: dict[str, object], header_has: str) -> int:
    """Add a row below a table's last record, as a client would; its row number. The header row is
    the first of the sheet's first 30 rows that holds `header_has`."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    last, col = header(ws, header_has)
    for row in ws.iter_rows(min_row=last + 1):
        if any(c.value not in (None, "") for c in row):
            last = row[0].row
    for name, value in values.items():
        ws.cell(row=last + 1, column=col[name], value=value)
    wb.save(path)
    return last + 1


def set_form_field(path: Path, sheet: str, label: str, value: object) -> str:
    """Set the value beside a label on a form sheet (Document Control, Methodology, Inputs); its cell."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=1, max_row=40):
        if row[0].value == label:
            row[1].value = value
            wb.save(path)
            return str(row[1].coordinate)
    raise KeyError(label)
