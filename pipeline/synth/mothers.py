"""The header's motherhood fields: ``MOTHER`` (is the child a mother) and ``MC_DOB`` (the date of
birth of her first child).

Every girl looked after other than on short breaks has ``MOTHER`` ``0`` or ``1`` (the DfE's
rules 393 and 607); boys and short-break children leave it blank (rules 165 and 399). A few girls
have a first child from age 14. Once a return says ``1`` every later one does, with the same
``MC_DOB`` (rules 207 and 624); the birth is reported in the first return that can hold it: no
later than the last episode end written in that return (rule 625), and so never reported late
(a birth before a return's year while the previous return said ``0`` breaks rule 626).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synth.children import Population
from pipeline.synth.dates import NO_DATE, anniversary, format_days, year_end, year_start

MOTHER_SHARE = 0.035  # girls looked after in the window who have a child by 18


def first_births(population: Population, last_day: int, rng: np.random.Generator) -> np.ndarray:
    """Draw each child's first child's birth day (:data:`NO_DATE` for most)."""
    children = population.children
    dob = children["dob"].to_numpy()
    n = len(children)
    girl = (children["sex"] == "2").to_numpy() & ~children["short_break"].to_numpy()
    earliest = anniversary(dob, 14)
    latest = np.minimum(anniversary(dob, 18) - 1, last_day)
    chosen = girl & (rng.uniform(0, 1, n) < MOTHER_SHARE) & (latest > earliest)
    day = earliest + np.floor(rng.uniform(0, 1, n) * np.maximum(latest - earliest, 0))
    return np.where(chosen, day.astype(np.int64), NO_DATE)


def mother_columns(
    population: Population,
    births: np.ndarray,
    episodes: pd.DataFrame,
    year: int,
    children: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``MOTHER`` and ``MC_DOB`` of ``year``'s header rows (``children``), as text.

    ``births`` is updated in place: a birth first reported this year moves back, if need be, to
    the last episode end written in this return.
    """
    table = population.children
    girl = ((table["sex"] == "2").to_numpy() & ~table["short_break"].to_numpy())[children]
    cut = _last_written_end(episodes, year).reindex(children).fillna(year_end(year))
    cut = cut.to_numpy().astype(np.int64)
    birth = births[children]
    reported = (birth != NO_DATE) & (birth <= year_end(year)) & girl
    first_time = reported & (birth >= year_start(year))
    births[children[first_time]] = np.minimum(birth[first_time], cut[first_time])
    birth = births[children]
    mother = np.where(girl, np.where(reported, "1", "0"), "")
    return mother.astype(object), format_days(np.where(reported, birth, NO_DATE))


def _last_written_end(episodes: pd.DataFrame, year: int) -> pd.Series:
    """Per child, the latest episode end inside ``year`` (the last ``DEC`` its return shows)."""
    end = episodes["end"].to_numpy()
    inside = (end != NO_DATE) & (end >= year_start(year)) & (end <= year_end(year))
    return pd.Series(end[inside]).groupby(episodes["child"].to_numpy()[inside]).max()
