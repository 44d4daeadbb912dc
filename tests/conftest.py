from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
SAMPLE = ROOT / "sample_data"
AS_OF = dt.date(2026, 11, 27)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """Headless LibreOffice: skipped on a laptop without it, a failure in CI."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI") or os.environ.get("CTK_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) not installed")
    return path


def lo_convert(soffice: str, src: Path, outdir: Path, fmt: str = "xlsx") -> Path:
    """Resave a file through headless LibreOffice, as a client's LibreOffice would."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"ctk-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice did not write {out}"
    return out
