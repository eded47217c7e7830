"""The synthetic generator's small vectorised helpers: calendar arithmetic and draws."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.synth.dates import academic_year, anniversary, collection_year, split_dates
from pipeline.synth.draws import (
    choose_by_row,
    coded_text,
    running_totals,
    runs_in_order,
    sorted_rows,
    stable_order,
    text_column,
    text_values,
)
from pipeline.synth.episodes import _carried_forward
from pipeline.synth.placements import next_sector, postcode_text

EPOCH = dt.date(1970, 1, 1)


def _day(year: int, month: int, day: int) -> int:
    return (dt.date(year, month, day) - EPOCH).days


def test_split_dates_matches_the_calendar_for_every_day_from_1900_to_2100() -> None:
    days = np.arange(_day(1900, 1, 1), _day(2100, 12, 31) + 1)
    years, months, day_of_month = split_dates(days)
    expected = [EPOCH + dt.timedelta(days=int(d)) for d in days]
    assert years.tolist() == [d.year for d in expected]
    assert months.tolist() == [d.month for d in expected]
    assert day_of_month.tolist() == [d.day for d in expected]


def test_hand_worked_calendar_dates() -> None:
    days = np.array([-1, 0, _day(2000, 2, 29), _day(2024, 3, 31), _day(1999, 12, 31)])
    years, months, day_of_month = split_dates(days)
    assert list(zip(years, months, day_of_month, strict=True)) == [
        (1969, 12, 31),
        (1970, 1, 1),
        (2000, 2, 29),
        (2024, 3, 31),
        (1999, 12, 31),
    ]


def test_anniversary_moves_29_february_to_28_february() -> None:
    days = np.array([_day(2008, 2, 29), _day(2008, 2, 29), _day(2006, 3, 1), _day(2005, 12, 31)])
    assert anniversary(days[:1], 18).tolist() == [_day(2026, 2, 28)]
    assert anniversary(days[1:2], 16).tolist() == [_day(2024, 2, 29)]  # 2024 is a leap year
    assert anniversary(days[2:], 18).tolist() == [_day(2024, 3, 1), _day(2023, 12, 31)]


def test_running_totals_restart_with_each_group() -> None:
    values = np.array([1, 2, 3, 0, 5, 1, 1])
    group = np.array([0, 0, 0, 4, 4, 7, 7])
    assert running_totals(values, group).tolist() == [1, 3, 6, 0, 5, 1, 2]
    assert running_totals(np.array([], dtype=np.int64), np.array([])).tolist() == []


def test_choose_by_row_with_row_indices_draws_as_the_expanded_table() -> None:
    table = np.array([[0.5, 0.0, 0.5], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    row = np.array([2, 0, 1, 1, 2, 0, 0, 2] * 50)
    expanded = choose_by_row(np.random.default_rng(7), table[row])
    by_index = choose_by_row(np.random.default_rng(7), table, row)
    assert by_index.tolist() == expanded.tolist()
    assert set(by_index[row == 1].tolist()) == {1}  # a certain choice
    assert 1 not in set(by_index[row == 0].tolist())  # an impossible one


def test_sorted_rows_is_a_stable_sort_by_the_keys_in_order() -> None:
    frame = pd.DataFrame(
        {"child": [2, 1, 2, 1, 1], "day": [5, 9, 5, 3, 9], "tag": ["a", "b", "c", "d", "e"]},
        index=[10, 11, 12, 13, 14],
    )
    result = sorted_rows(frame, ["child", "day"])
    assert result["tag"].tolist() == ["d", "b", "e", "a", "c"]  # ties keep their order
    assert result.index.tolist() == [0, 1, 2, 3, 4]


def test_stable_order_is_lexsort() -> None:
    """Packed into one key or not, the order is numpy's lexsort (ties in row order)."""
    child = np.array([5, 3, 5, 3, 5])
    day = np.array([2, 9, 1, 9, -1])
    assert stable_order([child, day]).tolist() == [1, 3, 4, 2, 0]
    rng = np.random.default_rng(3)
    for high in (3, 10**6, 2**40):  # the last is too wide to pack two columns
        columns = [rng.integers(-high, high, 500) for _ in range(3)]
        expected = np.lexsort(columns[::-1]).tolist()
        assert stable_order(columns).tolist() == expected


def test_runs_in_order_puts_whole_runs_in_rank_order() -> None:
    """Children 0, 2, 3 (runs of rows) ranked 30, 10, 20: child 2's rows, 3's, then 0's."""
    child = np.array([0, 0, 2, 3, 3, 3])
    rank = np.array([30, 99, 10, 20])
    assert runs_in_order(child, rank).tolist() == [2, 3, 4, 5, 0, 1]
    assert runs_in_order(np.zeros(0, dtype=np.int64), rank).tolist() == []
    rng = np.random.default_rng(5)
    group = np.sort(rng.integers(0, 50, 400))
    rank = rng.permutation(50)
    expected = np.argsort(rank[group], kind="stable").tolist()
    assert runs_in_order(group, rank).tolist() == expected


def test_years_by_day_lookup_equal_the_calendar() -> None:
    """Many days in a short span are looked up per day: the same years as worked out each."""
    days = np.array([19_600, 19_601, 19_966, 19_600, 19_236, 20_000] * 10)  # 2023-08-31...
    for function in (academic_year, collection_year):
        expected = [function(np.array([day]))[0] for day in days]
        assert function(days).tolist() == expected
    # 31 August 2023 is in school year 2022, 1 September 2023 in 2023; 31 March 2024 ends
    # collection year 2024, 1 April 2024 starts 2025
    assert academic_year(np.array([19_600, 19_601] * 8)).tolist()[:2] == [2022, 2023]
    assert collection_year(np.array([19_813, 19_814] * 8)).tolist()[:2] == [2024, 2025]


def test_postcode_numbers_and_their_text() -> None:
    """LA 0's district is ZZ1A; sector 9, letters Q (11th) and T (14th): 9 * 400 + 11 * 20 + 14."""
    assert postcode_text(np.array([3834, -1, 4000]), 2).to_pylist() == ["ZZ1A 9QT", "", "ZZ1B 0AA"]
    assert next_sector(np.array([3834, 4000])).tolist() == [234, 4400]  # ZZ1A 0QT, ZZ1B 1AA


def test_text_column_is_what_pandas_makes_of_the_cells() -> None:
    values = np.array(["P1", "", np.nan, "U4"], dtype=object)
    column = pd.Series(text_column(values))
    pd.testing.assert_series_equal(column, pd.Series(values))
    assert column.isna().tolist() == [False, False, True, False]


def test_carried_forward_restarts_with_each_group() -> None:
    values = np.array(["C2", "", "V2", "", "L1", ""], dtype=object)
    group = np.array([1, 1, 1, 1, 2, 3])
    result = _carried_forward(values, values != "", group)
    assert result[:5].tolist() == ["C2", "C2", "V2", "V2", "L1"]
    assert np.isnan(result[5])  # group 3 has no value to carry


def test_text_values_and_coded_text_hold_what_pandas_holds() -> None:
    column = pd.Series(["E1", None, "", "E1", "V2"])
    values = text_values(column)
    assert values[[0, 2, 3, 4]].tolist() == ["E1", "", "E1", "V2"]
    assert np.isnan(values[1])
    assert values[0] is values[3]  # one shared string per distinct text
    chunked = pd.concat([column, column], ignore_index=True)
    assert text_values(chunked)[[5, 9]].tolist() == ["E1", "V2"]
    coded = pd.Series(coded_text(["1", "2", ""], np.array([1, 0, 2, 1])))
    pd.testing.assert_series_equal(coded, pd.Series(["2", "1", "", "2"]))
