"""The workbook kinds ctk knows, and what every generated kind goes through.

One package per kind (`toolkit/kinds/<kind>/`: `model.py` what the kind computes, `sheets.py`
how its custom sheets are drawn, `rules.py` its checks) and one line in `REGISTRY` below: that
is all adding a kind takes, besides its declaration in `workbook_templates/<kind>.toml`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from toolkit.findings import Finding
from toolkit.rules import RULES, Rule
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.schema import load_spec

if TYPE_CHECKING:
    from toolkit.workbook.identity import Identity
    from toolkit.workbook.record import SentRecord
    from toolkit.workbook.writer import Book


@dataclass(frozen=True)
class Kind:
    """A workbook kind: its declaration's name and the file an engagement folder keeps it in."""

    name: str
    filename: str
    #: Whether ctk generates it (the SOC 2 matrix is the client's input).
    generated: bool = True

    @property
    def title(self) -> str:
        return load_spec(self.name).title

    def module(self, part: str = "model") -> ModuleType:
        return import_module(f"toolkit.kinds.{self.name}.{part}")


REGISTRY: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("soc2", "soc2_controls.xlsx", generated=False),
        Kind("gap", "gap_assessment.xlsx"),
        Kind("risk", "risk_register.xlsx"),
        Kind("soa", "soa.xlsx"),
        Kind("roadmap", "roadmap.xlsx"),
        Kind("savings", "cost_savings.xlsx"),
        Kind("isms", "isms.xlsx"),
    )
}

#: Rules that look at several workbooks of one client at once.
CROSS_MODULE = "toolkit.kinds.cross"


def load_rules(kind: str) -> None:
    """Import the rules a workbook of this kind is checked with (the shared ones too)."""
    import_module("toolkit.rules.workbook")
    import_module("toolkit.rules.roundtrip")
    if kind in REGISTRY:
        REGISTRY[kind].module("rules")


def rules_for(kind: str) -> Iterator[Rule]:
    """The rules for one workbook of `kind`, in code order."""
    load_rules(kind)
    for r in sorted(RULES.values(), key=lambda r: r.code):
        if r.kind in (kind, "any"):
            yield r


def cross_rules() -> list[Rule]:
    import_module(CROSS_MODULE)
    return sorted((r for r in RULES.values() if r.kind == "cross"), key=lambda r: r.code)


def all_rules() -> dict[str, Rule]:
    """Every rule ctk has, each module imported so the registry is complete."""
    for kind in REGISTRY:
        load_rules(kind)
    cross_rules()
    return RULES


@dataclass
class Generated:
    """What a generator wrote, the warnings to show about it, and the findings of the merge
    (conflicts and rows ctk no longer generates), each at its cell in the written workbook."""

    path: Path
    notes: list[str]
    findings: list[Finding] = field(default_factory=list)


def generate(
    kind: str,
    build: Callable[[], Book],
    output: str | os.PathLike[str],
    *,
    merge_from: str | os.PathLike[str] | None = None,
    org: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    identity: Identity | None = None,
) -> Generated:
    """What every generator does, in one place: build from the inputs, merge the client's copy
    `merge_from` three ways (`toolkit.workbook.merge`), recompute what depends on the merged
    values, write atomically with the record of what was written. `identity` is whose
    deliverable it is and which issue (neutral, for the client `org`, when not given)."""
    from toolkit.workbook.identity import NEUTRAL
    from toolkit.workbook.merge import merge_into

    book = build()
    book.identity = (identity or NEUTRAL).for_client(org)
    merged = merge_into(book, kind, Path(merge_from) if merge_from is not None else None, limits)
    REGISTRY[kind].module("build").refresh(book)
    agree_document_control(book)
    notes = [*book.notes, *merged.notes, *write_workbook(kind, book, output, org, record=merged.record)]
    findings: list[Finding] = []
    if merged.conflicts or merged.orphans:
        from toolkit.rules.roundtrip import merge_findings
        from toolkit.workbook.reader import read_workbook

        findings = merge_findings(read_workbook(output, kind=kind, limits=limits), merged.record)
    return Generated(Path(output), notes, findings)


DOCUMENT_CONTROL, HISTORY = "Document Control", "Change history"


def agree_document_control(book: Book) -> None:
    """A workbook with its own Document Control (the SoA, the ISMS) says one version everywhere:
    its change history has a row for that version, and its cover shows the same one."""
    from dataclasses import replace

    from toolkit.workbook.identity import with_issue
    from toolkit.workbook.writer import Form

    form = book.forms.get(DOCUMENT_CONTROL)
    if form is None:
        return
    ident = book.identity
    version = str(form.fields.get("Version") or ident.issue.version).strip()
    approved = form.fields.get("Approval Date")
    kept = form.blocks.get(HISTORY, ())
    author = ident.author or str(form.fields.get("Owner") or "")
    blocks = {
        **form.blocks,
        HISTORY: with_issue(
            kept,
            version,
            approved if isinstance(approved, dt.date) else ident.day,
            author,
            "First issue" if not kept else f"Version {version}",
        ),
    }
    book.forms[DOCUMENT_CONTROL] = Form(dict(form.fields), blocks)
    book.identity = replace(ident, issue=replace(ident.issue, version=version))


def write_workbook(
    kind: str, book: Book, output: str | os.PathLike[str], org: str | None = None, *, record: SentRecord | None = None
) -> list[str]:
    """Write `book` as a workbook of `kind`, titled for the client when `org` is given, with the
    record of what it holds (`record`, else that of `book` as generated); what to warn about."""
    from toolkit.workbook import record as sent
    from toolkit.workbook.merge import record_of
    from toolkit.workbook.writer import write_book, written_sheets

    spec = load_spec(kind)
    if org and not book.identity.issue.client:
        book.identity = book.identity.for_client(org)
    record = record or record_of(spec, book)
    record.sheets = written_sheets(spec, book)
    title = f"{spec.title} - {org}" if org else spec.title
    return write_book(spec, book, output, title=title, properties=sent.properties(record))
