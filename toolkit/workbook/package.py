"""What a workbook package holds beyond cell values: its sheet parts, drawings, comments, links.

A regenerated or annotated workbook is rewritten from values; this module finds what such a
rewrite cannot carry, so that it is named in a warning rather than lost in silence.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from toolkit.findings import REVIEW_SHEET

#: Parts of a package that a values-only rewrite cannot carry, and how to name them.
_UNCARRIED = (
    ("xl/media/", "images"),
    ("xl/comments", "cell comments"),
    ("xl/threadedcomments/", "threaded comments"),
    ("xl/pivottables/", "pivot tables"),
    ("xl/vbaproject.bin", "macros"),
    ("xl/macrosheets/", "macros"),
    ("xl/externallinks/", "external links"),
    ("xl/chartsheets/", "chart sheets"),
    ("xl/embeddings/", "embedded objects"),
    ("xl/tables/", "Excel tables"),
    ("xl/slicers/", "slicers"),
    ("xl/ctrlprops/", "form controls"),
    ("xl/activex/", "form controls"),
)
_RUN = re.compile(rb"<(?:[\w.-]+:)?r[\s>]")  # a rich-text run, in shared or inline strings
_HYPERLINKS = re.compile(rb"<(?:[\w.-]+:)?hyperlinks[\s>]")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name -> sheet name, from the workbook and its relationships."""
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet"):
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "").lstrip("/")
            out[target if target.startswith("xl/") else f"xl/{target}"] = el.get("name", "")
    return out


_SHAPE = re.compile(rb"<(?:[\w.-]+:)?(?:sp|pic|cxnSp|grpSp)[\s>]")


def _drawings(zf: zipfile.ZipFile, part: str) -> list[str]:
    """The drawing parts a worksheet part refers to."""
    folder, name = part.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in zf.namelist():
        return []
    targets = re.findall(rb'Target="([^"]*drawing[^"]*\.xml)"', zf.read(rels))
    out = []
    for target in targets:
        text = target.decode("utf-8", "replace")  # relative to the sheet, or absolute (openpyxl writes /xl/...)
        path = text.lstrip("/") if text.startswith("/") else posixpath.normpath(posixpath.join(folder, text))
        if path in zf.namelist():
            out.append(path)
    return out


def uncarried(path: Path, ours: frozenset[str] = frozenset()) -> list[str]:
    """What the client's package holds that a regenerated workbook will not.

    `ours` names the sheets ctk writes itself: their charts are drawn again, so only shapes and
    pictures a client added there are lost; any drawing on the client's own sheets is.
    """
    from toolkit.workbook.schema import shared_sheets

    covers = {s.name for s in shared_sheets()} & ours
    found: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()]
            found = [label for prefix, label in _UNCARRIED if any(n.startswith(prefix) for n in names)]
            flags: dict[str, bool] = {}
            for part, sheet in sheet_parts(zf).items():
                if sheet == REVIEW_SHEET or part not in zf.namelist():
                    continue
                data = zf.read(part)
                drawing = any(_SHAPE.search(zf.read(d)) or sheet not in ours for d in _drawings(zf, part))
                flags["drawings, shapes or charts"] = flags.get("drawings, shapes or charts", False) or drawing
                flags["sparklines"] = flags.get("sparklines", False) or b"sparklineGroup" in data
                # The Cover's contents links are ctk's own and drawn again; a link anywhere else may be the client's.
                linked = sheet not in covers and _HYPERLINKS.search(data) is not None
                flags["hyperlinks"] = flags.get("hyperlinks", False) or linked
                flags["rich text formatting inside cells"] = (
                    flags.get("rich text formatting inside cells", False) or _RUN.search(data) is not None
                )
            if any(n == "xl/sharedstrings.xml" for n in names):
                strings = next(n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml")
                flags["rich text formatting inside cells"] = (
                    flags.get("rich text formatting inside cells", False) or _RUN.search(zf.read(strings)) is not None
                )
    except (zipfile.BadZipFile, OSError, KeyError):
        return []
    found += [label for label, on in flags.items() if on]
    return list(dict.fromkeys(found))
