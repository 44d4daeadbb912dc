"""The cost-savings workbook assembled: Inputs with their defaults, the Summary, How to read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from toolkit.errors import CtkError
from toolkit.kinds.savings.model import (
    BY_KEY,
    CATEGORIES,
    DEFAULT_CURRENCY,
    DEFAULTS,
    INPUTS,
    NOTES,
    RANGES,
    SUMMARY,
    Coverage,
    SavingsBook,
    article_rows,
    coverage_of,
    figures,
    position,
    range_rule,
    read_coverage,
)
from toolkit.kinds.savings.sheets import finish, how_to_read
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import WorkbookData
from toolkit.workbook.schema import header_key, load_spec
from toolkit.workbook.writer import Form, Table


def build_savings(
    gap: WorkbookData | Coverage, org: str | None = None, currency: str | None = None, inputs: Mapping[str, Any] | None = None
) -> SavingsBook:
    """The cost-savings workbook for a gap assessment, with the default assumptions (or `inputs`)."""
    cov = gap if isinstance(gap, Coverage) else coverage_of(gap)
    fields: dict[str, Any] = {"Organisation": org, "Currency": currency or DEFAULT_CURRENCY, **DEFAULTS, **(inputs or {})}
    book = SavingsBook(forms={INPUTS: Form(fields)}, coverage=cov)
    refresh(book)
    return book


def refresh(book: SavingsBook) -> None:
    """Recompute every computed cell from the (possibly merged) Inputs and the gap result."""
    spec = load_spec("savings")
    form = book.forms.get(INPUTS, Form({}))
    fields = {c.name: form.fields.get(c.name) for c in spec.sheet(INPUTS).input_columns}
    cov = book.coverage
    fields["Annex A Fully Addressed"] = cov.share
    fields["Gap Assessment Result"] = cov.describe()
    fields["Position in Range"] = position(cov.share)
    fields["How the Range Is Used"] = range_rule(cov)
    book.forms[INPUTS] = Form(fields, {RANGES: article_rows()})
    values = figures(fields, fields["Position in Range"])
    old = book.tables.get(SUMMARY, Table([]))
    by_key = {header_key(r.get("Cost Category")): r for r in old.records if r.get("Cost Category") is not None}
    rows: list[dict[str, Any]] = []
    for cat in CATEGORIES:
        row = dict(by_key.get(header_key(cat.name), {}))
        row.update({"Cost Category": cat.name, **values[cat.name], "Benchmark Range": cat.article_range, "Basis": cat.basis})
        rows.append(row)
    # Rows the client added to the summary are kept as they typed them, below the article's six.
    rows += [dict(r) for r in old.records if header_key(r.get("Cost Category") or "") not in BY_KEY]
    book.tables[SUMMARY] = Table(rows, old.extra_columns)
    book.custom[SUMMARY] = finish(book)
    book.custom[NOTES] = how_to_read(book)


def currency_code(currency: str) -> str:
    """The declared currency code a client's spelling stands for (`usd`, `€`, `Euro`...)."""
    allowed = load_spec("savings").sheet(INPUTS).column("Currency")
    code = allowed.canonical(currency)
    if code is None:
        raise CtkError(f"currency {currency!r} is not one of: {', '.join(allowed.values)}")
    return code


def from_gap(
    gap: str | os.PathLike[str], org: str | None = None, currency: str = DEFAULT_CURRENCY, limits: Limits = DEFAULT_LIMITS
) -> SavingsBook:
    """The cost savings for a gap assessment workbook, with the default assumptions."""
    code = currency_code(currency)
    return build_savings(read_coverage(gap, limits), org=org, currency=code)
