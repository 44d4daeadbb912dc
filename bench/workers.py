"""The bare processes the benchmark times beside ctk: `python bench/workers.py MODE ARGS...`.

Each mode imports only what it needs, so a process costs what its library costs and no more:

- `pass`: nothing (the interpreter's own start-up).
- `calamine FILE...`: open each file with python-calamine and iterate every row of every sheet.
- `openpyxl FILE...`: the same with openpyxl read-only (`read_only=True, data_only=True`).
- `xlsxwriter N OUT`: the N benchmark risks as 24 cells a row, plain `write_row`, `constant_memory`.
- `ctk-generate N OUT`: the same N risks through ctk's own writer (`build_register` + `write_register`).
"""

from __future__ import annotations

import sys


def calamine(paths: list[str]) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).iter_rows():
                cells += len(row)
    return cells


def openpyxl(paths: list[str]) -> int:
    from openpyxl import load_workbook

    cells = 0
    for path in paths:
        wb = load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    return cells


def xlsxwriter_write(n: int, out: str) -> int:
    import xlsxwriter
    from records import ALL_COLUMNS, risks, sheet_row

    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("Risk Register")
    ws.write_row(0, 0, ALL_COLUMNS)
    for r, rec in enumerate(risks(n), start=1):
        ws.write_row(r, 0, sheet_row(rec, r))
    wb.close()
    return n


def ctk_generate(n: int, out: str) -> int:
    from records import ORG, risks

    from toolkit.kinds import write_workbook
    from toolkit.kinds.risk.build import build_register

    write_workbook("risk", build_register(risks(n), ORG), out, ORG)
    return n


def main(argv: list[str]) -> int:
    mode, args = argv[0], argv[1:]
    if mode == "pass":
        return 0
    if mode == "calamine":
        calamine(args)
    elif mode == "openpyxl":
        openpyxl(args)
    elif mode == "xlsxwriter":
        xlsxwriter_write(int(args[0]), args[1])
    elif mode == "ctk-generate":
        ctk_generate(int(args[0]), args[1])
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
