"""The measures catalogue: one definition of every measure, its coverage needs and provisional rule."""

from __future__ import annotations

import pytest

from pipeline.measures import catalogue
from pipeline.measures.catalogue import (
    HEADLINE_MEASURES,
    HIGHER_IS_BETTER,
    MEASURES,
    is_provisional,
    missing_history,
    needs,
    provisional_needs,
)
from pipeline.measures.schema import FLAGS
from pipeline.packaging.reference import measures_frame


def test_headline_measures_and_polarity_in_dfe_order() -> None:
    assert HEADLINE_MEASURES == [
        "placement_2plus",
        "school_midyear",
        "sw_2plus",
        "multiple_any",
        "no_change",
        "long_term_stable",
    ]
    assert set(HIGHER_IS_BETTER) == {"no_change", "long_term_stable"}
    assert [MEASURES[m].order for m in HEADLINE_MEASURES] == [1, 2, 3, 4, 5, 6]


def test_flags_are_every_measure_with_its_label_and_cohort() -> None:
    assert set(FLAGS) == set(MEASURES)
    assert FLAGS["sw_2plus"] == ("2 or more social worker changes", "social_worker")


def test_two_year_period_needs_the_previous_return() -> None:
    available = {"episodes": [2023, 2024]}
    assert missing_history("placement_2plus", "2y", 2024, available) == ()
    missing = missing_history("placement_2plus", "2y", 2023, available)
    assert [(n.source, n.year(2023)) for n in missing] == [("episodes", 2022)]
    assert missing[0].describe(2023) == "the 2022 return (episodes)"


def test_long_term_stability_needs_history_back_to_31_march_y_minus_3() -> None:
    # Returns 2019 to 2024: figures for 2019 and 2020 lack the history; 2021 has it.
    available = {"episodes": range(2019, 2025)}
    assert [n.year(2020) for n in missing_history("long_term_stable", "1y", 2020, available)] == [
        2018
    ]
    assert len(missing_history("long_term_stable", "1y", 2019, available)) == 2
    assert missing_history("long_term_stable", "1y", 2021, available) == ()
    reason = missing_history("long_term_stable", "1y", 2020, available)[0].describe(2020)
    assert reason == "the 2018 return, for the placement history back to 31 March 2017"


def test_school_measures_are_provisional_until_the_next_summer_census() -> None:
    available = {"episodes": [2023, 2024], "school_census": [2023, 2024]}
    assert is_provisional("school_midyear", "1y", 2024, available)
    assert not is_provisional("school_midyear", "1y", 2023, available)
    assert is_provisional("no_change", "1y", 2024, available)
    assert not is_provisional("placement_2plus", "1y", 2024, available)
    (need,) = provisional_needs("school_midyear", "1y", 2024, available)
    assert need.relative() == "school_census Y+1"
    assert "summer school census of 2024 (in the 2025 return)" in need.describe(2024)
    # A provisional figure is not a missing one.
    assert missing_history("school_midyear", "1y", 2024, available) == ()


def test_needs_refuses_a_period_the_measure_is_not_published_for() -> None:
    with pytest.raises(KeyError, match="'multiple_any' is not published for period 'consecutive'"):
        needs("multiple_any", "consecutive")


def test_measures_resource_carries_the_catalogue() -> None:
    frame = measures_frame().set_index("measure")
    assert list(frame.index) == list(MEASURES)
    assert frame.loc["no_change", "polarity"] == "higher is better"
    assert frame.loc["sw_2plus", "headline"] == "true"
    assert frame.loc["sw_1plus", "headline"] == "false"
    assert frame.loc["long_term_stable", "returns_needed"] == (
        "episodes Y-2; episodes Y-1; episodes Y"
    )
    assert frame.loc["school_midyear", "provisional_until"] == "school_census Y+1"
    assert frame.loc["placement_2plus", "provisional_until"] == ""
    assert (
        frame.loc["school_midyear", "short_label"]
        == catalogue.MEASURES["school_midyear"].short_label
    )
