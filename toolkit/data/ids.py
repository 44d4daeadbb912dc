"""Identifier normalisation: the forms clients type, reduced to the canonical form.

Clients write `5.1`, `A5.1`, `A 5.1`, `A.05.01` or `a.5.1` for Annex A control `A.5.1`,
and `cc 6.1` for SOC 2 criterion `CC6.1`. Lists in one cell are separated by `;`, `,` or
new lines.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"^\s*(?:A\s*\.?\s*)?0*(\d{1,2})\s*\.\s*0*(\d{1,3})\s*\.?\s*$", re.IGNORECASE)
_CLAUSE = re.compile(r"^\s*(?:clause\s*)?0*(\d{1,2})((?:\s*\.\s*0*\d{1,2}){0,2})\s*\.?\s*$", re.IGNORECASE)
_SOC2 = re.compile(r"^\s*(CC|PI|A|C|P)\s*\.?\s*0*(\d{1,2})\s*\.\s*0*(\d{1,2})\s*$", re.IGNORECASE)
_RISK = re.compile(r"^\s*([A-Za-z]{1,6})\s*[-_ ]?\s*(\d{1,6})\s*$")
_SPLIT = re.compile(r"[;,\n\r]+")


def normalize_control_id(value: object) -> str | None:
    """Return `A.<theme>.<n>` for any accepted spelling of an Annex A control, else None."""
    if value is None:
        return None
    match = _CONTROL.match(str(value))
    if not match:
        return None
    return f"A.{int(match.group(1))}.{int(match.group(2))}"


def normalize_clause_id(value: object) -> str | None:
    """Return a clause id such as `6.1.2` (from `6.1.2`, `Clause 6.1.2`, `06.01.02`), else None."""
    if value is None:
        return None
    text = str(value)
    match = _CLAUSE.match(text)
    if not match:
        return None
    parts = [match.group(1), *re.findall(r"\d+", match.group(2))]
    return ".".join(str(int(p)) for p in parts)


def normalize_soc2_id(value: object) -> str | None:
    """Return a Trust Services Criteria id such as `CC6.1` (from `cc 6.1`, `CC06.01`), else None."""
    if value is None:
        return None
    match = _SOC2.match(str(value))
    if not match:
        return None
    return f"{match.group(1).upper()}{int(match.group(2))}.{int(match.group(3))}"


def normalize_risk_id(value: object) -> str:
    """Risk ids are the client's own; only case and spacing are normalised (`r 1` -> `R-1`)."""
    text = str(value).strip()
    match = _RISK.match(text)
    if match:
        return f"{match.group(1).upper()}-{match.group(2)}"
    return text


def normalize_reference(value: str) -> str:
    """A roadmap reference: an Annex A control (`A.5.9`), a clause (`9.2.2`), or the text as written."""
    text = value.strip()
    if text[:1] in "Aa":
        return normalize_control_id(text) or text
    return normalize_clause_id(text) or text


def split_list(value: object) -> list[str]:
    """Split a cell holding several items separated by `;`, `,` or new lines."""
    if value is None:
        return []
    return [part.strip() for part in _SPLIT.split(str(value)) if part.strip()]


def natural_key(identifier: str) -> tuple[object, ...]:
    """Sort `A.5.2` before `A.5.10` and `CC1.5` before `CC10.1`."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", identifier))
