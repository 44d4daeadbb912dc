"""Workbooks given together: the sample pack is clean; each planted cross defect is found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import edit_cell, soa_col, write_sample_pack
from tests.paths import AS_OF
from toolkit.cli import main
from toolkit.kinds.gap.model import ANNEX
from toolkit.kinds.risk.model import REGISTER
from toolkit.kinds.soa.build import SHEET
from toolkit.validation import validate


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    write_sample_pack(folder)
    return folder


@pytest.fixture()
def pack(pack_dir: Path, tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "client"
    shutil.copytree(pack_dir, folder)
    return {"gap": folder / "gap_assessment.xlsx", "risk": folder / "risk_register.xlsx", "soa": folder / "soa.xlsx"}


def findings(pack: dict[str, Path]) -> list[tuple[str, str, str | None, str | None, str | None]]:
    report = validate(list(pack.values()), as_of=AS_OF)
    return [(Path(fr.path).name, f.code, f.sheet, f.cell, f.key) for fr in report.files for f in fr.findings]


def test_sample_pack_is_clean_together(pack: dict[str, Path]) -> None:
    assert findings(pack) == []
    result = CliRunner().invoke(main, ["validate", "--as-of", AS_OF.isoformat(), str(pack["soa"].parent)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("3 files checked: 0 errors, 0 warnings")


def test_excluded_control_a_risk_relies_on(pack: dict[str, Path]) -> None:
    # R-001 is mitigated with A.5.23; the client excludes A.5.23 in the SoA.
    row = edit_cell(pack["soa"], SHEET, "A.5.23", "Applicable", "No")
    edit_cell(pack["soa"], SHEET, "A.5.23", "Implementation Status", "Not applicable")
    edit_cell(pack["soa"], SHEET, "A.5.23", "Justification", "No cloud services used")
    assert ("soa.xlsx", "XWB002", SHEET, f"{soa_col('Applicable')}{row}", "A.5.23") in findings(pack)


def test_soa_cites_a_risk_that_does_not_exist(pack: dict[str, Path]) -> None:
    row = edit_cell(pack["soa"], SHEET, "A.5.1", "Related Risks", "R-001; R-099")
    assert ("soa.xlsx", "XWB003", SHEET, f"{soa_col('Related Risks')}{row}", "A.5.1") in findings(pack)


def test_soa_status_disagrees_with_gap(pack: dict[str, Path]) -> None:
    # A.8.23 is not addressed in the gap assessment; the SoA claims it implemented.
    row = edit_cell(pack["soa"], SHEET, "A.8.23", "Implementation Status", "Implemented")
    assert ("soa.xlsx", "XWB004", SHEET, f"{soa_col('Implementation Status')}{row}", "A.8.23") in findings(pack)
    # Updating the gap rating (with a note) makes them agree again.
    edit_cell(pack["gap"], ANNEX, "A.8.23", "Coverage", "Fully addressed")
    edit_cell(pack["gap"], ANNEX, "A.8.23", "Notes", "DNS filtering on all laptops since 2026-10; see EV-WF-01")
    assert not [f for f in findings(pack) if f[1] == "XWB004"]


def test_soa_implemented_while_an_open_risk_says_the_control_is_missing(pack: dict[str, Path]) -> None:
    """F22: R-006 is in treatment because there is 'No consolidated inventory'; the SoA may not call A.5.9 implemented."""
    row = edit_cell(pack["soa"], SHEET, "A.5.9", "Implementation Status", "Implemented")
    hits = [f for f in findings(pack) if f[1] == "XWB006"]
    assert ("soa.xlsx", "XWB006", SHEET, f"{soa_col('Implementation Status')}{row}", "A.5.9") in hits, hits
    report = validate(list(pack.values()), as_of=AS_OF)
    message = next(f.message for fr in report.files for f in fr.findings if f.code == "XWB006")
    assert "R-006" in message and "inventor" in message


def test_soa_planned_while_the_risk_it_treats_is_treated(pack: dict[str, Path]) -> None:
    """F22: R-026 is Treated and relies on A.8.11; the SoA may not say A.8.11 is only planned."""
    row = edit_cell(pack["soa"], SHEET, "A.8.11", "Implementation Status", "Planned")
    hits = [f for f in findings(pack) if f[1] == "XWB006"]
    assert ("soa.xlsx", "XWB006", SHEET, f"{soa_col('Implementation Status')}{row}", "A.8.11") in hits, hits


def test_a_vulnerability_that_says_a_control_is_weak_is_not_a_contradiction() -> None:
    from toolkit.kinds.cross import missing_controls

    assert missing_controls("No consolidated inventory of information and associated assets", ["A.5.9", "A.5.10"]) == {
        "A.5.9": ["inventory"]
    }
    assert missing_controls("HR documents are shared without classification labels", ["A.5.12", "A.5.13"]) == {
        "A.5.13": ["labels"]
    }
    assert missing_controls("No CCTV on office floors; network cabinet unlocked", ["A.7.1", "A.7.4"]) == {"A.7.4": ["cctv"]}
    assert missing_controls("Impersonation sessions are logged but the logs are not reviewed", ["A.8.15"]) == {}


def test_removed_risk_is_caught_through_the_soa(pack: dict[str, Path]) -> None:
    row = edit_cell(pack["risk"], REGISTER, "R-001", "Risk ID", "R-101")
    found = findings(pack)
    assert any(f[1] == "XWB003" and f[0] == "soa.xlsx" for f in found)
    assert row == 2


def test_other_clients_are_not_mixed(pack: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(pack["soa"], other / "soa.xlsx")
    edit_cell(other / "soa.xlsx", SHEET, "A.5.1", "Related Risks", "R-777")
    report = validate([pack["soa"].parent, other], as_of=AS_OF)
    # the other client has no register beside its SoA: nothing to check it against
    assert not [f for fr in report.files for f in fr.findings if f.code.startswith("XWB")]


def test_two_soas_in_one_folder_is_ambiguous(pack: dict[str, Path]) -> None:
    shutil.copy(pack["soa"], pack["soa"].parent / "soa_v2.xlsx")
    report = validate([pack["soa"].parent], as_of=AS_OF)
    codes = [(Path(fr.path).name, f.code) for fr in report.files for f in fr.findings]
    assert ("soa.xlsx", "XWB001") in codes and ("soa_v2.xlsx", "XWB001") in codes
    assert report.exit_code == 0


def test_a_risk_id_spelled_another_way_is_the_same_risk(pack: dict[str, Path]) -> None:
    """The client writes R001 in the SoA, the register says R-001: the same risk, no XWB003."""
    edit_cell(pack["soa"], SHEET, "A.5.1", "Related Risks", "R001; r 2")
    assert not [f for f in findings(pack) if f[1] == "XWB003"]
    row = edit_cell(pack["soa"], SHEET, "A.5.1", "Related Risks", "R001; R-0999")
    assert ("soa.xlsx", "XWB003", SHEET, f"{soa_col('Related Risks')}{row}", "A.5.1") in findings(pack)
