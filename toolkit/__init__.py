"""ctk: from SOC 2 to ISO/IEC 27001:2022 through Excel workbooks.

The API is usable from a notebook::

    from toolkit import read_workbook, validate
    report = validate(["soa.xlsx"])
    book = read_workbook("soa.xlsx")
    frame = table_frame("soa.xlsx")  # the records as a pandas DataFrame

Names are imported on first use, so `ctk --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "read_workbook": "toolkit.reader",
    "validate": "toolkit.validate",
    "ReadError": "toolkit.guard",
    "Limits": "toolkit.guard",
    "Finding": "toolkit.findings",
    "Report": "toolkit.findings",
    "table_frame": "toolkit.export",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
