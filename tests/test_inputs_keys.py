"""The integer keys and sorts the cross-row checks share (pipeline.inputs.keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.derive import _day_numbers
from pipeline.inputs.keys import (
    NAT,
    child_keys,
    group_starts,
    is_in,
    numeric_codes,
    shared_codes,
    sort_rows,
)
from pipeline.inputs.raw import RawInputs

DAY = 86_400 * 10**9


def test_sort_rows_packs_columns_and_keeps_ties_in_position_order() -> None:
    child = np.array([2, 1, 2, 1, 2], dtype=np.int64)
    day = np.array([3, 1, 3, 0, 1], dtype=np.int64) * DAY
    day[3] = NAT  # a blank date sorts first
    rows = np.arange(5)
    # child 1: row 3 (blank date), row 1; child 2: row 4 (day 1), rows 0 and 2 (day 3, a tie)
    assert sort_rows(rows, child, day).tolist() == [3, 1, 4, 0, 2]
    # latest first (as the checks keep the latest year's row): day 3 before day 1
    assert sort_rows(np.array([0, 1, 2, 4]), child, -day).tolist() == [1, 0, 2, 4]
    assert sort_rows(np.array([0, 2, 4]), child, day).tolist() == [4, 0, 2]


def test_sort_rows_is_numpys_lexsort_on_any_columns() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 200))
        columns = []
        for kind in rng.integers(0, 4, size=int(rng.integers(1, 6))):
            if kind == 0:  # small numbers, negative too
                values = rng.integers(-5, 5, n)
            elif kind == 1:  # dates (whole days) with blanks
                values = np.where(rng.random(n) < 0.3, NAT, rng.integers(-9e4, 9e4, n) * DAY)
            elif kind == 2:  # too far apart to pack
                values = rng.integers(-(2**62), 2**62, n)
            else:  # nanoseconds that are not whole days
                values = np.where(rng.random(n) < 0.3, NAT, rng.integers(-(10**18), 10**18, n))
            columns.append(values.astype(np.int64))
        rows = np.sort(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
        expected = rows[np.lexsort((rows, *(column[rows] for column in reversed(columns))))]
        assert sort_rows(rows, *columns).tolist() == expected.tolist()


def test_codes_groups_and_membership() -> None:
    header = pd.Series(["B", None, "A"], dtype="string[pyarrow]")
    episodes = pd.Series(["A", "C", "B", "B"], dtype="string[pyarrow]")
    first, second = shared_codes([header, episodes], ordered=True)
    assert first.tolist() == [1, -1, 0]  # A < B < C; blank is -1
    assert second.tolist() == [0, 2, 1, 1]
    assert is_in(second, first).tolist() == [True, False, True, True]
    assert not is_in(np.array([-1]), np.array([-1, 0])).any()  # a blank matches nothing
    rows = np.arange(4)
    assert group_starts(rows, np.array([5, 5, 6, 6]), np.array([1, 2, 2, 2])).tolist() == [
        True,
        True,
        True,
        False,
    ]


def test_codes_by_runs_are_the_codes_of_every_value() -> None:
    las = [
        pd.Series(["886", "886", None, None, "201", "886"], dtype="string[pyarrow]"),
        pd.Series(["201", "201", "202"], dtype="string[pyarrow]"),
    ]
    by_runs = shared_codes(las, runs=True)
    assert [codes.tolist() for codes in by_runs] == [[0, 0, -1, -1, 1, 0], [1, 1, 2]]
    assert all((a == b).all() for a, b in zip(by_runs, shared_codes(las), strict=True))


def test_numeric_codes_are_the_numbers_less_the_least() -> None:
    header = pd.Series(["12", None, "7"], dtype="string[pyarrow]")
    episodes = pd.Series(["7", "100", "12"], dtype="string[pyarrow]")
    first, second = numeric_codes([header, episodes])
    assert first.tolist() == [5, -1, 0]  # 12 - 7, blank, 7 - 7
    assert second.tolist() == [0, 93, 5]
    assert numeric_codes([pd.Series(["0", "9"], dtype="string[pyarrow]")])[0].tolist() == [0, 9]


def test_numeric_codes_only_for_plain_numbers() -> None:
    """Text that is not one number per value (or whose equal numbers could be unequal text)
    is left to shared_codes: None."""
    for values in (["07", "7"], ["+7"], ["-7"], ["00"], ["1A"], ["1.0"], [None, None]):
        assert numeric_codes([pd.Series(values, dtype="string[pyarrow]")]) is None, values
    wide = pd.Series(["1", str(2**31 + 1)], dtype="string[pyarrow]")
    assert numeric_codes([wide]) is None


def test_child_keys_are_the_same_from_numbers_or_text() -> None:
    """The same children get the same keys across tables whichever encoding is used."""
    tables = {
        "header": pd.DataFrame({"LA": ["886", "886", "201"], "CHILD": ["10", "20", "10"]}),
        "episodes": pd.DataFrame({"LA": ["201", "886", None], "CHILD": ["10", "20", "20"]}),
        "social_workers": pd.DataFrame({"LA": ["886"], "CHILD": [None]}),
        "uasc": pd.DataFrame({"LA": ["886"], "CHILD": ["30"]}),
    }
    for letters in (False, True):
        frames = {name: frame.astype("string[pyarrow]") for name, frame in tables.items()}
        for frame in frames.values():
            if letters:  # not numbers: encoded as text
                frame["CHILD"] = frame["CHILD"].str.replace("0", "X")
        keys = child_keys(RawInputs(tables=frames))[0]
        header, episodes = keys["header"], keys["episodes"]
        assert len(set(header.tolist())) == 3 and (header >= 0).all()
        assert episodes[0] == header[2] and episodes[1] == header[1]  # 201/10 and 886/20
        assert episodes[2] == -1 and keys["social_workers"][0] == -1  # blank LA, blank CHILD
        assert keys["uasc"][0] not in header.tolist()


def test_day_numbers_count_days_or_rank_other_times() -> None:
    values = np.array([3, NAT, 1, 10], dtype=np.int64) * np.array([DAY, 1, DAY, DAY])
    given = np.array([0, 2, 3])
    day, days = _day_numbers(values, given, most=100)
    assert day[given].tolist() == [2, 0, 9] and days == 10
    day, days = _day_numbers(values, given, most=5)  # too many days: their rank instead
    assert day[given].tolist() == [1, 0, 2] and days == 3
    odd = values + np.array([1, 0, 0, 0])  # not whole days: rank
    day, days = _day_numbers(odd, given, most=100)
    assert day[given].tolist() == [1, 0, 2] and days == 3
