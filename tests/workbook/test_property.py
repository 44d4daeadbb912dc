"""Property: declaration -> generate -> read back -> validate: same records, no findings."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import AS_OF
from toolkit.data import catalog
from toolkit.kinds import write_workbook
from toolkit.kinds.soa.build import DOC, SHEET, catalog_row, document_control
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Table

SPEC = load_spec("soa").sheet(SHEET)
# A cell of dashes (`-`, `—`) is how templates write "nothing": it reads as blank, so it is no text here.
text = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda t: bool(t.strip("-–— ")))
)
day = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
applicable_row = st.fixed_dictionaries(
    {
        "Applicable": st.just("Yes"),
        "Justification": text,
        "Implementation Status": st.sampled_from(["Implemented", "Partially implemented", "Planned", "Not implemented"]),
        "Policy / Procedure": st.one_of(st.none(), text),
        "Evidence Reference": text,
        "Control Owner": st.one_of(st.none(), text),
        "Related Risks": st.lists(st.from_regex(r"R-[0-9]{3}", fullmatch=True), max_size=3, unique=True),
        "Last Reviewed": st.one_of(st.none(), day),
        # A reason for selection (SOA016) and a target date for open controls (SOA017): a careful SoA.
        "Contractual": st.just("Yes"),
        "Target Date": day,
    }
)
excluded_row = st.fixed_dictionaries(
    {"Applicable": st.just("No"), "Justification": text, "Implementation Status": st.just("Not applicable")}
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(applicable_row, excluded_row), min_size=93, max_size=93), approver=text, version=text)
def test_generate_read_validate(rows: list[dict[str, Any]], approver: str, version: str) -> None:
    records = [{**catalog_row(cid), **row} for cid, row in zip(catalog.annex_a(), rows, strict=True)]
    form = document_control(None, version)
    form.fields = {**form.fields, "Approved By": approver, "Approval Date": dt.date(2026, 1, 5)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "soa.xlsx"
        write_workbook("soa", Book(tables={SHEET: Table(records)}, forms={DOC: form}), path)
        book = read_workbook(path)
        assert book.kind == "soa"
        read = book.records(SHEET)
        assert [r.row for r in read] == list(range(2, 95))
        for written, got in zip(records, read, strict=True):
            for col in SPEC.columns:
                expected = written.get(col.name)
                if expected in ([], ""):
                    expected = None
                assert got.values[col.name] == expected, (col.name, expected, got.values[col.name])
        assert book.forms[DOC].fields["Approved By"] == approver
        assert book.forms[DOC].fields["Version"] == version
        assert validate([path], as_of=AS_OF).files[0].findings == []
