"""What a client control's description has to say for it to support an ISO requirement.

`topic_signals.csv` holds, per Annex A control and clause requirement, the words that show a
description is about the requirement at all (`topic`), and the groups of words that together
show the requirement's specific elements (`elements`, groups joined by ` + `, alternatives by
`|`): an inventory *and* named owners for A.5.9. A term matches at the start of a word, so
`inventor` finds `inventory` and `owner` finds `owners`; a trailing `$` asks for the whole word
(`aws$`). Case, punctuation and hyphens are ignored (`sign-off` is `sign off`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from toolkit.data.catalog import _rows

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, every run of punctuation and spaces one space: the text terms are matched in."""
    return " " + _NOT_WORD.sub(" ", text.casefold()).strip() + " "


@dataclass(frozen=True)
class Term:
    text: str
    pattern: re.Pattern[str]

    def find(self, normalised: str) -> bool:
        return self.pattern.search(normalised) is not None

    def word(self, normalised: str) -> str | None:
        """The words of the text the term matched, whole (`polic` finds `policies`), or None."""
        m = self.pattern.search(normalised)
        if m is None:
            return None
        end = m.end()
        while end < len(normalised) and normalised[end].isalnum():
            end += 1
        return normalised[m.start() : end]


def _term(raw: str) -> Term:
    whole = raw.endswith("$")
    words = normalise(raw.rstrip("$")).strip()
    tail = r"(?![a-z0-9])" if whole else ""
    return Term(words, re.compile(r"(?<![a-z0-9])" + re.escape(words).replace(r"\ ", " ") + tail))


def _terms(raw: str) -> tuple[Term, ...]:
    return tuple(_term(t.strip()) for t in raw.split("|") if t.strip())


@dataclass(frozen=True)
class Signals:
    iso_id: str
    topic: tuple[Term, ...]
    elements: tuple[tuple[Term, ...], ...]
    #: What the elements show together, in words ("an inventory ... with a named owner for each").
    shows: str

    def topic_hits(self, text: str) -> list[str]:
        """The topic terms found in a description (empty: the description is about something else)."""
        norm = normalise(text)
        return list(dict.fromkeys(w for t in self.topic if (w := t.word(norm))))

    def element_hits(self, text: str) -> list[str | None]:
        """Per element group, the first of its terms found in the description, or None."""
        norm = normalise(text)
        return [next((w for t in group if (w := t.word(norm))), None) for group in self.elements]


@cache
def signals() -> dict[str, Signals]:
    """The signals of every Annex A control and clause requirement, keyed by id."""
    out = {}
    for r in _rows("topic_signals.csv"):
        groups = tuple(_terms(g) for g in r["elements"].split(" + ")) if r["elements"].strip() else ()
        out[r["iso_id"]] = Signals(r["iso_id"], _terms(r["topic"]), groups, r["shows"])
    return out
