"""SOC 2 control matrix rules: every control has an ID and maps to valid criteria."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.data import catalog
from toolkit.findings import Finding
from toolkit.rules import Context, at, rule
from toolkit.workbook.reader import WorkbookData


@rule("SOC001", "soc2", "A SOC 2 control maps to no valid Trust Services Criterion", needs=("SOC 2 Controls:TSC Criteria",))
def soc2_criteria(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: TSC Criteria empty or `CC10.1`. Good: `CC6.1; CC6.2`."""
    for rec in book.records():
        crit = rec.get("TSC Criteria") or []
        bad = [c for c in crit if c not in catalog.criteria()]
        if not crit:
            yield at(
                "SOC001",
                rec,
                "TSC Criteria",
                rec.get("Control ID"),
                "control maps to no criterion; it counts for nothing in the gap assessment",
            )
        elif bad:
            yield at(
                "SOC001",
                rec,
                "TSC Criteria",
                rec.get("Control ID"),
                f"unknown criteria {', '.join(bad)} (valid: CC1.1-CC9.2, A1.x, C1.x, PI1.x, P1.1-P8.1)",
            )


@rule("SOC002", "soc2", "A SOC 2 control ID is blank or listed twice", needs=("SOC 2 Controls:Control ID",))
def soc2_ids(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: two rows `HA-AC-01`. Good: one row per control."""
    first: dict[str, int] = {}
    for rec in book.records():
        cid = rec.get("Control ID")
        if cid is None:
            yield at("SOC002", rec, "Control ID", None, "row has no Control ID")
        elif cid in first:
            yield at("SOC002", rec, "Control ID", cid, f"{cid} is listed again (first on row {first[cid]})")
        else:
            first[cid] = rec.row
