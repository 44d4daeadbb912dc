"""People's names as clients write them: `Elena Kowalczyk`, `elena  kowalczyk`, `Kowalczyk, Elena`,
`Head of Security (Elena Kowalczyk)`, `Elena Kowalczyk (CISO)`, `ISMS Manager`.

An auditor must not audit an area they own (clause 9.2.2), so the programme's `Auditor` is compared
with its `Area Owner`. Case, spacing, punctuation and word order do not matter, and a role written
beside a name in brackets is read as the same person's role: `Head of Security (Elena Kowalczyk)`
and `elena kowalczyk` are one person, and so are `ISMS Manager` and `ISMS Manager (Elena
Kowalczyk)` (the role holder). Two different people who share a role title, `Engineer (Bob Li)`
and `Engineer (Ana Ruiz)`, are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Separators between several people in one cell (a comma may also be `Surname, Given`: see
#: split_people). Not `/` or `&`: `CISO/DPO` and `Security & Compliance` are one role each.
_PEOPLE = re.compile(r"\s*[;\n\r]+\s*")
#: Words that make a part of a name a role rather than a person.
_ROLE_WORDS = frozenset(
    [
        "head",
        "manager",
        "director",
        "officer",
        "lead",
        "chief",
        "vp",
        "president",
        "engineer",
        "engineering",
        "analyst",
        "counsel",
        "auditor",
        "auditors",
        "owner",
        "team",
        "committee",
        "department",
        "admin",
        "administrator",
        "coordinator",
        "specialist",
        "consultant",
        "consultancy",
        "ceo",
        "cto",
        "cfo",
        "coo",
        "ciso",
        "cio",
        "cpo",
        "dpo",
        "isms",
        "security",
        "it",
        "hr",
        "people",
        "legal",
        "compliance",
        "operations",
        "ops",
        "finance",
        "platform",
        "sre",
        "board",
        "founder",
        "partner",
        "principal",
        "senior",
        "junior",
        "staff",
        "member",
        "group",
        "function",
        "office",
        "services",
        "service",
        "support",
        "product",
        "data",
        "external",
        "internal",
        "audit",
        "assurance",
        "ltd",
        "limited",
        "llp",
        "inc",
        "gmbh",
        "plc",
    ]
)


@dataclass(frozen=True)
class Person:
    """One person as written: their name (tokens) and role (tokens), either possibly empty."""

    name: frozenset[str]
    role: frozenset[str]

    @property
    def empty(self) -> bool:
        return not self.name and not self.role


def _tokens(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _WORD.findall(text.replace("&", " and ")))


def _is_role(tokens: frozenset[str]) -> bool:
    return bool(tokens & _ROLE_WORDS)


def person(text: str) -> Person:
    """Split `Role (Name)` or `Name (Role)` or a bare name or role into its parts."""
    inner = " ".join(_BRACKETS.findall(text))
    outer = _BRACKETS.sub(" ", text)
    parts = [t for t in (_tokens(outer), _tokens(inner)) if t]
    if len(parts) == 2:
        a, b = parts
        if _is_role(a) and not _is_role(b):
            return Person(name=b, role=a)
        if _is_role(b) and not _is_role(a):
            return Person(name=a, role=b)
        # Both read as roles, or neither: the part outside the brackets leads.
        return Person(name=a, role=b) if not _is_role(a) else Person(name=b, role=a)
    if len(parts) == 1:
        only = parts[0]
        return Person(name=frozenset(), role=only) if _is_role(only) else Person(name=only, role=frozenset())
    return Person(frozenset(), frozenset())


def same_person(a: str, b: str) -> bool:
    """Whether two spellings name the same person (or the same role holder)."""
    pa, pb = person(a), person(b)
    if pa.empty or pb.empty:
        return False
    if pa.name and pb.name:
        # Two names: they decide, whatever the roles say.
        return pa.name == pb.name
    # At least one side is a role alone: the same role, or a name that is the other's role.
    return bool((pa.role and pa.role in (pb.role, pb.name)) or (pb.role and pb.role in (pa.role, pa.name)))


def split_people(text: str | None) -> list[str]:
    """The people named in one cell: separated by `;` or new lines, or by commas between
    names of two or more words (`Kowalczyk, Elena` is one person, `Ana Ruiz, Bob Li` two)."""
    if not text:
        return []
    out: list[str] = []
    for chunk in _PEOPLE.split(str(text)):
        chunk = chunk.strip()
        if not chunk:
            continue
        pieces = [p.strip() for p in _split_commas(chunk) if p.strip()]
        if len(pieces) > 1 and all(len(_WORD.findall(_BRACKETS.sub(" ", p))) >= 2 for p in pieces):
            out.extend(pieces)
        else:
            out.append(chunk)
    return out


def _split_commas(text: str) -> list[str]:
    """Split on commas outside brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def conflicts(auditors: str | None, owners: str | None) -> list[tuple[str, str]]:
    """The (auditor, owner) pairs that are the same person."""
    return [(a, o) for a in split_people(auditors) for o in split_people(owners) if same_person(a, o)]
