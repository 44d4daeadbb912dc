"""The cost-savings workbook: the article's ranges, live formulas, rules, CLI, LibreOffice recalculation."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import set_form_field
from tests.lo import cell_values, formula_cells, lo_convert, lo_recalculate, tamper
from tests.paths import AS_OF, SAMPLE
from toolkit.cli import main
from toolkit.findings import Finding
from toolkit.kinds import write_workbook
from toolkit.kinds.savings.build import build_savings
from toolkit.kinds.savings.model import (
    CATEGORIES,
    DEFAULTS,
    FIRST_YEAR,
    INPUTS,
    NAMES,
    RANGES,
    SUMMARY,
    Coverage,
    figures,
    position,
    read_coverage,
    xround,
)
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

libreoffice = pytest.mark.libreoffice
HEADERS = ["Cost Category", "Starting from Scratch", "Extending from SOC 2", "Savings %", "Savings"]
#: The bundled sample company with the default assumptions: 40 of 93 Annex A controls fully addressed
#: (43 %, below the article's 60 %), so every range sits at its low end.
SAMPLE_FIGURES = {
    "Implementation consulting": (90000, 45000, 0.5, 45000),
    "Internal effort": (60000, 30000, 0.5, 30000),
    "GRC platform": (25000, 0, 1.0, 25000),
    "Certification audit fees": (30000, 30000, 0.0, 0),
    "Internal audit": (0, 0, 0.0, 0),
    "Ongoing maintenance (annual)": (40000, 26000, 0.35, 14000),
    "Total first-year cost": (205000, 105000, 0.4878, 100000),
}


@pytest.fixture(scope="module")
def sample_gap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gap") / "gap_assessment.xlsx"
    result = CliRunner().invoke(main, ["gap", str(SAMPLE / "soc2_controls.csv"), "-o", str(out), "--org", "Harbourline"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def workbook(sample_gap: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cost_savings.xlsx"
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "-o", str(out), "--org", "Harbourline"])
    assert result.exit_code == 0, result.output
    return out


def findings(path: Path) -> list[Finding]:
    return validate([path], as_of=AS_OF).files[0].findings


def codes(path: Path, prefix: str = "SAV") -> list[tuple[str, str, str | None, str | None]]:
    return [(f.code, f.severity, f.sheet, f.cell) for f in findings(path) if f.code.startswith(prefix)]


def set_input(path: Path, label: str, value: object) -> str:
    """Change one Inputs value the way a script or a client would (openpyxl drops cached results)."""
    return set_form_field(path, INPUTS, label, value)


def summary_cell(path: Path, category: str, column: str) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb[SUMMARY]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == category:
            return str(row[header.index(column)].coordinate)
    raise KeyError(category)


# --- the article's ranges ------------------------------------------------------------------------------


def test_sample_figures_fall_within_the_articles_ranges(sample_gap: Path) -> None:
    cov = read_coverage(sample_gap)
    assert (cov.fully, cov.partially, cov.not_addressed) == (40, 36, 17)
    assert cov.share == 0.4301 and position(cov.share) == 0.0
    book = build_savings(cov)
    fields = book.forms[INPUTS].fields
    values = figures(fields, fields["Position in Range"])
    for cat in CATEGORIES:
        pct = values[cat.name]["Savings %"]
        assert isinstance(pct, float)
        assert cat.low <= pct <= cat.high, (cat.name, pct)
        row = values[cat.name]
        assert tuple(row[c] for c in HEADERS[1:]) == SAMPLE_FIGURES[cat.name], cat.name
    consulting, internal, grc, audit, internal_audit, maintenance, total = (values[c.name]["Savings %"] for c in CATEGORIES)
    assert internal_audit == 0.0
    assert 0.50 <= consulting <= 0.60 and internal == 0.50 and grc == 1.0 and audit == 0.0
    assert 0.35 <= maintenance <= 0.50 and 0.45 <= total <= 0.55


@pytest.mark.parametrize("fully", [0, 40, 55, 56, 57, 60, 62, 65, 66, 70, 75, 93])
def test_defaults_keep_every_saving_within_range_for_any_gap_result(fully: int) -> None:
    book = build_savings(Coverage(fully, 93 - fully, 0))
    fields = book.forms[INPUTS].fields
    for name, row in figures(fields, fields["Position in Range"]).items():
        cat = next(c for c in CATEGORIES if c.name == name)
        assert cat.low <= row["Savings %"] <= cat.high, (fully, name, row["Savings %"])  # type: ignore[operator]


def test_position_picks_the_low_and_high_ends() -> None:
    assert position(0.55) == 0.0 and position(0.60) == 0.0
    assert position(0.65) == 0.5 and position(0.70) == 1.0 and position(0.9) == 1.0
    low = figures(DEFAULTS, 0.0)
    high = figures(DEFAULTS, 1.0)
    assert low["Implementation consulting"]["Savings %"] == 0.5 and high["Implementation consulting"]["Savings %"] == 0.6
    assert low["Ongoing maintenance (annual)"]["Savings %"] == 0.35
    assert high["Ongoing maintenance (annual)"]["Savings %"] == 0.5


def test_round_is_the_spreadsheets() -> None:
    assert xround(0.35 + 0.15 * 0.129, 4) == 0.3694  # 0.36934999999999996 in binary; spreadsheets show 0.36935
    assert xround(2.675, 2) == 2.68 and xround(-2.5, 0) == -3.0 and xround(43838.99999999999, 0) == 43839.0


def test_bad_inputs_give_what_a_spreadsheet_gives() -> None:
    values = figures({**DEFAULTS, "Consulting Day Rate": "TBD", "FTE Months from Scratch": None}, 0.5)
    assert values["Implementation consulting"]["Starting from Scratch"] == "#VALUE!"
    assert values["Total first-year cost"]["Savings %"] == "#VALUE!"
    assert values["Internal effort"]["Starting from Scratch"] == 0.0  # a blank cell counts as 0


# --- the workbook ------------------------------------------------------------------------------------


def test_generated_workbook_validates_clean(workbook: Path) -> None:
    report = validate([workbook], as_of=AS_OF)
    assert report.files[0].kind == "savings"
    assert report.files[0].findings == []


def test_workbook_contract(workbook: Path) -> None:
    book = read_workbook(workbook)
    assert book.kind == "savings"
    assert book.sheet_names == ["Cover", "How to read", INPUTS, SUMMARY]
    table = book.tables[SUMMARY]
    assert list(table.columns)[:5] == HEADERS and table.header_row == 1
    rows = {r.get("Cost Category"): r for r in table.records}
    assert list(rows) == [c.name for c in CATEGORIES]
    for name, expected in SAMPLE_FIGURES.items():
        assert tuple(rows[name].get(c) for c in HEADERS[1:]) == expected, name
    inputs = book.forms[INPUTS]
    assert inputs.fields["Currency"] == "USD" and inputs.fields["Organisation"] == "Harbourline"
    assert {k: inputs.fields[k] for k in DEFAULTS} == DEFAULTS
    assert inputs.fields["FTE Months from Scratch"] == 6
    assert inputs.fields["Annex A Fully Addressed"] == 0.4301 and inputs.fields["Position in Range"] == 0.0
    assert "40 fully, 36 partially, 17 not addressed of 93" in inputs.fields["Gap Assessment Result"]
    assert "43.0% gives 0%: consulting 50.0%" in inputs.fields["How the Range Is Used"]
    ranges = {r.get("Cost Category"): (r.get("Savings Low"), r.get("Savings High")) for r in inputs.blocks[RANGES]}
    assert ranges == {c.name: (c.low, c.high) for c in CATEGORIES}


def test_every_figure_is_a_live_formula_over_the_inputs(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    names = {n: wb.defined_names[n].attr_text for n in NAMES.values()}
    reader = read_workbook(workbook).forms[INPUTS]
    for field, name in NAMES.items():
        assert names[name] == f"'{INPUTS}'!$B${reader.rows[field]}", (field, names[name])
    ws = wb[SUMMARY]
    header = [c.value for c in ws[1]]
    for r in range(2, 2 + len(CATEGORIES)):
        for column in HEADERS[1:]:
            cell = ws.cell(r, header.index(column) + 1)
            assert isinstance(cell.value, str) and cell.value.startswith("="), (cell.coordinate, cell.value)
            if column == "Savings %":
                assert cell.number_format == "0.0%"
            else:
                assert cell.number_format == '"$"#,##0;-"$"#,##0', cell.number_format
    formulas = [str(ws.cell(r, 2).value) for r in range(2, 9)]
    assert formulas[0] == "=ROUND(Day_Rate*Consulting_Days,0)"
    assert formulas[1] == "=ROUND(FTE_Monthly_Cost*FTE_Months,0)"
    assert formulas[6] == "=SUM(B2:B6)", "the total is the five first-year rows, not maintenance"
    assert str(ws["C4"].value) == "=ROUND(GRC_Addon_Fee,0)", "extending keeps the GRC platform at the add-on fee"
    assert "Range_Position" in str(ws["D2"].value) and "'Inputs'!$E$" in str(ws["D2"].value)
    assert str(wb[INPUTS][f"B{reader.rows['Position in Range']}"].value).startswith("=ROUND(MAX(0,MIN(1,(Fully_Addressed-0.6)")
    assert ws.freeze_panes == "A2", "a six-row table freezes its header only, and has no filter"
    assert not ws.auto_filter.ref
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    with zipfile.ZipFile(workbook) as zf:
        assert b'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml"), "spreadsheets must recalculate on load"
        drawing = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/drawings/drawing"))
        sheets = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/sharedStrings"))
        chart = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/charts/chart"))
    assert b"<xdr:sp>" not in drawing, "no text box: it would read back as a client's shape on --merge"
    assert b"Extending from SOC 2 = starting from scratch" in sheets, "How to read explains the method"
    assert b'<c:barDir val="col"/>' in chart and b'<c:grouping val="clustered"/>' in chart
    # The first-year components only: neither the total beside its own parts nor the yearly maintenance.
    last = 1 + len(FIRST_YEAR)
    assert (
        f"'Cost Savings Summary'!$B$2:$B${last}".encode() in chart and f"'Cost Savings Summary'!$C$2:$C${last}".encode() in chart
    )
    assert f"$B${len(CATEGORIES) + 1}".encode() not in chart


def test_currency_option_formats_the_amounts(sample_gap: Path, tmp_path: Path) -> None:
    out = tmp_path / "eur.xlsx"
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "-o", str(out), "--currency", "eur"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb[SUMMARY]["B2"].number_format == '"€"#,##0;-"€"#,##0', "the currency's symbol, not its code"
    assert read_workbook(out).forms[INPUTS].fields["Currency"] == "EUR"
    assert findings(out) == []


def test_deterministic_bytes(sample_gap: Path, tmp_path: Path) -> None:
    cov = read_coverage(sample_gap)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook("savings", build_savings(cov, "Harbourline", "GBP"), a, "Harbourline")
    write_workbook("savings", build_savings(cov, "Harbourline", "GBP"), b, "Harbourline")
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.xlsx"
    write_workbook("savings", build_savings(cov, "Harbourline", "GBP", {"Consulting Day Rate": 1600}), c, "Harbourline")
    assert c.read_bytes() != a.read_bytes()


# --- rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1500, "TBD", None])
def test_an_unusable_input_is_an_error_at_its_cell(workbook: Path, value: object) -> None:
    cell = set_input(workbook, "Consulting Day Rate", value)
    got = [f for f in findings(workbook) if f.code == "SAV001"]
    assert [(f.severity, f.sheet, f.cell, f.column) for f in got] == [("error", INPUTS, cell, "Consulting Day Rate")]


def test_currency_left_empty(workbook: Path) -> None:
    cell = set_input(workbook, "Currency", None)
    assert ("SAV001", "error", INPUTS, cell) in codes(workbook)


def test_changing_an_input_is_picked_up_by_the_validator(workbook: Path) -> None:
    """Raising the audit fees tenfold pushes the first-year saving below the article's 45-55 %."""
    set_input(workbook, "Certification Audit Fees", 500000)
    total = summary_cell(workbook, "Total first-year cost", "Savings %")
    got = [f for f in findings(workbook) if f.code.startswith("SAV")]
    assert [(f.code, f.severity, f.cell, f.key) for f in got] == [("SAV002", "warning", total, "Total first-year cost")]
    # 90,000 + 60,000 + 25,000 + 500,000 + 0 from scratch; 100,000 saved: 14.81 %.
    assert "14.81%" in got[0].message and "45-55%" in got[0].message and "not recalculated" in got[0].message


def test_a_figure_typed_over_is_caught(workbook: Path) -> None:
    cell = summary_cell(workbook, "Implementation consulting", "Savings %")
    wb = openpyxl.load_workbook(workbook)
    wb[SUMMARY][cell] = 0.75
    wb.save(workbook)
    got = {(f.code, f.cell) for f in findings(workbook) if f.code.startswith("SAV")}
    assert got == {("SAV002", cell), ("SAV004", cell)}


def test_a_missing_category_row(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    ws = wb[SUMMARY]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "GRC platform")
    ws.delete_rows(row)
    wb.save(workbook)
    got = [f for f in findings(workbook) if f.code == "SAV003"]
    assert [(f.severity, f.sheet, f.cell, f.row, f.key) for f in got] == [("error", SUMMARY, None, None, "GRC platform")]


def test_the_grc_add_on_fee_and_the_internal_audit_cost(workbook: Path) -> None:
    """F31: a GRC platform usually charges for an added framework, and the first year needs an internal
    auditor. Both default to 0, which keeps the article's figures; entered, they show in the figures."""
    book = build_savings(Coverage(40, 36, 17), inputs={"GRC Framework Add-on Fee": 6000, "Internal Audit Cost": 12000})
    fields = book.forms[INPUTS].fields
    values = figures(fields, fields["Position in Range"])
    assert values["GRC platform"]["Extending from SOC 2"] == 6000 and values["GRC platform"]["Savings %"] == 0.76
    assert values["Internal audit"]["Starting from Scratch"] == values["Internal audit"]["Extending from SOC 2"] == 12000
    assert values["Total first-year cost"]["Starting from Scratch"] == 217000
    assert values["Total first-year cost"]["Extending from SOC 2"] == 123000
    cell = set_input(workbook, "GRC Framework Add-on Fee", -100)
    assert ("SAV005", "error", INPUTS, cell) in codes(workbook)
    set_input(workbook, "GRC Framework Add-on Fee", 6000)
    grc = summary_cell(workbook, "GRC platform", "Savings %")
    assert ("SAV002", "warning", SUMMARY, grc) in codes(workbook), "below the article's 100%: said so"


def test_rules_are_listed_with_examples() -> None:
    from toolkit.kinds import all_rules as load_all

    rules = {code: r for code, r in load_all().items() if r.kind == "savings"}
    assert sorted(rules) == ["SAV001", "SAV002", "SAV003", "SAV004", "SAV005"]
    for r in rules.values():
        assert "Bad:" in r.example and "Good:" in r.example, r.code


# --- the command -------------------------------------------------------------------------------------


def test_merge_keeps_the_clients_inputs_and_recomputes(workbook: Path, sample_gap: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    inputs, summary = wb[INPUTS], wb[SUMMARY]
    for row in inputs.iter_rows(min_row=1, max_row=30):
        if row[0].value == "Consulting Day Rate":
            row[1].value = 1800
        elif row[0].value == "Currency":
            row[1].value = "GBP"
        elif row[0].value == "Annex A Fully Addressed":
            row[1].value = 0.99  # a computed cell typed over: refreshed from the gap assessment
    summary["H1"] = "Budget Owner"
    summary["H2"] = "CFO"
    summary.append(["Penetration testing", 12000, 12000, 0, 0])
    wb.create_sheet("Client Notes")["A1"] = "Day rate agreed with procurement"
    wb.save(workbook)
    out = tmp_path / "cost_savings_v2.xlsx"
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "--merge", str(workbook), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = read_workbook(out)
    fields = book.forms[INPUTS].fields
    assert fields["Consulting Day Rate"] == 1800 and fields["Currency"] == "GBP" and fields["Annex A Fully Addressed"] == 0.4301
    rows = {r.get("Cost Category"): r for r in book.records(SUMMARY)}
    consulting = rows["Implementation consulting"]
    assert consulting.get("Starting from Scratch") == 108000 and consulting.get("Extending from SOC 2") == 54000
    assert consulting.extra["Budget Owner"] == "CFO"
    assert rows["Total first-year cost"].get("Starting from Scratch") == 223000
    assert rows["Penetration testing"].get("Starting from Scratch") == 12000
    assert "Client Notes" in book.sheet_names
    assert openpyxl.load_workbook(out)[SUMMARY]["B2"].number_format == '"£"#,##0;-"£"#,##0'
    assert findings(out) == []


def test_merge_keeps_an_unusable_input_as_typed(workbook: Path, sample_gap: Path, tmp_path: Path) -> None:
    """The client's `TBD` survives regeneration; the formulas it feeds cache #VALUE!, as a spreadsheet shows them."""
    day_rate = set_input(workbook, "Consulting Day Rate", "TBD")
    out = tmp_path / "again.xlsx"
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "--merge", str(workbook), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert read_workbook(out).forms[INPUTS].fields["Consulting Day Rate"] == "TBD"
    assert [(f.code, f.cell) for f in findings(out)] == [("SAV001", day_rate)]
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet4.xml")  # Cover, How to read, Inputs, Cost Savings Summary
    assert re.search(rb'<c r="B2"[^>]*t="e"[^>]*><f>[^<]*</f><v>#VALUE!</v>', sheet)


def test_cli_errors_are_one_line_exit_two(sample_gap: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    garbage = tmp_path / "gap.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    soa = tmp_path / "soa.xlsx"
    assert CliRunner().invoke(main, ["soa", "new", "-o", str(soa)]).exit_code == 0
    for args, text in (
        (["--gap", str(garbage)], str(garbage)),
        (["--gap", str(soa)], "not a gap assessment"),
        (["--gap", str(tmp_path / "absent.xlsx")], "absent.xlsx"),
        (["--gap", str(sample_gap), "--currency", "JPY"], "currency 'JPY'"),
        (["--gap", str(sample_gap), "--merge", str(garbage)], str(garbage)),
    ):
        result = CliRunner().invoke(main, ["savings", *args, "-o", str(out)])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1 and text in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output and not out.exists()
    result = CliRunner().invoke(main, ["savings", "-o", str(out)])
    assert result.exit_code == 2 and "--gap" in result.output
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "-o", str(sample_gap)])
    assert result.exit_code == 2 and "refusing to overwrite" in result.stderr


def test_cli_writes_and_says_so(sample_gap: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "cost_savings.xlsx"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["savings", "--gap", str(sample_gap), "-o", str(out), "--currency", "€"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    assert read_workbook(out).forms[INPUTS].fields["Currency"] == "EUR"


# --- LibreOffice ------------------------------------------------------------------------------------


@libreoffice
def test_libreoffice_recalculates_to_the_cached_values(soffice: str, sample_gap: Path, tmp_path: Path) -> None:
    cov = read_coverage(sample_gap)
    variants = {
        "sample.xlsx": {},
        "odd.xlsx": {"Consulting Day Rate": 1234.5, "Consulting Days from Scratch": 47, "FTE Months from Scratch": 7.5},
        "cheap.xlsx": {"Certification Audit Fees": 500000, "GRC Platform Annual Cost": 1},
        "halves.xlsx": {"Consulting Day Rate": 1001, "Annual Maintenance from Scratch": 33333},
    }
    sources = []
    for name, inputs in variants.items():
        write_workbook("savings", build_savings(cov, "Harbourline", "CHF", inputs), tmp_path / name)
        sources.append(tmp_path / name)
    for cover in (Coverage(65, 20, 8), Coverage(93, 0, 0)):
        name = f"full{cover.fully}.xlsx"
        write_workbook("savings", build_savings(cover), tmp_path / name)
        sources.append(tmp_path / name)
    tamper(tmp_path / "sample.xlsx", tmp_path / "tampered.xlsx")
    recalculated = lo_recalculate(soffice, [*sources, tmp_path / "tampered.xlsx"], tmp_path / "lo")
    for src, back in zip(sources, recalculated, strict=False):
        cells = formula_cells(src)
        assert len(cells) == 1 + 4 * len(CATEGORIES) + 2, src.name  # + the headline saving and its %
        ours, theirs = cell_values(src, cells), cell_values(back, cells)
        assert all(isinstance(v, float) for v in theirs.values()), (src.name, theirs)
        assert theirs == ours, (src.name, {k: (ours[k], theirs[k]) for k in cells if ours[k] != theirs[k]})
    control = cell_values(recalculated[-1], formula_cells(sources[0]))
    assert -1 not in control.values(), "LibreOffice did not recalculate: the tampered results survived"
    assert control == cell_values(sources[0], formula_cells(sources[0]))


@libreoffice
def test_libreoffice_resave_reads_back_the_same_and_validates_clean(soffice: str, workbook: Path, tmp_path: Path) -> None:
    resaved = lo_convert(soffice, workbook, tmp_path / "client")
    original, back = read_workbook(workbook), read_workbook(resaved)
    assert back.kind == "savings"
    assert [(r.row, r.values) for r in back.records(SUMMARY)] == [(r.row, r.values) for r in original.records(SUMMARY)]
    assert back.forms[INPUTS].fields == original.forms[INPUTS].fields
    assert findings(resaved) == []


@libreoffice
def test_client_change_recalculated_in_libreoffice_is_judged_on_the_sheet(soffice: str, workbook: Path, tmp_path: Path) -> None:
    set_input(workbook, "Certification Audit Fees", 500000)
    (back,) = lo_recalculate(soffice, [workbook], tmp_path / "lo")
    total = read_workbook(back).tables[SUMMARY].records[-1]
    assert total.get("Savings %") == 0.1481 and total.get("Starting from Scratch") == 675000
    got = [f for f in findings(back) if f.severity == "error" or f.code.startswith("SAV")]
    assert [(f.code, f.key) for f in got] == [("SAV002", "Total first-year cost")]
    assert "not recalculated" not in got[0].message


@libreoffice
def test_savings_renders_to_pdf(soffice: str, workbook: Path, tmp_path: Path) -> None:
    pdf = lo_convert(soffice, workbook, tmp_path / "pdf", "pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "Total first-year cost" in text and "$205,000" in text and "48.8%" in text
