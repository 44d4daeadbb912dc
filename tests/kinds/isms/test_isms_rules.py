"""ISMS rules and the cross rules that involve the ISMS workbook, as data.

Each case plants one defect in the demo pack (which validates clean) the way a client would, in
a spreadsheet, and names the rule that must find it and the cell it must point at.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.helpers import append_record, edit_cell, set_form_field
from tests.paths import AS_OF
from toolkit.engagement import demo
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook

FILES = {"isms": "isms.xlsx", "soa": "soa.xlsx", "roadmap": "roadmap.xlsx"}
KEYS = {
    "Context": "Issue ID",
    "Interested Parties": "Party ID",
    "Objectives": "Objective ID",
    "Documents": "Document ID",
    "Audit Programme": "Audit ID",
    "Nonconformities": "NC ID",
    "Management Reviews": "Review ID",
    "Review Actions": "Action ID",
    "Statement of Applicability": "Control ID",
    "Phase 5 - Certification Audit": "Task ID",
}
PAST = dt.datetime(2026, 1, 5)
HELD = dt.datetime(2026, 11, 2)

Edit = tuple[Any, ...]
# (id, edits, code, where the finding must point, its key, the day judged)
#   edits:  ("cell", file, sheet, key, column, value) | ("field", file, sheet, label, value)
#           ("append", file, sheet, values) | ("clear", file, sheet)
#   where:  ("cell", file, sheet, key, column) | ("field", file, sheet, label) | ("none", file)
CASES: list[tuple[str, list[Edit], str, tuple[Any, ...], str | None, dt.date]] = [
    (
        "climate-undetermined",
        [("field", "isms", "Context", "Climate Change Relevant", None)],
        "ISMS001",
        ("field", "isms", "Context", "Climate Change Relevant"),
        None,
        AS_OF,
    ),
    (
        "climate-no-rationale",
        [("field", "isms", "Context", "Climate Change Rationale", None)],
        "ISMS002",
        ("field", "isms", "Context", "Climate Change Rationale"),
        None,
        AS_OF,
    ),
    (
        "climate-relevant-not-followed",
        [
            ("cell", "isms", "Context", "C-06", "Category", "Suppliers"),
            ("cell", "isms", "Context", "C-06", "Issue", "Heatwaves at the data centres"),
            ("cell", "isms", "Interested Parties", "P-01", "Climate-related Requirements", None),
            ("cell", "isms", "Interested Parties", "P-04", "Climate-related Requirements", None),
        ],
        "ISMS003",
        ("field", "isms", "Context", "Climate Change Relevant"),
        None,
        AS_OF,
    ),
    (
        "issue-no-owner",
        [("cell", "isms", "Context", "C-03", "Owner", None)],
        "ISMS004",
        ("cell", "isms", "Context", "C-03", "Owner"),
        "C-03",
        AS_OF,
    ),
    (
        "issue-no-response",
        [("cell", "isms", "Context", "C-03", "Response", None)],
        "ISMS005",
        ("cell", "isms", "Context", "C-03", "Response"),
        "C-03",
        AS_OF,
    ),
    (
        "party-no-owner",
        [("cell", "isms", "Interested Parties", "P-02", "Owner", None)],
        "ISMS006",
        ("cell", "isms", "Interested Parties", "P-02", "Owner"),
        "P-02",
        AS_OF,
    ),
    (
        "party-unanswered",
        [("cell", "isms", "Interested Parties", "P-02", "Addressed Through ISMS", None)],
        "ISMS007",
        ("cell", "isms", "Interested Parties", "P-02", "Addressed Through ISMS"),
        "P-02",
        AS_OF,
    ),
    (
        "scope-missing",
        [("field", "isms", "Scope", "Scope Statement", None)],
        "ISMS008",
        ("field", "isms", "Scope", "Scope Statement"),
        None,
        AS_OF,
    ),
    (
        "scope-not-approved",
        [("field", "isms", "Scope", "Approved By", None)],
        "ISMS009",
        ("field", "isms", "Scope", "Approved By"),
        None,
        AS_OF,
    ),
    (
        "exclusion-unjustified",
        [("field", "isms", "Scope", "Exclusions", "The payroll team")],
        "ISMS010",
        ("field", "isms", "Scope", "Exclusion Justification"),
        None,
        AS_OF,
    ),
    (
        "scope-boundary-blank",
        [("field", "isms", "Scope", "Locations", None)],
        "ISMS011",
        ("field", "isms", "Scope", "Locations"),
        None,
        AS_OF,
    ),
    ("no-objectives", [("clear", "isms", "Objectives")], "ISMS012", ("none", "isms"), None, AS_OF),
    (
        "objective-no-target",
        [("cell", "isms", "Objectives", "OBJ-01", "Target", None)],
        "ISMS013",
        ("cell", "isms", "Objectives", "OBJ-01", "Target"),
        "OBJ-01",
        AS_OF,
    ),
    (
        "objective-overdue",
        [("cell", "isms", "Objectives", "OBJ-01", "Due Date", PAST)],
        "ISMS014",
        ("cell", "isms", "Objectives", "OBJ-01", "Status"),
        "OBJ-01",
        AS_OF,
    ),
    (
        "document-no-owner",
        [("cell", "isms", "Documents", "DOC-4.4", "Owner", None)],
        "ISMS015",
        ("cell", "isms", "Documents", "DOC-4.4", "Owner"),
        "DOC-4.4",
        AS_OF,
    ),
    (
        "document-not-approved",
        [("cell", "isms", "Documents", "DOC-5.2", "Approver", None)],
        "ISMS016",
        ("cell", "isms", "Documents", "DOC-5.2", "Approver"),
        "DOC-5.2",
        AS_OF,
    ),
    (
        "document-in-force-blank-status",
        [("cell", "isms", "Documents", "DOC-4.4", "Status", None)],
        "ISMS016",
        ("cell", "isms", "Documents", "DOC-4.4", "Approval Date"),
        "DOC-4.4",
        AS_OF,
    ),
    (
        "document-no-version",
        [("cell", "isms", "Documents", "DOC-5.2", "Version", None)],
        "ISMS017",
        ("cell", "isms", "Documents", "DOC-5.2", "Version"),
        "DOC-5.2",
        AS_OF,
    ),
    (
        "document-review-overdue",
        [("cell", "isms", "Documents", "DOC-5.2", "Next Review", PAST)],
        "ISMS018",
        ("cell", "isms", "Documents", "DOC-5.2", "Next Review"),
        "DOC-5.2",
        AS_OF,
    ),
    ("no-audits", [("clear", "isms", "Audit Programme")], "ISMS019", ("none", "isms"), None, AS_OF),
    (
        "clause-not-audited",
        [("cell", "isms", "Audit Programme", "IA-01", "Scope", "Clauses 4-8; 10")],
        "ISMS020",
        ("cell", "isms", "Audit Programme", "IA-01", "Scope"),
        "9.2.1",
        AS_OF,
    ),
    (
        "audit-no-date",
        [("cell", "isms", "Audit Programme", "IA-02", "Planned Date", None)],
        "ISMS021",
        ("cell", "isms", "Audit Programme", "IA-02", "Planned Date"),
        "IA-02",
        AS_OF,
    ),
    (
        "audit-no-scope",
        [("cell", "isms", "Audit Programme", "IA-02", "Scope", None)],
        "ISMS022",
        ("cell", "isms", "Audit Programme", "IA-02", "Scope"),
        "IA-02",
        AS_OF,
    ),
    (
        "audit-scope-unread",
        [("cell", "isms", "Audit Programme", "IA-01", "Scope", "Clauses 4-10; cloud stuff")],
        "ISMS023",
        ("cell", "isms", "Audit Programme", "IA-01", "Scope"),
        "IA-01",
        AS_OF,
    ),
    (
        "audit-no-auditor",
        [("cell", "isms", "Audit Programme", "IA-03", "Auditor", None)],
        "ISMS024",
        ("cell", "isms", "Audit Programme", "IA-03", "Auditor"),
        "IA-03",
        AS_OF,
    ),
    (
        "auditor-owns-area",
        [("cell", "isms", "Audit Programme", "IA-01", "Auditor", "  isms   MANAGER ")],
        "ISMS025",
        ("cell", "isms", "Audit Programme", "IA-01", "Auditor"),
        "IA-01",
        AS_OF,
    ),
    (
        "auditor-owns-area-role-in-brackets",
        [
            ("cell", "isms", "Audit Programme", "IA-01", "Area Owner", "Head of Security & Compliance (Elena Kowalczyk)"),
            ("cell", "isms", "Audit Programme", "IA-01", "Auditor", "kowalczyk, elena"),
        ],
        "ISMS025",
        ("cell", "isms", "Audit Programme", "IA-01", "Auditor"),
        "IA-01",
        AS_OF,
    ),
    (
        "audit-no-area-owner",
        [("cell", "isms", "Audit Programme", "IA-01", "Area Owner", None)],
        "ISMS026",
        ("cell", "isms", "Audit Programme", "IA-01", "Area Owner"),
        "IA-01",
        AS_OF,
    ),
    (
        "audit-completed-no-report",
        [("cell", "isms", "Audit Programme", "IA-01", "Status", "Completed")],
        "ISMS027",
        ("cell", "isms", "Audit Programme", "IA-01", "Report Reference"),
        "IA-01",
        AS_OF,
    ),
    (
        "audit-overdue",
        [("cell", "isms", "Audit Programme", "IA-01", "Planned Date", dt.datetime(2026, 11, 2))],
        "ISMS028",
        ("cell", "isms", "Audit Programme", "IA-01", "Status"),
        "IA-01",
        AS_OF,
    ),
    (
        "nc-no-root-cause",
        [("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Root Cause", None)],
        "ISMS029",
        ("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Root Cause"),
        "NC-HA-HR-02",
        AS_OF,
    ),
    (
        "nc-closed-unverified",
        [("cell", "isms", "Nonconformities", "NC-HA-AC-04", "Verification Date", None)],
        "ISMS030",
        ("cell", "isms", "Nonconformities", "NC-HA-AC-04", "Verification Date"),
        "NC-HA-AC-04",
        AS_OF,
    ),
    (
        "nc-names-no-such-audit",
        [
            ("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Source", "Internal audit"),
            ("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Audit ID", "IA-09"),
        ],
        "ISMS031",
        ("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Audit ID"),
        "NC-HA-HR-02",
        AS_OF,
    ),
    (
        "nc-overdue",
        [("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Due Date", PAST)],
        "ISMS032",
        ("cell", "isms", "Nonconformities", "NC-HA-HR-02", "Due Date"),
        "NC-HA-HR-02",
        AS_OF,
    ),
    ("no-review", [("clear", "isms", "Management Reviews")], "ISMS033", ("none", "isms"), None, AS_OF),
    (
        "review-no-date",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", None)],
        "ISMS034",
        ("cell", "isms", "Management Reviews", "MR-01", "Date"),
        "MR-01",
        AS_OF,
    ),
    (
        "review-held-no-top-management",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", HELD)],
        "ISMS035",
        ("cell", "isms", "Management Reviews", "MR-01", "Top Management Present"),
        "MR-01",
        AS_OF,
    ),
    (
        "review-held-input-missing",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", HELD)],
        "ISMS036",
        ("cell", "isms", "Management Reviews", "MR-01", "Interested Party Changes"),
        "MR-01",
        AS_OF,
    ),
    (
        "review-held-no-decisions",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", HELD)],
        "ISMS037",
        ("cell", "isms", "Management Reviews", "MR-01", "Decisions"),
        "MR-01",
        AS_OF,
    ),
    (
        "action-no-owner",
        [
            (
                "append",
                "isms",
                "Review Actions",
                {
                    "Action ID": "RA-01",
                    "Review ID": "MR-01",
                    "Action": "Budget for a second security engineer",
                    "Due Date": dt.datetime(2027, 6, 1),
                },
            )
        ],
        "ISMS038",
        ("cell", "isms", "Review Actions", "RA-01", "Owner"),
        "RA-01",
        AS_OF,
    ),
    (
        "action-unknown-review",
        [
            (
                "append",
                "isms",
                "Review Actions",
                {
                    "Action ID": "RA-01",
                    "Review ID": "MR-09",
                    "Action": "Re-audit A.8.8",
                    "Owner": "CTO",
                    "Due Date": dt.datetime(2027, 6, 1),
                },
            )
        ],
        "ISMS039",
        ("cell", "isms", "Review Actions", "RA-01", "Review ID"),
        "RA-01",
        AS_OF,
    ),
    (
        "proposal-unconfirmed",
        [("cell", "isms", "Context", "C-03", "Response", "To confirm: supplier reviews (A.5.22)")],
        "ISMS040",
        ("cell", "isms", "Context", "C-03", "Response"),
        "C-03",
        AS_OF,
    ),
    (
        "document-control-no-owner",
        [("field", "isms", "Document Control", "Owner", None)],
        "ISMS041",
        ("field", "isms", "Document Control", "Owner"),
        None,
        AS_OF,
    ),
    (
        "audit-id-repeated",
        [("cell", "isms", "Audit Programme", "IA-02", "Audit ID", "ia-01")],
        "ISMS042",
        ("cell", "isms", "Audit Programme", "ia-01", "Audit ID"),
        "ia-01",
        AS_OF,
    ),
    (
        "record-no-location",
        [
            ("cell", "isms", "Documents", "DOC-7.2", "Status", "Approved"),
            ("cell", "isms", "Documents", "DOC-7.2", "Location", None),
        ],
        "ISMS043",
        ("cell", "isms", "Documents", "DOC-7.2", "Location"),
        "DOC-7.2",
        AS_OF,
    ),
    (
        "soa-cites-unregistered",
        # The SoA cites the policies its evidence names, and the register holds them: cite one it does not.
        [("cell", "soa", "Statement of Applicability", "A.5.19", "Policy / Procedure", "Supplier Exit Procedure v1.0")],
        "XWB010",
        ("cell", "soa", "Statement of Applicability", "A.5.19", "Policy / Procedure"),
        "A.5.19",
        AS_OF,
    ),
    (
        "applicable-not-audited",
        [("cell", "isms", "Audit Programme", "IA-02", "Scope", "A.8.6")],
        "XWB011",
        ("scope", "isms"),
        None,
        AS_OF,
    ),
    (
        "audit-after-stage-1",
        [("cell", "isms", "Audit Programme", "IA-04", "Planned Date", dt.datetime(2027, 6, 1))],
        "XWB012",
        ("cell", "isms", "Audit Programme", "IA-04", "Planned Date"),
        "IA-04",
        AS_OF,
    ),
    (
        "stage-1-begun-audit-not-done",
        [],
        "XWB012",
        ("cell", "isms", "Audit Programme", "IA-01", "Status"),
        "IA-01",
        dt.date(2027, 5, 24),
    ),
    (
        "no-stage-1-in-roadmap",
        [
            (
                "cell",
                "roadmap",
                "Phase 5 - Certification Audit",
                "P5-02",
                "Task",
                "Documentation review by the certification body",
            ),
            ("cell", "roadmap", "Phase 5 - Certification Audit", "P5-02", "Deliverable", "Report"),
        ],
        "XWB012",
        ("none", "roadmap"),
        None,
        AS_OF,
    ),
    (
        "review-after-stage-1",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", dt.datetime(2027, 6, 1))],
        "XWB013",
        ("cell", "isms", "Management Reviews", "MR-01", "Date"),
        "MR-01",
        AS_OF,
    ),
    (
        "review-before-the-audit",
        [("cell", "isms", "Management Reviews", "MR-01", "Date", dt.datetime(2027, 4, 13))],
        "XWB013",
        ("cell", "isms", "Management Reviews", "MR-01", "Date"),
        "MR-01",
        AS_OF,
    ),
]


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("isms") / "pack"
    assert demo(folder).report.exit_code == 0
    return folder


def _apply(folder: Path, edit: Edit) -> None:
    what, file = edit[0], folder / FILES[edit[1]]
    if what == "cell":
        _, _, sheet, key, column, value = edit
        edit_cell(file, sheet, key, column, value, KEYS[sheet])
    elif what == "field":
        _, _, sheet, label, value = edit
        set_form_field(file, sheet, label, value)
    elif what == "append":
        _, _, sheet, values = edit
        append_record(file, sheet, values, KEYS[sheet])
    elif what == "clear":
        sheet = edit[2]
        table = read_workbook(file).tables[sheet]
        wb = openpyxl.load_workbook(file)
        for rec in sorted(table.records, key=lambda r: -r.row):
            wb[sheet].delete_rows(rec.row)
        wb.save(file)


def _expected_cell(folder: Path, where: tuple[Any, ...]) -> str | None:
    if where[0] in ("none", "scope"):
        return None
    book = read_workbook(folder / FILES[where[1]])
    if where[0] == "field":
        return book.forms[where[2]].cells[where[3]]
    _, _, sheet, key, column = where
    rec = next(r for r in book.records(sheet) if r.get(KEYS[sheet]) == key)
    return rec.cell(column)


@pytest.mark.parametrize(("case", "edits", "code", "where", "key", "as_of"), CASES, ids=[c[0] for c in CASES])
def test_planted_defect_found_at_its_cell(
    pack: Path, tmp_path: Path, case: str, edits: list[Edit], code: str, where: tuple[Any, ...], key: str | None, as_of: dt.date
) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(pack, folder)
    for edit in edits:
        _apply(folder, edit)
    report = validate(folder, as_of=as_of)
    target = str(folder / FILES[where[1]])
    found = [f for fr in report.files if fr.path == target for f in fr.findings if f.code == code]
    assert found, (case, [(f.code, f.cell) for fr in report.files for f in fr.findings][:20])
    if where[0] == "scope":  # a missing control points at the Scope cell of the audit it belongs in
        assert any(f.column == "Scope" and f.cell and f.key for f in found), found
        return
    cell = _expected_cell(folder, where)
    assert any(f.cell == cell and (key is None or f.key == key) for f in found), (case, cell, found)


def test_the_demo_pack_is_clean(pack: Path) -> None:
    report = validate(pack, as_of=AS_OF)
    assert [(fr.path, f.code, f.cell) for fr in report.files for f in fr.findings] == []
    # The six workbooks and the client's SOC 2 matrix (a folder run checks CSVs too).
    assert len(report.files) == 7


def test_two_isms_workbooks_in_one_folder_are_not_checked_against_the_others(pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(pack, folder)
    shutil.copy(folder / "isms.xlsx", folder / "isms_v2.xlsx")
    report = validate(folder, as_of=AS_OF)
    warned = {Path(fr.path).name for fr in report.files for f in fr.findings if f.code == "XWB001"}
    assert warned == {"isms.xlsx", "isms_v2.xlsx"}
