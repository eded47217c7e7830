"""Rules about the social worker module (``social_workers.csv``).

Overlaps are checked on the rows de-duplicated across years (same ``LA``, ``CHILD``, ``SW_ID``,
``SW_DECOM``: the latest year's row is kept).

| rule | severity | what it catches |
|---|---|---|
| ``SW_DEC_BEFORE_SW_DECOM`` | error | the social worker episode ends before it starts |
| ``SW_DECOM_AFTER_YEAR`` | error | ``SW_DECOM`` after 31 March of the collection year |
| ``SW_DEC_AFTER_YEAR`` | error | ``SW_DEC`` after 31 March of the collection year (leave it blank: still open) |
| ``SW_EPISODES_OVERLAP`` | warning | two social workers at once for one child: cover is allowed, and the measures keep the episode that started first |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.keys import NAT, child_keys, dates, group_starts, shared_codes, sort_rows
from pipeline.inputs.problems import found, rules_of
from pipeline.inputs.raw import RawInputs, dates_within_year

RULES = rules_of("rules_social_workers")


def check_social_worker_dates(raw: RawInputs) -> list[pd.DataFrame]:
    """Dates impossible within the row's own collection year."""
    return dates_within_year(raw, "social_workers", "SW_DECOM", "SW_DEC")


def _latest_episodes(raw: RawInputs) -> np.ndarray:
    """Positions of the social worker episodes de-duplicated across years, in window order.

    One row per ``LA, CHILD, SW_ID, SW_DECOM`` (rows with any of them blank are left out):
    the one from the latest ``YEAR``, then ``ROW``; sorted by ``LA, CHILD, SW_DECOM, SW_ID``.
    """
    workers = raw["social_workers"]
    child = child_keys(raw)[0]["social_workers"]
    worker = shared_codes([workers["SW_ID"]], ordered=True)[0]
    start = dates(workers["SW_DECOM"])
    rows = np.flatnonzero((child >= 0) & (worker >= 0) & (start != NAT))
    ordered = sort_rows(
        rows, child, start, worker, -workers["YEAR"].to_numpy(), -workers["ROW"].to_numpy()
    )
    return ordered[group_starts(ordered, child, start, worker)]


def _earlier_ends(groups: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``groups`` (ascending group numbers): is an earlier row of its group open
    (``ends`` blank), and the latest ``ends`` of its earlier rows (:data:`NAT` when none)."""
    if not groups.size:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    is_open = (ends == NAT).astype(np.int64)
    open_before = np.cumsum(is_open) - is_open
    first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    open_before -= np.repeat(open_before[first], np.diff([*first, groups.size]))
    values, ranks = np.unique(ends, return_inverse=True)  # NAT, when present, ranks 0
    running = np.maximum.accumulate(groups * (values.size + 1) + ranks + 1)
    earlier = np.zeros(groups.size, dtype=np.int64)  # 0: no earlier row; else rank + 1
    earlier[1:] = running[:-1] - groups[1:] * (values.size + 1)
    earlier[np.r_[True, groups[1:] != groups[:-1]]] = 0
    latest = np.where(earlier > 0, values[np.maximum(earlier - 1, 0)], NAT)
    return open_before > 0, latest


def check_social_worker_overlaps(raw: RawInputs) -> list[pd.DataFrame]:
    """Social worker episodes of one child that overlap (after de-duplication across years).

    In ``SW_DECOM, SW_ID`` order per child, an episode overlaps when an earlier one is still
    open or ends after it starts.
    """
    workers = raw["social_workers"]
    latest = _latest_episodes(raw)
    child = child_keys(raw)[0]["social_workers"][latest]
    groups = np.cumsum(np.r_[True, child[1:] != child[:-1]]) if latest.size else child
    previous_open, previous_end = _earlier_ends(groups, dates(workers["SW_DEC"])[latest])
    start = dates(workers["SW_DECOM"])[latest]
    overlapping = previous_open | ((previous_end != NAT) & (start < previous_end))
    files = raw.files_of("social_workers")
    return [
        found(workers.iloc[np.sort(latest[overlapping])], rule="SW_EPISODES_OVERLAP",
              column="SW_DECOM", files=files)
    ]  # fmt: skip


CHECKS = [check_social_worker_dates, check_social_worker_overlaps]
