"""Sites CSV parsing: every case in cases/sites_bad/ names the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.sites_csv import CsvError, format_sites_csv, parse_mapping_csv, parse_sites_csv

CASES = Path(__file__).with_name("cases")
BAD = sorted((CASES / "sites_bad").glob("*.csv"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_sites_csv_names_line_and_problem(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    with pytest.raises(CsvError) as caught:
        parse_sites_csv(path.read_text(encoding="utf-8"), path.name)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_good_csv_keeps_diacritics_and_counts() -> None:
    rows = parse_sites_csv((CASES / "sites_good" / "pre2025.csv").read_text(encoding="utf-8"))
    assert [row.code for row in rows][:3] == ["01", "001", "00001"]
    assert rows[0].name == "Thành phố Hà Nội"
    assert rows[0].parent_code is None
    assert (rows[2].level, rows[2].parent_code, rows[2].staff, rows[2].offices) == (
        "commune", "001", 25, 1,
    )  # fmt: skip


def test_bom_and_crlf_are_accepted() -> None:
    text = "\ufeffcode,name,level,parent_code,staff,offices\r\n01,Hà Nội,province,,,\r\n"
    [row] = parse_sites_csv(text)
    assert (row.code, row.staff, row.offices) == ("01", None, None)


def test_export_format_parses_back() -> None:
    rows = parse_sites_csv((CASES / "sites_good" / "post2025.csv").read_text(encoding="utf-8"))
    again = parse_sites_csv(format_sites_csv(rows))
    assert [(r.code, r.name, r.valid_from) for r in again] == [
        (r.code, r.name, r.valid_from) for r in rows
    ]


def test_mapping_csv() -> None:
    assert parse_mapping_csv("old_code,new_code\n00001,00004\n") == [(2, "00001", "00004")]
    with pytest.raises(CsvError, match="line 2: '1' cannot succeed itself"):
        parse_mapping_csv("old_code,new_code\n1,1\n")
    with pytest.raises(CsvError, match="line 3: old_code and new_code are both required"):
        parse_mapping_csv("old_code,new_code\n1,2\n3,\n")


def test_parent_errors_come_with_the_row_errors_in_line_order() -> None:
    text = (
        "code,name,level,parent_code,staff,offices\n"
        "B,B,district,A,1,1\n"
        "A,A,province,,x,1\n"  # a bad row, yet B's parent
        "C,C,commune,Z,1,1\n"
        "D,D,province,S,1,1\n"  # S is stored, a province: the level twice
        "E,E,commune,S,1,1\n"
    )
    with pytest.raises(CsvError) as caught:
        parse_sites_csv(text, "s.csv", existing={"S": (None, "province")})
    assert caught.value.problems == [
        "line 3: staff must be a whole number ≥ 0, not 'x'",
        "line 4: parent_code 'Z' is not a unit",
        "line 5: 'D': level 'province' twice on its chain of parents"
        " (each level becomes one label)",
    ]
    fixed = text.replace(",x,", ",1,").replace(",Z,", ",S,").replace("D,province", "D,district")
    rows = parse_sites_csv(fixed, existing={"S": (None, "province")})
    assert [r.code for r in rows] == list("BACDE")
