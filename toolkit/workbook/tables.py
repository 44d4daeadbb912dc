"""Finding a declared table in a grid of cells the way a person would, whoever made the sheet.

A grid is a sheet's values, row by row (None or "" for an empty cell). The header need not be
row 1 (title rows above it), may span two rows (a merged group cell over sub-headers, a blank
row between), and names its columns as the client likes; the key column is told by its values.
Below the header, rows that are not records are passed over: section rows (one filled cell),
the header repeated, and whatever follows a run of blank rows without fitting the table (a
pasted markdown table, document-control lines). Pure functions: no file is opened here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.data import ids
from toolkit.data.fold import header_fold, leading

HEADER_SCAN_ROWS = 30
#: How many rows below a candidate header are looked at to tell the key column by its values.
SAMPLE_ROWS = 200
#: Blank rows allowed between a header row and its sub-header row (a spacer row).
SUBHEADER_GAP = 2

#: A merged range as python-calamine gives it: ((first row, first col), (last row, last col)), 0-based.
Merged = tuple[tuple[int, int], tuple[int, int]]


def blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def placeholder(value: Any) -> bool:
    """A cell that says "nothing here": empty, or only dashes (`-`, `—`)."""
    return value is None or (value.__class__ is str and not value.strip(" \t\r\n-–—"))


def cell_text(value: Any) -> str:
    """A cell's value as text, as a person reads it: `5.0` is `5`, a date is ISO, TRUE is TRUE."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


# --- what a key cell holds ------------------------------------------------------------------


def control_key(value: Any) -> ids.Found | None:
    """The Annex A control (2022 or 2013) a key cell holds, in any form: text, a number, or a
    date a spreadsheet made of a typed id."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        cid = ids.id_from_date(day)
        return ids.Found(cid, "2013", "", False) if cid else None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        value = repr(float(value)) if isinstance(value, float) else str(value)
    plain = ids.normalize_control_id(value)  # `A.5.1`, `5.1`: the usual spellings, at once
    if plain is not None and plain[2] in "5678" and plain[3] == ".":
        return ids.Found(plain, "2022", "", value.lstrip()[:1] in "Aa")
    found = ids.extract_id(value)
    if found is None or found.scheme == "clause":
        return None
    return found


def clause_key(value: Any) -> str | None:
    if value is None or isinstance(value, (bool, dt.date)):
        return None
    if isinstance(value, (int, float)):
        value = cell_text(value)
    found = ids.extract_id(value)
    if found is None:
        return None
    return ids.clause_reading(found)


_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#-]{0,23}$")


def free_key(value: Any) -> bool:
    """Whether a cell looks like a record id a client made up (`R-001`, `CNB-C-001`, `7`)."""
    if value is None or isinstance(value, (bool, dt.date)):
        return False
    if isinstance(value, (int, float)):
        return True
    return bool(_ID_LIKE.match(value.strip()))


def key_test(key_type: str) -> Callable[[Any], bool]:
    """Whether a cell holds a key of the column's type (the test that tells the key column)."""
    if key_type == "control_id":
        return lambda v: control_key(v) is not None
    if key_type == "clause_id":
        return lambda v: clause_key(v) is not None
    return free_key


# --- headers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A declared column as the header matcher sees it."""

    name: str
    headers: tuple[str, ...] = ()  # its other names
    strong: tuple[str, ...] = ()  # names more telling than its own (`Inherent Risk Level` for `Risk Level`)
    fits: Callable[[Any], bool] | None = None  # whether a cell holds a value of its type (typed columns)


@dataclass(frozen=True)
class Spelling:
    """The header spellings of one table's columns, folded, with what each may mean."""

    exact: dict[str, tuple[str, ...]]  # folded spelling -> the columns it names, own names first
    #: first word -> (folded spelling, columns), longest first: the spellings a header may start with.
    prefixes: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    own: dict[str, str]  # folded own name -> column
    strong: dict[str, str]  # folded telling name -> column


def spellings(columns: Iterable[Named]) -> Spelling:
    """The folded spellings of a table's columns, in declaration order."""
    exact: dict[str, list[str]] = {}
    own: dict[str, str] = {}
    strong: dict[str, str] = {}
    cols = list(columns)
    for col in cols:
        folded = header_fold(col.name)
        own.setdefault(folded, col.name)
        exact.setdefault(folded, []).append(col.name)
    for col in cols:
        for other in (*col.strong, *col.headers):
            folded = header_fold(other)
            if folded and col.name not in exact.setdefault(folded, []):
                exact[folded].append(col.name)
        for other in col.strong:
            strong.setdefault(header_fold(other), col.name)
    by_word: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for k, v in sorted(exact.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        by_word.setdefault(k.split(" ", 1)[0], []).append((k, tuple(v)))
    prefixes = {w: tuple(items) for w, items in by_word.items()}
    return Spelling({k: tuple(v) for k, v in exact.items()}, prefixes, own, strong)


#: Strength of a header match: a telling name, the column's own name, another of its names, or
#: its leading words.
STRONG, OWN, EXACT, LEADING = 4, 3, 2, 1
_JOINERS = re.compile(r"\s*(?:/|&|\+|\band\b|\bund\b|\bet\b)\s*", re.IGNORECASE)


def candidates(label: str, spell: Spelling) -> tuple[int, tuple[str, ...]]:
    """What a header label may name, and how strongly: (strength, columns)."""
    folded = header_fold(label)
    if not folded:
        return 0, ()
    if folded in spell.strong:
        first = spell.strong[folded]
        return STRONG, (first, *[n for n in spell.exact[folded] if n != first])
    if folded in spell.own:
        first = spell.own[folded]
        return OWN, (first, *[n for n in spell.exact[folded] if n != first])
    if folded in spell.exact:
        return EXACT, spell.exact[folded]
    for prefix, names in spell.prefixes.get(folded.split(" ", 1)[0], ()):
        if leading(folded, prefix):
            return LEADING, names
    return 0, ()


def combined(label: str, spell: Spelling) -> tuple[str, ...]:
    """The columns a header names when it joins two (`Treatment / Owner`): each part is exactly
    another column's name. Empty when the header is one column's (`Evidence / Notes`)."""
    parts = [p for p in _JOINERS.split(label) if p.strip()]
    if len(parts) < 2:
        return ()
    named = []
    for part in parts:
        folded = header_fold(part)
        names = spell.exact.get(folded)
        if not names:
            return ()
        named.append(names[0])
    return tuple(dict.fromkeys(named)) if len(set(named)) > 1 else ()


@dataclass
class Layout:
    """Where a table is in a grid and which column holds what."""

    header_rows: tuple[int, ...]  # 0-based rows of the header (one, or a header and its sub-header)
    body: int  # 0-based first row below the header
    columns: dict[str, int]  # declared column -> 0-based column
    extra: dict[str, int]  # header label of each other column -> 0-based column
    labels: dict[int, str]  # 0-based column -> its header as shown (a two-row header joined)
    strength: dict[str, int] = field(default_factory=dict)
    combined: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (header, columns it joins)
    key_fit: float | None = None  # the share of the key column's filled cells that are keys
    key_by_value: bool = False  # the key column was found by its values, not its header

    @property
    def hits(self) -> int:
        return len(self.columns)


def _fill_merged(grid: list[list[Any]], merged: Sequence[Merged], rows: range) -> None:
    """Give every cell of a merged range, within `rows`, the value of its first cell."""
    for (r0, c0), (r1, c1) in merged:
        if r1 < rows.start or r0 >= rows.stop or r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else None
        if blank(value):
            continue
        for r in range(max(r0, rows.start), min(r1, rows.stop - 1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if blank(row[c]):
                    row[c] = value


def fill_merged(grid: list[list[Any]], merged: Sequence[Merged]) -> None:
    """Cells merged down give their value to every row they span (a criterion merged over the
    rows of three controls belongs to each of them). A merge within one row is only how the row
    looks (a section heading across the table) and is left alone; the header's are read apart."""
    down = [m for m in merged if m[1][0] > m[0][0]]
    if down:
        _fill_merged(grid, down, range(0, len(grid)))


def _row_hits(row: Sequence[Any], spell: Spelling, key: str | None = None) -> tuple[bool, int]:
    """Whether a row names the key column, and how many declared columns it names outright."""
    named: set[str] = set()
    exact = spell.exact
    has_key = False
    for v in row:
        if v.__class__ is not str or len(v) > 120:  # a header is short text
            continue
        names = exact.get(header_fold(v))
        if names:
            named.add(names[0])
            has_key = has_key or key in names
    return has_key, len(named)


def _subheader(grid: list[list[Any]], r: int, merged_cols: set[int]) -> int | None:
    """The sub-header row under header row `r`, if any: within two blank rows, text only, no
    cell an id, and at least half its cells under a merged group cell or a blank header cell."""
    head = grid[r]
    for k in range(r + 1, min(len(grid), r + 2 + SUBHEADER_GAP)):
        row = grid[k]
        filled = [(c, v) for c, v in enumerate(row) if not blank(v)]
        if not filled:
            continue
        if all(c < len(head) and v == head[c] for c, v in filled):
            continue  # the header's own cells, merged down into this row
        if any(not isinstance(v, str) or ids.extract_id(v) or ids.soc2_ids_in(v)[0] for _, v in filled):
            return None
        under = sum(1 for c, _ in filled if c in merged_cols or c >= len(head) or blank(head[c]))
        return k if under * 2 >= len(filled) else None
    return None


def _labels(grid: list[list[Any]], rows: tuple[int, ...]) -> dict[int, tuple[str, ...]]:
    """Each column's header texts, most specific first: the sub-header, then group and sub joined,
    then the group alone."""
    width = max(len(grid[r]) for r in rows)
    out: dict[int, tuple[str, ...]] = {}
    for c in range(width):
        texts = [cell_text(grid[r][c]) for r in rows if c < len(grid[r]) and not blank(grid[r][c])]
        texts = list(dict.fromkeys(texts))
        if not texts:
            continue
        if len(texts) == 1:
            out[c] = (texts[0],)
        else:
            top, sub = texts[0], texts[-1]
            out[c] = (sub, f"{top} {sub}", top)
    return out


def first_block(grid: list[list[Any]], start: int) -> list[list[Any]]:
    """The rows below the header up to the first blank row (what the key column is judged on:
    a pasted tail below a gap must not outvote the table)."""
    out: list[list[Any]] = []
    for row in grid[start : start + SAMPLE_ROWS]:
        if all(blank(v) for v in row):
            if out:
                break
            continue
        out.append(row)
    return out


def _merged_cols(merged: Sequence[Merged], r: int) -> set[int]:
    """The columns of row `r` under a group cell (merged across) or merged down into the next row."""
    across = {c for (a, c0), (b, c1) in merged if a <= r <= b and c1 > c0 for c in range(c0, c1 + 1)}
    return across | {c0 for (a, c0), (b, _) in merged if a <= r < b}


def _header_rows(
    grid: list[list[Any]], r0: int, merged: Sequence[Merged], spell: Spelling
) -> tuple[tuple[int, ...], dict[int, tuple[str, ...]]]:
    """The row or two rows that make the header around the best row `r0`, and each column's
    texts: `r0` with the sub-header below it, or `r0` as the sub-header of a group row above,
    whichever names more declared columns."""

    def joined(rows: tuple[int, ...]) -> dict[int, tuple[str, ...]]:
        if len(rows) == 1:
            return _labels(grid, rows)
        part = [list(grid[r]) if r in rows else [] for r in range(rows[-1] + 1)]
        _fill_merged(part, merged, range(rows[0], rows[-1] + 1))
        return _labels(part, rows)

    def named(labels: dict[int, tuple[str, ...]]) -> int:
        out: set[str] = set()
        for texts in labels.values():
            for text in texts:
                strength, names = candidates(text, spell)
                if strength >= EXACT:
                    out.add(names[0])
                    break
        return len(out)

    options: list[tuple[int, ...]] = [(r0,)]
    below = _subheader(grid, r0, _merged_cols(merged, r0))
    if below is not None:
        options.append((r0, below))
    for above in range(r0 - 1, max(-1, r0 - 2 - SUBHEADER_GAP), -1):
        if _subheader(grid, above, _merged_cols(merged, above)) == r0:
            options.append((above, r0))
            break
    # A sub-header below is part of the header even when it names nothing new (it is no record);
    # a row above joins only when it names more.
    scored = [(named(joined(rows)), rows[0] == r0, len(rows), rows) for rows in options]
    rows = max(scored, key=lambda t: (t[0], t[1], t[2]))[3]
    return rows, joined(rows)


def locate(
    grid: list[list[Any]],
    columns: Sequence[Named],
    key: str | None,
    key_type: str = "text",
    merged: Sequence[Merged] = (),
    title: str | None = None,
    min_hits: int = 2,
    key_column: int | None = None,
    trusted: bool = False,
) -> Layout | None:
    """The header of a table among the first rows of a grid, and the column of each declared
    column (`columns`: name and other header names, in declaration order).

    The header row is the one naming the most declared columns (at least `min_hits`); a row just
    below it holding sub-headers (under merged group cells) is joined to it. A header naming two
    columns at once (`Treatment / Owner`) is kept as an extra and reported. The key column is the
    candidate whose cells hold keys (`Control` holds titles in many SoAs); when no header names
    it, a column whose cells are nearly all keys is taken. A candidate for the key that loses
    goes to `title` when that is free (the titles of the controls).
    """
    spell = spellings(columns)
    # A row naming the key column beats one with more hits but no key (a row of sub-headers under
    # a merged group cell); without the key no record could be read.
    best: tuple[int, tuple[bool, int]] | None = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        rank = _row_hits(row, spell, key)
        if rank[1] >= min_hits and (best is None or rank > best[1]):
            best = (r, rank)
            if rank[1] == len(columns):  # every column named: no row can name more
                break
    if best is None:
        return None
    rows, labels_by_col = _header_rows(grid, best[0], merged, spell)
    body = rows[-1] + 1
    sample = first_block(grid, body)

    # Every column's candidates, by strength.
    claims: dict[int, tuple[int, tuple[str, ...]]] = {}
    joined: list[tuple[str, tuple[str, ...]]] = []
    for c, texts in labels_by_col.items():
        both = combined(texts[0], spell)
        if both:
            joined.append((texts[0], both))
            continue
        for text in texts:
            strength, names = candidates(text, spell)
            if strength:
                claims[c] = (strength, names)
                break

    found: dict[str, int] = {}
    strength_of: dict[str, int] = {}
    layout = Layout(rows, body, found, {}, {c: " ".join(t[:1]) for c, t in labels_by_col.items()}, strength_of, joined)

    def values(c: int) -> list[Any]:
        return [row[c] for row in sample if c < len(row) and not placeholder(row[c])]

    if key is not None and key_column is not None:
        # The key column is known (a table sharing its sheet and key column with another one).
        found[key] = key_column
        strength_of[key] = claims.get(key_column, (EXACT, ()))[0]
        claims.pop(key_column, None)
    elif key is not None and trusted and [c for c, (st, names) in claims.items() if st == OWN and names[0] == key]:
        # A workbook ctk wrote names its key column by the column's own name: no need to weigh values.
        chosen_own = next(c for c, (st, names) in claims.items() if st == OWN and names[0] == key)
        found[key] = chosen_own
        strength_of[key] = OWN
    elif key is not None:
        # A key of free text (a cost category, a SOC 2 control's own id) is told by its header alone.
        test = key_test(key_type) if key_type != "text" else (lambda v: True)
        contenders = [c for c, (_, names) in claims.items() if key in names]
        scored: list[tuple[float, int, bool, int]] = []  # (fit, strength, names only the key, -column)
        unscored: list[tuple[int, bool, int]] = []
        for c in contenders:
            vals = values(c)
            strength, names = claims[c]
            if vals:
                scored.append((sum(1 for v in vals if test(v)) / len(vals), strength, len(names) == 1, -c))
            else:
                unscored.append((strength, len(names) == 1, -c))
        chosen: int | None = None
        if scored:
            top = max(scored)
            if top[0] >= 0.5:
                chosen, layout.key_fit = -top[3], top[0]
        elif unscored:  # no values yet (an empty template): the header decides
            chosen = -max(unscored)[2]
        if chosen is None and key_type in ("control_id", "clause_id"):
            # No header names the key column: a column whose cells are mostly keys.
            width = max((len(row) for row in sample), default=0)
            for c in range(width):
                if c in contenders:
                    continue
                # Theme and objective rows (`A.9 Access control`, `9.2`) head the keys, they are not keys.
                vals = [v for v in values(c) if not _heading(v, True) or test(v)]
                if len(vals) >= 2:
                    fit = sum(1 for v in vals if test(v)) / len(vals)
                    if fit >= 0.6:
                        chosen, layout.key_fit, layout.key_by_value = c, fit, True
                        break
        if chosen is not None:
            found[key] = chosen
            strength_of[key] = claims[chosen][0] if chosen in claims else LEADING
            losers = [c for c in contenders if c != chosen]
            if title and losers and not any(title in claims[c][1] for c in claims if c != chosen and c not in losers):
                # `Control` beside `Control Annex A`: the one that is not the key holds the titles.
                claims[losers[0]] = (EXACT, (title,))

    # The other columns: stronger matches first, then left to right.
    order = sorted(
        ((strength, c, names) for c, (strength, names) in claims.items() if c not in found.values()), key=lambda t: (-t[0], t[1])
    )
    for strength, c, names in order:
        for name in names:
            if name == key or name in found:
                continue
            found[name] = c
            strength_of[name] = strength
            break
    fits = {col.name: col.fits for col in columns if col.fits is not None}
    for name in [n for n, st in strength_of.items() if st == LEADING and n != key and n in fits]:
        vals = values(found[name])
        if vals and sum(1 for v in vals if fits[name](v)) * 2 < len(vals):
            # `Control(s) in Place` holding prose is not the Annex A Controls column.
            del found[name], strength_of[name]
    taken = set(found.values())
    for c, texts in labels_by_col.items():
        if c not in taken and texts[0] not in layout.extra:
            layout.extra[texts[0]] = c
    layout.labels = {c: texts[0] for c, texts in labels_by_col.items()}
    return layout


# --- rows -------------------------------------------------------------------------------------

RECORD, SKIP, STOP = "record", "skip", "stop"


@dataclass
class RowFilter:
    """Tells, row by row below the header, a record from a row that is not one.

    Not records: section rows (one filled cell that is not a key), the header repeated, in a
    2013 SoA the objective rows (`9.2`), and whatever follows a run of blank rows without fitting
    the table. The reader calls `classify` with the count of filled cells it already has, so the
    rows of a big register cost one comparison each.
    """

    grid: list[list[Any]]
    layout: Layout
    key: str | None
    key_type: str = "text"
    scheme_2013: bool = False
    section_rows: list[int] = field(default_factory=list)  # 1-based
    repeated_headers: list[int] = field(default_factory=list)
    tail: tuple[int, int] | None = None  # 1-based first and last row of what was not read

    def __post_init__(self) -> None:
        self.kc = self.layout.columns.get(self.key) if self.key else None
        self.test = key_test(self.key_type) if self.kc is not None else None
        cols = sorted(set(self.layout.columns.values()) | set(self.layout.extra.values()))
        self.cols = cols
        self.probe = self.kc if self.kc is not None else (cols[0] if cols else 0)
        self.header_texts = {header_fold(t) for t in self.layout.labels.values()}
        self.header_raw = {t.strip().casefold() for t in self.layout.labels.values()}
        self.after_blank = False

    def classify(self, r: int, row: Sequence[Any], filled: int, key_filled: bool) -> str:
        """RECORD, SKIP or STOP for row `r` (0-based) with `filled` cells in the table's columns."""
        if not filled:
            self.after_blank = True
            return SKIP
        if self.after_blank:
            self.after_blank = False
            if not self._block_fits(r):
                last = max((k for k in range(r, len(self.grid)) if any(not blank(v) for v in self.grid[k])), default=r)
                self.tail = (r + 1, last + 1)
                return STOP
        probe = row[self.probe] if self.probe < len(row) else None
        if (
            probe.__class__ is str
            and len(probe) < 80
            and probe.strip().casefold() in self.header_raw
            and self._repeats_header(row)
        ):
            self.repeated_headers.append(r + 1)
            return SKIP
        if filled == 1 and not (key_filled and self.test is not None and self.test(row[self.kc])):  # type: ignore[index]
            self.section_rows.append(r + 1)
            return SKIP
        if key_filled and self.key_type == "control_id" and _heading(row[self.kc], self.scheme_2013):  # type: ignore[index]
            self.section_rows.append(r + 1)
            return SKIP
        return RECORD

    def _repeats_header(self, row: Sequence[Any]) -> bool:
        hits = filled = 0
        for c in self.layout.labels:
            if c < len(row) and not blank(row[c]):
                filled += 1
                if isinstance(row[c], str) and header_fold(row[c]) in self.header_texts:
                    hits += 1
        return hits >= 2 and hits * 2 >= filled

    def _block_fits(self, start: int) -> bool:
        """Whether the rows from `start` on continue the table: one of them holds a key of a typed
        key column (a control, a clause), fills two of the table's columns (any other table), or
        repeats the header."""
        for r in range(start, len(self.grid)):
            row = self.grid[r]
            if self._repeats_header(row):
                return True
            if self.kc is not None and self.test is not None and self.kc < len(row) and not placeholder(row[self.kc]):
                if self.test(row[self.kc]):
                    return True
                if self.key_type in ("control_id", "clause_id"):
                    continue  # a typed key decides: `| **A.5.15** |` is not one
            if sum(1 for c in self.cols if c < len(row) and not placeholder(row[c])) >= 2:
                return True
        return False


_OBJECTIVE = re.compile(r"^\s*(?:A\s*\.?\s*)?0*(?:[5-9]|1[0-8])\s*\.\s*0*\d{1,2}\s*\.?(?:\s|$)")
_THEME = re.compile(r"^\s*A\s*\.?\s*\d{1,2}(?!\s*\.\s*\d)\b")


def _heading(value: Any, scheme_2013: bool) -> bool:
    """A row keyed by a theme (`A.5`, `A.16 Information security incident management`) heads a
    section; in a 2013 SoA so does a control objective (`9.2`, `10.1`)."""
    if isinstance(value, str) and _THEME.match(value):
        return True
    if not scheme_2013 or isinstance(value, (bool, dt.date)):
        return False
    return bool(_OBJECTIVE.match(cell_text(value)))
