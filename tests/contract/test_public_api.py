"""The API the README promises: `from toolkit import validate, read_workbook`, from any folder."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import toolkit
from tests.helpers import write_filled_soa
from tests.paths import AS_OF


def test_the_public_names_are_functions_not_modules_from_another_folder(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    code = (
        "import datetime as dt, types\n"
        "from toolkit import read_workbook, validate\n"
        "assert callable(validate) and not isinstance(validate, types.ModuleType)\n"
        f"report = validate({str(soa)!r}, as_of=dt.date(2026, 11, 27))\n"
        "assert len(report.files) == 1 and report.exit_code == 0, report.as_dict()\n"
        f"assert read_workbook({str(soa)!r}).kind == 'soa'\n"
        "import toolkit.validation, toolkit.rules\n"
        "from toolkit import validate as again\n"
        "assert again is validate\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_importing_every_module_rebinds_no_public_name() -> None:
    before = {name: getattr(toolkit, name) for name in toolkit.__all__}
    for info in pkgutil.walk_packages(toolkit.__path__, "toolkit."):
        if info.name != "toolkit.__main__":
            importlib.import_module(info.name)
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is before[name], name
        assert not isinstance(before[name], ModuleType), name


def test_validate_takes_one_path_a_list_or_a_folder(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "a" / "soa.xlsx")
    for given in (str(soa), soa, [soa], [str(soa)], tmp_path / "a"):
        report = toolkit.validate(given, as_of=AS_OF)
        assert [Path(f.path).name for f in report.files] == ["soa.xlsx"], given


def test_python_dash_m_toolkit_is_the_ctk_command() -> None:
    done = subprocess.run([sys.executable, "-m", "toolkit", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("Usage: ctk ")
