"""The client's SOC 2 control matrix: its controls, their criteria and test results."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field

from toolkit.data import catalog
from toolkit.errors import CtkError
from toolkit.kinds.inputs import read_input, rows
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import TableData, WorkbookData, read_workbook
from toolkit.workbook.schema import load_spec

MATRIX = load_spec("soc2").sheet("SOC 2 Controls").name
#: The auditor's exception as evidence references quote it: `(exception: 1 of 25 leavers ...)`.
_EXCEPTION = re.compile(r"exceptions?\s*(?:noted)?\s*[:\-]\s*(.+?)(?:\)\s*$|\)\s*;|$)", re.IGNORECASE)
#: The test results, as declared: tested clean, exceptions noted, not tested.
CLEAN, EXCEPTIONS, NOT_TESTED = load_spec("soc2").sheet(MATRIX).column("Test Result").values


@dataclass(frozen=True)
class ClientControl:
    id: str
    description: str
    criteria: tuple[str, ...]
    owner: str
    evidence: str
    result: str
    #: Performed by a carved-out subservice organisation: the client relies on it, it is not the client's own.
    inherited: bool = False

    @property
    def exception(self) -> str | None:
        """What the SOC 2 auditor found, in the report's words where the evidence quotes them."""
        if self.result != EXCEPTIONS:
            return None
        found = _EXCEPTION.search(self.evidence)
        return found.group(1).strip().rstrip(").;") if found else None


@dataclass
class Inventory:
    """The client's SOC 2 controls, and what each criterion's controls show when tested."""

    controls: list[ClientControl] = field(default_factory=list)
    #: What was not read as it should be (controls without criteria, no test results), with rows.
    notes: list[str] = field(default_factory=list)

    def by_criterion(self) -> dict[str, list[ClientControl]]:
        out: dict[str, list[ClientControl]] = defaultdict(list)
        for control in self.controls:
            for crit in control.criteria:
                out[crit].append(control)
        return out

    def state(self, criterion: str) -> str | None:
        """`clean`, `exceptions`, `untested`, or None when the criterion is outside the scope."""
        results = {c.result for c in self.by_criterion().get(criterion, [])}
        if not results:
            return None
        if EXCEPTIONS in results:
            return "exceptions"
        if CLEAN in results:
            return "clean"
        return "untested"


def inventory_from(book: WorkbookData) -> Inventory:
    inv = Inventory()
    for rec in book.records():
        cid = rec.get("Control ID")
        if cid is None:
            continue
        criteria = tuple(c for c in (rec.get("TSC Criteria") or []) if c in catalog.criteria())
        inv.controls.append(
            ClientControl(
                id=str(cid),
                description=rec.get("Control Description") or "",
                criteria=criteria,
                owner=rec.get("Control Owner") or "",
                evidence=rec.get("Evidence Reference") or "",
                result=rec.get("Test Result") or NOT_TESTED,
                inherited=rec.get("Inherited") == "Yes",
            )
        )
    return inv


def read_inventory(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """The client's controls as read (a blank matrix gives none)."""
    return inventory_from(read_workbook(path, kind="soc2", limits=limits))


def checked_inventory(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """The client's controls, checked before a gap assessment is built from them: a matrix of
    another kind, with no control or no criterion read, is refused (one line); what was read only
    in part comes back as notes with the rows concerned."""
    book = read_input(path, "soc2", "SOC 2 controls", limits)
    inv = inventory_from(book)
    inv.notes = matrix_notes(book, str(path))
    return inv


def matrix_notes(book: WorkbookData, path: str) -> list[str]:
    table = book.tables[MATRIX]
    records = [r for r in table.records if r.get("Control ID") is not None]
    if not records:
        raise CtkError(f"no SOC 2 controls found: no row under the header (row {table.header_row}) has a Control ID", path)
    n = len(records)
    if "TSC Criteria" not in table.columns:
        headers = ", ".join(f"'{h}'" for h in [*table.columns, *table.extra_columns][:8])
        raise CtkError(
            f"no criteria column: none of the headers ({headers}) names the Trust Services Criteria; head that column "
            "'TSC Criteria' (CC6.1, CC6.2 ...)",
            path,
        )
    known = catalog.criteria()
    without = [r for r in records if not any(c in known for c in (r.get("TSC Criteria") or []))]
    if len(without) == n:
        raise CtkError(
            f"none of the {n} controls names a Trust Services Criterion (CC1.1-CC9.2, A1.x, C1.x, PI1.x, P1.1-P8.1) in "
            f"'{_label(table, 'TSC Criteria')}', so no Annex A control could be rated",
            path,
        )
    notes: list[str] = []
    if without:
        notes.append(f"{n} controls, {len(without)} without a Trust Services Criterion ({rows(without)}): they count for nothing")
    odd = [r for r in records if any(c not in known for c in (r.get("TSC Criteria") or []))]
    if odd:
        sample = next(c for c in (odd[0].get("TSC Criteria") or []) if c not in known)
        notes.append(f"{len(odd)} controls name something that is not a criterion ({rows(odd)}), e.g. '{sample}'")
    if "Test Result" not in table.columns:
        readiness = [h for h in table.extra_columns if h.strip().casefold() in ("status", "implementation status", "state")]
        why = f" (the '{readiness[0]}' column is a readiness status, not a service auditor's test result)" if readiness else ""
        notes.append(
            f"no Test Result column: all {n} controls are treated as not tested, so no Annex A control can be rated "
            f"Fully addressed{why}"
        )
    else:
        unread = [
            r for r in records if r.get("Test Result") is not None and r.get("Test Result") not in (CLEAN, EXCEPTIONS, NOT_TESTED)
        ]
        if unread:
            notes.append(f"{len(unread)} test results not understood ({rows(unread)}): those controls are treated as not tested")
    return notes


def _label(table: TableData, column: str) -> str:
    labels = {c: label for label, c in table.extra_columns.items()}
    return labels.get(table.columns[column], column)
