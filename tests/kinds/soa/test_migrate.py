"""A 2013 SoA carried onto the 2022 controls through the transition table."""

from __future__ import annotations

from toolkit.data import catalog
from toolkit.data.catalog import transition
from toolkit.kinds.soa.migrate import migrate, predecessors, successors


def test_the_transition_covers_every_control_of_both_editions() -> None:
    assert len(successors()) == 114
    annex = catalog.annex_a()
    assert {s.iso2022 for s in transition() if s.iso2022.startswith("A.")} <= set(annex)
    new = [cid for cid, c in annex.items() if c.new_in_2022]
    assert [cid for cid in annex if cid not in predecessors()] == new
    assert {s.relationship for s in transition()} <= set(catalog.RELATIONSHIPS)


def test_merged_controls_combine_what_the_client_wrote() -> None:
    old = [
        {
            "Control ID": "A.9.1.1",
            "Applicable": "Yes",
            "Justification": "Access policy needed",
            "Implementation Status": "Implemented",
            "Evidence Reference": "POL-7",
        },
        {
            "Control ID": "A.9.1.2",
            "Applicable": "Yes",
            "Justification": "Network access rules",
            "Implementation Status": "Planned",
            "Evidence Reference": "POL-7",
        },
        {"Control ID": "A.11.1.4", "Applicable": "No", "Justification": "No premises", "Implementation Status": "Not applicable"},
        {
            "Control ID": "A.12.3.1",
            "Applicable": "Yes",
            "Justification": "Backups",
            "Implementation Status": "Implemented",
            "Related Risks": ["R-1"],
        },
        {"Control ID": "A.99.1.1", "Applicable": "Yes"},
    ]
    result = migrate(old, catalog.annex_a())
    rows = {r["Control ID"]: r for r in result.records}
    assert list(rows) == list(catalog.annex_a())
    assert rows["A.5.15"] == {
        "Control ID": "A.5.15",
        "Applicable": "Yes",
        "Implementation Status": "Partially implemented",
        "Justification": "A.9.1.1: Access policy needed\nA.9.1.2: Network access rules",
        "Evidence Reference": "POL-7",
    }
    assert rows["A.7.5"] == {
        "Control ID": "A.7.5",
        "Applicable": "No",
        "Implementation Status": "Not applicable",
        "Justification": "No premises",
    }
    assert rows["A.8.13"]["Related Risks"] == ["R-1"] and rows["A.8.13"]["Implementation Status"] == "Implemented"
    assert rows["A.5.23"] == {"Control ID": "A.5.23"}  # new in 2022: for the client to decide
    assert "A.5.23" in result.new_controls and len(result.new_controls) == 11
    assert ("A.5.15", ["A.9.1.1", "A.9.1.2"]) in result.merged
    assert result.unknown == ["A.99.1.1"]
    assert "A.18.2.3" in result.missing and "A.9.1.1" not in result.missing
