"""Folding text the way a reader compares it: headers, enumerated values, control titles.

Clients write the same header a dozen ways (`Likelihood\\n(1–5)`, `Evidence / Notes`,
`current_proba`, `Kontroll-ID`) and the same value as many (`Partially Implemented `,
`partially_implemented`, `🔄 In Progress`). Folding makes the spellings that mean the same equal,
so the declarations can list meanings, not typing variants. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NON_WORD = re.compile(r"[\W_]+")
_HASH = re.compile(r"#|\bnr\b\.?|\bno\.(?=\s|$)|\bnum\b\.?")
#: A trailing answer scale is no part of a header's name (`Applicability y/n`, `Applicable Yes/No`).
_ANSWERS = re.compile(r"\s+(?:y n|yes no|j n|ja nein|o n|oui non)$")
_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)\b")
_STOP = frozenset({"and", "of", "the", "for", "in", "to", "a", "an", "on", "with", "within", "by", "its", "or"})


def _plain(text: str) -> str:
    """Case, compatibility forms and accents folded (`Begründung` -> `begrundung`)."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def header_fold(text: object) -> str:
    """A header as the reader compares it: case, spaces and line breaks, dashes and punctuation,
    `_` and a parenthesised part (`Likelihood (1–5)`, `Applicable (Yes/No)`) do not matter, nor a
    trailing `?`, `:` or `*`, nor a trailing answer scale (`Applicability y/n`). `#`, `No.` and `Nr.`
    all read as `no` (`Control #` = `Control No.`)."""
    plain = _plain(str(text))
    without = _PARENS.sub(" ", plain)
    if without.strip():  # a header that is only a parenthesis keeps it
        plain = without
    plain = _HASH.sub(" no ", plain)
    folded = " ".join(_NON_WORD.sub(" ", plain).split())
    return _ANSWERS.sub("", folded) or folded


@lru_cache(maxsize=8192)
def value_fold(text: object) -> str:
    """An enumerated value as the reader compares it: like a header, but a parenthesis is kept
    (`Yes (partial)` is not `Yes`) and a value made only of a symbol (`✓`, `X`, `-`) stays one."""
    plain = _plain(str(text))
    folded = " ".join(_NON_WORD.sub(" ", plain).split())
    return folded or "".join(plain.split())


def words(folded: str) -> list[str]:
    return folded.split(" ") if folded else []


def leading(folded: str, prefix: str) -> bool:
    """Whether a folded text starts with the folded words of `prefix` (whole words only)."""
    return folded == prefix or (bool(prefix) and folded.startswith(prefix + " "))


@lru_cache(maxsize=4096)
def title_key(text: object) -> frozenset[str]:
    """The words of a control title that carry its meaning, spelling variants folded:
    British and American spelling (`synchronisation`), `end point`, `life cycle`, punctuation,
    case and the small words (`of`, `and`, `the`)."""
    folded = value_fold(text)
    folded = folded.replace("end point", "endpoint").replace("lifecycle", "life cycle")
    folded = _ISE.sub(lambda m: "iz" + m.group(1), folded)
    return frozenset(w.rstrip("s") if len(w) > 3 else w for w in words(folded) if w not in _STOP)


def title_similarity(a: object, b: object) -> float:
    """How alike two control titles are, 0 to 1 (the share of their meaningful words in common)."""
    ka, kb = title_key(a), title_key(b)
    if not ka or not kb:
        return 0.0
    return len(ka & kb) / len(ka | kb)
