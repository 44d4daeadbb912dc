"""Workbook declarations: each kind is declared once, as data, in `workbook_templates/*.toml`.

The writer, the reader, the validator and the tests all read these declarations. A column is
one line: its header, its type, whether the client types it (`input`) or the toolkit computes
it (`computed`), its allowed values and its width.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

COLUMN_TYPES = frozenset(
    {
        "text",
        "control_id",
        "clause_id",
        "risk_id",
        "control_list",
        "soc2_list",
        "risk_list",
        "ref_list",
        "int",
        "number",
        "percent",
        "date",
        "enum",
    }
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"
    role: str = "input"
    width: float = 14
    values: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    required: bool = False
    formula: str | None = None
    wrap: bool = True
    note: str = ""
    colors: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, ...] = ()  # other names clients give this column's header

    @property
    def computed(self) -> bool:
        return self.role == "computed"

    @property
    def key(self) -> str:
        return header_key(self.name)

    @property
    def keys(self) -> tuple[str, ...]:
        """The header spellings that mean this column: its name first, then the other names."""
        return (self.key, *(header_key(h) for h in self.headers))

    def canonical(self, text: str) -> str | None:
        """The declared value a client's spelling stands for (case and spaces ignored)."""
        folded = header_key(text)
        spellings = _spellings(self.values, self.aliases)
        return spellings.get(folded) or spellings.get(folded.rstrip(".;"))


@dataclass(frozen=True)
class Block:
    """A titled table inside a form sheet (a change history, a scale, a list of levels)."""

    title: str
    columns: tuple[Column, ...]
    blank_rows: int = 0


@dataclass(frozen=True)
class Sheet:
    name: str
    layout: str  # "table", "form" or "custom"
    columns: tuple[Column, ...] = ()
    key: str | None = None
    freeze_cols: int = 1
    required: bool = True
    blocks: tuple[Block, ...] = ()
    description: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    schema_version: str
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @property
    def tables(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if s.layout == "table")


@cache
def _spellings(values: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out = {header_key(alias): value for alias, value in aliases}
    out.update({header_key(value): value for value in values})  # a declared value wins over an alias
    return out


def header_key(text: object) -> str:
    """Headers and enumerated values match case- and space-insensitively, and without the marks
    clients put after a header (`Applicable?`, `Control ID*`, `Owner:`)."""
    return "".join(str(text).split()).casefold().rstrip("?:*")


def _column(raw: dict[str, object], enums: dict[str, dict[str, object]]) -> Column:
    if "enum" in raw:
        # A named list of allowed values, declared once at the top of the file.
        raw = {**enums[str(raw["enum"])], **raw, "type": "enum"}
    ctype = str(raw.get("type", "text"))
    if ctype not in COLUMN_TYPES:
        raise ValueError(f"unknown column type {ctype!r} for {raw.get('name')!r}")
    aliases = raw.get("aliases", {})
    assert isinstance(aliases, dict)
    return Column(
        name=str(raw["name"]),
        type=ctype,
        role=str(raw.get("role", "input")),
        width=float(raw.get("width", 14)),  # type: ignore[arg-type]
        values=tuple(raw.get("values", ())),  # type: ignore[arg-type]
        aliases=tuple((str(k), str(v)) for k, v in aliases.items()),
        required=bool(raw.get("required", False)),
        formula=raw.get("formula"),  # type: ignore[arg-type]
        wrap=bool(raw.get("wrap", True)),
        note=str(raw.get("note", "")),
        colors=tuple((str(k), str(v)) for k, v in dict(raw.get("colors", {})).items()),  # type: ignore[call-overload]
        headers=tuple(str(h) for h in raw.get("headers", ())),  # type: ignore[attr-defined]
    )


def _templates_dir() -> Traversable:
    # Installed: shipped inside the package. Source checkout: the top-level folder.
    packaged = resources.files("toolkit").joinpath("workbook_templates")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "workbook_templates"


@cache
def load_spec(kind: str) -> Spec:
    raw = tomllib.loads(_templates_dir().joinpath(f"{kind}.toml").read_text(encoding="utf-8"))
    enums = raw.get("enums", {})
    sheets: list[Sheet] = []
    for sh in raw["sheet"]:
        if "copy_of" in sh:
            sheets.append(_copied(sh))
        elif "like" in sh:
            # Same columns as an earlier sheet of this kind, under another name.
            base = next(s for s in sheets if s.name == sh["like"])
            sheets.append(replace(base, name=sh["name"], description=sh.get("description", base.description)))
        else:
            sheets.append(_sheet(sh, enums))
    return Spec(raw["kind"], raw["title"], str(raw["schema_version"]), tuple(sheets))


def _sheet(s: dict[str, Any], enums: dict[str, Any]) -> Sheet:
    return Sheet(
        name=s["name"],
        layout=s.get("layout", "table"),
        columns=tuple(_column(c, enums) for c in s.get("columns", ())),
        key=s.get("key"),
        freeze_cols=int(s.get("freeze_cols", 1)),
        required=bool(s.get("required", True)),
        blocks=tuple(
            Block(b["title"], tuple(_column(c, enums) for c in b["columns"]), int(b.get("blank_rows", 0)))
            for b in s.get("block", ())
        ),
        description=s.get("description", ""),
    )


def _copied(raw: dict[str, Any]) -> Sheet:
    """A sheet declared in another kind, carried here as a computed copy (`copy_of = "kind:Sheet"`)."""
    kind, name = raw["copy_of"].split(":", 1)
    base = load_spec(kind).sheet(name)
    columns = tuple(replace(c, role="computed") for c in base.columns)
    return replace(
        base, columns=columns, required=bool(raw.get("required", True)), description=raw.get("description", base.description)
    )


#: Every workbook kind ctk declares (one `workbook_templates/<kind>.toml` each).
KINDS = ("gap", "risk", "roadmap", "savings", "soa", "soc2")


@cache
def all_specs() -> tuple[Spec, ...]:
    return tuple(load_spec(kind) for kind in KINDS)


def declared_kinds() -> list[str]:
    """The kinds with a declaration on disk (a test keeps KINDS in step with them)."""
    return sorted(p.name.removesuffix(".toml") for p in _templates_dir().iterdir() if p.name.endswith(".toml"))
