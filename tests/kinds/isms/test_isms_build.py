"""The ISMS workbook as `ctk isms` seeds it, and its round trip: merge, diff, export, annotate."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import edit_cell, set_form_field
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.data import catalog
from toolkit.engagement import build
from toolkit.kinds.isms import model as m
from toolkit.kinds.isms.scope import parse_scope
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import load_spec


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company's pack after one build: the ISMS workbook as ctk first sends it."""
    folder = tmp_path_factory.mktemp("first") / "pack"
    sample = Path(__file__).resolve().parents[3] / "sample_data"
    folder.mkdir()
    for name in ("soc2_controls.csv", "risk_register.csv", "ctk.toml"):
        shutil.copy(sample / name, folder / name)
    build(folder)
    return folder


def isms_args(folder: Path, output: Path, *extra: str) -> list[str]:
    return [
        "isms",
        "--gap",
        str(folder / "gap_assessment.xlsx"),
        "--soa",
        str(folder / "soa.xlsx"),
        "--risks",
        str(folder / "risk_register.xlsx"),
        "--roadmap",
        str(folder / "roadmap.xlsx"),
        "--org",
        "Harbourline Analytics",
        "--as-of",
        AS_OF.isoformat(),
        "-o",
        str(output),
        *extra,
    ]


def test_the_names_this_kind_reads_are_declared() -> None:
    isms = load_spec("isms")
    for name in (
        m.READINESS,
        m.DOC,
        m.CONTEXT,
        m.PARTIES,
        m.SCOPE,
        m.OBJECTIVES,
        m.DOCUMENTS,
        m.AUDITS,
        m.NCS,
        m.REVIEWS,
        m.ACTIONS,
    ):
        isms.sheet(name)
    for col in m.REVIEW_INPUTS:
        isms.sheet(m.REVIEWS).column(col)
    assert {"Planned", "Draft", "In review", "Approved"} <= set(isms.sheet(m.DOCUMENTS).column("Status").values)
    assert {m.COMPLETED, m.CANCELLED} <= set(isms.sheet(m.AUDITS).column("Status").values)
    assert m.INTERNAL_AUDIT in isms.sheet(m.NCS).column("Source").values
    gap, soa, risk = load_spec("gap"), load_spec("soa"), load_spec("risk")
    gap.sheet(m.GAP_ANNEX).column("SOC 2 Controls")
    gap.sheet(m.GAP_CLAUSES).column("Deliverable")
    gap.sheet(m.GAP_MATRIX).column("Test Result")
    soa.sheet(m.SOA_SHEET).column("Policy / Procedure")
    soa.sheet(m.SOA_DOC)
    risk.sheet(m.RISK_REGISTER).column("Asset")
    risk.sheet(m.RISK_METHOD).column("Approved By")


def test_every_control_and_clause_belongs_to_exactly_one_objective_area() -> None:
    seen: dict[str, str] = {}
    for obj in m.seed()["objective"]:
        scope = parse_scope("; ".join(obj["refs"]), m.catalog_ids())
        assert scope.unread == [], obj["id"]
        for item in scope.items:
            assert item not in seen, (item, seen.get(item), obj["id"])
            seen[item] = obj["id"]
    assert set(seen) == set(catalog.requirements()) | set(catalog.annex_a())


def test_the_audit_programme_covers_everything_in_a_few_audits_before_stage_1(built: Path) -> None:
    book = read_workbook(built / "isms.xlsx")
    audits = book.records(m.AUDITS)
    assert 2 <= len(audits) <= 5
    covered: set[str] = set()
    for rec in audits:
        covered |= parse_scope(rec.get("Scope"), m.catalog_ids()).items
        assert rec.get("Auditor") is None and rec.get("Area Owner") and rec.get("Status") == "Planned"
    assert covered == set(catalog.requirements()) | set(catalog.annex_a())
    roadmap = read_workbook(built / "roadmap.xlsx")
    stage1 = m.stage1(roadmap)
    window = m.task_for(roadmap, "9.2.1")
    assert stage1 is not None and window is not None
    dates = [rec.get("Planned Date") for rec in audits]
    assert all(window.get("Start") <= d <= window.get("End") < stage1.get("Start") for d in dates)
    assert all(d.weekday() < 5 for d in dates)
    (review,) = book.records(m.REVIEWS)
    assert max(dates) < review.get("Date") < stage1.get("Start")
    assert all(review.get(c) is None for c in m.REVIEW_INPUTS)
    # The area owners come from the SoA's control owners, each person once.
    soa_owners = {r.get("Control Owner") for r in read_workbook(built / "soa.xlsx").records(m.SOA_SHEET)}
    for rec in audits[1:]:
        assert set(rec.get("Area Owner").split("; ")) <= soa_owners


def test_proposals_are_marked_and_nothing_ctk_cannot_know_is_filled(built: Path) -> None:
    book = read_workbook(built / "isms.xlsx")
    context = book.records(m.CONTEXT)
    assert len(context) >= 10 and all(m.unconfirmed(r.get("Response")) and r.get("Owner") is None for r in context)
    assert {r.get("Type") for r in context} == {"Internal", "External"}
    assert any("climate" in str(r.get("Issue")).casefold() for r in context)
    assert book.forms[m.CONTEXT].fields["Climate Change Relevant"] is None
    parties = book.records(m.PARTIES)
    assert len(parties) >= 8 and all(
        m.unconfirmed(r.get("How Addressed")) and r.get("Addressed Through ISMS") is None for r in parties
    )
    objectives = book.records(m.OBJECTIVES)
    assert 1 <= len(objectives) <= 6
    assert all(m.unconfirmed(r.get("Measure")) and r.get("Target") is None and r.get("Due Date") is None for r in objectives)
    scope = book.forms[m.SCOPE].fields
    assert scope["Scope Statement"] is None and scope["Approved By"] is None
    # The SOC 2 report's exceptions are nonconformities to handle.
    ncs = book.records(m.NCS)
    assert [r.get("NC ID") for r in ncs] == ["NC-HA-HR-02", "NC-HA-AC-04", "NC-HA-VM-02", "NC-HA-VEN-02"]
    assert all(r.get("Source") == "External audit" and r.get("Root Cause") is None and r.get("Clause / Control") for r in ncs)


def test_the_document_register_holds_what_the_clauses_require_and_the_open_gaps_deliver(built: Path) -> None:
    docs = {r.get("Document ID"): r for r in read_workbook(built / "isms.xlsx").records(m.DOCUMENTS)}
    for clause in ("4.3", "5.2", "6.1.2", "6.1.3", "6.2", "7.2", "8.1", "8.2", "8.3", "9.1", "9.2.2", "9.3.3", "10.2"):
        assert any(clause in (r.get("Clause / Control") or []) for r in docs.values()), clause
    gap = read_workbook(built / "gap_assessment.xlsx")
    open_clauses = [r for r in gap.records(m.GAP_CLAUSES) if r.get("Coverage") in m.OPEN_RATINGS]
    titles = {r.get("Title") for r in docs.values()}
    assert all(r.get("Deliverable") in titles for r in open_clauses)
    # The SoA's own document control is the register's row for it.
    soa_doc = read_workbook(built / "soa.xlsx").forms[m.SOA_DOC].fields
    row = docs["DOC-6.1.3"]
    assert (row.get("Version"), row.get("Approver"), row.get("Approval Date"), row.get("Status")) == (
        soa_doc["Version"],
        soa_doc["Approved By"],
        soa_doc["Approval Date"],
        "Approved",
    )
    assert docs["DOC-4.3"].get("Location") == "isms.xlsx, sheet Scope" and docs["DOC-4.3"].get("Status") == "Draft"


def test_every_document_the_soa_cites_joins_the_register(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(built, folder)
    cited = "Information Security Policy v3.2; Acceptable Use Policy v2.1 (approved 3 March 2025)"
    edit_cell(folder / "soa.xlsx", m.SOA_SHEET, "A.5.1", "Policy / Procedure", cited)
    edit_cell(folder / "soa.xlsx", m.SOA_SHEET, "A.5.10", "Policy / Procedure", "POL-AUP; Acceptable Use Policy")
    out = tmp_path / "isms.xlsx"
    result = CliRunner().invoke(main, isms_args(folder, out))
    assert result.exit_code == 0, result.output
    docs = {r.get("Document ID"): r for r in read_workbook(out).records(m.DOCUMENTS)}
    policy = docs["DOC-5.2"]  # the gap's deliverable for 5.2 and the policy the SoA cites are one document
    assert policy.get("Version") == "3.2" and policy.get("Status") is None
    assert {"5.2", "A.5.1"} <= set(policy.get("Clause / Control"))
    aup = docs["POL-AUP"]
    assert aup.get("Title") == "Acceptable Use Policy" and aup.get("Version") == "2.1"
    assert aup.get("Approval Date") == dt.date(2025, 3, 3) and aup.get("Clause / Control") == ["A.5.1", "A.5.10"]
    shutil.copy(out, folder / "isms.xlsx")
    codes = {f.code for fr in validate(folder, as_of=AS_OF).files for f in fr.findings}
    assert "XWB010" not in codes


def test_same_inputs_same_bytes(built: Path, tmp_path: Path) -> None:
    digests = set()
    for run in ("one", "two"):  # the file's own name appears in it (Locations), so the same name
        out = tmp_path / run / "isms.xlsx"
        out.parent.mkdir()
        assert CliRunner().invoke(main, isms_args(built, out)).exit_code == 0
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_without_a_roadmap_the_audits_spread_over_the_twelve_months(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "isms.xlsx"
    args = ["isms", "--gap", str(built / "gap_assessment.xlsx"), "--start", "2027-01-04", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    dates = [r.get("Planned Date") for r in read_workbook(out).records(m.AUDITS)]
    assert dates[0] == dt.date(2027, 1, 4) and dt.date(2027, 11, 1) <= dates[-1] <= dt.date(2027, 12, 4)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    # No SoA: every control is audited, none is known to be excluded.
    covered = set().union(*(parse_scope(r.get("Scope"), m.catalog_ids()).items for r in read_workbook(out).records(m.AUDITS)))
    assert set(catalog.annex_a()) <= covered
    # No dates at all: the audits say so rather than invent one.
    bare = tmp_path / "bare.xlsx"
    assert CliRunner().invoke(main, ["isms", "-o", str(bare)]).exit_code == 0
    report = validate(bare, as_of=AS_OF)
    assert {f.code for f in report.files[0].findings} >= {"ISMS021", "ISMS012"}


def test_merge_keeps_what_the_client_typed_above_and_in_the_tables(built: Path, tmp_path: Path) -> None:
    returned = tmp_path / "returned.xlsx"
    shutil.copy(built / "isms.xlsx", returned)
    set_form_field(returned, m.CONTEXT, "Climate Change Relevant", "No")
    set_form_field(returned, m.AUDITS, "Programme Owner", "Elena Kowalczyk")
    edit_cell(returned, m.CONTEXT, "C-03", "Owner", "Rafael Mendes")
    edit_cell(returned, m.AUDITS, "IA-02", "Auditor", "Northgate Assurance")
    out = tmp_path / "isms.xlsx"
    result = CliRunner().invoke(main, isms_args(built, out, "--merge", str(returned)))
    assert result.exit_code == 0, result.output
    book = read_workbook(out)
    assert book.forms[m.CONTEXT].fields["Climate Change Relevant"] == "No"
    assert book.forms[m.AUDITS].fields["Programme Owner"] == "Elena Kowalczyk"
    assert {r.get("Issue ID"): r.get("Owner") for r in book.records(m.CONTEXT)}["C-03"] == "Rafael Mendes"
    assert {r.get("Audit ID"): r.get("Auditor") for r in book.records(m.AUDITS)}["IA-02"] == "Northgate Assurance"
    # The Readiness sheet is worked out again, not carried over from the returned copy.
    assert book.forms[m.READINESS].fields["As Of"] == AS_OF


def test_diff_sees_the_lines_above_a_table_and_its_records(built: Path, tmp_path: Path) -> None:
    returned = tmp_path / "returned.xlsx"
    shutil.copy(built / "isms.xlsx", returned)
    set_form_field(returned, m.CONTEXT, "Climate Change Relevant", "Yes")
    edit_cell(returned, m.CONTEXT, "C-03", "Owner", "Rafael Mendes")
    result = CliRunner().invoke(main, ["diff", str(built / "isms.xlsx"), str(returned), "--format", "json"])
    assert result.exit_code == 1
    import json

    changes = json.loads(result.stdout)["changes"]
    assert {
        "sheet": "Context",
        "key": None,
        "change": "changed",
        "column": "Climate Change Relevant",
        "old": None,
        "new": "Yes",
    }.items() <= next(c for c in changes if c["column"] == "Climate Change Relevant").items()
    assert any(c["key"] == "C-03" and c["column"] == "Owner" and c["new"] == "Rafael Mendes" for c in changes)


def test_export_and_annotate(built: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(built / "isms.xlsx"), "--sheet", "Audit Programme"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Sheet,Row,Audit ID,Scope,Planned Date") and lines[1].startswith(
        "Audit Programme,9,IA-01,Clauses 4-10,"
    )
    review = tmp_path / "review.xlsx"
    result = CliRunner().invoke(
        main, ["validate", str(built / "isms.xlsx"), "--as-of", AS_OF.isoformat(), "--annotate", str(review)]
    )
    assert result.exit_code == 1 and "cells marked" in result.stderr
    import openpyxl

    wb = openpyxl.load_workbook(review)
    assert wb.sheetnames[0] == "Review Findings"
    climate = read_workbook(built / "isms.xlsx").forms[m.CONTEXT].cells["Climate Change Relevant"]
    assert "climate change" in (wb[m.CONTEXT][climate].comment.text if wb[m.CONTEXT][climate].comment else "")
    assert validate(review, as_of=AS_OF).files[0].findings == validate(built / "isms.xlsx", as_of=AS_OF).files[0].findings


def test_the_workbook_is_fit_to_fill_in(built: Path) -> None:
    """Drop-downs on every enumerated input, headers frozen under the lines above them, filters on,
    input and computed columns told apart, printed landscape with the header row repeated."""
    import openpyxl

    wb = openpyxl.load_workbook(built / "isms.xlsx")
    assert wb.sheetnames[:3] == ["Cover", "How to fill this in", "Readiness"]
    spec = load_spec("isms")
    book = read_workbook(built / "isms.xlsx")
    for sheet in spec.tables:
        ws, table = wb[sheet.name], book.tables[sheet.name]
        header = table.header_row
        assert ws.freeze_panes == f"{'ABC'[sheet.freeze_cols]}{header + 1}", sheet.name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{header}:")
        assert ws.print_title_rows == f"${header}:${header}" and ws.page_setup.orientation == "landscape"
        lists = {
            str(dv.sqref).split(":")[0][: -len(str(header + 1))] for dv in ws.data_validations.dataValidation if dv.type == "list"
        }
        for col in sheet.columns:
            letter = openpyxl.utils.get_column_letter(table.columns[col.name] + 1)
            if col.type == "enum" and not col.computed:
                assert letter in lists, (sheet.name, col.name)
            fill = ws[f"{letter}{header}"].fill.fgColor.rgb
            assert fill.endswith("595959" if col.computed else "1F3864"), (sheet.name, col.name, fill)
    climate = book.forms[m.CONTEXT].cells["Climate Change Relevant"]
    assert any(dv.type == "list" and climate in str(dv.sqref) for dv in wb[m.CONTEXT].data_validations.dataValidation)


def test_an_input_of_the_wrong_kind_is_one_line(built: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["isms", "--gap", str(built / "soa.xlsx"), "-o", str(tmp_path / "isms.xlsx")])
    assert (
        result.exit_code == 2
        and "expected the ISO/IEC 27001:2022 Gap Assessment, found a Statement of Applicability" in result.stderr
    )
    assert result.stderr.count("\n") == 1 and not (tmp_path / "isms.xlsx").exists()
