"""What an audit's `Scope` cell covers, written as clients write it.

`4.1; 9.2` (a heading means every requirement under it), `Clauses 4-10`, `Clause 6`, `4.1-5.3`,
`A.5.1-A.5.8` (or `A.5.1 to A.5.8`, `A.5.1–8`), `A.8` or `A.8.*` (a whole theme), `Annex A` or `all
controls`, `Full ISMS`. Text after an id (`A.5.9 Inventory of information`) is ignored; an item
with nothing ctk can read is returned as such, so a rule can say it was not counted.

The catalog is passed in (the clause requirements and the Annex A controls, each in order), so
this module only knows how scopes are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_ITEMS = re.compile(r"[;,\n\r]+")
_ID = r"(?:A\s*\.?\s*)?\d{1,2}(?:\s*\.\s*\d{1,3}){0,2}"
_RANGE = re.compile(rf"(?<![\w.])({_ID})\s*(?:[-\u2010-\u2015]|\bto\b|\bthrough\b|\bthru\b)\s*({_ID})(?![\w.])", re.IGNORECASE)
_SINGLE = re.compile(rf"(?<![\w.])({_ID})(?:\s*\.\s*\*|\s*\.\s*x\b)?(?![\w])", re.IGNORECASE)
_EVERYTHING = re.compile(r"\b(?:all|full|entire|whole|complete)\b.*\b(?:isms|scope|management system)\b", re.IGNORECASE)
_ALL_CONTROLS = re.compile(r"\b(?:all|every)\b.*\bcontrols?\b|^\s*annex\s*a\s*(?:controls?)?\s*(?:\(all\))?\s*$", re.IGNORECASE)
_ALL_CLAUSES = re.compile(r"\b(?:all|every)\b.*\b(?:clauses?|requirements)\b", re.IGNORECASE)


@dataclass
class Scope:
    clauses: set[str] = field(default_factory=set)
    controls: set[str] = field(default_factory=set)
    unread: list[str] = field(default_factory=list)  # items with nothing ctk could read

    @property
    def items(self) -> set[str]:
        return self.clauses | self.controls


@dataclass(frozen=True)
class Catalog:
    """The ids a scope can name: clause requirements and Annex A controls, each in order."""

    requirements: tuple[str, ...]
    controls: tuple[str, ...]

    def under(self, heading: str) -> list[str]:
        """The requirements a clause id stands for: itself, or every requirement below a heading."""
        return [r for r in self.requirements if r == heading or r.startswith(heading + ".")]

    def theme(self, number: int) -> list[str]:
        return [c for c in self.controls if c.startswith(f"A.{number}.")]


def _numbers(token: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", token)]


def _is_control_token(token: str, item: str) -> bool:
    if token.lstrip()[:1] in "Aa":
        return True
    lowered = item.casefold()
    return ("control" in lowered or "annex" in lowered) and "clause" not in lowered


def _clause_id(numbers: list[int]) -> str:
    return ".".join(str(n) for n in numbers)


def _single(token: str, item: str, cat: Catalog, out: Scope) -> bool:
    nums = _numbers(token)
    if _is_control_token(token, item):
        if len(nums) == 1:  # `A.8`, `A.8.*`: the whole theme
            found = cat.theme(nums[0])
        elif len(nums) == 2:
            cid = f"A.{nums[0]}.{nums[1]}"
            found = [cid] if cid in cat.controls else []
        else:
            found = []
        out.controls.update(found)
        return bool(found)
    found = cat.under(_clause_id(nums))
    if not found and len(nums) == 2:  # `5.9` in a list of controls written without the A
        cid = f"A.{nums[0]}.{nums[1]}"
        if cid in cat.controls and _clause_id(nums) not in _headings(cat):
            out.controls.add(cid)
            return True
    out.clauses.update(found)
    return bool(found)


def _headings(cat: Catalog) -> set[str]:
    heads: set[str] = set()
    for r in cat.requirements:
        parts = r.split(".")
        heads.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return heads


def _range(a: str, b: str, item: str, cat: Catalog, out: Scope) -> bool:
    na, nb = _numbers(a), _numbers(b)
    if _is_control_token(a, item):
        if len(na) != 2:
            return False
        if len(nb) == 1:  # `A.5.1-8`: the end in the same theme
            nb = [na[0], nb[0]]
        if len(nb) != 2:
            return False
        ids = list(cat.controls)
        start, end = f"A.{na[0]}.{na[1]}", f"A.{nb[0]}.{nb[1]}"
        if start not in ids or end not in ids or ids.index(end) < ids.index(start):
            return False
        out.controls.update(ids[ids.index(start) : ids.index(end) + 1])
        return True
    if len(na) == 1 and len(nb) == 1:  # `Clauses 4-10`
        found = [r for r in cat.requirements if na[0] <= int(r.split(".")[0]) <= nb[0]]
        out.clauses.update(found)
        return bool(found)
    first, last = cat.under(_clause_id(na)), cat.under(_clause_id(nb))
    if not first or not last:
        return False
    reqs = list(cat.requirements)
    i, j = reqs.index(first[0]), reqs.index(last[-1])
    if j < i:
        return False
    out.clauses.update(reqs[i : j + 1])
    return True


def parse_scope(text: object, cat: Catalog) -> Scope:
    """The clause requirements and controls a scope cell names."""
    out = Scope()
    if text is None:
        return out
    for raw in _ITEMS.split(str(text)):
        item = raw.strip()
        if not item:
            continue
        if _EVERYTHING.search(item):
            out.clauses.update(cat.requirements)
            out.controls.update(cat.controls)
            continue
        read = False
        if _ALL_CONTROLS.search(item):
            out.controls.update(cat.controls)
            read = True
        elif _ALL_CLAUSES.search(item):
            out.clauses.update(cat.requirements)
            read = True
        rest = item
        for match in _RANGE.finditer(item):
            read = _range(match.group(1), match.group(2), item, cat, out) or read
            rest = rest.replace(match.group(0), " ")
        for match in _SINGLE.finditer(rest):
            read = _single(match.group(1), item, cat, out) or read
        if not read:
            out.unread.append(item)
    return out


def compress(ids: Iterable[str], order: Sequence[str]) -> str:
    """Ids written back compactly, in catalog order: `A.5.1-A.5.4; A.5.7; A.5.9; A.5.10`.
    Runs of three or more become ranges; a control range never crosses a theme."""
    position = {v: i for i, v in enumerate(order)}
    chosen = sorted({i for i in ids if i in position}, key=position.__getitem__)
    parts: list[str] = []
    run: list[str] = []
    for item in chosen:
        if run and position[item] == position[run[-1]] + 1 and _same_run(run[-1], item):
            run.append(item)
            continue
        parts.extend(_run_text(run))
        run = [item]
    parts.extend(_run_text(run))
    return "; ".join(parts)


def _same_run(a: str, b: str) -> bool:
    """Controls are written as ranges within a theme (`A.7.13-A.8.2` would puzzle a reader)."""
    if a.startswith("A.") or b.startswith("A."):
        return a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0]
    return True


def _run_text(run: list[str]) -> list[str]:
    if len(run) >= 3:
        return [f"{run[0]}-{run[-1]}"]
    return list(run)
