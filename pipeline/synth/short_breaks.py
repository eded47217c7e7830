"""Disabled children looked after only during short breaks (respite), and their episodes.

Each child has an agreed series of short breaks: a stay of 1 to 4 nights every few weeks, each
recorded as its own period of care (``RNE`` ``S``, ending ``E8``) under ``V4`` or ``V3``. The
DfE's rules limit a ``V3`` stay to 17 days and a child's ``V3`` days to 75 a year (rules 365
and 367), and want no postcodes or URN on short-break episodes (rules 214 and 398). The
measures drop these episodes before anything else, and children with nothing else are excluded
from the cohorts (and counted as such), so they are here to exercise that rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synth.areas import Areas
from pipeline.synth.children import ETHNIC_CODES, ETHNIC_PROBABILITIES, Population, Window
from pipeline.synth.dates import DAYS_PER_YEAR, NO_DATE, anniversary
from pipeline.synth.draws import choose, sorted_rows

SHORT_BREAK_CHILDREN_PER_CHILD_LOOKED_AFTER = 0.04


def add_short_break_children(
    population: Population, areas: Areas, window: Window, scale: float, rng: np.random.Generator
) -> Population:
    """Return the population with short-break-only children (and their periods) added."""
    children, periods = short_break_children(areas, window, scale, rng)
    offset = len(population.children)
    children["child"] += offset
    periods["child"] += offset
    children["short_break"] = True
    all_children = pd.concat([population.children, children], ignore_index=True)
    all_periods = pd.concat([population.periods, periods], ignore_index=True)
    all_periods = sorted_rows(all_periods, ["child", "start"])
    all_periods["period"] = np.arange(len(all_periods))
    return Population(children=all_children, periods=all_periods)


def short_break_children(
    areas: Areas, window: Window, scale: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disabled children looked after only during short breaks (``V3``/``V4``): a stay of 1-4
    nights every few weeks, each its own period of care."""
    expected = areas.children_2024 * scale * SHORT_BREAK_CHILDREN_PER_CHILD_LOOKED_AFTER
    la = np.repeat(np.arange(areas.count), rng.poisson(expected))
    n = len(la)
    agreement_start = window.first_day - np.floor(rng.uniform(0, 2.5, n) * DAYS_PER_YEAR).astype(
        np.int64
    )
    age_days = np.floor(rng.uniform(4.0, 15.0, n) * DAYS_PER_YEAR).astype(np.int64)
    dob = agreement_start - age_days
    agreement_end = np.minimum(
        agreement_start + np.floor(rng.uniform(1.0, 6.0, n) * DAYS_PER_YEAR).astype(np.int64),
        anniversary(dob, 18) - 1,
    )
    status = np.where(rng.uniform(0, 1, n) < 0.6, "V4", "V3")
    children = pd.DataFrame(
        {
            "child": np.arange(n),
            "la": la,
            "dob": dob,
            "sex": np.where(rng.uniform(0, 1, n) < 0.65, "1", "2"),
            "ethnic": np.array(ETHNIC_CODES)[
                choose(rng, len(ETHNIC_CODES), ETHNIC_PROBABILITIES, n)
            ],
            "uasc": False,
            "semh": False,
            "sen_provision": "E",
            "sen_need": np.where(rng.uniform(0, 1, n) < 0.6, "SLD", "ASD"),
            "pru": False,
            "placement_frailty": 0.0,
            "sw_frailty": rng.gamma(3.0, 1 / 3.0, n),
        }
    )
    stays_each = np.ceil((agreement_end - agreement_start) / 45.0).astype(np.int64)
    stay_child = np.repeat(np.arange(n), stays_each)
    gaps = 20 + np.floor(rng.exponential(40.0, len(stay_child))).astype(np.int64)
    offsets = pd.Series(gaps).groupby(stay_child).cumsum().to_numpy() - gaps
    stay_start = agreement_start[stay_child] + offsets
    stay_end = stay_start + rng.integers(1, 5, len(stay_child))
    fits = stay_end <= agreement_end[stay_child]
    periods = pd.DataFrame(
        {
            "child": stay_child[fits],
            "start": stay_start[fits],
            "end": stay_end[fits],
            "ls_group": status[stay_child[fits]],
        }
    )
    periods = periods[(periods["end"] >= window.first_day) & (periods["start"] <= window.last_day)]
    periods["rec"] = "E8"
    periods["la"] = la[periods["child"].to_numpy()]
    periods["number"] = periods.groupby("child").cumcount()
    used = np.unique(periods["child"].to_numpy())
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[used] = np.arange(len(used))
    children = children.iloc[used].reset_index(drop=True)
    children["child"] = np.arange(len(children))
    periods["child"] = new_index[periods["child"].to_numpy()]
    return children, periods.reset_index(drop=True)


def short_break_episodes(
    breaks: pd.DataFrame, areas: Areas, window: Window, rng: np.random.Generator
) -> pd.DataFrame:
    """One episode per short-break period: ``S``, ``LS`` ``V3``/``V4``, ending ``E8``."""
    n = len(breaks)
    child = breaks["child"].to_numpy()
    home = rng.uniform(0, 1, child.max() + 1 if n else 0) < 0.5
    in_home = home[child] if n else np.zeros(0, dtype=bool)
    open_at_end = breaks["end"].to_numpy() > window.last_day
    la = breaks["la"].to_numpy()
    return pd.DataFrame(
        {
            "child": child,
            "la": la,
            "period": breaks["period"].to_numpy(),
            "start": breaks["start"].to_numpy(),
            "end": np.where(open_at_end, NO_DATE, breaks["end"].to_numpy()),
            "RNE": "S",
            "LS": breaks["ls_group"].to_numpy(),
            "CIN": "N2",
            "PLACE": np.where(in_home, "K2", "U6"),
            "PLACE_PROVIDER": "PR1",
            "REC": np.where(open_at_end, "", breaks["rec"].to_numpy()),
            "REASON_PLACE_CHANGE": "",
            "HOME_POST": "",
            "PL_POST": "",
            "URN": "",
            "PL_LA": "",
            "is_move": False,
        }
    )
