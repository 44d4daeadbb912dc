"""The consultancy's identity on every workbook (`[firm]`, `[document]`), neutral when unset; the Cover."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.render import TOOL_NAME, _png, client_facing_xml
from toolkit.cli import main
from toolkit.engagement import build, init, load_settings
from toolkit.errors import CtkError
from toolkit.kinds import REGISTRY
from toolkit.workbook.reader import read_workbook

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _folder(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "acme"
    init(folder, "Acme Ltd", dt.date(2027, 1, 4), "GBP")
    (folder / "soc2_controls.xlsx").unlink()
    (folder / "soc2_controls.csv").write_bytes((SAMPLE / "soc2_controls.csv").read_bytes())
    settings = folder / "ctk.toml"
    text = settings.read_text(encoding="utf-8").split("\n[firm]")[0]  # the template's blank tables out
    settings.write_text(text + extra, encoding="utf-8")
    return folder


def test_firm_branding_reaches_every_cover_and_footer(tmp_path: Path) -> None:
    red = bytes([200, 30, 30]) * 40 * 20
    (tmp_path / "logo.png").write_bytes(_png(red, 40, 20))
    folder = _folder(
        tmp_path,
        """
[firm]
name = "Northbridge Assurance LLP"
contact = "Jane Whitfield - jane@northbridge.example"
logo = "../logo.png"
colours = { primary = "#7030A0", accent = "#00B050" }
footer = "Northbridge - prepared for Acme"

[document]
version = "0.3"
status = "For review"
prepared_by = "Jane Whitfield"
date = 2027-01-11
""",
    )
    pack = build(folder)
    assert not [n for n in pack.notes if "logo" in n]
    for path in pack.written:
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == "Cover", path.name
        book = read_workbook(path)
        cover = book.forms["Cover"]
        # The SoA keeps its own Document Control ([soa] version); its cover shows that version.
        own = book.forms["Document Control"].fields["Version"] if "Document Control" in book.forms else "0.3"
        assert cover.fields["Version"] == own and cover.fields["Status"] == "For review", path.name
        assert cover.fields["Prepared By"] == "Jane Whitfield" and cover.fields["Client"] == "Acme Ltd"
        history = cover.blocks["Change history"]
        assert [r.get("Version") for r in history][-1] == cover.fields["Version"], "version and history agree"
        if "Document Control" in book.forms:  # the client's own history: its row for this version dated and signed
            rows = book.forms["Document Control"].blocks["Change history"]
            row = next(r for r in rows if str(r.get("Version")) == own)
            assert row.get("Date") and row.get("Author"), (path.name, row)
        assert wb.properties.creator == "Jane Whitfield" and wb.properties.created.date() == dt.date(2027, 1, 11)
        for ws in wb.worksheets:
            assert "Northbridge - prepared for Acme" in ws.oddFooter.left.text, (path.name, ws.title)
            assert "Page &P of &N" in ws.oddFooter.center.text and "11 January 2027" in ws.oddFooter.right.text
        with zipfile.ZipFile(path) as zf:
            assert any(n.startswith("xl/media/image") for n in zf.namelist()), "the logo on the cover"
            styles = zf.read("xl/styles.xml")
        assert b"FF7030A0" in styles, "input headers in the firm's colour"
        assert not [p for p, xml in client_facing_xml(path).items() if TOOL_NAME.search(xml)], path.name


def test_neutral_when_unset_and_problems_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "")
    pack = build(folder)
    gap = next(p for p in pack.written if p.name == REGISTRY["gap"].filename)
    wb = openpyxl.load_workbook(gap)
    assert wb["Annex A Gaps"].oddFooter.left.text.strip().endswith("Confidential")
    assert read_workbook(gap).forms["Cover"].fields["Prepared By"] is None
    assert wb.properties.creator in (None, "")
    with zipfile.ZipFile(gap) as zf:
        assert not any(n.startswith("xl/media/") for n in zf.namelist())
    settings = folder / "ctk.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[firm]\nlogo = "missing.png"\n', encoding="utf-8")
    assert any("logo" in n and "does not exist" in n for n in load_settings(folder).notes)
    settings.write_text(settings.read_text(encoding="utf-8") + 'colours = { primary = "navy" }\n', encoding="utf-8")
    with pytest.raises(CtkError, match=r"colours.primary = 'navy' is not a colour"):
        load_settings(folder)
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "ctk.toml" in result.stderr
