"""two_year_split, placement_moves_distribution, consecutive_years, reasons and data_quality."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_aggregate_children import child, children_frame, input_tables

from pipeline.aggregate.change_reasons import placement_change_reasons, social_worker_change_reasons
from pipeline.aggregate.consecutive import consecutive_years, persistence_ratio
from pipeline.aggregate.data_quality import data_quality
from pipeline.aggregate.distributions import placement_moves_distribution, two_year_split
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL

LA_YEARS = [(la, y) for la in ["886", "841"] for y in (2023, 2024)]
SW = {("886", 2023), ("886", 2024)}


def _row(frame: pd.DataFrame, level: str, la: str = "", **filters) -> pd.Series:
    hit = frame[(frame["geographic_level"] == level) & (frame["time_period"] == "2024")]
    if la:
        hit = hit[hit["old_la_code"] == la]
    for name, value in filters.items():
        hit = hit[hit[name] == value]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_two_year_split_hand_worked() -> None:
    # Kent, 2y: placement moves (first, second) = (1,0) (0,2) (1,1) (0,0) -> one of each split.
    moves = [(1, 0), (0, 2), (1, 1), (0, 0)]
    rows = [
        child(
            "886",
            i,
            period="2y",
            placement_moves_first_year=a,
            placement_moves_second_year=b,
            school_moves_first_year=pd.NA if i == 0 else 0,
            school_moves_second_year=pd.NA if i == 0 else 0,
        )
        for i, (a, b) in enumerate(moves)
    ]
    rows.append(child("841", 1, period="2y", placement_moves_first_year=3))
    table = two_year_split(children_frame(rows), input_tables(LA_YEARS, SW)).frame
    for split in ["No change", "First year only", "Second year only", "Both years"]:
        cell = _row(table, LEVEL_LA, "886", area="Placement moves", split=split)
        assert (cell["number"], cell["percent"]) == (1, 25.0)
    # School moves: child 0 is outside the school cohort, so the Total is 3 children.
    assert _row(table, LEVEL_LA, "886", area="School moves", split="Total")["number"] == 3
    # England placement: Kent 4 + Darlington 1 (first year only) = 5; first year only = 2.
    first = _row(table, LEVEL_NATIONAL, area="Placement moves", split="First year only")
    assert first["number"] == 2 and first["percent"] == pytest.approx(40.0)
    # Darlington has no social worker module: x, and England counts Kent's 4 children only.
    assert (
        _row(table, LEVEL_LA, "841", area="Social worker changes", split="Total")["number"] == "x"
    )
    assert _row(table, LEVEL_NATIONAL, area="Social worker changes", split="Total")["number"] == 4


def test_placement_moves_distribution_bands() -> None:
    counts = [0, 1, 2, 3, 4, 5, 9, 0]
    rows = [child("886", i, placement_moves=n) for i, n in enumerate(counts)]
    table = placement_moves_distribution(children_frame(rows), input_tables(LA_YEARS, SW)).frame
    expected = {"Total": 8, "0": 2, "1": 1, "2 to 3": 2, "4": 1, "5 or more": 2}
    for band, number in expected.items():
        cell = _row(table, LEVEL_LA, "886", period="During the year", moves=band)
        assert cell["number"] == number
        assert cell["percent"] == pytest.approx(100 * number / 8)
    # Darlington has no children in 2024: explicit zeros, percent not applicable.
    assert _row(table, LEVEL_LA, "841", period="During the year", moves="Total")["percent"] == "z"


def test_persistence_ratio_katz() -> None:
    # 10 of 20 flagged last year are flagged again; 8 of 80 others are flagged this year.
    # RR = 0.5 / 0.1 = 5; se = sqrt(1/10 - 1/20 + 1/8 - 1/80) = sqrt(0.1625) = 0.403113
    ratio, lower, upper = persistence_ratio([10], [20], [8], [80])
    assert ratio[0] == pytest.approx(5.0)
    assert lower[0] == pytest.approx(5 * math.exp(-1.959964 * 0.403113), rel=1e-5)
    assert upper[0] == pytest.approx(5 * math.exp(1.959964 * 0.403113), rel=1e-5)
    assert math.isnan(persistence_ratio([0], [20], [8], [80])[0][0])


def test_consecutive_years_counts() -> None:
    # Kent: 4 flagged last year (2 again), 6 not flagged last year (1 flagged this year).
    pattern = [(True, True)] * 2 + [(True, False)] * 2 + [(False, True)] + [(False, False)] * 5
    rows = [
        child("886", i, period="consecutive", placement_2plus_previous_year=b, placement_2plus=a)
        for i, (b, a) in enumerate(pattern)
    ]
    table = consecutive_years(children_frame(rows), input_tables(LA_YEARS, SW)).frame
    cell = _row(table, LEVEL_LA, "886", measure="placement_2plus")
    assert cell["cohort"] == 10
    assert (cell["number_previous_year"], cell["number_both_years"]) == (4, 2)
    assert cell["number_not_before"] == 1
    assert cell["percent_again"] == pytest.approx(50.0)
    assert cell["percent_if_not_before"] == pytest.approx(100 / 6)
    assert cell["persistence_ratio"] == pytest.approx(0.5 / (1 / 6))
    assert _row(table, LEVEL_LA, "841", measure="sw_2plus")["cohort"] == "x"


def _events(rows: list[tuple[str, str, str | None]], counted: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"LA": la, "CHILD": "C1", "YEAR": 2024, "event": e, "reason": r, "counted": counted}
            for la, e, r in rows
        ]
    )


def test_reasons_tables() -> None:
    events = _events(
        [
            ("886", "placement_move", "CARPL"),
            ("886", "placement_move", "CARPL"),
            ("886", "placement_move", "ALLEG"),
            ("886", "placement_move", "PLACE"),
            ("886", "placement_move", None),
            ("841", "placement_move", "CHILD"),
            ("886", "sw_change", "LEFTRL"),
            ("841", "sw_change", "LEFTRL"),
        ]
    )
    # Rows that did not count (kept by the measures step for reconciliation) are ignored.
    events = pd.concat([events, _events([("886", "placement_move", "CARPL")], counted=False)])
    tables = input_tables(LA_YEARS, SW)
    place = placement_change_reasons(events, tables).frame
    # Kent: CARPL 2 + ALLEG 1 = 3 (PLACE and the blank are not published)
    assert _row(place, LEVEL_LA, "886", reason="Total")["number"] == 3
    care_plan = _row(place, LEVEL_LA, "886", reason="Change to or carrying out the care plan")
    assert care_plan["percent"] == pytest.approx(200 / 3)
    assert _row(place, LEVEL_NATIONAL, reason="Total")["number"] == 4
    sw = social_worker_change_reasons(events, tables).frame
    assert _row(sw, LEVEL_LA, "841", reason="Total")["number"] == "x"
    # England covers Kent only (Darlington did not supply the module)
    assert _row(sw, LEVEL_NATIONAL, reason="Social worker left the role")["number"] == 1
    with pytest.raises(ValueError, match="not in the SSDA903 list"):
        placement_change_reasons(_events([("886", "placement_move", "BOGUS")]), tables)


class _Report:
    def warnings_by_la_year(self) -> pd.DataFrame:
        return pd.DataFrame({"LA": ["886"], "YEAR": [2024], "warnings": [3]})


def test_data_quality() -> None:
    rows = [
        child(
            "886", 0, age_group="1 to 4", school_census_match="Under 5 (not in the school cohort)"
        ),
        child("886", 1, age_group="5 to 9", school_census_match="Matched"),
        child("886", 2, age_group="16 and over", school_census_match="Not matched"),
        child(
            "841", 0, age_group="10 to 15", school_census_match="Not matched", in_sw_cohort=False
        ),
    ]
    exclusions = pd.DataFrame(
        {"LA": ["886"], "YEAR": [2024], "reason": ["Short breaks only"], "children": [2]}
    )
    children = children_frame(rows)
    table = data_quality(children, exclusions, input_tables(LA_YEARS, SW), _Report()).frame
    kent = _row(table, LEVEL_LA, "886")
    assert kent["children_looked_after"] == 5  # 3 in the cohort + 2 short breaks only
    assert (kent["school_age_children"], kent["matched_to_school_census"]) == (2, 1)
    assert kent["match_rate"] == pytest.approx(50.0)
    assert kent["match_rate_age_5_to_15"] == pytest.approx(100.0)
    assert (kent["sw_module_supplied"], kent["sw_cohort"]) == ("Yes", 3)
    assert kent["validation_warnings"] == 3
    darlington = _row(table, LEVEL_LA, "841")
    assert (darlington["sw_module_supplied"], darlington["sw_cohort"]) == ("No", "x")
    england = _row(table, LEVEL_NATIONAL)
    assert (england["sw_module_supplied"], england["sw_cohort"]) == ("1", 3)
    assert england["children_looked_after"] == 6
