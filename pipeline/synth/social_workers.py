"""Social worker episodes (the SSDA903 social worker module).

Each period of care has an unbroken chain of social worker episodes: the first starts the day
the child comes into care, each next one starts the day the previous one ends, and the last
ends the day the child leaves care (or is still open). Workers change as a Poisson process
whose rate depends on the LA's social worker turnover and a child-level factor, and a placement
move sometimes brings a change of worker too. A short-break child has one chain over their
series of breaks. The chain follows the DfE's 2023-24 rules for the module: every episode has
a worker, a start and a reason (SW03, SW13); only the last one is open (SW08, SW14); no gaps or
overlaps (SW10, SW11a); no episode ends in the last five days of a collection year (SW11b: a
change there moves to 1 April, a chain's end to the day before); none starts before the child
came into care or after they left (SW12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.synth.areas import Areas
from pipeline.synth.children import Population, Window
from pipeline.synth.dates import DAYS_PER_YEAR, NO_DATE, collection_year, year_starts
from pipeline.synth.draws import choose, running_totals, sorted_rows

BASE_CHANGE_RATE = 1.1  # changes of social worker per child-year before multipliers
CHANGE_WITH_PLACEMENT_MOVE = 0.1
CHILDREN_PER_WORKER = 12
#: Days at the end of a collection year in which no social worker episode may end (SW11b).
QUIET_DAYS_AT_YEAR_END = 6
#: How far before the window a chain of a long period of care starts (its earlier part is in
#: no return).
CHAIN_LEAD_IN_DAYS = 400
REASONS = [
    "LEFTRL",
    "TSPROC",
    "ORGRST",
    "MANAGE",
    "ABSENC",
    "CHCHAN",
    "PCCHAN",
    "FCONTA",
    "SWDIED",
    "OTHERS",
]
REASON_PROBABILITIES = [0.28, 0.25, 0.1, 0.1, 0.06, 0.05, 0.08, 0.02, 0.002, 0.058]
#: Social workers numbered per LA: a worker is LA code * WORKERS_PER_LA + their number.
WORKERS_PER_LA = 100_000


def build_social_workers(
    population: Population,
    episodes: pd.DataFrame,
    areas: Areas,
    window: Window,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return every child's social worker episodes, sorted by child and start: ``child, la,
    worker`` (see :func:`worker_ids`), ``SW_DECOM, SW_DEC`` (:data:`NO_DATE` while open) and
    ``reason`` (index in :data:`REASONS`)."""
    children = population.children
    spans = _spans(population, window)
    child = spans["child"].to_numpy()
    begin, finish = spans["begin"].to_numpy(), spans["finish"].to_numpy()
    n = len(spans)
    la = children["la"].to_numpy()[child]
    rate = (
        BASE_CHANGE_RATE
        / DAYS_PER_YEAR
        * areas.sw_turnover[la]
        * children["sw_frailty"].to_numpy()[child]
    )
    length = np.maximum(finish - begin, 1)
    row = np.repeat(np.arange(n), rng.poisson(rate * length))
    day = begin[row] + 1 + np.floor(rng.uniform(0, 1, len(row)) * (length[row] - 1))
    moved_row, moved_day = _changes_with_moves(spans, episodes, rng)
    changes = pd.DataFrame(
        {"row": np.r_[row, moved_row], "day": _out_of_year_end(np.r_[day, moved_day])}
    )
    r_all = changes["row"].to_numpy()
    changes = changes[(changes["day"] > begin[r_all]) & (changes["day"] < finish[r_all])]
    # One start per (chain, day), in chain and day order: the chain's first day, then changes.
    step = np.int64(1) << 32
    start_key = np.sort(
        np.r_[
            np.arange(n) * step + begin,
            changes["row"].to_numpy() * step + changes["day"].to_numpy(),
        ]
    )
    start_key = start_key[np.r_[True, start_key[1:] != start_key[:-1]]]
    r = start_key // step
    last = np.r_[r[1:] != r[:-1], True]
    decom = start_key - r * step
    dec = np.where(last, finish[r], np.r_[decom[1:], NO_DATE])
    dec = np.where(dec > window.last_day, NO_DATE, dec)
    table = pd.DataFrame(
        {
            "child": child[r],
            "la": la[r],
            "worker": _workers(children, areas, la[r], r, rng),
            "SW_DECOM": decom,
            "SW_DEC": dec,
            "reason": choose(rng, len(REASONS), REASON_PROBABILITIES, len(r)),
        }
    )
    order = np.lexsort((table["SW_DECOM"].to_numpy(), table["child"].to_numpy()))
    return table.take(order).reset_index(drop=True)


def _spans(population: Population, window: Window) -> pd.DataFrame:
    """One span per chain: ``child, begin, finish`` (``finish`` past the window when open).

    A period of care is one span; a short-break child's breaks make one span. A span's end in
    the last days of a collection year moves back to the day before them (the care periods
    leave room for that: see :func:`pipeline.synth.children.clear_of_year_end`).
    """
    periods = population.periods
    care = (periods["ls_group"] == "care").to_numpy()
    care_spans = pd.DataFrame(
        {
            "child": periods["child"].to_numpy()[care],
            "begin": periods["start"].to_numpy()[care],
            "finish": periods["end"].to_numpy()[care],
        }
    )
    breaks = (
        periods[~care]
        .groupby("child")
        .agg(begin=("start", "min"), finish=("end", "max"))
        .reset_index()
    )
    spans = pd.concat([care_spans, breaks], ignore_index=True)
    spans = spans[(spans["finish"] >= window.first_day) & (spans["begin"] <= window.last_day)]
    spans = sorted_rows(spans, ["child", "begin"])
    spans["begin"] = np.maximum(spans["begin"], window.first_day - CHAIN_LEAD_IN_DAYS)
    finish = np.minimum(spans["finish"].to_numpy(), window.last_day + 1)
    finish = np.where(finish > window.last_day, finish, _out_of_year_end(finish, back=True))
    spans["finish"] = np.maximum(finish, spans["begin"].to_numpy() + 1)
    return spans


def _out_of_year_end(days: np.ndarray, *, back: bool = False) -> np.ndarray:
    """Move days in the last :data:`QUIET_DAYS_AT_YEAR_END` days of a collection year out of
    them: to 1 April, or (``back``) to the day before those days."""
    days = np.asarray(days, dtype=np.int64)
    next_start = year_starts(collection_year(days) + 1)
    quiet_start = next_start - QUIET_DAYS_AT_YEAR_END
    return np.where(days >= quiet_start, quiet_start - 1 if back else next_start, days)


def _changes_with_moves(
    spans: pd.DataFrame, episodes: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Worker changes that come with a placement move: (span row, day) pairs."""
    moves = episodes[episodes["is_move"].to_numpy()]
    linked = rng.uniform(0, 1, len(moves)) < CHANGE_WITH_PLACEMENT_MOVE
    moves = moves[linked]
    day = moves["start"].to_numpy() + rng.integers(0, 30, len(moves))
    # The span holding each move: the child's last span that begins on or before the move.
    key = spans["child"].to_numpy() * 100_000 + spans["begin"].to_numpy()
    target = moves["child"].to_numpy() * 100_000 + moves["start"].to_numpy()
    row = np.searchsorted(key, target, side="right") - 1
    valid = row >= 0
    valid[valid] &= spans["child"].to_numpy()[row[valid]] == moves["child"].to_numpy()[valid]
    return row[valid], day[valid]


def _workers(
    children: pd.DataFrame, areas: Areas, la: np.ndarray, row: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each episode's social worker as a number, LA code * 100,000 + the worker's number in the
    LA (see :func:`worker_ids`): a random first worker per chain, then always a different one.
    ``row`` (the chain of each episode) must be sorted."""
    pool = _worker_pool_sizes(children, areas)[la]
    first_of_chain = np.r_[True, row[1:] != row[:-1]]
    step = np.where(
        first_of_chain, rng.integers(0, 1_000_000, len(row)), 1 + rng.integers(0, pool - 1)
    )
    worker = running_totals(step, row) % pool
    return areas.codes.astype(np.int64)[la] * WORKERS_PER_LA + worker


def worker_ids(workers: np.ndarray | pa.Array) -> pa.Array:
    """``SW_ID`` text of worker numbers: ``SW`` + LA code + the worker's 5-digit number."""
    digits = pc.cast(pa.array(workers, pa.int64()), pa.large_string())
    prefix = pa.scalar("SW", pa.large_string())
    return pc.binary_join_element_wise(prefix, digits, pa.scalar("", pa.large_string()))


def _worker_pool_sizes(children: pd.DataFrame, areas: Areas) -> np.ndarray:
    """Number of social workers in each LA (at least 4)."""
    per_la = np.bincount(children["la"].to_numpy(), minlength=areas.count)
    return np.maximum(4, np.ceil(per_la / CHILDREN_PER_WORKER)).astype(np.int64)
