"""The catalogs and the files the package ships beside its code."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped(folder: str) -> Path:
    """A folder the package ships (`workbook_templates`, `sample_data`): inside the installed package,
    else the top-level folder of a source checkout. A plain path, not `importlib.resources`: a
    wheel installs as files on disk, and importing `importlib.resources` alone
    costs the validate path several milliseconds."""
    inside = _PACKAGE / folder
    return inside if inside.is_dir() else _PACKAGE.parent / folder
