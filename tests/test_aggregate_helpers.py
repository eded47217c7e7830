"""Vectorised helpers of the aggregation layer: universe look-up, item counts, reason labels."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.aggregate.change_reasons import PLACEMENT_CHANGE_REASONS, _label
from pipeline.aggregate.cohort_cells import (
    distinct_la_years,
    flag_array,
    flag_matrices,
    universe_positions,
    years_of,
)
from pipeline.aggregate.rollup import (
    UnknownLocalAuthorityError,
    group_numbers,
    map_distinct,
    region_of,
)
from pipeline.aggregate.shares import count_items

UNIVERSE = pd.DataFrame(
    {"LA": pd.Series(["841", "886", "886"], dtype=object), "YEAR": [2024, 2023, 2024]}
)


@pytest.mark.parametrize("dtype", ["str", "category", object])
def test_universe_positions_finds_each_rows_la_year(dtype: object) -> None:
    la = pd.Series(["886", "841", "886", "999", None], dtype=dtype)
    year = pd.Series([2024, 2024, 2022, 2024, 2024])
    assert universe_positions(la, year, UNIVERSE).tolist() == [2, 0, -1, -1, -1]


def test_universe_positions_of_no_rows() -> None:
    empty = pd.Series([], dtype="str")
    assert universe_positions(empty, pd.Series([], dtype="int64"), UNIVERSE).tolist() == []


def test_count_items_gives_every_item_of_every_la_year() -> None:
    keys = pd.DataFrame({"LA": ["886", "886", "886", "841", "999"], "YEAR": [2024] * 5})
    items = pd.Series(["b", "a", None, "b", "a"], dtype=object)
    out = count_items(keys, items, UNIVERSE, ["a", "b"])
    assert out.columns.tolist() == ["LA", "YEAR", "item", "number"]
    assert out["item"].tolist() == ["Total", "a", "b"] * 3
    # 841/2024: one b; 886/2023: nothing; 886/2024: one a, one b (NA item and LA 999 not counted).
    assert out["number"].tolist() == [1, 0, 1, 0, 0, 0, 2, 1, 1]


def test_count_items_sums_weights_and_rejects_unknown_items() -> None:
    keys = pd.DataFrame({"LA": ["886", "886"], "YEAR": [2024, 2024]})
    out = count_items(keys, pd.Series(["a", "a"]), UNIVERSE, ["a"], weights=pd.Series([2, 3]))
    assert out["number"].tolist() == [0, 0, 0, 0, 5, 5]
    with pytest.raises(ValueError, match="outside the published list"):
        count_items(keys, pd.Series(["a", "c"]), UNIVERSE, ["a"])


def test_label_cleans_each_code_once_and_keeps_the_index() -> None:
    reasons = pd.Series([" carpl", None, "", "PLACE", "CARPL"], index=[5, 6, 7, 8, 9], name="r")
    labels = _label(reasons, PLACEMENT_CHANGE_REASONS, {"PLACE"}, "placement")
    care_plan = PLACEMENT_CHANGE_REASONS["CARPL"]
    assert labels.tolist() == [care_plan, None, None, None, care_plan]
    assert labels.index.tolist() == [5, 6, 7, 8, 9] and labels.name == "r"
    with pytest.raises(ValueError, match="not in the SSDA903 list"):
        _label(pd.Series(["NOPE"]), PLACEMENT_CHANGE_REASONS, set(), "placement")


def test_group_numbers_follow_first_appearance_and_keep_na_as_a_group() -> None:
    frame = pd.DataFrame(
        {"a": pd.Series(["x", "y", "x", None, None], dtype="str"), "b": [1, 1, 1, 2, 2]}
    )
    assert group_numbers(frame, ["a", "b"]).tolist() == [0, 1, 0, 2, 2]
    assert group_numbers(frame, ["b"]).tolist() == [0, 0, 0, 1, 1]
    assert group_numbers(frame, []).tolist() == [0, 0, 0, 0, 0]


def test_region_of_looks_up_codes_and_names_unknown_ones() -> None:
    codes = pd.Series(["886", "841", "886"], dtype="category", index=[3, 4, 5])
    regions = region_of(codes)
    assert regions.index.tolist() == [3, 4, 5]
    assert regions.iloc[0] == regions.iloc[2] != regions.iloc[1]
    with pytest.raises(UnknownLocalAuthorityError, match="999"):
        region_of(pd.Series(["886", "999"]))


def test_flag_array_matches_flag_matrices() -> None:
    children = pd.DataFrame(
        {
            "f": pd.array([True, False, None, True], dtype="boolean"),
            "g": pd.array([None, None, False, True], dtype="boolean"),
        }
    )
    names, array = flag_array(children, ["f", "g"])
    expected = flag_matrices(children, ["f", "g"])
    assert names == expected.columns.tolist()
    assert array.flags["C_CONTIGUOUS"] and array.dtype == "int32"
    assert (array == expected.to_numpy()).all()


def test_map_distinct_is_series_map() -> None:
    values = pd.Series(["b", "a", None, "c", "a"], dtype="str")
    mapping = {"a": 1, "b": 2}
    mapped = map_distinct(values, mapping)
    assert pd.Series(mapped).equals(pd.Series(values.map(mapping).to_numpy()))
    assert map_distinct(pd.Series(["a", "b"]), mapping).tolist() == [1, 2]


def test_distinct_la_years_as_text_and_int() -> None:
    frame = pd.DataFrame(
        {
            "LA": pd.Series(["886", "886", None, "841"], dtype="string"),
            "YEAR": [2024, 2024, 2023, 2023],
        }
    )
    assert distinct_la_years(frame, dropna=True) == {("886", 2024), ("841", 2023)}
    assert ("886", 2024) in distinct_la_years(frame, dropna=False)
    assert len(distinct_la_years(frame, dropna=False)) == 3


def test_years_of_gives_sorted_distinct_int_years() -> None:
    assert years_of(pd.DataFrame({"YEAR": [2024, 2022, 2024]})) == [2022, 2024]
    assert years_of(pd.DataFrame({"YEAR": pd.Series([], dtype="int64")})) == []
