"""derive_comparisons: time series and LA comparison from published (string) cells only."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.aggregate import derive_comparisons
from pipeline.published import EES_TIME_GEOGRAPHY_COLUMNS, PublishedTable

# Four London LAs (region E12000007) and England, measures placement_2plus and no_change.
LAS = {"201": "E09000001", "202": "E09000007", "203": "E09000011", "204": "E09000012"}
PERCENTS_2024 = {  # placement_2plus, no_change
    "201": ("c", "40.000000"),
    "202": ("10.000000", "30.000000"),
    "203": ("20.000000", "x"),
    "204": ("15.000000", "20.000000"),
}
PERCENTS_2023 = {"201": "12.000000", "202": "c", "203": "18.500000", "204": "15.000000"}


def _geo(year: str, level: str, la: str = "") -> dict[str, str]:
    row = dict.fromkeys(EES_TIME_GEOGRAPHY_COLUMNS, "")
    row.update(time_period=year, time_identifier="Reporting year", geographic_level=level,
               country_code="E92000001", country_name="England")  # fmt: skip
    if level != "National":
        row.update(region_code="E12000007", region_name="London")
    if la:
        row.update(old_la_code=la, new_la_code=LAS[la], la_name=la)
    return row


def _stability_row(year: str, level: str, la: str, measure: str, percent: str) -> dict:
    number = "c" if percent == "c" else ("x" if percent == "x" else "9")
    cells = {"cohort": "60", "number": number, "percent": percent}
    filters = {"period": "During the year", "measure": measure, "breakdown_topic": "Total",
               "breakdown": "Total"}  # fmt: skip
    return _geo(year, level, la) | filters | cells | {"percent_lower_ci": percent}


@pytest.fixture(scope="module")
def derived() -> dict[str, PublishedTable]:
    rows = [
        _stability_row("2024", "National", "", "placement_2plus", "14.000000"),
        _stability_row("2024", "National", "", "no_change", "31.000000"),
        _stability_row("2024", "Regional", "", "placement_2plus", "15.500000"),
        _stability_row("2024", "Regional", "", "no_change", "29.000000"),
        _stability_row("2023", "National", "", "placement_2plus", "13.000000"),
    ]
    for la, (placement, no_change) in PERCENTS_2024.items():
        rows.append(_stability_row("2024", "Local authority", la, "placement_2plus", placement))
        rows.append(_stability_row("2024", "Local authority", la, "no_change", no_change))
        rows.append(
            _stability_row("2023", "Local authority", la, "placement_2plus", PERCENTS_2023[la])
        )
    stability = PublishedTable("stability_measures", "", "", pd.DataFrame(rows))
    # 202's neighbours are 201 (suppressed), 203 and 204.
    neighbours = pd.DataFrame(
        [
            _geo("2024", "Local authority", "202")
            | {"neighbour_rank": str(rank), "neighbour_old_la_code": other, "distance": "1.0"}
            for rank, other in enumerate(["201", "203", "204"], start=1)
        ]
    )
    protected = {
        "stability_measures": stability,
        "statistical_neighbours": PublishedTable("statistical_neighbours", "", "", neighbours),
    }
    return derive_comparisons(protected)


def _row(frame: pd.DataFrame, **where) -> pd.Series:
    hit = frame
    for name, value in where.items():
        hit = hit[hit[name] == value]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_change_on_last_year_uses_published_values(derived) -> None:
    series = derived["time_series"].frame
    la = "Local authority"
    # 204: 15 -> 15 = 0 pp; 203: 18.5 -> 20 = +1.5 pp
    assert (
        _row(series, old_la_code="203", measure="placement_2plus", time_period="2024")[
            "change_percentage_points"
        ]
        == "1.500000"
    )
    # 201 suppressed this year, 202 suppressed last year -> c; first year -> z
    for code in ["201", "202"]:
        cell = _row(series, old_la_code=code, measure="placement_2plus", time_period="2024")
        assert cell["change_percentage_points"] == "c"
    first = _row(series, geographic_level=la, old_la_code="204", time_period="2023")
    assert first["change_percentage_points"] == "z" and first["percent_previous_year"] == "z"
    # no_change has no 2023 rows: not applicable
    assert _row(series, old_la_code="204", measure="no_change")["change_percentage_points"] == "z"


def test_neighbour_average_leaves_out_suppressed(derived) -> None:
    comparison = derived["la_comparison"].frame
    camden = _row(comparison, old_la_code="202", measure="placement_2plus")
    # neighbours 201 (c) is left out: mean of 20 and 15 = 17.5 from 2 neighbours
    assert camden["neighbour_average_percent"] == "17.500000"
    assert camden["neighbours_with_data"] == "2"
    # 202 at 10% is the most stable of {202, 203, 204}
    assert camden["rank_among_neighbours"] == "1"
    assert (camden["region_percent"], camden["england_percent"]) == ("15.500000", "14.000000")
    no_neighbours = _row(comparison, old_la_code="203", measure="placement_2plus")
    assert no_neighbours["neighbour_average_percent"] == "x"
    assert no_neighbours["neighbours_with_data"] == "0"


def test_rank_and_quartile_respect_polarity(derived) -> None:
    comparison = derived["la_comparison"].frame
    # placement_2plus (lower is better): 202 10% < 204 15% < 203 20%; 201 suppressed
    ranks = {la: _row(comparison, old_la_code=la, measure="placement_2plus") for la in LAS}
    assert [ranks[la]["rank_among_las"] for la in ["202", "204", "203", "201"]] == [
        "1",
        "2",
        "3",
        "c",
    ]
    assert ranks["202"]["las_ranked"] == "3"
    # bands: floor((rank-1)*4/3) -> 0, 1, 2 -> A, B, C
    assert [ranks[la]["quartile_band"] for la in ["202", "204", "203", "201"]] == [
        "A",
        "B",
        "C",
        "c",
    ]
    # no_change (higher is better): 201 40% > 202 30% > 204 20%; 203 not available
    stable = {la: _row(comparison, old_la_code=la, measure="no_change") for la in LAS}
    assert [stable[la]["rank_among_las"] for la in ["201", "202", "204", "203"]] == [
        "1",
        "2",
        "3",
        "x",
    ]
    assert stable["203"]["quartile_band"] == "x"


def test_la_comparison_columns_constant_lists_the_published_columns() -> None:
    from pipeline.aggregate.comparisons import LA_COMPARISON_COLUMNS, LA_COMPARISON_INDICATORS

    assert LA_COMPARISON_COLUMNS[0] == "measure"
    assert LA_COMPARISON_COLUMNS[1] == "neighbour_set"
    assert LA_COMPARISON_COLUMNS[2:] == [indicator.name for indicator in LA_COMPARISON_INDICATORS]


def test_time_series_carries_the_coverage_status() -> None:
    """A provisional or not available figure of stability_measures stays so in time_series."""
    rows = [
        _stability_row("2023", "National", "", "school_midyear", "12.000000")
        | {"status": "final", "status_note": "z"},
        _stability_row("2024", "National", "", "school_midyear", "9.000000")
        | {"status": "provisional", "status_note": "Provisional: waits for the 2025 return"},
        _stability_row("2024", "National", "", "long_term_stable", "x")
        | {"status": "not available", "status_note": "Not available: needs the 2022 return"},
    ]
    stability = PublishedTable("stability_measures", "", "", pd.DataFrame(rows))
    series = derive_comparisons({"stability_measures": stability})["time_series"]
    frame = series.frame
    assert [i.name for i in series.indicators][-2:] == ["status", "status_note"]
    now = _row(frame, time_period="2024", measure="school_midyear")
    assert now["status"] == "provisional" and float(now["change_percentage_points"]) == -3
    assert _row(frame, time_period="2024", measure="long_term_stable")["status"] == "not available"
    assert _row(frame, time_period="2023", measure="school_midyear")["status"] == "final"


def test_la_comparison_carries_the_la_figures_coverage_status() -> None:
    """The latest year's LA row says whether its figure is final or provisional."""
    note = "Provisional: waits for the 2025 return"
    rows = [
        _stability_row("2024", "National", "", "school_midyear", "9.000000")
        | {"status": "provisional", "status_note": note},
        _stability_row("2024", "Regional", "", "school_midyear", "9.500000")
        | {"status": "provisional", "status_note": note},
        _stability_row("2024", "Local authority", "201", "school_midyear", "8.000000")
        | {"status": "provisional", "status_note": note},
        _stability_row("2024", "Local authority", "202", "placement_2plus", "10.000000")
        | {"status": "final", "status_note": "z"},
    ]
    stability = PublishedTable("stability_measures", "", "", pd.DataFrame(rows))
    compared = derive_comparisons({"stability_measures": stability})["la_comparison"]
    frame = compared.frame
    assert [i.name for i in compared.indicators][-2:] == ["status", "status_note"]
    city = _row(frame, old_la_code="201", measure="school_midyear")
    assert (city["status"], city["status_note"]) == ("provisional", note)
    assert _row(frame, old_la_code="202", measure="placement_2plus")["status"] == "final"
