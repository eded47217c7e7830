"""The integer keys and sorts the cross-row checks share (pipeline.inputs.keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.keys import NAT, group_starts, is_in, shared_codes, sort_rows

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
