"""check_ees: each Explore Education Statistics file rule, on small hand-made files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_packaging_support import stability_table

from pipeline.packaging import check_ees
from pipeline.packaging.ees import (
    check_filter_defaults,
    check_indicator_dp_set,
    filter_default,
    indicator_dp,
    meta_frame,
    read_text_csv,
)
from pipeline.published import Filter, Indicator, PublishedTable


def write_pair(folder: Path, data: pd.DataFrame, meta: pd.DataFrame, name: str = "table") -> Path:
    """Write ``name.csv`` and ``name.meta.csv`` into ``folder`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    data.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    meta.to_csv(folder / f"{name}.meta.csv", index=False, lineterminator="\n")
    return folder


@pytest.fixture
def good() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = stability_table()
    return table.frame[table.columns].copy(), meta_frame(table)


def test_valid_files_have_no_problems(tmp_path: Path, good) -> None:
    data, meta = good
    assert check_ees(write_pair(tmp_path, data, meta)) == []


def test_blank_filter_cell(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[3, "breakdown"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert problems == ["table.csv, rows 5, column breakdown: blank filter cell"]


def test_old_symbols_and_blank_indicators(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[0, "number"] = "~"
    data.loc[1, "percent"] = ":"
    data.loc[2, "cohort"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert any("rows 2, column number: old symbol" in p for p in problems)
    assert any("rows 3, column percent: old symbol" in p for p in problems)
    assert any("rows 4, column cohort: blank indicator cell" in p for p in problems)


def test_duplicate_rows(tmp_path: Path, good) -> None:
    data, meta = good
    data = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    problems = check_ees(write_pair(tmp_path, data, meta))
    last = len(data) + 1
    assert problems == [f"table.csv, rows 2, {last}: duplicate rows (same time, area and filters)"]


def test_additive_filter_without_total(tmp_path: Path, good) -> None:
    data, meta = good
    data = data[data["breakdown"] != "Total"]
    problems = check_ees(write_pair(tmp_path, data.reset_index(drop=True), meta))
    # the Total rows are the only ones with topic Total too: both filters lose their default
    assert problems == [
        f"table.csv, column {column}: no default item 'Total' "
        "(set filter_default to an item of the filter)"
        for column in ["breakdown_topic", "breakdown"]
    ]


def test_headers_and_mandatory_columns(tmp_path: Path, good) -> None:
    data, meta = good
    renamed = data.rename(columns={"breakdown": "Breakdown Item"}).drop(columns=["country_name"])
    meta = meta.replace({"col_name": {"breakdown": "Breakdown Item"}})
    problems = check_ees(write_pair(tmp_path, renamed, meta))
    assert "table.csv, header 'Breakdown Item': not snake_case" in problems
    assert "table.csv: mandatory column(s) missing: country_name" in problems


def test_geography_rules(tmp_path: Path, good) -> None:
    data, meta = good
    national = data.index[data["geographic_level"] == "National"][0]
    la = data.index[data["geographic_level"] == "Local authority"][0]
    data.loc[national, "region_code"] = "E12000008"
    data.loc[la, "old_la_code"] = "88"
    data.loc[la + 1, "la_name"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert (
        f"table.csv, rows {national + 2}, column region_code: must be blank on National rows"
        in (problems)
    )
    assert f"table.csv, rows {la + 2}, column old_la_code: not 3 digits" in problems
    assert f"table.csv, rows {la + 3}, column la_name: blank on Local authority row" in problems


def test_metadata_rules(tmp_path: Path, good) -> None:
    data, meta = good
    extra = pd.DataFrame([{"col_name": "time_period", "col_type": "Filter", "label": "Year"}])
    meta = pd.concat([meta, extra], ignore_index=True).fillna("")
    meta.loc[meta["col_name"] == "number", "label"] = "Children in the cohort"
    meta.loc[meta["col_name"] == "breakdown", "indicator_unit"] = "%"
    meta = meta[meta["col_name"] != "percent"]
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert any(
        "col_name: time/geography column 'time_period' must have no row" in p for p in problems
    )
    assert (
        "table.meta.csv, column label: label 'Children in the cohort' is used more than once"
        in (problems)
    )
    assert any("filter 'breakdown' must carry no unit or dp" in p for p in problems)
    assert "table.meta.csv: column 'percent' of table.csv has no metadata row" in problems


def test_long_filter_item_and_missing_data_file(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[0, "breakdown_topic"] = "x" * 121
    write_pair(tmp_path, data, meta)
    meta.to_csv(tmp_path / "orphan.meta.csv", index=False)
    problems = check_ees(tmp_path)
    assert "orphan.meta.csv: data file orphan.csv is missing" in problems
    assert any("column breakdown_topic: filter item over 120" in p for p in problems)


def test_read_text_csv_keeps_every_cell_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('code,value,note\n001,NA,\n010,1.50,"a, b"\n', encoding="utf-8")
    frame = read_text_csv(path)
    assert frame.to_dict("list") == {
        "code": ["001", "010"],
        "value": ["NA", "1.50"],
        "note": ["", "a, b"],
    }


def test_check_ees_reads_files_through_the_given_reader(tmp_path: Path, good) -> None:
    data, meta = good
    folder = write_pair(tmp_path, data, meta)
    read: list[str] = []

    def recording_reader(path: Path) -> pd.DataFrame:
        read.append(path.name)
        return read_text_csv(path)

    assert check_ees(folder, recording_reader) == []
    assert read == ["table.meta.csv", "table.csv"]


# --- Fit for the EES API: the eesyscreener checks meta_ind_dp_set and filter_defaults ----------


def small_meta(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A ``.meta.csv``-like frame of text cells from a few hand-written rows."""
    columns = ["col_name", "col_type", "indicator_dp", "filter_grouping_column", "filter_default"]
    return pd.DataFrame(rows).reindex(columns=columns).astype(object).fillna("")


def test_meta_rows_state_a_default_and_decimal_places_for_every_column(good) -> None:
    _, meta = good
    filters = meta[meta["col_type"] == "Filter"].set_index("col_name")["filter_default"]
    # period and measure do not add up: they take a chosen item that is in the table
    assert filters.to_dict() == {
        "period": "During the year",
        "measure": "placement_2plus",
        "breakdown_topic": "Total",
        "breakdown": "Total",
    }
    indicators = meta[meta["col_type"] == "Indicator"]
    assert (indicators["indicator_dp"] != "").all()


def test_blank_indicator_dp_is_reported_like_meta_ind_dp_set() -> None:
    meta = small_meta(
        [
            {"col_name": "sex", "col_type": "Filter"},
            {"col_name": "children_count", "col_type": "Indicator", "indicator_dp": "0"},
            {"col_name": "rank", "col_type": "Indicator", "indicator_dp": " "},
            {"col_name": "ratio", "col_type": "Indicator"},
        ]
    )
    assert check_indicator_dp_set(meta, "t") == [
        "t.meta.csv, row 4, column indicator_dp: blank for indicator 'rank' "
        "(the EES API needs the decimal places stated)",
        "t.meta.csv, row 5, column indicator_dp: blank for indicator 'ratio' "
        "(the EES API needs the decimal places stated)",
    ]


def test_filter_defaults_follow_the_screener_rules() -> None:
    data = pd.DataFrame(
        {
            "sex": ["Total", "Male"],
            "measure": ["a", "b"],
            "period": ["Year", "Two years"],
            "age": ["Under 1", "1 to 4"],
            "age_group": ["Young", "Young"],
        }
    )
    meta = small_meta(
        [
            {"col_name": "sex", "col_type": "Filter"},  # blank default: Total, present
            {"col_name": "measure", "col_type": "Filter", "filter_default": "b"},  # present
            {"col_name": "period", "col_type": "Filter", "filter_default": "Three years"},
            # a filter group that is not a filter row of its own defaults to Total
            {
                "col_name": "age",
                "col_type": "Filter",
                "filter_default": "Under 1",
                "filter_grouping_column": "age_group",
            },
        ]
    )
    problems = check_filter_defaults(data, meta, "t")
    assert problems == [
        "t.csv, column period: no default item 'Three years' "
        "(set filter_default to an item of the filter)",
        "t.csv, column age_group: no default item 'Total' "
        "(set filter_default to an item of the filter)",
    ]


def test_filter_default_prefers_the_chosen_item_else_the_first_in_the_table() -> None:
    frame = pd.DataFrame({"measure": ["sw_2plus", "placement_2plus"], "term": ["a", "b"]})
    table = PublishedTable("t", "T", "", frame)
    assert filter_default(table, "measure", additive=False) == "placement_2plus"
    assert filter_default(table, "term", additive=False) == "a"  # no Intercept: first item
    assert filter_default(table, "term", additive=True) == "Total"


def test_indicator_dp_defaults_to_whole_numbers_for_counts_and_text_only() -> None:
    assert indicator_dp(Indicator("rank_among_las", "Rank", kind="count")) == "0"
    assert indicator_dp(Indicator("result", "Result", kind="text")) == "0"
    assert indicator_dp(Indicator("ratio", "Ratio", dp=2, kind="rate")) == "2"
    with pytest.raises(ValueError, match="'share' \\(percent\\) needs its decimal places"):
        indicator_dp(Indicator("share", "Share", unit="%", kind="percent"))


def test_extra_filter_like_columns_get_a_default_too() -> None:
    frame = pd.DataFrame({"neighbour_rank": ["2", "1"], "neighbour_la_name": ["Kent", "Medway"]})
    table = PublishedTable(
        "n",
        "N",
        "",
        frame,
        filters=[Filter("neighbour_rank", "Rank", additive=False)],
        extra_columns=["neighbour_la_name"],
        ees=False,
    )
    meta = meta_frame(table).set_index("col_name")["filter_default"]
    assert meta.to_dict() == {"neighbour_rank": "1", "neighbour_la_name": "Kent"}


def test_the_built_package_passes_both_api_checks(synthetic_build) -> None:
    data_dir = synthetic_build.package_dir / "data"
    metas = sorted(data_dir.glob("*.meta.csv"))
    assert len(metas) >= 13
    for meta_path in metas:
        name = meta_path.name[: -len(".meta.csv")]
        meta = read_text_csv(meta_path)
        data = read_text_csv(data_dir / f"{name}.csv")
        assert check_indicator_dp_set(meta, name) == []
        assert check_filter_defaults(data, meta, name) == []
        assert (meta.loc[meta["col_type"] == "Filter", "filter_default"] != "").all(), name
