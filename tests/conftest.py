"""Fixtures shared by every test."""

from __future__ import annotations

import os

import pytest

from tests.lo import soffice_path


@pytest.fixture(scope="session")
def soffice() -> str:
    """Headless LibreOffice: skipped on a laptop without it, a failure in CI."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI") or os.environ.get("CTK_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) not installed")
    return path
