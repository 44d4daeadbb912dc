"""CSV dialect and encoding from the whole file, and rows wider than the header."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clientfiles import LONG, soc2_cp1252, soc2_quoted_comma, soc2_ragged, soc2_semicolon_long
from toolkit.workbook.csvfile import CsvError, decode, ragged, read_csv, sniff


def test_semicolon_with_a_long_first_record(tmp_path: Path) -> None:
    # A sniffer reading the first 8 KB sees no complete record and guesses wrong.
    table = read_csv(soc2_semicolon_long(tmp_path / "m.csv").read_bytes(), 10_000)
    assert (table.delimiter, table.encoding) == (";", "utf-8-sig")
    assert [r[0] for r in table.rows] == ["Control ID", "1.01", "1.02", "1.03", "1.04", "1.05"]
    assert table.rows[1][1] == LONG and table.rows[2][1] == "Control 2, reviewed quarterly"


def test_quoted_comma_does_not_shift_columns(tmp_path: Path) -> None:
    table = read_csv(soc2_quoted_comma(tmp_path / "m.csv").read_bytes(), 10_000)
    assert table.delimiter == ","
    assert table.rows[2] == ["2.02", '=HYPERLINK("http://evil.example","click")', "CC2.2", "Head of IT", "No exceptions noted"]


def test_windows_1252(tmp_path: Path) -> None:
    table = read_csv(soc2_cp1252(tmp_path / "m.csv").read_bytes(), 10_000)
    assert table.encoding == "cp1252"
    assert table.rows[1][1] == "Revue trimestrielle des accès – équipe sécurité" and table.rows[2][1].endswith("€")


def test_utf16_with_bom() -> None:
    text, encoding = decode("Control ID;Test Result\r\n1;Passed\r\n".encode("utf-16"))
    assert encoding == "utf-16" and text.startswith("Control ID")


def test_ragged_row_is_reported_at_its_row(tmp_path: Path) -> None:
    table = read_csv(soc2_ragged(tmp_path / "m.csv").read_bytes(), 10_000)
    assert ragged(table.rows, 0) == [(3, 5, 4)]


def test_trailing_empty_fields_are_not_ragged() -> None:
    table = read_csv(b"a,b\n1,2,,\n3,4\n", 100)
    assert ragged(table.rows, 0) == []


def test_tab_and_ties() -> None:
    assert sniff("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff("a,b;c\n1,2;3\n") == ","  # equally good: the comma wins


def test_cell_limit_and_binary() -> None:
    with pytest.raises(CsvError, match="over the limit"):
        read_csv(b"a,b,c\n" * 100, 50)
    with pytest.raises(CsvError, match="binary"):
        read_csv(b"a,b\x00c\n", 50)
