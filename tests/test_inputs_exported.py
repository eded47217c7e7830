"""Hand-made SSDA903 returns in the layout LAs export (tests/fixtures/inputs_exported/returns).

Kent (886), two returns (2023 and 2024), every 903 table, no LA column (``--la 886``), no
``UASC`` in the header (a ``uasc`` table instead), no ``PL_LA`` (a ``postcode_lookup.csv`` of
districts), codes ``CUSTOD`` and ``P3``. The children, worked by hand:

* A1 (boy, born 1 May 2010): 2022-23 placements from 10 May 2022 (U1), 1 September 2022
  (U4, the U1 placement ended CARPL) and 20 February 2023 (K2, the U4 ended CUSTOD): 2 moves
  in 2023. A new placement on 15 June 2023 (U1): 1 move in 2024; 3 across the two years.
  Social worker SW01 then SW02 from 1 January 2023: 1 change in 2023. K2's postcode TN1 1AA is
  in no lookup row, so his placement location at 31 March 2023 is "Not known".
* B2 (girl, born 3 March 2006): UASC (the uasc table, DUC 3 March 2024); placed P3 from
  1 December 2022; left care on her 18th birthday (3 March 2024, REC E8): looked after at
  31 March 2023, not at 31 March 2024.
* C3 (boy, born 7 July 2015): episode open at 31 March 2023 in the 2023 return; the 2024
  return has his header row but no episode. The 2024 return decides: he is not looked after
  at 31 March 2024 (his episode is ended at the end of 2022-23).
* D4 (girl, born 12 December 2012): from 1 May 2023, moved 1 August 2023: 1 move in 2024.
* E5 (boy, born 9 September 2009): from 10 October 2023, no move.

Cohorts (looked after at 31 March): 2023 = A1, B2, C3; 2024 = A1, D4, E5.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixtures.inputs.editing import read_rows, set_cell, write_rows

from pipeline.inputs import load
from pipeline.inputs.spec import SPEC_PAGE
from pipeline.measures import compute_measures

RETURNS = Path(__file__).parent / "fixtures" / "inputs_exported" / "returns"


def copy_returns(tmp_path: Path) -> Path:
    root = tmp_path / "returns"
    shutil.copytree(RETURNS, root)
    return root


def problems(report) -> list[tuple]:  # noqa: ANN001
    """``(rule, file, row, column, value)`` of every problem, in report order."""
    frame = report.problems
    return [
        (rule, file, None if pd.isna(row) else int(row), None if pd.isna(col) else col,
         None if pd.isna(value) else value)
        for rule, file, row, col, value in zip(
            frame["rule"], frame["file"], frame["row"], frame["column"], frame["value"],
            strict=True,
        )
    ]  # fmt: skip


def cohort(tables, year: int) -> list[str]:  # noqa: ANN001
    children = compute_measures(tables).children
    rows = children[(children["PERIOD"] == "1y") & (children["YEAR"] == year)]
    return sorted(rows["CHILD"])


@pytest.fixture(scope="module")
def valid():  # noqa: ANN201
    tables, report = load(RETURNS, la="886")
    assert tables is not None, report.to_text()
    return tables, report, compute_measures(tables).children


def test_exported_returns_give_no_errors(valid) -> None:  # noqa: ANN001
    _, report, _ = valid
    assert problems(report) == [("HEADER_WITHOUT_EPISODE", "2024/header.csv", 4, "CHILD", "C3")]
    text = report.to_text()
    assert "Read 8 file(s), 29 row(s): 0 error(s), 1 warning(s)." in text
    assert (
        "Not used: 14 file(s): ad1, missing, oc2, oc3, placed_for_adoption, "
        "previous_permanence, reviews: 903 tables read, not used"
    ) in text


def test_uasc_and_placement_la_are_derived(valid) -> None:  # noqa: ANN001
    tables, _, children = valid
    uasc = tables.header.set_index(["YEAR", "CHILD"])["UASC"]
    assert uasc.to_dict() == {
        (2023, "A1"): "0", (2023, "B2"): "1", (2023, "C3"): "0",
        (2024, "A1"): "0", (2024, "B2"): "1", (2024, "C3"): "0", (2024, "D4"): "0",
        (2024, "E5"): "0",
    }  # fmt: skip
    b2 = children[(children["CHILD"] == "B2") & (children["PERIOD"] == "1y")].iloc[0]
    assert b2["uasc"] == "Unaccompanied asylum-seeking child"
    assert b2["placement_type_group"] == "Other placements"  # P3
    a1 = children[(children["CHILD"] == "A1") & (children["YEAR"] == 2023)].iloc[0]
    assert a1["placement_location"] == "Not known"  # TN1 1AA is not in the lookup
    assert a1["placement_type_group"] == "Children's homes and secure units"  # K2


def test_hand_worked_cohorts_and_moves(valid) -> None:  # noqa: ANN001
    _, _, children = valid
    one_year = children[children["PERIOD"] == "1y"].set_index(["YEAR", "CHILD"])
    assert sorted(one_year.index) == [
        (2023, "A1"), (2023, "B2"), (2023, "C3"), (2024, "A1"), (2024, "D4"), (2024, "E5"),
    ]  # fmt: skip
    assert one_year["placement_moves"].to_dict() == {
        (2023, "A1"): 2, (2023, "B2"): 0, (2023, "C3"): 0,
        (2024, "A1"): 1, (2024, "D4"): 1, (2024, "E5"): 0,
    }  # fmt: skip
    assert one_year.loc[(2023, "A1"), "sw_changes"] == 1
    two = children[(children["PERIOD"] == "2y") & (children["CHILD"] == "A1")]
    assert two["placement_moves"].tolist() == [3]


def test_the_years_own_return_decides_who_is_looked_after(valid) -> None:  # noqa: ANN001
    tables, report, _ = valid
    assert report.ended_not_in_return.values.tolist() == [["886", 2024, "C3"]]
    c3 = tables.episodes[tables.episodes["CHILD"] == "C3"]
    assert c3["DEC"].tolist() == [pd.Timestamp("2023-04-01")]


def test_a_folder_named_by_the_start_year_is_one_error_each(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    (root / "2023").rename(root / "2022")
    (root / "2024").rename(root / "2023")
    tables, report = load(root, la="886")
    assert tables is None
    found = [p for p in problems(report) if p[0] != "HEADER_WITHOUT_EPISODE"]
    assert found == [
        ("YEAR_FOLDER_START", "2022/episodes.csv", None, "DECOM",
         "this looks like the 2022-23 return (collection year 2023): rename the folder 2023"),
        ("YEAR_FOLDER_START", "2023/episodes.csv", None, "DECOM",
         "this looks like the 2023-24 return (collection year 2024): rename the folder 2024"),
    ]  # fmt: skip


def test_a_folder_that_is_not_a_year_is_an_error(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    shutil.copytree(root / "2023", root / "2021-22")
    tables, report = load(root, la="886")
    assert tables is None
    errors = report.problems[report.problems["severity"] == "error"]
    assert errors[["rule", "file", "value"]].values.tolist() == [
        ["YEAR_FOLDER", "2021-22", "2021-22 (rename it 2022)"]
    ]


def test_a_short_year_date_is_one_error(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    set_cell(root, "2024/episodes.csv", 2, "DEC", "15/06/23")
    _, report = load(root, la="886")
    errors = report.problems[report.problems["severity"] == "error"]
    assert errors[["rule", "file", "row", "column", "value"]].values.tolist() == [
        ["DATE_FORMAT", "2024/episodes.csv", 2, "DEC", "15/06/23"]
    ]


def test_overlapping_episodes_are_left_out_with_exclude_invalid(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    # D4's first placement now ends after the second began
    set_cell(root, "2024/episodes.csv", 5, "DEC", "01/09/2023")
    tables, report = load(root, la="886")
    assert tables is None
    overlap = [p for p in problems(report) if p[0] == "EPISODES_OVERLAP"]
    assert overlap == [("EPISODES_OVERLAP", "2024/episodes.csv", 6, "DECOM", "2023-08-01")]

    tables, report = load(root, la="886", exclude_invalid=True)
    assert tables is not None
    assert report.excluded_summary() == (
        "Left out (--exclude-invalid): 1 child(ren) with errors (EPISODES_OVERLAP 1)."
    )
    assert tables.excluded_per_la_year.values.tolist() == [["886", 2024, 1]]
    assert cohort(tables, 2024) == ["A1", "E5"]
    assert "D4" not in set(tables.episodes["CHILD"]) | set(tables.header["CHILD"])


def test_missing_column_and_unknown_code_link_to_the_specification(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    header, rows = read_rows(root / "2024" / "episodes.csv")
    index = header.index("RNE")
    write_rows(
        root / "2024" / "episodes.csv",
        header[:index] + header[index + 1 :],
        [row[:index] + row[index + 1 :] for row in rows],
    )
    set_cell(root, "2023/episodes.csv", 2, "PLACE", "Q9")
    _, report = load(root, la="886")
    messages = report.problems.set_index("rule")["message"]
    assert SPEC_PAGE in messages["MISSING_COLUMN"]
    assert SPEC_PAGE in messages["CODE_PLACE"]


def test_la_report_with_exclude_invalid_says_what_was_left_out(
    tmp_path: Path, sample_package: Path
) -> None:
    from pipeline.self_service import build_la_report

    root = copy_returns(tmp_path)
    set_cell(root, "2024/episodes.csv", 5, "DEC", "01/09/2023")
    package = sample_package
    report = tmp_path / "report.html"
    explain = tmp_path / "explain.csv"
    assert build_la_report(root, la="886", compare=package, report=report, publish=False,
                           explain=explain) == 1  # fmt: skip
    code = build_la_report(root, la="886", compare=package, report=report, publish=False,
                           explain=explain, exclude_invalid=True)  # fmt: skip
    assert code == 0
    html = report.read_text(encoding="utf-8")
    assert "Left out: error EPISODES_OVERLAP (--exclude-invalid)" in html
    assert "Open episode not in this year&#39;s return" in html or (
        "Open episode not in this year's return" in html
    )
    listed = pd.read_csv(explain, comment="#")
    left_out = listed[listed["counted"] == "Left out"]
    assert left_out[["CHILD", "YEAR", "rule"]].values.tolist() == [
        ["D4", 2024, "error EPISODES_OVERLAP (--exclude-invalid)"]
    ]


def test_a_code_of_other_years_is_a_warning_naming_them(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    # P2 is not a placement type for episodes starting on or after 28 October 2023: E5's
    # placement from 10 October 2023 may be P2; from 1 November 2023 it may not
    set_cell(root, "2024/episodes.csv", 7, "PLACE", "P2")
    _, report = load(root, la="886")
    assert "CODE_NOT_THIS_YEAR" not in set(report.problems["rule"])
    set_cell(root, "2024/episodes.csv", 7, "DECOM", "01/11/2023")
    tables, report = load(root, la="886")
    assert tables is not None
    warned = report.problems[report.problems["rule"] == "CODE_NOT_THIS_YEAR"]
    assert warned[["file", "row", "column", "value", "severity"]].values.tolist() == [
        ["2024/episodes.csv", 7, "PLACE",
         "P2 (valid up to collection year 2025, for episodes starting up to 27 October 2023)",
         "warning"]
    ]  # fmt: skip


def test_a_missing_year_between_returns_is_reported(tmp_path: Path) -> None:
    root = copy_returns(tmp_path)
    (root / "2024").rename(root / "2025")
    _, report = load(root, la="886")
    gap = report.problems[report.problems["rule"] == "YEAR_GAP"]
    assert gap[["file", "LA", "YEAR", "severity"]].values.tolist() == [
        ["2024", "886", 2024, "warning"]
    ]
