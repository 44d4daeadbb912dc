"""Where the tests find the project, its sample data and the shared folder; the day they judge dates at."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """The engagement's shared folder (reference catalogs, real-world corpus): `$CTK_SHARED`, else the
    nearest `shared/` beside the project or one of its parents (a worktree sits deeper)."""
    if os.environ.get("CTK_SHARED"):
        return Path(os.environ["CTK_SHARED"])
    for parent in ROOT.parents:
        if (parent / "shared" / "reference").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


SHARED = _shared()
REFERENCE = SHARED / "reference"
SAMPLE = ROOT / "sample_data"
AS_OF = dt.date(2026, 11, 27)
