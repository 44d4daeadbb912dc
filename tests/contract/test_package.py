"""`pip install .` ships the catalogs and declarations inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import ROOT


def test_wheel_contains_data_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("ctk_iso27001-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "toolkit/data/annex_a.csv",
        "toolkit/data/crosswalk.csv",
        "toolkit/workbook_templates/soa.toml",
        "toolkit/cli.py",
        "toolkit/py.typed",
        "toolkit/__main__.py",
    ]:
        assert expected in names, expected
    # Every package of the source tree ships (pyproject lists them: a new kind must be added there).
    for init in (ROOT / "toolkit").rglob("__init__.py"):
        shipped = init.relative_to(ROOT).as_posix()
        assert shipped in names, f"{shipped} is not in the wheel: add its package to [tool.setuptools] packages"
    for declaration in (ROOT / "workbook_templates").glob("*.toml"):
        assert f"toolkit/workbook_templates/{declaration.name}" in names, declaration.name
