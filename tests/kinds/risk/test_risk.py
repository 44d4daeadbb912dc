"""Risk register rules as data: a planted defect of each kind is reported at its cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import edit_cell, set_form_field, write_sample_pack
from tests.paths import AS_OF
from toolkit.kinds.risk.model import METHOD, REGISTER
from toolkit.validation import validate
from toolkit.workbook.reader import read_workbook


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample_pack(tmp_path_factory.mktemp("pack"))


@pytest.fixture()
def register(pack: dict[str, Path], tmp_path: Path) -> Path:
    path = tmp_path / "risk_register.xlsx"
    path.write_bytes(pack["risk"].read_bytes())
    return path


# (id, [(risk, column, value)], code, risk, column at fault)
CASES = [
    ("no-owner", [("R-003", "Risk Owner", None)], "RSK001", "R-003", "Risk Owner"),
    ("no-treatment", [("R-004", "Treatment", None)], "RSK002", "R-004", "Treatment"),
    ("bad-treatment", [("R-004", "Treatment", "Ignore")], "WB003", "R-004", "Treatment"),
    ("likelihood-fraction", [("R-005", "Likelihood", 3.5)], "RSK003", "R-005", "Likelihood"),
    ("likelihood-blank", [("R-005", "Likelihood", None)], "RSK003", "R-005", "Likelihood"),
    ("impact-out-of-range", [("R-006", "Impact", 7)], "RSK004", "R-006", "Impact"),
    ("score-typed-over", [("R-007", "Inherent Score", 1)], "RSK005", "R-007", "Inherent Score"),
    ("level-typed-over", [("R-007", "Risk Level", "Low")], "RSK006", "R-007", "Risk Level"),
    ("mitigate-no-plan", [("R-002", "Treatment Plan", None)], "RSK007", "R-002", "Treatment Plan"),
    ("mitigate-no-controls", [("R-002", "Annex A Controls", None)], "RSK008", "R-002", "Annex A Controls"),
    ("unknown-control", [("R-002", "Annex A Controls", "A.8.8; A.12.6.1")], "RSK009", "R-002", "Annex A Controls"),
    (
        "accepted-by-no-one",
        [("R-012", "Escalated Approval By", None), ("R-012", "Accepted By", None)],
        "RSK010",
        "R-012",
        "Accepted By",
    ),
    ("authority-alone-not-authorised", [("R-012", "Escalated Approval By", None)], "RSK012", "R-012", "Accepted By"),
    ("escalated-approval-no-date", [("R-012", "Escalated Approval Date", None)], "RSK011", "R-012", "Escalated Approval Date"),
    (
        "escalated-by-wrong-role",
        [("R-012", "Escalated Approval By", "Office Manager")],
        "RSK012",
        "R-012",
        "Escalated Approval By",
    ),
    ("above-threshold-owner-not-accepting", [("R-012", "Accepted By", None)], "RSK025", "R-012", "Accepted By"),
    ("above-threshold-authority-only", [("R-012", "Accepted By", "ISMS Steering Committee")], "RSK027", "R-012", "Accepted By"),
    (
        "residual-above-inherent",
        [("R-002", "Residual Likelihood", 5), ("R-002", "Residual Impact", 5)],
        "RSK013",
        "R-002",
        "Residual Score",
    ),
    ("residual-out-of-range", [("R-002", "Residual Impact", 0)], "RSK014", "R-002", "Residual Impact"),
    ("residual-typed-over", [("R-002", "Residual Score", 1)], "RSK015", "R-002", "Residual Score"),
    ("duplicate-id", [("R-009", "Risk ID", "r-008")], "RSK016", "R-008", "Risk ID"),
    ("review-overdue", [("R-010", "Last Reviewed", dt.datetime(2024, 1, 31))], "RSK018", "R-010", "Last Reviewed"),
    ("never-reviewed", [("R-010", "Last Reviewed", None)], "RSK018", "R-010", "Last Reviewed"),
    # Clause 6.1.3 f: plan approval and residual acceptance by the owner, per level above the threshold.
    ("plan-unapproved", [("R-002", "Plan Approved By", None)], "RSK022", "R-002", "Plan Approved By"),
    ("plan-approval-undated", [("R-002", "Plan Approval Date", None)], "RSK023", "R-002", "Plan Approval Date"),
    (
        "plan-approved-by-other",
        [("R-002", "Plan Approved By", "Office Manager (Liam Doherty)")],
        "RSK024",
        "R-002",
        "Plan Approved By",
    ),
    ("residual-not-accepted", [("R-002", "Accepted By", None)], "RSK025", "R-002", "Accepted By"),
    ("residual-acceptance-undated", [("R-002", "Acceptance Date", None)], "RSK026", "R-002", "Acceptance Date"),
    ("residual-accepted-by-other", [("R-002", "Accepted By", "Office Manager (Liam Doherty)")], "RSK027", "R-002", "Accepted By"),
    ("treated-without-residual", [("R-003", "Residual Likelihood", None)], "RSK028", "R-003", "Residual Likelihood"),
    ("residual-level-typed-over", [("R-002", "Residual Level", "Low")], "RSK029", "R-002", "Residual Level"),
    # F19: the Critical level names only the CEO; the Steering Committee may not accept a risk left at 20.
    (
        "critical-approved-by-committee",
        [("R-012", "Likelihood", 5), ("R-012", "Impact", 4)],
        "RSK012",
        "R-012",
        "Escalated Approval By",
    ),
    (
        "target-passed",
        [("R-011", "Target Date", dt.datetime(2026, 3, 31)), ("R-011", "Status", "In treatment")],
        "RSK020",
        "R-011",
        "Target Date",
    ),
]


@pytest.mark.parametrize(("name", "edits", "code", "risk", "column"), CASES, ids=[c[0] for c in CASES])
def test_risk_rule_case(
    register: Path, name: str, edits: list[tuple[str, str, object]], code: str, risk: str, column: str
) -> None:
    row = None
    for rid, col, value in edits:
        row = edit_cell(register, REGISTER, rid, col, value)
    letter = "".join(ch for ch in read_workbook(register).records(REGISTER)[0].cells[column] if ch.isalpha())
    findings = validate([register], as_of=AS_OF).files[0].findings
    hits = [f for f in findings if f.code == code and f.key == risk and f.column == column]
    assert hits, [(f.code, f.cell, f.key) for f in findings]
    assert hits[0].cell == f"{letter}{row}" and hits[0].row == row and hits[0].sheet == REGISTER


def test_sample_register_is_clean(register: Path) -> None:
    assert validate([register], as_of=AS_OF).files[0].findings == []


@pytest.mark.parametrize("field", ["Version", "Approved By", "Approval Date"])
def test_methodology_must_be_versioned_and_approved(register: Path, field: str) -> None:
    """F19: a Stage 1 auditor asks for the approved, dated, versioned method."""
    cell = set_form_field(register, METHOD, field, None)
    findings = validate([register], as_of=AS_OF).files[0].findings
    assert [f for f in findings if f.code == "RSK021" and f.sheet == METHOD and f.cell == cell and f.column == field]


def _sample_csv(path: Path, drop: tuple[str, ...], edits: dict[tuple[str, str], str] | None = None) -> Path:
    """The sample register as a CSV another tool might export: without the columns `drop`, with
    `edits` ((risk id, column) -> value) made."""
    import csv
    import io

    from tests.paths import SAMPLE

    rows = list(csv.reader(io.StringIO((SAMPLE / "risk_register.csv").read_text(encoding="utf-8"))))
    header = rows[0]
    for (rid, column), value in (edits or {}).items():
        next(r for r in rows if r[0] == rid)[header.index(column)] = value
    keep = [i for i, name in enumerate(header) if name not in drop]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_register_with_one_signature_per_risk_has_the_authority_sign_above_the_threshold(tmp_path: Path) -> None:
    """F18: above the threshold the authority the level names accepts, alone in Accepted By (another
    tool's register, or ctk's with Escalated Approval By left blank), or in Escalated Approval By
    beside the risk owner's own acceptance, which is then checked too."""
    escalated = ("Escalated Approval By", "Escalated Approval Date")
    one = _sample_csv(tmp_path / "one.csv", escalated, {("R-012", "Accepted By"): "ISMS Steering Committee"})
    codes = {(f.code, f.key) for f in validate([one], as_of=AS_OF).files[0].findings}
    assert not {c for c in codes if c[1] == "R-012"}, codes
    alone = _sample_csv(
        tmp_path / "alone.csv",
        (),
        {
            ("R-012", "Accepted By"): "ISMS Steering Committee",
            ("R-012", "Escalated Approval By"): "",
            ("R-012", "Escalated Approval Date"): "",
        },
    )
    codes = {(f.code, f.key) for f in validate([alone], as_of=AS_OF).files[0].findings}
    assert not {c for c in codes if c[1] == "R-012"}, codes
    blank = _sample_csv(tmp_path / "blank.csv", escalated, {("R-012", "Accepted By"): ""})
    hits = [f for f in validate([blank], as_of=AS_OF).files[0].findings if f.key == "R-012"]
    assert [(f.code, f.column) for f in hits] == [("RSK010", "Accepted By")], hits
    both = _sample_csv(tmp_path / "both.csv", (), {("R-012", "Accepted By"): "ISMS Steering Committee"})
    hits = [f for f in validate([both], as_of=AS_OF).files[0].findings if f.key == "R-012"]
    assert [(f.code, f.column) for f in hits] == [("RSK027", "Accepted By")], hits


def test_a_register_without_the_approval_columns_says_the_rules_did_not_run(tmp_path: Path) -> None:
    """Registers from other tools have no Plan Approved By: one warning each, never a silent pass."""
    path = _sample_csv(tmp_path / "register.csv", ("Plan Approved By", "Plan Approval Date"))
    findings = validate([path], as_of=AS_OF).files[0].findings
    for code in ("RSK022", "RSK023"):
        hits = [f for f in findings if f.code == code]
        assert len(hits) == 1 and hits[0].severity == "warning" and "did not run" in hits[0].message, findings
    assert not [f for f in findings if f.code == "WB002" and f.column in ("Plan Approved By", "Plan Approval Date")]


def test_missing_risk_id(register: Path) -> None:
    row = edit_cell(register, REGISTER, "R-013", "Risk ID", None)
    findings = validate([register], as_of=AS_OF).files[0].findings
    assert any(f.code == "RSK017" and f.row == row and f.cell == f"A{row}" for f in findings)


def test_clients_own_threshold_is_used(register: Path) -> None:
    # R-018 is accepted at 12 with sign-off; R-008 at 8 without needing any. Lower the threshold to 6.
    cell = set_form_field(register, METHOD, "Acceptance Threshold", 6)
    edit_cell(register, REGISTER, "R-008", "Accepted By", None)
    findings = validate([register], as_of=AS_OF).files[0].findings
    assert any(f.code == "RSK010" and f.key == "R-008" for f in findings), findings
    set_form_field(register, METHOD, "Acceptance Threshold", "high")
    findings = validate([register], as_of=AS_OF).files[0].findings
    assert any(f.code == "RSK019" and f.sheet == METHOD and f.cell == cell for f in findings)


def test_clients_own_review_interval_is_used(register: Path) -> None:
    edit_cell(register, REGISTER, "R-010", "Last Reviewed", dt.datetime(2026, 7, 1))
    assert not [f for f in validate([register], as_of=AS_OF).files[0].findings if f.code == "RSK018"]
    set_form_field(register, METHOD, "Review Interval (months)", 3)
    overdue = [f.key for f in validate([register], as_of=AS_OF).files[0].findings if f.code == "RSK018"]
    assert "R-010" in overdue


def test_every_risk_rule_has_a_case() -> None:
    from toolkit.kinds import all_rules as load_all

    covered = {c[2] for c in CASES} | {"RSK017", "RSK019", "RSK021"}
    assert {code for code, r in load_all().items() if r.kind == "risk"} <= covered


def test_a_register_from_another_tool_is_imported(tmp_path: Path) -> None:
    """Registers kept elsewhere name their columns their own way: the same risks come in."""
    from tests.paths import SAMPLE
    from toolkit.kinds.risk.model import import_risks

    text = (SAMPLE / "risk_register.csv").read_text(encoding="utf-8")
    header, body = text.split("\n", 1)
    renamed = {
        "Risk ID": "ID",
        "Likelihood": "Likelihood (1-5)",
        "Impact": "Impact (1-5)",
        "Risk Owner": "Owner",
        "Treatment": "Treatment Option",
    }
    renamed |= {
        "Treatment Plan": "Action Plan",
        "Annex A Controls": "Controls",
        "Target Date": "Due Date",
        "Last Reviewed": "Last Review",
    }
    other = tmp_path / "register_from_grc.csv"
    other.write_text(",".join(renamed.get(h, h) for h in header.split(",")) + "\n" + body, encoding="utf-8")
    assert import_risks(other) == import_risks(SAMPLE / "risk_register.csv")
