"""One deliberately broken input per validation rule, each checked for file, row, column, rule.

Every case starts from a copy of ``tests/fixtures/inputs/valid`` (which loads with no problems)
and makes one small edit; line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from fixtures.inputs.editing import append_row, copy_valid, drop_column, set_cell

from pipeline.inputs import load
from pipeline.inputs.code_lists import BY_COLUMN, CODE_LISTS
from pipeline.inputs.problems import RULES_FILE
from pipeline.inputs.rules import RULES
from pipeline.inputs.spec import SPEC_LINK

Edit = Callable[[Path], None]


def located(report, rule: str) -> set[tuple[str, object, object]]:  # noqa: ANN001
    """The (file, row, column) of every problem of ``rule``."""
    rows = report.problems[report.problems["rule"] == rule]
    return {
        (file, None if row is None or row != row else int(row), column)
        for file, row, column in zip(
            rows["file"],
            rows["row"].astype(object).where(rows["row"].notna(), None),
            rows["column"].astype(object).where(rows["column"].notna(), None),
            strict=True,
        )
    }


def test_valid_fixture_has_no_problems(tmp_path: Path) -> None:
    tables, report = load(copy_valid(tmp_path))
    assert report.problems.empty, report.to_text()
    assert tables is not None


# (rule, edit, expected (file, row, column) set, severity)
CASES: list[tuple[str, Edit, set[tuple[str, int | None, str | None]]]] = [
    (
        "MISSING_FILE",
        lambda root: (root / "2024" / "episodes.csv").unlink(),
        {("2024/episodes.csv", None, None)},
    ),
    (
        "MISSING_COLUMN",
        lambda root: drop_column(root, "2023/episodes.csv", "RNE"),
        {("2023/episodes.csv", 1, "RNE")},
    ),
    (
        "DATE_FORMAT",
        lambda root: set_cell(root, "2024/episodes.csv", 3, "DECOM", "31/02/2024"),
        {("2024/episodes.csv", 3, "DECOM")},
    ),
    (
        "MISSING_VALUE",
        lambda root: set_cell(root, "2023/header.csv", 3, "DOB", " "),
        {("2023/header.csv", 3, "DOB")},
    ),
    (
        "LA_UNKNOWN",
        lambda root: set_cell(root, "2023/header.csv", 4, "LA", "999"),
        {("2023/header.csv", 4, "LA")},
    ),
    (
        "CODE_RNE",
        lambda root: set_cell(root, "2024/episodes.csv", 3, "RNE", "Q"),
        {("2024/episodes.csv", 3, "RNE")},
    ),
    (
        "CODE_LS",
        lambda root: set_cell(root, "2023/episodes.csv", 4, "LS", "V9"),
        {("2023/episodes.csv", 4, "LS")},
    ),
    (
        "CODE_PLACE",
        lambda root: set_cell(root, "2023/episodes.csv", 2, "PLACE", "U9"),
        {("2023/episodes.csv", 2, "PLACE")},
    ),
    (
        "CODE_PLACE_PROVIDER",
        lambda root: set_cell(root, "2023/episodes.csv", 2, "PLACE_PROVIDER", "PR7"),
        {("2023/episodes.csv", 2, "PLACE_PROVIDER")},
    ),
    (
        "CODE_REC",
        lambda root: set_cell(root, "2023/episodes.csv", 4, "REC", "E99"),
        {("2023/episodes.csv", 4, "REC")},
    ),
    (
        "CODE_REASON_PLACE_CHANGE",
        lambda root: set_cell(root, "2023/episodes.csv", 2, "REASON_PLACE_CHANGE", "MOVED"),
        {("2023/episodes.csv", 2, "REASON_PLACE_CHANGE")},
    ),
    (
        "CODE_SEX",
        lambda root: set_cell(root, "2024/header.csv", 3, "SEX", "X"),
        {("2024/header.csv", 3, "SEX")},
    ),
    (  # F is a SEX code from the 2024-25 return (collection year 2025), not in 2024
        "CODE_NOT_THIS_YEAR",
        lambda root: set_cell(root, "2024/header.csv", 3, "SEX", "F"),
        {("2024/header.csv", 3, "SEX")},
    ),
    (
        "CODE_ETHNIC",
        lambda root: set_cell(root, "2024/header.csv", 2, "ETHNIC", "XXXX"),
        {("2024/header.csv", 2, "ETHNIC")},
    ),
    (
        "CODE_SW_REASON",
        lambda root: set_cell(root, "2023/social_workers.csv", 3, "SW_REASON", "BORED"),
        {("2023/social_workers.csv", 3, "SW_REASON")},
    ),
    (
        "CODE_CENSUS_TERM",
        lambda root: set_cell(root, "2023/school_census.csv", 2, "CENSUS_TERM", "WINTER"),
        {("2023/school_census.csv", 2, "CENSUS_TERM")},
    ),
    (
        "CODE_SEN_PROVISION",
        lambda root: set_cell(root, "2023/school_census.csv", 4, "SEN_PROVISION", "S"),
        {("2023/school_census.csv", 4, "SEN_PROVISION")},
    ),
    (
        "DEC_BEFORE_DECOM",
        lambda root: set_cell(root, "2023/episodes.csv", 4, "DEC", "31/01/2023"),
        {("2023/episodes.csv", 4, "DEC")},
    ),
    (
        "DECOM_AFTER_YEAR",
        lambda root: append_row(
            root,
            "2023/episodes.csv",
            {
                "LA": "202",
                "CHILD": "D1",
                "DECOM": "01/04/2023",
                "RNE": "L",
                "LS": "C2",
                "PLACE": "U3",
            },
        ),  # fmt: skip
        {("2023/episodes.csv", 6, "DECOM")},
    ),
    (
        "DEC_AFTER_YEAR",
        lambda root: set_cell(root, "2023/episodes.csv", 4, "DEC", "01/04/2023"),
        {("2023/episodes.csv", 4, "DEC")},
    ),
    (
        "DEC_BEFORE_YEAR",
        lambda root: append_row(
            root,
            "2024/episodes.csv",
            {
                "LA": "886",
                "CHILD": "C1",
                "DECOM": "10/05/2022",
                "RNE": "S",
                "LS": "C2",
                "PLACE": "U1",
                "DEC": "01/09/2022",
                "REC": "X1",
            },
        ),  # fmt: skip
        {("2024/episodes.csv", 8, "DEC")},
    ),
    (
        "DEC_WITHOUT_REC",
        lambda root: set_cell(root, "2023/episodes.csv", 4, "REC", ""),
        {("2023/episodes.csv", 4, "REC")},
    ),
    (
        "REC_WITHOUT_DEC",
        lambda root: set_cell(root, "2024/episodes.csv", 7, "REC", "E13"),
        {("2024/episodes.csv", 7, "REC")},
    ),
    (
        # C1's second episode starts before the first ends; it is reported on its latest
        # return's row (2024 line 2), the row the measures use
        "EPISODES_OVERLAP",
        lambda root: set_cell(root, "2023/episodes.csv", 2, "DEC", "05/09/2022"),
        {("2024/episodes.csv", 2, "DECOM")},
    ),
    (
        # C2 starts care in 2023-24 with a legal-status change only
        "FIRST_EPISODE_RNE",
        lambda root: set_cell(root, "2024/episodes.csv", 4, "RNE", "L"),
        {("2024/episodes.csv", 4, "RNE")},
    ),
    (
        # previous episode ends the same day but with E13 (left care), not X1
        "FIRST_EPISODE_RNE",
        lambda root: set_cell(root, "2024/episodes.csv", 4, "REC", "E13"),
        {("2024/episodes.csv", 5, "RNE")},
    ),
    (
        "DOB_AFTER_DECOM",
        lambda root: set_cell(root, "2023/header.csv", 3, "DOB", "02/02/2023"),
        {("2023/episodes.csv", 4, "DECOM")},
    ),
    (
        "AGED_18_AT_DECOM",
        lambda root: set_cell(root, "2024/header.csv", 3, "DOB", "20/11/2005"),
        {
            ("2024/episodes.csv", 4, "DECOM"),
            ("2024/episodes.csv", 5, "DECOM"),
            ("2024/episodes.csv", 6, "DECOM"),
        },
    ),  # fmt: skip
    (
        "TEMPORARY_WITH_PROVIDER",
        lambda root: set_cell(root, "2024/episodes.csv", 5, "PLACE_PROVIDER", "PR1"),
        {("2024/episodes.csv", 5, "PLACE_PROVIDER")},
    ),
    (
        "TEMPORARY_WITH_REASON",
        lambda root: set_cell(root, "2024/episodes.csv", 5, "REASON_PLACE_CHANGE", "CARPL"),
        {("2024/episodes.csv", 5, "REASON_PLACE_CHANGE")},
    ),
    (
        "DUPLICATE_HEADER",
        lambda root: append_row(
            root,
            "2024/header.csv",
            {"LA": "886", "CHILD": "C2", "SEX": "2", "DOB": "02/02/2008", "ETHNIC": "WIRI"},
        ),  # fmt: skip
        {("2024/header.csv", 5, "CHILD")},
    ),
    (
        "DUPLICATE_EPISODE",
        lambda root: set_cell(root, "2024/episodes.csv", 5, "DECOM", "20/11/2023"),
        {("2024/episodes.csv", 5, "DECOM")},
    ),
    (
        "DUPLICATE_SW_EPISODE",
        lambda root: append_row(
            root,
            "2024/social_workers.csv",
            {"LA": "886", "CHILD": "C2", "SW_ID": "SW200", "SW_DECOM": "20/11/2023"},
        ),  # fmt: skip
        {("2024/social_workers.csv", 4, "SW_DECOM")},
    ),
    (
        "EPISODE_WITHOUT_HEADER",
        lambda root: set_cell(root, "2024/header.csv", 3, "CHILD", "C9"),
        {
            ("2024/episodes.csv", 4, "CHILD"),
            ("2024/episodes.csv", 5, "CHILD"),
            ("2024/episodes.csv", 6, "CHILD"),
        },
    ),  # fmt: skip
    (
        "HEADER_WITHOUT_EPISODE",
        lambda root: set_cell(root, "2024/header.csv", 3, "CHILD", "C9"),
        {("2024/header.csv", 3, "CHILD")},
    ),
    (
        "SW_DEC_BEFORE_SW_DECOM",
        lambda root: set_cell(root, "2023/social_workers.csv", 2, "SW_DEC", "01/05/2022"),
        {("2023/social_workers.csv", 2, "SW_DEC")},
    ),
    (
        "SW_DECOM_AFTER_YEAR",
        lambda root: append_row(
            root,
            "2023/social_workers.csv",
            {"LA": "886", "CHILD": "C3", "SW_ID": "SW300", "SW_DECOM": "2023-04-02"},
        ),  # fmt: skip
        {("2023/social_workers.csv", 4, "SW_DECOM")},
    ),
    (
        "SW_EPISODES_OVERLAP",
        lambda root: set_cell(root, "2023/social_workers.csv", 2, "SW_DEC", "15/12/2022"),
        {("2024/social_workers.csv", 2, "SW_DECOM")},
    ),
    (
        "UPN_FORMAT",
        lambda root: set_cell(root, "2024/header.csv", 3, "UPN", "A886201200002"),
        {("2024/header.csv", 3, "UPN")},
    ),
    (
        "CENSUS_DATE_OUTSIDE_YEAR",
        lambda root: set_cell(root, "2023/school_census.csv", 3, "CENSUS_DATE", "06/10/2023"),
        {("2023/school_census.csv", 3, "CENSUS_DATE")},
    ),
    (
        "ENTRY_AFTER_CENSUS",
        lambda root: set_cell(root, "2023/school_census.csv", 4, "ENTRY_DATE", "20/01/2023"),
        {("2023/school_census.csv", 4, "ENTRY_DATE")},
    ),
]


@pytest.mark.parametrize(
    ("rule", "edit", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_rule_reports_file_row_and_column(
    tmp_path: Path, rule: str, edit: Edit, expected: set
) -> None:
    root = copy_valid(tmp_path)
    edit(root)
    tables, report = load(root)
    assert located(report, rule) == expected, report.to_text()
    severity = RULES[rule].severity
    assert set(report.problems.loc[report.problems["rule"] == rule, "severity"]) == {severity}
    assert (tables is None) == (report.errors > 0)


def test_every_rule_has_a_case_or_a_dedicated_test() -> None:
    covered = {case[0] for case in CASES} | DEDICATED
    codes_only_by_list = {rule for rule in RULES if rule.startswith("CODE_")}
    missing = set(RULES) - covered - codes_only_by_list
    assert not missing, f"rules without a test: {sorted(missing)}"


def test_every_row_of_the_rules_table_is_read_once() -> None:
    """A row naming a module that does not read it, or a rule id twice, would be lost."""
    table = resources.files("pipeline.data").joinpath(RULES_FILE).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(table)))
    ids = [row["rule"] for row in rows]
    assert len(ids) == len(set(ids))
    generated = {rule for rule in RULES if rule.startswith("CODE_")} - {"CODE_NOT_THIS_YEAR"}
    assert set(ids) == set(RULES) - generated
    assert RULES["MISSING_COLUMN"].message.endswith(f"({SPEC_LINK}).")
    assert "{" not in "".join(rule.message for rule in RULES.values())


def test_code_lists_are_read_with_their_years_dates_and_sources() -> None:
    sex = BY_COLUMN[("header", "SEX")]
    assert sex.labels(2024) == {"1": "Male", "2": "Female"}
    assert sex.labels(2025) == {"M": "Male", "F": "Female", "U": "Not known"}
    place = BY_COLUMN[("episodes", "PLACE")]
    p2 = next(code for code in place.codes if code.code == "P2")
    assert (p2.first_year, p2.last_year, p2.until) == (None, 2025, date(2023, 10, 27))
    assert {code.code for code in place.windowed()} == {
        "H5", "P2", "Z1", "K3", "Z11", "Z12", "Z13", "Z14"
    }  # fmt: skip
    assert place.source == (
        "DfE, Children looked after return (SSDA903) guide, 2022 to 2023, 2023 to 2024, "
        "2024 to 2025 and 2025 to 2026 (placement types; validator rules 146 and 217t)"
    )
    assert [c.column for c in CODE_LISTS][:3] == ["SEX", "ETHNIC", "UASC"]
    assert len(CODE_LISTS) == len(BY_COLUMN) == 14


#: Rules tested in test_inputs_reading.py / test_inputs_report.py rather than in CASES.
DEDICATED = {
    "NO_INPUT", "UNREADABLE_FILE", "BAD_ROW", "LINE_NUMBERS", "ENCODING", "DUPLICATE_COLUMN",
    "UNUSED_COLUMN", "UNUSED_FILE", "MANIFEST", "LA_NOT_GIVEN", "LA_MISMATCH",
    "SW_WITHOUT_HEADER", "LINK_BLANK", "CONTEXT_NOT_NUMBER", "SW_DEC_AFTER_YEAR",
    "YEAR_FOLDER", "LA_FOLDER", "TABLE_TWICE", "YEAR_FOLDER_START", "YEAR_GAP",  # test_inputs_layout, test_inputs_exported
}  # fmt: skip


def test_same_episode_in_two_years_is_not_an_overlap(tmp_path: Path) -> None:
    """The 2023 open episode repeated (now closed) in 2024 is de-duplicated, not overlapping."""
    root = copy_valid(tmp_path)
    _, report = load(root)
    assert "EPISODES_OVERLAP" not in set(report.problems["rule"])
    # ... but an open episode from 2023 that later returns contradict is reported once
    set_cell(root, "2024/episodes.csv", 2, "DEC", "20/01/2024")
    _, report = load(root)
    assert located(report, "EPISODES_OVERLAP") == {("2024/episodes.csv", 3, "DECOM")}


def test_open_previous_episode_overlaps(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    set_cell(root, "2024/episodes.csv", 4, "DEC", "")
    set_cell(root, "2024/episodes.csv", 4, "REC", "")
    _, report = load(root)
    assert located(report, "EPISODES_OVERLAP") == {("2024/episodes.csv", 5, "DECOM")}


def test_first_episode_before_the_data_window_is_not_checked(tmp_path: Path) -> None:
    """D1 started care in 2020, before the first year in the data: RNE is not knowable."""
    root = copy_valid(tmp_path)
    set_cell(root, "2023/episodes.csv", 5, "RNE", "P")
    set_cell(root, "2024/episodes.csv", 7, "RNE", "P")
    _, report = load(root)
    assert "FIRST_EPISODE_RNE" not in set(report.problems["rule"])


def test_sw_dec_after_year(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    set_cell(root, "2024/social_workers.csv", 3, "SW_DEC", "01/04/2024")
    _, report = load(root)
    assert located(report, "SW_DEC_AFTER_YEAR") == {("2024/social_workers.csv", 3, "SW_DEC")}


def test_social_workers_without_header(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    append_row(root, "2024/social_workers.csv", {"LA": "886", "CHILD": "C7", "SW_ID": "S1",
                                                 "SW_DECOM": "01/01/2024"})  # fmt: skip
    tables, report = load(root)
    assert located(report, "SW_WITHOUT_HEADER") == {("2024/social_workers.csv", 4, "CHILD")}
    assert report.errors == 0 and tables is not None
    problem = report.problems[report.problems["rule"] == "SW_WITHOUT_HEADER"].iloc[0]
    assert problem["child"] == "C7" and problem["LA"] == "886" and problem["YEAR"] == 2024


def test_warnings_only_still_return_tables(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    set_cell(root, "2024/episodes.csv", 5, "PLACE_PROVIDER", "PR1")
    tables, report = load(root)
    assert report.errors == 0 and report.warnings == 1
    assert tables is not None
    assert len(tables.episodes) == 10  # nothing dropped


def test_every_problem_of_a_rule_is_reported(tmp_path: Path) -> None:
    """Three bad codes give three problems, not one per column or file."""
    root = copy_valid(tmp_path)
    for line in (2, 3, 4):
        set_cell(root, "2024/episodes.csv", line, "LS", "ZZ")
    _, report = load(root)
    assert located(report, "CODE_LS") == {("2024/episodes.csv", line, "LS") for line in (2, 3, 4)}
    values = report.problems.loc[report.problems["rule"] == "CODE_LS", "value"]
    assert set(values) == {"ZZ"}
