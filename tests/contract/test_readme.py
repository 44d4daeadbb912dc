"""The README's Python example runs as written (a doctest, in a fresh folder)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from tests.paths import ROOT


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 5
    assert result.failed == 0
