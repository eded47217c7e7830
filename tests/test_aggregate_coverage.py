"""Hand-worked tests of history coverage and provisional figures (issue 18, part B)."""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate.coverage import (
    FINAL,
    PROVISIONAL,
    UNAVAILABLE,
    apply_coverage,
    source_years,
    status_of,
    with_status,
)
from pipeline.inputs.tables import InputTables
from pipeline.measures.catalogue import PERIODS
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, Indicator, PublishedTable

# An LA whose input holds only the 2023 and 2024 returns (episodes and school census).
TWO_YEARS = {"episodes": {2023, 2024}, "school_census": {2023, 2024}, "social_workers": set()}


def test_long_term_stability_needs_two_earlier_returns() -> None:
    # 2024 needs the 2022 and 2023 returns; 2022 is missing, so both years are not available.
    for year in (2023, 2024):
        status, note = status_of("long_term_stable", "1y", year, TWO_YEARS)
        assert status == UNAVAILABLE
        assert f"the {year - 2} return" in note
        assert f"31 March {year - 3}" in note


def test_two_year_period_needs_the_previous_return() -> None:
    assert status_of("placement_2plus", "2y", 2023, TWO_YEARS)[0] == UNAVAILABLE
    assert status_of("placement_2plus", "2y", 2024, TWO_YEARS) == (FINAL, "z")
    assert status_of("placement_2plus", "1y", 2023, TWO_YEARS) == (FINAL, "z")


def test_school_measures_wait_for_the_next_summer_census() -> None:
    # 2023's moves after the spring census are on the 2024 return's summer census: final.
    assert status_of("school_midyear", "1y", 2023, TWO_YEARS) == (FINAL, "z")
    status, note = status_of("school_midyear", "1y", 2024, TWO_YEARS)
    assert status == PROVISIONAL
    assert "summer school census of 2024 (in the 2025 return)" in note


def _table() -> PublishedTable:
    rows = []
    for level, la in ((LEVEL_NATIONAL, ""), (LEVEL_LA, "201")):
        for year in (2023, 2024):
            for measure, period in (("long_term_stable", "1y"), ("placement_2plus", "2y")):
                rows.append(
                    {"time_period": str(year), "geographic_level": level, "old_la_code": la,
                     "measure": measure, "period": PERIODS[period], "cohort": 12, "number": 11,
                     "percent": 91.7, "percent_lower_ci": 64.6, "percent_upper_ci": 98.5}
                )  # fmt: skip
    return PublishedTable("stability_measures", "t", "d", pd.DataFrame(rows))


def test_apply_coverage_masks_per_la_and_nationally() -> None:
    # Nationally another LA supplied 2021 and 2022, so England's long-term figures stand;
    # LA 201 has only 2023 and 2024, so its long-term figures and first 2-year figure are x.
    years = {
        None: {"episodes": frozenset({2021, 2022, 2023, 2024})},
        "201": {"episodes": frozenset({2023, 2024})},
    }
    out = apply_coverage(_table(), years).frame
    la = out[out["geographic_level"] == LEVEL_LA]
    national = out[out["geographic_level"] == LEVEL_NATIONAL]
    masked = la[la["status"] == UNAVAILABLE]
    assert sorted(zip(masked["measure"], masked["time_period"], strict=True)) == [
        ("long_term_stable", "2023"), ("long_term_stable", "2024"), ("placement_2plus", "2023"),
    ]  # fmt: skip
    for column in ("cohort", "number", "percent", "percent_lower_ci", "percent_upper_ci"):
        assert set(masked[column]) == {"x"}
    assert set(la.loc[la["status"] == FINAL, "percent"]) == {91.7}
    assert set(national["status"]) == {FINAL}
    assert "status" in [i.name for i in apply_coverage(_table(), years).indicators]


def test_source_years_reads_each_source_per_la() -> None:
    header = pd.DataFrame({"LA": ["201", "201", "202"], "YEAR": [2023, 2024, 2024]})
    census = pd.DataFrame({"LA": ["201"], "YEAR": [2024]})
    tables = InputTables(
        header=header, episodes=header.iloc[0:0], social_workers=header.iloc[0:0],
        school_census=census, sw_supplied={("202", 2024)},
    )  # fmt: skip
    years = source_years(tables)
    assert years[None]["episodes"] == {2023, 2024}
    assert years["201"]["school_census"] == {2024}
    assert years["201"]["social_workers"] == frozenset()
    assert years["202"]["social_workers"] == {2024}


def test_a_table_of_two_years_takes_the_worse_status_of_both() -> None:
    # consecutive_years counts this year's and last year's figure: LA 201 (2023 and 2024
    # returns) has no 2022 figure, so 2023 is not available (x); 2024's school figure is
    # provisional (its summer census is in the 2025 return); 2024's placement figure is final
    rows = [
        {"time_period": str(year), "geographic_level": LEVEL_LA, "old_la_code": "201",
         "measure": measure, "cohort": 40, "number_both_years": 3, "percent_again": 25.0}
        for year in (2023, 2024)
        for measure in ("placement_2plus", "school_midyear")
    ]  # fmt: skip
    indicators = [
        Indicator("cohort", "Cohort", kind="count"),
        Indicator("number_both_years", "Both years", kind="count"),
        Indicator("percent_again", "Again", kind="percent"),
    ]
    table = PublishedTable("consecutive_years", "t", "d", pd.DataFrame(rows), indicators=indicators)
    out = with_status(table, {"201": TWO_YEARS}, "1y", previous=True).frame.set_index(
        ["time_period", "measure"]
    )
    assert out.loc[("2023", "placement_2plus"), "status"] == UNAVAILABLE
    assert "the 2022 return" in out.loc[("2023", "placement_2plus"), "status_note"]
    assert set(out.loc[("2023", "school_midyear"), ["cohort", "percent_again"]]) == {"x"}
    assert out.loc[("2024", "placement_2plus"), "status"] == FINAL
    assert out.loc[("2024", "placement_2plus"), "cohort"] == 40
    school = out.loc[("2024", "school_midyear")]
    assert school["status"] == PROVISIONAL and "2025 return" in school["status_note"]


def test_the_two_year_split_takes_the_status_of_its_area_s_two_year_measure() -> None:
    # the split of school moves shares school_any's history: 2023 needs the 2022 return,
    # 2024 waits for the 2025 return's summer census; placement moves in 2024 are final
    rows = [
        {"time_period": str(year), "geographic_level": LEVEL_NATIONAL, "old_la_code": "",
         "area": area, "split": "Total", "number": 30, "percent": 100.0}
        for year in (2023, 2024)
        for area in ("Placement moves", "School moves")
    ]  # fmt: skip
    indicators = [
        Indicator("number", "Number", kind="count"),
        Indicator("percent", "Percent", kind="percent"),
    ]
    table = PublishedTable("two_year_split", "t", "d", pd.DataFrame(rows), indicators=indicators)
    codes = {"Placement moves": "placement_2plus", "School moves": "school_any"}
    out = with_status(table, {None: TWO_YEARS}, "2y", column="area", codes=codes).frame.set_index(
        ["time_period", "area"]
    )
    assert out.loc[("2023", "School moves"), "status"] == UNAVAILABLE
    assert out.loc[("2023", "School moves"), "number"] == "x"
    assert out.loc[("2024", "School moves"), "status"] == PROVISIONAL
    assert out.loc[("2024", "Placement moves"), "status"] == FINAL
