"""The synthetic generator's small vectorised helpers: calendar arithmetic and draws."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.synth.dates import anniversary, split_dates
from pipeline.synth.draws import choose_by_row, running_totals, sorted_rows

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
