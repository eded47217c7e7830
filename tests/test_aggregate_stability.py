"""stability_measures and Wilson intervals, checked against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_aggregate_children import child, children_frame, input_tables

from pipeline.aggregate import wilson_interval
from pipeline.aggregate.stability import stability_measures
from pipeline.measures.catalogue import HEADLINE_MEASURES
from pipeline.measures.schema import CHARACTERISTICS, FLAGS
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, LEVEL_REGIONAL

SW_NA = {f: pd.NA for f, (_, c) in FLAGS.items() if c in {"social_worker", "complete_case"}}


def test_wilson_interval_known_values() -> None:
    lower, upper = wilson_interval(np.array([10, 0, 10]), np.array([100, 10, 10]))
    # 10/100: p=0.1, z^2=3.8415; centre=(0.1+0.019207)/1.038415=0.114799;
    # half=1.96*sqrt(0.0009+0.0000960)/1.038415=0.059566 -> 5.52% to 17.44%
    assert lower[0] == pytest.approx(5.5223, abs=1e-3)
    assert upper[0] == pytest.approx(17.4366, abs=1e-3)
    # 0/10: lower 0, upper z^2/n / (1 + z^2/n) = 0.38415/1.38415 = 27.75%
    assert lower[1] == 0.0
    assert upper[1] == pytest.approx(27.7533, abs=1e-3)
    # 10/10 mirrors 0/10
    assert lower[2] == pytest.approx(100 - 27.7533, abs=1e-3)
    assert upper[2] == 100.0


def test_wilson_interval_empty_cohort_and_bad_input() -> None:
    lower, upper = wilson_interval([0], [0])
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    with pytest.raises(ValueError, match="between 0 and its cohort"):
        wilson_interval([5], [4])


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Kent (886) and Medway (887), South East; Darlington (841), North East, no SW module.

    Kent 2024: 10 children, 3 with placement_2plus (2 of them aged 16+), 1 sw_2plus.
    Medway 2024: 5 children, 1 placement_2plus. Darlington 2024: 4 children, 2 placement_2plus.
    2023: Kent 2 children, none flagged (so a 2y period exists for 2024 in Kent only? no: every
    LA has 2023 in the input, so 2y rows exist for every LA with zero children where absent).
    """
    rows = []
    for i in range(10):
        age = "16 and over" if i < 4 else "10 to 15"
        rows.append(child("886", i, placement_2plus=i in (0, 1, 5), sw_2plus=i == 9, age_group=age))
    rows += [child("887", i, placement_2plus=i == 0) for i in range(5)]
    rows += [child("841", i, placement_2plus=i < 2, **SW_NA) for i in range(4)]
    rows += [child("886", 100 + i, year=2023) for i in range(2)]
    rows += [child("886", i, period="2y", placement_2plus=i == 0) for i in range(3)]
    tables = input_tables(
        [(la, y) for la in ["886", "887", "841"] for y in (2023, 2024)],
        sw_supplied={("886", 2023), ("886", 2024), ("887", 2024)},
    )
    return stability_measures(children_frame(rows), tables).frame


def _cell(frame, level, measure, topic="Total", item="Total", year="2024", la="", region="",
          period="During the year"):  # fmt: skip
    hit = frame[
        (frame["geographic_level"] == level)
        & (frame["measure"] == measure)
        & (frame["breakdown_topic"] == topic)
        & (frame["breakdown"] == item)
        & (frame["time_period"] == year)
        & (frame["period"] == period)
        & ((frame["old_la_code"] == la) if la else True)
        & ((frame["region_code"] == region) if region else True)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_hand_worked_counts(table: pd.DataFrame) -> None:
    kent = _cell(table, LEVEL_LA, "placement_2plus", la="886")
    assert (kent["cohort"], kent["number"]) == (10, 3)
    assert kent["percent"] == pytest.approx(30.0)
    # England 2024: 10 + 5 + 4 = 19 children, 3 + 1 + 2 = 6 flagged
    england = _cell(table, LEVEL_NATIONAL, "placement_2plus")
    assert (england["cohort"], england["number"]) == (19, 6)
    assert england["percent"] == pytest.approx(100 * 6 / 19)
    lower, upper = wilson_interval([6], [19])
    assert england["percent_lower_ci"] == pytest.approx(lower[0])
    assert england["percent_upper_ci"] == pytest.approx(upper[0])
    # South East = Kent + Medway = 15 children, 4 flagged
    south_east = _cell(table, LEVEL_REGIONAL, "placement_2plus", region="E12000008")
    assert (south_east["cohort"], south_east["number"]) == (15, 4)
    # Kent aged 16+: 4 children, 2 flagged (children 0 and 1)
    older = _cell(table, LEVEL_LA, "placement_2plus", "Age at 31 March", "16 and over", la="886")
    assert (older["cohort"], older["number"]) == (4, 2)


def test_social_worker_measures_not_available_are_x_and_left_out(table: pd.DataFrame) -> None:
    darlington = _cell(table, LEVEL_LA, "sw_2plus", la="841")
    assert all(darlington[c] == "x" for c in ["cohort", "number", "percent"])
    north_east = _cell(table, LEVEL_REGIONAL, "sw_2plus", region="E12000001")
    assert north_east["cohort"] == "x"
    # England covers Kent (10, 1) and Medway (5, 0) only
    england = _cell(table, LEVEL_NATIONAL, "sw_2plus")
    assert (england["cohort"], england["number"]) == (15, 1)


def test_england_is_the_sum_of_las_and_regions(table: pd.DataFrame) -> None:
    total = table[(table["breakdown_topic"] == "Total") & (table["measure"] == "placement_2plus")]
    for (_year, _period), group in total.groupby(["time_period", "period"]):
        level = group["geographic_level"]
        national = group.loc[level == LEVEL_NATIONAL, "cohort"].sum()
        assert national == group.loc[level == LEVEL_REGIONAL, "cohort"].sum()
        assert national == group.loc[level == LEVEL_LA, "cohort"].sum()


def test_breakdowns_add_up_and_zero_categories_are_explicit(table: pd.DataFrame) -> None:
    national = table[
        (table["geographic_level"] == LEVEL_NATIONAL)
        & (table["time_period"] == "2024")
        & (table["period"] == "During the year")
        & (table["measure"] == "placement_2plus")
    ]
    total = national[national["breakdown_topic"] == "Total"]["number"].iloc[0]
    for topic, categories in CHARACTERISTICS.values():
        items = national[national["breakdown_topic"] == topic]
        assert list(items["breakdown"]) == categories
        assert items["number"].sum() == total
    under_one = national[national["breakdown"] == "Under 1"].iloc[0]
    assert under_one["cohort"] == 0 and under_one["percent"] == "z"


def test_la_breakdowns_every_year_one_year_six_headline_measures(table: pd.DataFrame) -> None:
    la = table[(table["geographic_level"] == LEVEL_LA) & (table["breakdown_topic"] != "Total")]
    years = set(table.loc[table["period"] == "During the year", "time_period"])
    assert set(la["time_period"]) == years
    assert set(la["period"]) == {"During the year"}
    assert set(la["measure"]) == set(HEADLINE_MEASURES)
    topics = {topic for topic, _ in CHARACTERISTICS.values()}
    for measure in HEADLINE_MEASURES:
        assert set(la.loc[la["measure"] == measure, "breakdown_topic"]) == topics
    regional_2023 = table[
        (table["geographic_level"] == LEVEL_REGIONAL) & (table["time_period"] == "2023")
    ]
    assert (regional_2023["breakdown_topic"] != "Total").any()


def test_two_year_period_and_sorting(table: pd.DataFrame) -> None:
    kent = _cell(table, LEVEL_LA, "placement_2plus", la="886", period="Across two years")
    assert (kent["cohort"], kent["number"]) == (3, 1)
    medway = _cell(table, LEVEL_LA, "placement_2plus", la="887", period="Across two years")
    assert medway["cohort"] == 0 and medway["percent"] == "z"
    assert "long_term_stable" not in set(
        table.loc[table["period"] == "Across two years", "measure"]
    )
    assert list(table["time_period"]) == sorted(table["time_period"])


def test_unknown_label_is_a_clear_error() -> None:
    frame = children_frame([child("886", 1, gender="Unknown")])
    with pytest.raises(ValueError, match="'gender'.*Unknown"):
        stability_measures(frame, input_tables([("886", 2024)]))
