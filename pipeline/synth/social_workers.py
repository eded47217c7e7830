"""Social worker episodes (the SSDA903 social worker module).

Each child has a primary social worker from a little before their first period of care in the
window until a little after they leave; workers change as a Poisson process whose rate depends
on the LA's social worker turnover and a child-level factor, and a placement move sometimes
brings a change of worker too. A few episodes are overlapping cover during leave and a few rows
are exact duplicates, as in real returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synth.areas import Areas
from pipeline.synth.children import Population, Window
from pipeline.synth.dates import DAYS_PER_YEAR, NO_DATE
from pipeline.synth.draws import choose

BASE_CHANGE_RATE = 1.0  # changes of social worker per child-year before multipliers
CHANGE_WITH_PLACEMENT_MOVE = 0.1
COVER_SHARE, DUPLICATE_SHARE = 0.02, 0.005
CHILDREN_PER_WORKER = 12
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
OUTPUT = ["child", "la", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]


def build_social_workers(
    population: Population,
    episodes: pd.DataFrame,
    areas: Areas,
    window: Window,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return every child's social worker episodes (``SW_DEC`` is :data:`NO_DATE` while open)."""
    children = population.children
    still_open = episodes["end"].to_numpy() == NO_DATE
    ends = np.where(still_open, window.last_day + 1, episodes["end"].to_numpy())
    spans = (
        pd.DataFrame(
            {
                "child": episodes["child"].to_numpy(),
                "first": episodes["start"].to_numpy(),
                "last": ends,
            }
        )
        .groupby("child")
        .agg(first=("first", "min"), last=("last", "max"))
    )
    child = spans.index.to_numpy()
    n = len(child)
    begin = np.maximum(spans["first"].to_numpy() - rng.integers(0, 180, n), window.first_day - 400)
    finish = spans["last"].to_numpy() + rng.integers(0, 60, n)
    finish = np.where(finish > window.last_day, window.last_day + 1, finish)

    la = children["la"].to_numpy()[child]
    rate = (
        BASE_CHANGE_RATE
        / DAYS_PER_YEAR
        * areas.sw_turnover[la]
        * children["sw_frailty"].to_numpy()[child]
    )
    length = np.maximum(finish - begin, 1)
    counts = rng.poisson(rate * length)
    row = np.repeat(np.arange(n), counts)
    day = (
        begin[row] + 1 + np.floor(rng.uniform(0, 1, len(row)) * (length[row] - 1)).astype(np.int64)
    )

    moves = episodes[episodes["is_move"].to_numpy()]
    position = pd.Series(np.arange(n), index=child).reindex(moves["child"].to_numpy()).to_numpy()
    linked = rng.uniform(0, 1, len(moves)) < CHANGE_WITH_PLACEMENT_MOVE
    move_day = moves["start"].to_numpy() + rng.integers(0, 30, len(moves))
    linked &= (move_day > begin[position]) & (move_day < finish[position])
    changes = pd.DataFrame(
        {"row": np.r_[row, position[linked]], "day": np.r_[day, move_day[linked]]}
    )
    changes = changes[changes["day"] < finish[changes["row"].to_numpy()]]
    starts = pd.concat(
        [pd.DataFrame({"row": np.arange(n), "day": begin}), changes], ignore_index=True
    )
    starts = (
        starts.drop_duplicates().sort_values(["row", "day"], kind="stable").reset_index(drop=True)
    )

    r = starts["row"].to_numpy()
    last = np.r_[r[1:] != r[:-1], True]
    decom = starts["day"].to_numpy()
    dec = np.where(last, finish[r], np.r_[decom[1:], NO_DATE])
    dec = np.where(dec > window.last_day, NO_DATE, dec)
    pool = _worker_pool_sizes(children, areas)[la[r]]
    first_of_child = np.r_[True, r[1:] != r[:-1]]
    step = np.where(
        first_of_child, rng.integers(0, 1_000_000, len(r)), 1 + rng.integers(0, pool - 1)
    )
    worker = pd.Series(step).groupby(r).cumsum().to_numpy() % pool
    reason = np.array(REASONS, dtype=object)[
        choose(rng, len(REASONS), REASON_PROBABILITIES, len(r))
    ]
    table = pd.DataFrame(
        {
            "child": child[r],
            "la": la[r],
            "worker": worker,
            "SW_DECOM": decom,
            "SW_DEC": dec,
            "SW_REASON": np.where(last | (dec == NO_DATE), "", reason),
            "pool": pool,
        }
    )
    table = pd.concat([table, _cover_episodes(table, rng)], ignore_index=True)
    table["SW_ID"] = _worker_ids(areas, table["la"].to_numpy(), table["worker"].to_numpy())
    duplicates = table[rng.uniform(0, 1, len(table)) < DUPLICATE_SHARE]
    table = pd.concat([table, duplicates], ignore_index=True)
    table = table.sort_values(["child", "SW_DECOM"], kind="stable").reset_index(drop=True)
    return table[OUTPUT]


def _worker_pool_sizes(children: pd.DataFrame, areas: Areas) -> np.ndarray:
    """Number of social workers in each LA (at least 4)."""
    per_la = np.bincount(children["la"].to_numpy(), minlength=areas.count)
    return np.maximum(4, np.ceil(per_la / CHILDREN_PER_WORKER)).astype(np.int64)


def _cover_episodes(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Cover during leave: a short episode with another worker inside a long episode."""
    end = np.where(table["SW_DEC"] == NO_DATE, table["SW_DECOM"] + 365, table["SW_DEC"])
    length = end - table["SW_DECOM"].to_numpy()
    chosen = (length > 120) & (rng.uniform(0, 1, len(table)) < COVER_SHARE)
    cover = table[chosen].copy()
    room = length[chosen] - 80
    cover_start = (
        cover["SW_DECOM"].to_numpy()
        + 20
        + np.floor(rng.uniform(0, 1, len(cover)) * room).astype(np.int64)
    )
    cover["SW_DECOM"] = cover_start
    cover["SW_DEC"] = cover_start + rng.integers(14, 43, len(cover))
    pool = cover["pool"].to_numpy()
    cover["worker"] = (cover["worker"].to_numpy() + 1 + rng.integers(0, pool - 1)) % pool
    cover["SW_REASON"] = ""
    return cover


def _worker_ids(areas: Areas, la: np.ndarray, worker: np.ndarray) -> np.ndarray:
    """Fake social worker ids: ``SW`` + LA code + 5-digit number."""
    numbers = np.char.zfill(worker.astype(str), 5).astype(object)
    return "SW" + areas.codes.astype(object)[la] + numbers
