"""Headless LibreOffice for the tests: convert, resave, recalculate; and reading cells back to compare."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _soffice(soffice: str, sources: list[Path], outdir: Path, fmt: str, settings: str | None = None) -> list[Path]:
    """Convert files with headless LibreOffice in a fresh profile (with `settings`, if any)."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"ctk-lo-{uuid.uuid4().hex}"
    if settings is not None:
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(settings, encoding="utf-8")
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
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = [outdir / (p.stem + "." + fmt.split(":")[0]) for p in sources]
    for p in out:
        assert p.exists(), f"LibreOffice did not write {p}"
    return out


def lo_convert(soffice: str, src: Path, outdir: Path, fmt: str = "xlsx") -> Path:
    """Resave a file through headless LibreOffice, as a client's LibreOffice would."""
    return _soffice(soffice, [src], outdir, fmt)[0]


_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def lo_recalculate(soffice: str, sources: list[Path], outdir: Path) -> list[Path]:
    """Resave through headless LibreOffice with every formula recalculated on load.

    LibreOffice keeps the cached results of an .xlsx by default (it ignores fullCalcOnLoad), so a
    plain resave would prove nothing: the profile here says "always recalculate".
    """
    return _soffice(soffice, sources, outdir, "xlsx", _RECALC_ALWAYS)


def formula_cells(path: Path) -> dict[tuple[str, int, int], str]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.row - 1, c.column - 1): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    }


def cell_values(path: Path, cells: dict[tuple[str, int, int], str]) -> dict[tuple[str, int, int], Any]:
    wb = CalamineWorkbook.from_path(str(path))
    grids = {sheet: wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False) for sheet, _, _ in cells}
    return {(s, r, c): grids[s][r][c] for s, r, c in cells}


def tamper(path: Path, out: Path) -> None:
    """A copy whose cached results are all wrong: only a real recalculation puts them right."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(</f><v>)[^<]*(</v>)", rb"\g<1>-1\g<2>", data)
            dst.writestr(info, data)
