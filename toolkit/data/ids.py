"""Identifier normalisation: the forms clients type, reduced to the canonical form.

Clients write `5.1`, `A5.1`, `A 5.1`, `A.05.01` or `a.5.1` for Annex A control `A.5.1`,
and `cc 6.1` for SOC 2 criterion `CC6.1`. Lists in one cell are separated by `;`, `,` or
new lines. Workbooks ctk did not write say more around their ids (`[A.5.1] Organizational -
Policies ...`, `Control 5.17`, `Clause 9.2`, `CC6.1 - The entity ...`, `CC6.2/CC6.3`) or use
ISO/IEC 27001:2013 numbering (`A.9.2.1`); the `extract_*` and `*_in` functions read those.

Pure functions: no catalog is consulted here, only the shape of each numbering scheme.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"^\s*(?:A\s*\.?\s*)?0*(\d{1,2})\s*\.\s*0*(\d{1,3})\s*\.?\s*$", re.IGNORECASE)
_CLAUSE = re.compile(r"^\s*(?:clause\s*)?0*(\d{1,2})((?:\s*\.\s*0*\d{1,2}){0,2})\s*\.?\s*$", re.IGNORECASE)
_SOC2 = re.compile(r"^\s*(CC|PI|A|C|P)\s*\.?\s*0*(\d{1,2})\s*\.\s*0*(\d{1,2})\s*$", re.IGNORECASE)
_RISK = re.compile(r"^\s*([A-Za-z]{1,6})(\s*[-_ ]?\s*)(\d{1,6})\s*$")
_SPLIT = re.compile(r"[;,\n\r]+")

#: Annex A themes of each edition: 2022 has A.5-A.8, 2013 has A.5-A.18.
THEMES_2022 = range(5, 9)
THEMES_2013 = range(5, 19)
#: The highest control number under each 2022 theme (A.5.37, A.6.8, A.7.14, A.8.34).
LAST_2022 = {5: 37, 6: 8, 7: 14, 8: 34}


def normalize_control_id(value: object) -> str | None:
    """Return `A.<theme>.<n>` for any accepted spelling of an Annex A control, else None."""
    if value is None:
        return None
    match = _CONTROL.match(str(value))
    if not match:
        return None
    return f"A.{int(match.group(1))}.{int(match.group(2))}"


@dataclass(frozen=True)
class Found:
    """An id read from a cell: the canonical id, its numbering scheme, and the text after it."""

    id: str
    scheme: str  # "2022" (A.5.1), "2013" (A.5.1.1) or "clause" (9.2)
    rest: str = ""
    prefixed: bool = False  # written with a word that says what it is (`Control 5.17`, `Clause 9`, `A.5.1`)


# A leading id, maybe in brackets, maybe after a word naming it, then a separator and a title.
_LEADING = re.compile(
    r"""^\s*[\[(]?\s*
        (?P<word>(?:iso(?:/iec)?\s*27001(?::20\d\d)?\s*)?(?:annex\s*a\s*(?:control\s*)?|control\s*|clause\s*|§\s*)?)
        (?P<a>a\s*\.?\s*)?
        (?P<num>\d{1,2}(?:\s*\.\s*\d{1,3}){0,3})
        \s*\.?\s*[\])]?
        (?P<rest>(?:[\s:\-–—|]+.*)?)$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def extract_id(text: object) -> Found | None:
    """The id a cell starts with, in any of the forms clients write, else None.

    `[A.5.1] Organizational - Policies...`, `A.5.1 Policies...`, `A.5.1: Policies`, `Control 5.17`,
    `Annex A 5.17` and `5.1` are the 2022 control A.5.1/A.5.17; `A.5.1.1 Information Security
    Policy` and `9.2.1` are 2013 controls; `Clause 9.2` is a clause. A bare `9` or `9.2` (no
    theme 5-8, no word) is read as a clause. A bare `5.1` is a control: the convention of the
    contract. The caller knows the column and decides what a clause means there.
    """
    if text is None:
        return None
    raw = str(text)
    if len(raw) > 400:  # an id sits at the start of a short cell; a paragraph is not one
        raw = raw[:400]
    match = _LEADING.match(raw)
    if not match:
        return None
    word = " ".join(match.group("word").casefold().split())
    num = re.sub(r"\s+", "", match.group("num"))
    parts = [int(p) for p in num.split(".")]
    rest = match.group("rest").strip(" \t\r\n:-–—|")
    has_a = bool(match.group("a"))
    is_clause_word = "clause" in word or "§" in word
    if is_clause_word:
        if has_a or not 4 <= parts[0] <= 10 or len(parts) > 3:
            return None
        return Found(".".join(map(str, parts)), "clause", rest, True)
    prefixed = has_a or bool(word)
    if len(parts) == 2 and parts[0] in THEMES_2022 and parts[1] >= 1:
        return Found(f"A.{parts[0]}.{parts[1]}", "2022", rest, prefixed)
    if len(parts) == 3 and parts[0] in THEMES_2013 and parts[1] >= 1 and parts[2] >= 1 and (has_a or word or parts[0] > 10):
        return Found(f"A.{parts[0]}.{parts[1]}.{parts[2]}", "2013", rest, prefixed)
    if len(parts) == 3 and parts[0] in THEMES_2013 and parts[1] >= 1 and parts[2] >= 1:
        # `6.1.2`: a 2013 control or clause 6.1.2; the column's other ids decide.
        return Found(f"A.{parts[0]}.{parts[1]}.{parts[2]}", "2013", rest, False)
    if not has_a and "control" not in word and "annex" not in word and 4 <= parts[0] <= 10 and all(parts[1:]):
        return Found(".".join(map(str, parts)), "clause", rest, bool(word))
    return None


def clause_reading(found: Found) -> str | None:
    """The clause an id also reads as when it was written bare (`6.1.2`, `5.2`), else None."""
    if found.prefixed and found.scheme != "clause":
        return None
    if found.scheme == "clause":
        return found.id
    parts = found.id.removeprefix("A.").split(".")
    if 4 <= int(parts[0]) <= 10:
        return ".".join(parts)
    return None


def id_from_date(value: dt.date) -> str | None:
    """The id a cell held before a spreadsheet turned it into a date, else None.

    Excel reads `17.1.1` typed into a cell as 1 January 2017 and may show it as `yy.m.d`: the
    2013 control A.17.1.1. The day and month are small, the year is 2005-2018 (A.5-A.18).
    """
    year, month, day = value.year, value.month, value.day
    if 2005 <= year <= 2018 and month <= 9 and day <= 9:
        return f"A.{year - 2000}.{month}.{day}"
    return None


def lost_zero(cid: str) -> str | None:
    """The 2022 control an id would be had a spreadsheet dropped its trailing zero (`5.2` for
    A.5.20, the number 5.20 stored as 5.2), else None."""
    parts = cid.split(".")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    theme, n = int(parts[1]), int(parts[2])
    if theme not in LAST_2022 or not 1 <= n <= 9 or n * 10 > LAST_2022[theme]:
        return None
    return f"A.{theme}.{n * 10}"


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


#: The series each SOC 2 prefix has (CC1-CC9, A1, C1, PI1, P1-P8).
_SOC2_SERIES = {"CC": range(1, 10), "A": range(1, 2), "C": range(1, 2), "PI": range(1, 2), "P": range(1, 9)}
_SOC2_TOKEN = re.compile(
    r"(?<![A-Za-z0-9.])(CC|PI|A|C|P)\s?\.?\s?(\d{1,2})\s?\.\s?(\d{1,2})(?![0-9]|\.\d)"
    r"(?:\s*(?:-|–|—|to|through|thru)\s*(?:\1\s?\.?\s?)?\2\s?\.\s?(\d{1,2})(?![0-9]|\.\d))?",
    re.IGNORECASE,
)
_SOC2_LIKE = re.compile(r"(?<![A-Za-z])(?:CC|PI|[ACP])\s?\.?\s?\d[\d.]*", re.IGNORECASE)


def soc2_ids_in(value: object) -> tuple[list[str], list[str]]:
    """The SOC 2 criteria a cell names, and what in it looks like a criterion but is not one.

    Reads every common spelling: `CC6.1; CC6.2`, `CC6.1 - The entity implements ...` (the
    description after the id is not a criterion), `CC6.2/CC6.3`, `CC6.2 & CC6.3`, `CC6.2 CC6.3`,
    `cc 6.1, C 1.1`, a range `CC6.1-CC6.3` or `CC6.1 to 6.3`. A cell with no criterion at all is
    returned whole as the second list, so the caller can say so at its cell.
    """
    if value is None:
        return [], []
    text = str(value)
    if not text.strip():
        return [], []
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _SOC2_TOKEN.finditer(text):
        prefix, series, first = m.group(1).upper(), int(m.group(2)), int(m.group(3))
        if prefix not in _SOC2_SERIES or series not in _SOC2_SERIES[prefix] or first < 1:
            continue
        last = int(m.group(4)) if m.group(4) else first
        if last < first or last - first > 20:  # `CC6.1 - 2` of something else: the first id only
            last = first
        for n in range(first, last + 1):
            cid = f"{prefix}{series}.{n}"
            if cid not in found:
                found.append(cid)
        spans.append(m.span())
    if not found:
        return [], [" ".join(text.split())]
    leftover = []
    masked = list(text)
    for a, b in spans:
        masked[a:b] = " " * (b - a)
    for m in _SOC2_LIKE.finditer("".join(masked)):
        token = m.group(0).strip()
        if re.search(r"\d\s?\.\s?\d", token):
            leftover.append(token)
    return found, leftover


_CONTROL_TOKEN = re.compile(
    r"(?<![A-Za-z0-9.])(?:A\s?\.?\s?)?(\d{1,2})\s?\.\s?(\d{1,3})(?:\s?\.\s?(\d{1,2}))?(?![0-9]|\.\d)", re.IGNORECASE
)
_PART = re.compile(r"[;,\n\r]+")
_FILLER = re.compile(
    r"\b(?:and|or|und|et|controls?|kontrollen?|annex\s*a|anhang\s*a|iso(?:/iec)?|27001(?::20\d\d)?|see)\b|[/&+()\[\]|:.\-–—]",
    re.IGNORECASE,
)


def control_ids_in(value: object) -> tuple[list[str], list[str]]:
    """The Annex A controls a cell names, and the parts of it that name none.

    Reads `A.5.1; A.5.2`, `5.1, 5.2`, `Control 7.1, 7.2 and 7.3`, `A.5.29/A.5.30`, `A.5.15 Access
    control`; a 2013 id (`A.9.2.1`) is kept as such. A part (between `;`, `,` or line breaks)
    with no control in it (`Clause 9`, `firewall`) comes back in the second list.
    """
    if value is None:
        return [], []
    found: list[str] = []
    leftover: list[str] = []
    for part in _PART.split(str(value)):
        if not part.strip():
            continue
        hits = 0
        for m in _CONTROL_TOKEN.finditer(part):
            theme, n, third = int(m.group(1)), int(m.group(2)), m.group(3)
            if third is not None:
                if theme not in THEMES_2013 or not n or not int(third):
                    continue
                cid = f"A.{theme}.{n}.{int(third)}"
            else:
                if theme not in THEMES_2022 or not n:
                    continue
                cid = f"A.{theme}.{n}"
            # `Clause 5.3` and versions (`version 5.1`) are not controls.
            if re.search(r"(clause|§|version)\s*$", part[max(0, m.start() - 9) : m.start()], re.IGNORECASE):
                continue
            hits += 1
            if cid not in found:
                found.append(cid)
        if not hits and _FILLER.sub(" ", part).strip():
            leftover.append(" ".join(part.split()))
    return found, leftover


def normalize_risk_id(value: object) -> str:
    """Risk ids are the client's own: kept as written, but for case and spacing (`r 1` -> `R-1`,
    `r001` -> `R001`, `R-007` stays)."""
    text = str(value).strip()
    match = _RISK.match(text)
    if match:
        separator = match.group(2).strip()
        return f"{match.group(1).upper()}{separator or ('-' if match.group(2) else '')}{match.group(3)}"
    return text


_RISK_KEY = re.compile(r"([A-Z]{1,6})[\s._-]*0*(\d{1,6})")


def risk_key(value: object) -> str:
    """What two spellings of one risk id share, for matching across workbooks: `R-001`, `R001`,
    `r 1` and `R_01` are all `R1`. Ids stay as written everywhere else."""
    text = " ".join(str(value).split()).upper()
    match = _RISK_KEY.fullmatch(text)
    return f"{match.group(1)}{int(match.group(2))}" if match else text


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
