"""What every generator checks of the workbooks it is given, before it builds anything from them.

An input of the wrong kind (an SoA given as the gap assessment), a matrix from which no control
or no criterion was read, a register with no risks where risks are required: one line and exit
status 2, never a workbook of "Not addressed" written without a word. A partly readable input
is used, with counts and the rows concerned ("28 controls, 3 without criteria: rows 4, 9, 12").
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from toolkit.errors import CtkError
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import Record, WorkbookData, read_workbook
from toolkit.workbook.schema import load_spec

#: How many row numbers a note lists before it says "and N more".
SHOWN = 8


def rows(records: Sequence[Record]) -> str:
    """`rows 4, 9, 12` (the first few, then how many more)."""
    numbers = [str(r.row) for r in records[:SHOWN]]
    more = f" and {len(records) - SHOWN} more" if len(records) > SHOWN else ""
    return f"row{'s' if len(records) > 1 else ''} {', '.join(numbers)}{more}"


def read_input(
    path: str | os.PathLike[str], kind: str, what: str, limits: Limits = DEFAULT_LIMITS, *, empty_ok: bool = False
) -> WorkbookData:
    """A generator's input of `kind`, read; refused when it is another kind, when its main table
    is not there, or (unless `empty_ok`) when the table holds no record (`what` names them: "risks")."""
    book = read_workbook(path, kind=kind, limits=limits)
    spec = load_spec(kind)
    table = book.tables[spec.tables[0].name]
    if table.sheet is None or table.header_row is None:
        raise CtkError(f"no '{table.spec.name}' table found: no sheet has its header row ({spec.a} is needed)", str(path))
    if not table.records and not empty_ok:
        raise CtkError(f"{spec.a} with no {what}: nothing to build from (sheet '{table.sheet}')", str(path))
    return book
