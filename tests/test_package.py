"""`pip install .` ships the catalogs and declarations inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_contains_data_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("ctk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "toolkit/data/annex_a.csv",
        "toolkit/data/crosswalk.csv",
        "toolkit/workbook_templates/soa.toml",
        "toolkit/cli.py",
    ]:
        assert expected in names, expected
