"""ctk: from SOC 2 to ISO/IEC 27001:2022 through Excel workbooks.

The API, usable from a notebook or a script (see `toolkit.api` for every function)::

    >>> from toolkit import read_workbook, validate
    >>> report = validate("soa.xlsx")  # doctest: +SKIP
    >>> book = read_workbook("soa.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from toolkit.api import (
    annotate,
    build_engagement,
    demo,
    diff,
    export,
    generate_blank_soa,
    generate_gap,
    generate_isms,
    generate_risk_register,
    generate_roadmap,
    generate_savings,
    generate_soa,
    init_engagement,
    list_rules,
    migrate_soa,
    portfolio,
    read_workbook,
    readiness,
    rule,
    table_frame,
    validate,
    write_diff,
    write_portfolio,
)
from toolkit.errors import CtkError, InternalError
from toolkit.findings import FileReport, Finding, Report
from toolkit.workbook.guard.base import DEFAULT_LIMITS, Limits, ReadError

__all__ = [
    "DEFAULT_LIMITS",
    "CtkError",
    "FileReport",
    "Finding",
    "InternalError",
    "Limits",
    "ReadError",
    "Report",
    "__version__",
    "annotate",
    "build_engagement",
    "demo",
    "diff",
    "export",
    "generate_blank_soa",
    "generate_gap",
    "generate_isms",
    "generate_risk_register",
    "generate_roadmap",
    "generate_savings",
    "generate_soa",
    "init_engagement",
    "list_rules",
    "migrate_soa",
    "portfolio",
    "read_workbook",
    "readiness",
    "rule",
    "table_frame",
    "validate",
    "write_diff",
    "write_portfolio",
]
