"""Whose deliverable a workbook is: the consultancy's identity and the document's issue.

`Firm` is the consultancy (`[firm]` in `ctk.toml`: name, contact, logo, colours, footer text);
unset, every workbook is neutral: no name, the default navy, a footer with the classification
and the page number. `Issue` is this document's issue (`[document]`: version, status, date,
prepared and reviewed by, classification). The tool's own name never appears on a sheet,
in a header or footer or in a comment: only in the document properties.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

NAVY = "#1F3864"
ACCENT = "#2E75B6"
_HEX = re.compile(r"^#?[0-9A-Fa-f]{6}$")
#: A logo bigger than this is refused (it would bloat every workbook of the engagement).
LOGO_MAX_BYTES = 2 * 1024 * 1024
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"))


class IdentityError(ValueError):
    """A `[firm]` or `[document]` setting that cannot be used, named with its key."""


@dataclass(frozen=True)
class Firm:
    """The consultancy whose deliverable this is. Every field may be blank: the workbook is then neutral."""

    name: str = ""
    contact: str = ""
    logo: Path | None = None
    primary: str = NAVY
    accent: str = ACCENT
    footer: str = ""


@dataclass(frozen=True)
class Issue:
    """This issue of the document: its version and status, when, by whom, how it is classified."""

    client: str = ""
    engagement: str = "ISO/IEC 27001:2022 certification"
    version: str = "0.1"
    status: str = "Draft"
    date: dt.date | None = None
    prepared_by: str = ""
    reviewed_by: str = ""
    classification: str = "Confidential"
    #: What this issue changes, for the change history (the first issue says "First issue").
    description: str = ""


@dataclass(frozen=True)
class Identity:
    firm: Firm = field(default_factory=Firm)
    issue: Issue = field(default_factory=Issue)

    @property
    def day(self) -> dt.date:
        return self.issue.date or dt.date.today()

    @property
    def author(self) -> str:
        """Who the document properties and the change history name: the preparer, else the firm."""
        return self.issue.prepared_by or self.firm.name

    def footer_left(self) -> str:
        """The footer's left part: the firm's own text, else its name; with the classification."""
        parts = [self.firm.footer or self.firm.name, self.issue.classification]
        return " | ".join(p for p in parts if p)

    def for_client(self, client: str | None) -> Identity:
        return replace(self, issue=replace(self.issue, client=client or self.issue.client))


NEUTRAL = Identity()


def colour(value: Any, key: str) -> str:
    """A `#RRGGBB` colour from settings, or an IdentityError naming the key."""
    text = str(value).strip()
    if not _HEX.match(text):
        raise IdentityError(f'{key} = {value!r} is not a colour like "#1F3864"')
    return "#" + text.lstrip("#").upper()


def logo_problem(path: Path) -> str | None:
    """Why a logo cannot go on the cover (None when it can): only PNG and JPEG, at most 2 MB."""
    if not path.is_file():
        return f"logo {path} does not exist"
    size = path.stat().st_size
    if size > LOGO_MAX_BYTES:
        return f"logo {path} is {size // 1024} KB; use an image under {LOGO_MAX_BYTES // 1024 // 1024} MB"
    with path.open("rb") as fh:
        head = fh.read(8)
    if not any(head.startswith(magic) for magic, _ in _IMAGE_MAGIC):
        return f"logo {path} is not a PNG or JPEG image"
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height in pixels of a PNG or JPEG (None when they cannot be read)."""
    data = path.read_bytes()
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    while data.startswith(b"\xff\xd8") and i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


def firm_from(raw: Mapping[str, Any], folder: Path) -> tuple[Firm, list[str]]:
    """The `[firm]` table of `ctk.toml`, and the warnings about it (a logo that cannot be used)."""
    notes: list[str] = []
    colours = raw.get("colours", raw.get("colors", {}))
    if not isinstance(colours, Mapping):
        raise IdentityError('[firm] colours must be a table: colours = { primary = "#1F3864", accent = "#2E75B6" }')
    logo: Path | None = None
    if raw.get("logo"):
        logo = (folder / str(raw["logo"])).resolve()
        problem = logo_problem(logo)
        if problem:
            notes.append(f"[firm] {problem}: the cover is written without it")
            logo = None
    firm = Firm(
        name=str(raw.get("name", "") or "").strip(),
        contact=str(raw.get("contact", "") or "").strip(),
        logo=logo,
        primary=colour(colours["primary"], "[firm] colours.primary") if "primary" in colours else NAVY,
        accent=colour(colours["accent"], "[firm] colours.accent") if "accent" in colours else ACCENT,
        footer=str(raw.get("footer", "") or "").strip(),
    )
    return firm, notes


def issue_from(raw: Mapping[str, Any], client: str | None, default_date: dt.date | None) -> Issue:
    """The `[document]` table of `ctk.toml` (every key optional)."""
    date = raw.get("date", default_date)
    if date is not None and not isinstance(date, dt.date):
        raise IdentityError(f"[document] date = {date!r} is not a date like 2027-01-04")
    if isinstance(date, dt.datetime):
        date = date.date()
    base = Issue()
    return Issue(
        client=client or "",
        engagement=str(raw.get("engagement", base.engagement)),
        version=str(raw.get("version", base.version)),
        status=str(raw.get("status", base.status)),
        date=date,
        prepared_by=str(raw.get("prepared_by", "") or ""),
        reviewed_by=str(raw.get("reviewed_by", "") or ""),
        classification=str(raw.get("classification", base.classification)),
        description=str(raw.get("description", "") or ""),
    )


def with_issue(
    history: Sequence[Mapping[str, Any]], version: str, date: dt.date, author: str, description: str
) -> list[dict[str, Any]]:
    """A change history that agrees with the version: the rows kept, plus one for this version
    when none has it yet (the newest last). The row of this version gets the date and author
    where it has none (never over what is written in it)."""
    rows = [dict(r) for r in history if any(v not in (None, "") for v in r.values())]
    for row in rows:
        if str(row.get("Version") or "").strip() == version:
            if row.get("Date") in (None, ""):
                row["Date"] = date
            if row.get("Author") in (None, "") and author:
                row["Author"] = author
            return rows
    rows.append({"Version": version, "Date": date, "Author": author or None, "Description": description or None})
    return rows
