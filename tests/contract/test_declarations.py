"""The declarations are the only source of names: a rename fails loudly, `required` is honoured,
a typo in a declaration is refused when it loads."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import soa_row, write_filled_soa
from tests.paths import AS_OF, ROOT
from toolkit.cli import main
from toolkit.errors import InternalError
from toolkit.kinds import REGISTRY, all_rules
from toolkit.kinds.soa.build import SHEET
from toolkit.validation import validate
from toolkit.workbook import schema
from toolkit.workbook.schema import DeclarationError, all_specs, declared_kinds, load_spec


def _clear() -> None:
    load_spec.cache_clear()
    all_specs.cache_clear()


@pytest.fixture()
def declarations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of workbook_templates/ that the test may edit; ctk loads it instead of the shipped one."""
    folder = tmp_path / "workbook_templates"
    shutil.copytree(ROOT / "workbook_templates", folder)
    monkeypatch.setattr(schema, "_templates_dir", lambda: folder)
    _clear()
    yield folder
    monkeypatch.undo()
    _clear()


def edit(folder: Path, kind: str, old: str, new: str) -> None:
    path = folder / f"{kind}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _clear()


def rename_column(folder: Path, kind: str, sheet: str, old: str, new: str) -> None:
    """Rename a column in the declaration and in its vocabulary (which must follow a rename)."""
    edit(folder, kind, f'{{ name = "{old}"', f'{{ name = "{new}"')
    path = folder / "vocabulary" / f"{kind}.toml"
    text = path.read_text(encoding="utf-8")
    for entry in (f'["{sheet}"."{old}"]', f'["{sheet}".{old}]'):
        text = text.replace(entry, f'["{sheet}"."{new}"]', 1)
    path.write_text(text, encoding="utf-8")
    _clear()


def test_renaming_a_column_in_the_declaration_fails_loudly(tmp_path: Path, declarations: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(soa)
    ws = wb[SHEET]
    ws[f"H{soa_row(ws, 'A.5.9')}"] = None  # no evidence: SOA007 would report it
    wb.save(soa)
    rename_column(declarations, "soa", SHEET, "Evidence Reference", "Evidence")
    # The rule still names `Evidence Reference`: not a silent pass, an internal error naming it.
    with pytest.raises(InternalError, match="SOA007"):
        validate([soa], as_of=AS_OF)
    result = CliRunner().invoke(main, ["validate", str(soa)])
    assert result.exit_code == 2
    assert result.stderr.startswith("ctk: internal error in SOA007: KeyError") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_the_writer_refuses_a_value_under_an_undeclared_name(tmp_path: Path, declarations: Path) -> None:
    rename_column(declarations, "soa", SHEET, "Justification", "Reason")
    result = CliRunner().invoke(main, ["soa", "new", "-o", str(tmp_path / "soa.xlsx")])
    assert result.exit_code == 0  # a blank SoA writes no justification
    from tests.helpers import filled_soa_book
    from toolkit.kinds import write_workbook

    with pytest.raises(DeclarationError, match="'Justification'"):
        write_workbook("soa", filled_soa_book(), tmp_path / "filled.xlsx")
    assert not (tmp_path / "filled.xlsx").exists()


def test_a_blank_required_field_gives_a_finding(tmp_path: Path, declarations: Path) -> None:
    edit(
        declarations,
        "soa",
        '{ name = "Owner", type = "text", width = 60 }',
        '{ name = "Owner", type = "text", required = true, width = 60 }',
    )
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    report = validate([soa], as_of=AS_OF)
    assert [f.code for f in report.files[0].findings] == []  # the filled SoA names its owner
    wb = openpyxl.load_workbook(soa)
    ws = wb["Document Control"]
    row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Owner")
    ws.cell(row, 2).value = None
    wb.save(soa)
    (finding,) = validate([soa], as_of=AS_OF).files[0].findings
    assert (finding.code, finding.sheet, finding.cell, finding.column) == ("WB007", "Document Control", f"B{row}", "Owner")


def test_a_required_field_is_reported_by_the_rule_the_declaration_names(tmp_path: Path) -> None:
    soa = write_filled_soa(tmp_path / "soa.xlsx")
    wb = openpyxl.load_workbook(soa)
    ws = wb["Document Control"]
    for r in range(1, 20):
        if ws.cell(r, 1).value in ("Version", "Approved By", "Approval Date"):
            ws.cell(r, 2).value = None
    wb.save(soa)
    codes = sorted(f.code for f in validate([soa], as_of=AS_OF).files[0].findings)
    assert codes == ["SOA010", "SOA011", "SOA012"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '{ name = "Owner", type = "text", width = 60 }',
            '{ name = "Owner", type = "text", requird = true, width = 60 }',
            "'requird'",
        ),
        ('layout = "table"\nkey = "Control ID"', 'layout = "tabel"\nkey = "Control ID"', "layout"),
        ('{ name = "Owner", type = "text", width = 60 }', '{ name = "Owner", type = "txt", width = 60 }', "'txt'"),
        ('schema_version = "1.0"', 'schema_version = "1.0"\nschema_versoin = "1.1"', "'schema_versoin'"),
        ('key = "Control ID"', 'key = "Control Id"', "key 'Control Id'"),
    ],
)
def test_a_typo_in_a_declaration_is_refused_when_it_loads(declarations: Path, old: str, new: str, message: str) -> None:
    edit(declarations, "soa", old, new)
    with pytest.raises(DeclarationError, match=message):
        load_spec("soa")


def test_every_required_rule_named_in_a_declaration_exists_for_its_kind() -> None:
    rules = all_rules()
    for kind in declared_kinds():
        spec = load_spec(kind)
        for sheet in spec.sheets:
            for col in (*sheet.columns, *(c for b in sheet.blocks for c in b.columns)):
                if col.required_by is not None:
                    assert col.required_by in rules, (kind, col.name)
                    assert rules[col.required_by].kind == kind, (kind, col.name, col.required_by)


def test_the_kind_registry_matches_the_declarations() -> None:
    assert sorted(REGISTRY) == list(declared_kinds())


def test_a_vocabulary_entry_must_name_a_declared_column(declarations: Path) -> None:
    # A rename in the declaration alone leaves the vocabulary naming the old column: refused at load.
    edit(declarations, "soa", '{ name = "Evidence Reference"', '{ name = "Evidence"')
    with pytest.raises(
        DeclarationError, match=re.escape("vocabulary/soa.toml 'Statement of Applicability' column 'Evidence Reference'")
    ):
        load_spec("soa")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('Ja = "Yes"', 'Ja = "Jawohl"', "reads as 'Jawohl', which is not one of Yes, No"),
        ('sets = ["yes_no"]', 'sets = ["ja_nein"]', "no set 'ja_nein'"),
        ('["Statement of Applicability".Theme]', '["Statement of Applicability".Themes]', "declares no such column"),
        ('["Statement of Applicability".Theme]', '["Statements".Theme]', "names no sheet 'Statements'"),
        (
            '["Statement of Applicability".Theme]\nheaders',
            '["Statement of Applicability".Theme]\nheader',
            "unknown key(s) 'header'",
        ),
    ],
)
def test_a_typo_in_a_vocabulary_is_refused(declarations: Path, old: str, new: str, message: str) -> None:
    path = declarations / "vocabulary" / "soa.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _clear()
    with pytest.raises(DeclarationError, match=re.escape(message)):
        load_spec("soa")
