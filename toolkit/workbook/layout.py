"""How big text is on a sheet and on paper: column widths, row heights, print scale and page breaks.

Spreadsheets measure a column in "characters" (the width of a digit of the default 11 pt
Calibri: 7 pixels, plus 5 pixels of padding); text in ctk's 10 pt body takes about 0.8 of one
per character. Programs do not grow rows a program wrote, so rows are sized here, and capped:
no data row is taller than `MAX_ROW_HEIGHT`.

Printing: a sheet is printed one page wide when that keeps its text at `MIN_SCALE` % or more on
both A4 and Letter landscape; otherwise its columns are split across pages, with its key columns
repeated on every page, at the scale between `MIN_SCALE` and 100 % that needs the fewest pages.
The scale is always fixed (never "fit to page"), so the printed size is known in advance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

LINE = 13.5  # points per line of 10 pt text
#: No data row is taller than this (points): fourteen lines of 10 pt text, under half a printed
#: page, so that a generated gap description with its client controls prints whole.
MAX_ROW_HEIGHT = LINE * 14 + 3
#: The smallest print scale (%): ctk's smallest font is 10 pt, so nothing prints below 8 pt.
MIN_SCALE = 80
#: Usable width in points of the narrower of A4 and Letter, margins of 0.4 inch either side.
PAGE_WIDTH = {"landscape": (11.0 - 0.8) * 72, "portrait": (8.27 - 0.8) * 72}
#: Usable height in points of the shorter of the two, top and bottom margins taken off.
PAGE_HEIGHT = {"landscape": (8.27 - 1.45) * 72, "portrait": (11.0 - 1.45) * 72}
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.7}
HEADER_MARGIN = 0.3


#: LibreOffice prints a column a little wider than Excel's 7 pixels a character (measured: 6 %).
SPREAD = 1.07


def column_points(width: float) -> float:
    """The printed width (points, at 100 %) of a column `width` characters wide, on the wide side."""
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return pixels * 0.75 * SPREAD


_NARROW = str.maketrans("", "", "ilIjtf.,;:'|!() ")
_WIDE = str.maketrans("", "", "mwMW@%")


def text_width(text: str, bold: bool = False) -> float:
    """The width in column characters that one line of 10 pt text takes (an estimate on the wide side)."""
    # Counted by deleting the narrow and the wide letters (at C speed: a big register has a million words).
    narrow = len(text) - len(text.translate(_NARROW))
    wide = len(text) - len(text.translate(_WIDE))
    units = 0.5 * narrow + 1.15 * wide + 0.8 * (len(text) - narrow - wide)
    return units * (1.08 if bold else 1.0)


def fit_words(text: str, width: float, bold: bool = False) -> float:
    """A width at least `width` in which no word of `text` has to break (a header never splits mid-word)."""
    longest = max((text_width(word, bold) for word in text.split()), default=0.0)
    return max(width, math.ceil(longest + 1.5))


@lru_cache(maxsize=1 << 16)
def lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines `text` takes, wrapped at word boundaries, in a column `width` characters wide
    (remembered: a register repeats its owners, treatments and plans row after row)."""
    room = max(width - 1.0, 1.0)
    space = text_width(" ")
    total = 0
    for paragraph in str(text).split("\n"):
        count, used = 1, 0.0
        for word in paragraph.split(" "):
            w = text_width(word, bold)
            gap = space if used else 0.0
            if used and used + gap + w > room:
                count += 1 + int(w // room)
                used = w % room
            else:
                used += gap + w
                if used > room:
                    count += int(used // room)
                    used %= room
        total += count
    return max(total, 1)


def height(line_count: int, cap: float = MAX_ROW_HEIGHT) -> float:
    return min(LINE * line_count + 3, cap)


@dataclass(frozen=True)
class PrintPlan:
    """How a table prints: its last printed column, the scale (%; None: fit to one page wide), the
    columns where a new page starts, and how many leading columns repeat on every page."""

    last_col: int
    scale: int | None
    breaks: tuple[int, ...] = ()
    repeat: int = 0


def _pages(points: Sequence[float], repeat: int, room: float) -> list[int]:
    """The first column of each page after the first, greedily."""
    starts: list[int] = []
    fixed = sum(points[:repeat])
    used = fixed
    for i in range(repeat, len(points)):
        if used + points[i] > room and used > fixed:
            starts.append(i)
            used = fixed
        used += points[i]
    return starts


def plan(widths: Sequence[float], repeat: int, orientation: str = "landscape", heights: Sequence[float] = ()) -> PrintPlan:
    """The print layout of columns of these widths (characters) and rows of these heights
    (points, the header row first): as legible as the paper allows, in as few pages as that allows."""
    points = [column_points(w) for w in widths]
    page = PAGE_WIDTH[orientation]
    last = len(widths) - 1
    # Always a fixed scale: manual page breaks hold in every program, and the text size is known.
    if sum(points) <= page:
        return PrintPlan(last, 100)
    if sum(points) * MIN_SCALE / 100 <= page:
        return PrintPlan(last, math.floor(page * 100 / sum(points)))
    repeat = min(repeat, len(points) - 1)
    head, body = (heights[0], sum(heights[1:])) if heights else (0.0, 0.0)

    def pages(scale: int) -> tuple[int, tuple[int, ...]]:
        breaks = tuple(_pages(points, repeat, page * 100 / scale))
        room = PAGE_HEIGHT[orientation] * 100 / scale - head
        return (len(breaks) + 1) * max(1, math.ceil(body / room)), breaks

    best = min(range(100, MIN_SCALE - 1, -5), key=lambda scale: (pages(scale)[0], -scale))
    return PrintPlan(last, best, pages(best)[1], repeat)
