"""The client's SOC 2 control matrix: its controls, their criteria and test results."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field

from toolkit.data import catalog
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData, read_workbook
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
    return inventory_from(read_workbook(path, kind="soc2", limits=limits))
