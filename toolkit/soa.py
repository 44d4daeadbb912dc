"""The Statement of Applicability: a blank one to fill in, or one built from gap and risks."""

from __future__ import annotations

import os
from typing import Any

from toolkit import catalog
from toolkit.schema import load_spec
from toolkit.writer import Book, Form, Table, write_book

SHEET = "Statement of Applicability"
DOC = "Document Control"


def catalog_row(cid: str) -> dict[str, Any]:
    """The computed columns of a control's row."""
    control = catalog.annex_a()[cid]
    return {
        "Control ID": cid,
        "Control Title": control.title,
        "Theme": control.theme,
        "SOC 2 Criteria": list(catalog.criteria_for(cid)),
    }


def document_control(org: str | None, version: str = "0.1") -> Form:
    title = f"Statement of Applicability - {org}" if org else "Statement of Applicability"
    return Form(
        {
            "Title": title,
            "Organisation": org,
            "Version": version,
            "Classification": "Confidential",
        },
        {
            "Change history": [
                {"Version": version, "Author": "ctk", "Description": "Generated: all 93 ISO/IEC 27001:2022 Annex A controls"}
            ]
        },
    )


def new_soa(org: str | None = None) -> Book:
    """A blank SoA: all 93 controls with their computed columns, inputs left for the client."""
    records = [catalog_row(cid) for cid in catalog.annex_a()]
    return Book(tables={SHEET: Table(records)}, forms={DOC: document_control(org)})


def write_soa(book: Book, path: str | os.PathLike[str], org: str | None = None) -> None:
    spec = load_spec("soa")
    write_book(spec, book, path, title=f"{spec.title} - {org}" if org else spec.title)
