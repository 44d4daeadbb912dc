"""Workbook declarations: each kind is declared once, as data, in `workbook_templates/*.toml`.

The writer, the reader, the validator and the tests all read these declarations. A column is
one line: its header, its type, whether the client types it (`input`) or the toolkit computes
it (`computed`), its allowed values, its width, its default, and whether it is required (and by
which rule). Code names sheets, columns and enum values through the loaded declaration: a name
it does not declare raises, and so does an unknown key in a declaration, so a rename or a typo
fails loudly in the tests instead of switching a check off in silence.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.data import shipped
from toolkit.data.fold import header_fold, leading, value_fold

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
    #: The rule that reports this required field when it is blank (`required = "SOA010"`); WB007 otherwise.
    required_by: str | None = None
    formula: str | None = None
    wrap: bool = True
    note: str = ""
    colors: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, ...] = ()  # other names clients give this column's header
    default: Any = None  # the value a generated workbook starts with (the client may change it)
    defined_name: str | None = None  # the workbook-level name formulas use for this field
    #: The key column whose values this column lists (`Depends On` lists `Task ID`s): when a
    #: regeneration keeps a row's key stable, the references follow.
    refers: str | None = None
    #: From the vocabulary (`workbook_templates/vocabulary/<kind>.toml`): header names more telling
    #: than the column's own (`Inherent Risk Level` beside a residual `Risk Level`).
    strong: tuple[str, ...] = ()
    #: A value is read by its leading words (`Exception noted. For 1 of 25 ...`).
    leading: bool = False
    #: Spellings that decide the value wherever they appear in it (`not tested`).
    anywhere: tuple[tuple[str, str], ...] = ()
    #: The column may be absent from a client's workbook (other tools do not have it): WB002 does not
    #: ask for it, and a rule that needs it says once that it did not run.
    optional: bool = False

    @property
    def computed(self) -> bool:
        return self.role == "computed"

    @property
    def key(self) -> str:
        return header_fold(self.name)

    @property
    def keys(self) -> tuple[str, ...]:
        """The header spellings that mean this column, folded: its name first, then the other names."""
        return tuple(dict.fromkeys((self.key, *(header_fold(h) for h in (*self.strong, *self.headers)))))

    def canonical(self, text: str) -> str | None:
        """The declared value a client's spelling stands for: case, spacing, punctuation, `_` and
        accents aside; by its leading words where the column says so; or by a telling phrase
        anywhere in it (`Not tested` in a sentence)."""
        folded = value_fold(text)
        exact, ordered, anywhere = _spellings(self.values, self.aliases, self.anywhere)
        found = exact.get(folded) or exact.get(folded.rstrip(".;"))
        if found is not None:
            return found
        for phrase, value in anywhere:
            if f" {phrase} " in f" {folded} ":
                return value
        if self.leading:
            for spelling, value in ordered:
                if leading(folded, spelling):
                    return value
        return None


@dataclass(frozen=True)
class Block:
    """A titled table inside a form sheet (a change history, a scale, a list of levels)."""

    title: str
    columns: tuple[Column, ...]
    blank_rows: int = 0


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints (`print = {...}` in its declaration).

    The columns up to `last` are printed (all of them when it is not given: the ones after it
    are the reference trail, kept on screen but out of the print area). When they do not fit
    one page wide at a legible scale, they are split across pages with the first `repeat`
    columns printed on every page. `orientation` is landscape unless a sheet says portrait.
    """

    repeat: int = 1
    last: str | None = None
    orientation: str = "landscape"


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
    #: The column naming what a row is about (a roadmap task's `Reference`): a regeneration pairs
    #: the client's rows with the new ones by it, never by position. Blank subjects fall back to
    #: the key. None: the key is the subject.
    subject: str | None = None
    #: Who owns the rows: "ctk" (ctk generates them: one per control, per task...) or "client"
    #: (the client adds them, ctk at most seeds them, as in the risk register).
    rows: str = "ctk"
    print: PrintLayout = PrintLayout()
    #: A filter on the header row (a six-row summary with a total row is better without one).
    filter: bool = True
    #: Declared once for every kind (the Cover), not by the kind itself: it says nothing about the kind.
    shared: bool = False
    #: The column holding each record's title (what tells `Control` the title from `Control` the id,
    #: and `5.2` that lost its zero from A.5.2).
    title: str | None = None
    #: `kind:Sheet` for a sheet carried from another kind (`copy_of`); a kind is not recognised by it.
    copy_of: str | None = None
    #: Form lines written above a table's header row (the ISMS climate determination above the
    #: context issues); read into `WorkbookData.forms` under the sheet's name.
    fields: tuple[Column, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"sheet {self.name!r} declares no column {name!r}")

    def block(self, title: str) -> Block:
        for block in self.blocks:
            if block.title == title:
                return block
        raise KeyError(f"sheet {self.name!r} declares no block {title!r}")

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def fields_form(self) -> Sheet | None:
        """A table's form lines as a form sheet of the same name (None when it has none)."""
        return Sheet(self.name, "form", self.fields) if self.fields else None


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    schema_version: str
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: What the client is asked to do with this workbook: the cover's "How to use this workbook".
    instructions: tuple[str, ...] = ()
    #: What a kind declares beyond its sheets (the roadmap's fixed steps), read by its own code.
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: How messages name one workbook of the kind ("a gap assessment").
    noun: str = ""

    @property
    def a(self) -> str:
        """The kind with its article, as messages name it (`not a gap assessment`)."""
        return self.noun or f"a {self.title}"

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(f"the {self.kind} declaration has no sheet {name!r}")

    def enum(self, name: str) -> tuple[str, ...]:
        """The values of a named list (`[enums.<name>]`), in declared order."""
        for key, values in self.enums:
            if key == name:
                return values
        raise KeyError(f"the {self.kind} declaration has no enum {name!r}")

    @property
    def tables(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if s.layout == "table")


@cache
def _spellings(
    values: tuple[str, ...], aliases: tuple[tuple[str, str], ...], anywhere: tuple[tuple[str, str], ...] = ()
) -> tuple[dict[str, str], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(folded spelling -> value, the same longest first for leading words, the telling phrases)."""
    out = {value_fold(alias): value for alias, value in aliases}
    out.update({value_fold(value): value for value in values})  # a declared value wins over an alias
    ordered = tuple(sorted(out.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    return out, ordered, tuple((value_fold(k), v) for k, v in anywhere)


def header_key(text: object) -> str:
    """Headers and enumerated values match case- and space-insensitively, and without the marks
    clients put after a header (`Applicable?`, `Control ID*`, `Owner:`)."""
    return "".join(str(text).split()).casefold().rstrip("?:*")


#: The keys a declaration may use at each level: anything else is a typo and refused at load.
TOP_KEYS = frozenset({"kind", "title", "noun", "schema_version", "enums", "sheet", "data", "instructions", "cover"})
ENUM_KEYS = frozenset({"values", "aliases", "colors"})
SHEET_KEYS = frozenset(
    {
        "name",
        "layout",
        "columns",
        "key",
        "freeze_cols",
        "required",
        "block",
        "description",
        "like",
        "copy_of",
        "print",
        "filter",
        "title",
        "fields",
        "subject",
        "rows",
    }
)
PRINT_KEYS = frozenset({"repeat", "last", "orientation"})
#: The file that declares the sheets every kind shares (the Cover); not a kind itself.
SHARED = "_shared"
#: The keys of a vocabulary file (`workbook_templates/vocabulary/<kind>.toml`), per column.
VOCABULARY_KEYS = frozenset({"headers", "strong", "values", "sets", "leading", "anywhere"})
BLOCK_KEYS = frozenset({"title", "columns", "blank_rows"})
COLUMN_KEYS = frozenset(
    {
        "name",
        "type",
        "role",
        "width",
        "values",
        "aliases",
        "required",
        "formula",
        "wrap",
        "note",
        "colors",
        "headers",
        "enum",
        "default",
        "defined_name",
        "refers",
        "optional",
    }
)
ROW_OWNERS = frozenset({"ctk", "client"})
LAYOUTS = frozenset({"table", "form", "custom"})
ROLES = frozenset({"input", "computed"})


class DeclarationError(ValueError):
    """A declaration in `workbook_templates/` that ctk cannot use: a typo, an unknown type or key."""


def _check_keys(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise DeclarationError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")


def _column(raw: dict[str, object], enums: dict[str, dict[str, object]], where: str = "column") -> Column:
    where = f"{where} {raw.get('name')!r}"
    _check_keys(raw, COLUMN_KEYS, where)
    if "enum" in raw:
        if str(raw["enum"]) not in enums:
            raise DeclarationError(f"{where}: no enum {raw['enum']!r} is declared")
        # A named list of allowed values, declared once at the top of the file.
        raw = {**enums[str(raw["enum"])], **raw, "type": "enum"}
    ctype = str(raw.get("type", "text"))
    if ctype not in COLUMN_TYPES:
        raise DeclarationError(f"{where}: unknown column type {ctype!r}")
    if not isinstance(raw.get("required", False), (bool, str)):
        raise DeclarationError(f"{where}: required must be true, false or the code of the rule that checks it")
    if str(raw.get("role", "input")) not in ROLES:
        raise DeclarationError(f"{where}: role must be input or computed, not {raw.get('role')!r}")
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
        required_by=str(raw["required"]) if isinstance(raw.get("required"), str) else None,
        formula=raw.get("formula"),  # type: ignore[arg-type]
        wrap=bool(raw.get("wrap", True)),
        note=str(raw.get("note", "")),
        colors=tuple((str(k), str(v)) for k, v in dict(raw.get("colors", {})).items()),  # type: ignore[call-overload]
        headers=tuple(str(h) for h in raw.get("headers", ())),  # type: ignore[attr-defined]
        default=raw.get("default"),
        defined_name=str(raw["defined_name"]) if "defined_name" in raw else None,
        refers=str(raw["refers"]) if "refers" in raw else None,
        optional=bool(raw.get("optional", False)),
    )


def _templates_dir() -> Path:
    return shipped("workbook_templates")


def _load_toml(name: str) -> dict[str, Any]:
    source = f"workbook_templates/{name}.toml"
    try:
        return tomllib.loads(_templates_dir().joinpath(f"{name}.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeclarationError(f"{source}: no such declaration") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeclarationError(f"{source}: not valid TOML ({exc})") from None


@cache
def shared_sheets() -> tuple[Sheet, ...]:
    """The sheets every generated kind opens with (`workbook_templates/_shared.toml`: the Cover)."""
    source = f"workbook_templates/{SHARED}.toml"
    raw = _load_toml(SHARED)
    _check_keys(raw, frozenset({"sheet", "enums"}), source)
    enums = raw.get("enums", {})
    return tuple(
        replace(_sheet(sh, enums, f"{source} sheet {sh.get('name')!r}"), shared=True, required=False) for sh in raw["sheet"]
    )


@cache
def load_spec(kind: str) -> Spec:
    """The declaration of one kind; a typo in it is a DeclarationError naming the file and the key."""
    source = f"workbook_templates/{kind}.toml"
    if kind == SHARED:
        raise DeclarationError(f"{source}: declares the shared sheets, not a kind")
    raw = _load_toml(kind)
    _check_keys(raw, TOP_KEYS, source)
    enums = raw.get("enums", {})
    for name, enum in enums.items():
        _check_keys(enum, ENUM_KEYS, f"{source} enum {name!r}")
    if not isinstance(raw.get("cover", True), bool):
        raise DeclarationError(f"{source}: cover must be true or false")
    sheets: list[Sheet] = list(shared_sheets()) if raw.get("cover", True) else []
    for sh in raw["sheet"]:
        where = f"{source} sheet {sh.get('name', sh.get('copy_of'))!r}"
        _check_keys(sh, SHEET_KEYS, where)
        if "copy_of" in sh:
            sheets.append(_copied(sh))
        elif "like" in sh:
            # Same columns as an earlier sheet of this kind, under another name.
            base = next((s for s in sheets if s.name == sh["like"]), None)
            if base is None:
                raise DeclarationError(f"{where}: `like` names no earlier sheet {sh['like']!r}")
            sheets.append(replace(base, name=sh["name"], description=sh.get("description", base.description)))
        else:
            sheets.append(_sheet(sh, enums, where))
    if raw.get("kind") != kind:
        raise DeclarationError(f"{source}: declares kind {raw.get('kind')!r}")
    sheets = _with_vocabulary(kind, sheets, {str(sh.get("name")) for sh in raw["sheet"] if "copy_of" not in sh})
    return Spec(
        raw["kind"],
        raw["title"],
        str(raw["schema_version"]),
        tuple(sheets),
        tuple((name, tuple(str(v) for v in enum.get("values", ()))) for name, enum in enums.items()),
        tuple(str(line) for line in raw.get("instructions", ())),
        dict(raw.get("data", {})),
        str(raw.get("noun", "")),
    )


def _with_vocabulary(kind: str, sheets: list[Sheet], own: set[str]) -> list[Sheet]:
    """The kind's sheets with the other names and spellings of `vocabulary/<kind>.toml` added."""
    source = f"workbook_templates/vocabulary/{kind}.toml"
    path = _templates_dir().joinpath("vocabulary").joinpath(f"{kind}.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return sheets
    except tomllib.TOMLDecodeError as exc:
        raise DeclarationError(f"{source}: not valid TOML ({exc})") from None
    sets = raw.pop("sets", {})
    by_name = {s.name: s for s in sheets}
    for sheet_name, columns in raw.items():
        if sheet_name not in by_name or sheet_name not in own:
            raise DeclarationError(f"{source}: names no sheet {sheet_name!r} of the {kind} declaration")
        sheet = by_name[sheet_name]
        declared = {c.name: c for c in sheet.columns}
        for col_name, entry in columns.items():
            where = f"{source} {sheet_name!r} column {col_name!r}"
            if col_name not in declared:
                raise DeclarationError(f"{where}: the sheet declares no such column")
            _check_keys(entry, VOCABULARY_KEYS, where)
            col = declared[col_name]
            values: dict[str, str] = {}
            for set_name in entry.get("sets", ()):
                if set_name not in sets:
                    raise DeclarationError(f"{where}: no set {set_name!r} in [sets]")
                values.update({str(k): str(v) for k, v in sets[set_name].items()})
            values.update({str(k): str(v) for k, v in entry.get("values", {}).items()})
            anywhere = {str(k): str(v) for k, v in entry.get("anywhere", {}).items()}
            for spelling, value in (*values.items(), *anywhere.items()):
                if col.type == "enum" and value not in col.values:
                    raise DeclarationError(
                        f"{where}: {spelling!r} reads as {value!r}, which is not one of {', '.join(col.values)}"
                    )
                if col.type == "int" and not value.lstrip("-").isdigit():
                    raise DeclarationError(f"{where}: {spelling!r} reads as {value!r}, which is not a whole number")
            declared[col_name] = replace(
                col,
                headers=tuple(dict.fromkeys((*col.headers, *(str(h) for h in entry.get("headers", ()))))),
                strong=tuple(str(h) for h in entry.get("strong", ())),
                aliases=(*col.aliases, *((k, v) for k, v in values.items() if k not in dict(col.aliases))),
                leading=bool(entry.get("leading", False)),
                anywhere=tuple(anywhere.items()),
            )
        by_name[sheet_name] = replace(sheet, columns=tuple(declared[c.name] for c in sheet.columns))
    return [by_name[s.name] for s in sheets]


def _sheet(s: dict[str, Any], enums: dict[str, Any], where: str) -> Sheet:
    layout = s.get("layout", "table")
    if layout not in LAYOUTS:
        raise DeclarationError(f"{where}: layout must be one of {', '.join(sorted(LAYOUTS))}, not {layout!r}")
    columns = tuple(_column(c, enums, where) for c in s.get("columns", ()))
    key = s.get("key")
    names = {c.name for c in columns}
    if key is not None and key not in names:
        raise DeclarationError(f"{where}: key {key!r} is not one of its columns")
    subject = s.get("subject")
    if subject is not None and subject not in names:
        raise DeclarationError(f"{where}: subject {subject!r} is not one of its columns")
    rows = str(s.get("rows", "ctk"))
    if rows not in ROW_OWNERS:
        raise DeclarationError(f"{where}: rows must be ctk or client, not {rows!r}")
    for col in columns:
        if col.refers is not None and col.refers != key:
            raise DeclarationError(f"{where} column {col.name!r}: refers names {col.refers!r}, which is not the sheet's key")
    layout_print = _print(s.get("print", {}), columns, where)
    fields = tuple(_column(c, enums, f"{where} field") for c in s.get("fields", ()))
    if fields and layout != "table":
        raise DeclarationError(f"{where}: only a table sheet has `fields` (a form's fields are its columns)")
    blocks = []
    for b in s.get("block", ()):
        _check_keys(b, BLOCK_KEYS, f"{where} block {b.get('title')!r}")
        blocks.append(Block(b["title"], tuple(_column(c, enums, where) for c in b["columns"]), int(b.get("blank_rows", 0))))
    return Sheet(
        name=s["name"],
        layout=layout,
        columns=columns,
        key=key,
        freeze_cols=int(s.get("freeze_cols", 1)),
        required=bool(s.get("required", True)),
        blocks=tuple(blocks),
        description=s.get("description", ""),
        subject=subject,
        rows=rows,
        print=layout_print,
        filter=bool(s.get("filter", True)),
        title=_title(s.get("title"), columns, where),
        fields=fields,
    )


def _print(raw: dict[str, Any], columns: tuple[Column, ...], where: str) -> PrintLayout:
    _check_keys(raw, PRINT_KEYS, f"{where} print")
    last = raw.get("last")
    if last is not None and last not in {c.name for c in columns}:
        raise DeclarationError(f"{where}: print.last {last!r} is not one of its columns")
    orientation = str(raw.get("orientation", "landscape"))
    if orientation not in ("landscape", "portrait"):
        raise DeclarationError(f"{where}: print.orientation must be landscape or portrait, not {orientation!r}")
    repeat = raw.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat <= max(len(columns), 1):
        raise DeclarationError(f"{where}: print.repeat must be a number of leading columns, not {repeat!r}")
    return PrintLayout(repeat=repeat, last=last, orientation=orientation)


def _title(title: Any, columns: tuple[Column, ...], where: str) -> str | None:
    if title is not None and title not in {c.name for c in columns}:
        raise DeclarationError(f"{where}: title {title!r} is not one of its columns")
    return None if title is None else str(title)


def _copied(raw: dict[str, Any]) -> Sheet:
    """A sheet declared in another kind, carried here as a computed copy (`copy_of = "kind:Sheet"`)."""
    kind, name = raw["copy_of"].split(":", 1)
    base = load_spec(kind).sheet(name)
    columns = tuple(replace(c, role="computed", required=False, required_by=None) for c in base.columns)
    return replace(
        base,
        columns=columns,
        required=bool(raw.get("required", True)),
        description=raw.get("description", base.description),
        copy_of=raw["copy_of"],
    )


def declared_kinds() -> tuple[str, ...]:
    """Every kind with a declaration on disk (`workbook_templates/<kind>.toml`), in name order."""
    return tuple(
        sorted(
            p.name.removesuffix(".toml")
            for p in _templates_dir().iterdir()
            if p.name.endswith(".toml") and not p.name.startswith("_")
        )
    )


@cache
def all_specs() -> tuple[Spec, ...]:
    return tuple(load_spec(kind) for kind in declared_kinds())
