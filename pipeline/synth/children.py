"""Children and their periods of care: who enters care, when, at what age, and for how long.

Children enter care over a long history before the first collection year (so that every
child looked after in the window has a complete past), at an annual rate that grows about
1.5% a year. Each period of care gets a length from a mixture of short stays, medium stays
and stays until the 18th birthday; some children who return home come back into care later
(a new period, ``RNE`` ``S``). The number of children is then thinned, LA by LA, so the number
looked after at 31 March of the latest year matches the LA's real 2024 figure times ``scale``.
Short-break-only children (``LS`` ``V3``/``V4``) come from :mod:`pipeline.synth.short_breaks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.synth.areas import Areas
from pipeline.synth.dates import (
    DAYS_PER_YEAR,
    anniversary,
    collection_year,
    year_end,
    year_start,
    year_starts,
)
from pipeline.synth.draws import choose, coded_text, sorted_rows

ENTRY_GROWTH_PER_YEAR = 0.015
STARTS_PER_CHILD_LOOKED_AFTER = 0.36  # ~30k starts for ~84k looked after
OVERSAMPLE = 1.35  # draw more than needed, then thin to the target
HISTORY_YEARS = 19
UASC_SHARE_OF_STARTS = 0.09
MAX_PERIODS_PER_CHILD = 4

#: Age at entry (years) for children who are not UASC: band edges and probabilities.
ENTRY_AGE_BANDS = np.array([[0, 1], [1, 5], [5, 10], [10, 16], [16, 17.95]], dtype=float)
ENTRY_AGE_PROBABILITIES = [0.20, 0.16, 0.17, 0.34, 0.13]

ETHNIC_CODES = [
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
]  # fmt: skip
ETHNIC_PROBABILITIES = [
    0.655, 0.004, 0.004, 0.045, 0.006, 0.045, 0.015, 0.014, 0.03, 0.006, 0.015,
    0.006, 0.012, 0.017, 0.04, 0.022, 0.002, 0.035, 0.015, 0.012,
]  # fmt: skip
UASC_ETHNIC_CODES = ["AOTH", "BAFR", "OOTH", "BOTH", "WOTH"]
UASC_ETHNIC_PROBABILITIES = [0.3, 0.3, 0.25, 0.05, 0.1]

SEN_NEEDS_OTHER_THAN_SEMH = ["SLCN", "MLD", "ASD", "SPLD", "SLD", "PD", "OTH", "HI"]
SEN_NEED_PROBABILITIES = [0.26, 0.22, 0.2, 0.1, 0.08, 0.05, 0.06, 0.03]

#: Reasons a period of care ends (``REC``), by how it ends.
REC_AGED_18 = (["E8", "E17", "E5", "E6", "E3", "E4A"], [0.35, 0.15, 0.3, 0.05, 0.1, 0.05])
REC_YOUNG_LONG = (
    ["E11", "E12", "E45", "E46", "E41", "E4A", "E48"],
    [0.3, 0.15, 0.12, 0.12, 0.05, 0.22, 0.04],
)
REC_OTHER = (
    ["E4A", "E4B", "E3", "E45", "E46", "E41", "E8", "E13", "E2"],
    [0.45, 0.08, 0.11, 0.05, 0.07, 0.02, 0.185, 0.03, 0.005],
)
RETURNED_HOME = ["E4A", "E4B", "E3"]
ADOPTED = ["E11", "E12"]


@dataclass(frozen=True)
class Window:
    """The collection years simulated and their first and last days."""

    years: list[int]

    @property
    def first_day(self) -> int:
        """1 April before the first collection year."""
        return year_start(min(self.years))

    @property
    def last_day(self) -> int:
        """31 March of the latest collection year."""
        return year_end(max(self.years))

    @property
    def history_start(self) -> int:
        """First day on which the simulation lets children enter care."""
        return self.first_day - int(HISTORY_YEARS * DAYS_PER_YEAR)


@dataclass
class Population:
    """Children (one row each) and their periods of care (one row each)."""

    children: pd.DataFrame
    periods: pd.DataFrame


def simulate_population(
    areas: Areas, window: Window, scale: float, rng: np.random.Generator
) -> Population:
    """Simulate every child looked after at any time in the window, with their whole history."""
    children = _first_entries(areas, window, scale, rng)
    periods = clear_of_year_end(_periods_of_care(children, window, rng), children, rng)
    children, periods = _thin_to_target(areas, window, scale, children, periods, rng)
    children["short_break"] = False
    periods = sorted_rows(periods, ["child", "start"])
    periods["period"] = np.arange(len(periods))
    return Population(children=children, periods=periods)


def _first_entries(
    areas: Areas, window: Window, scale: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw every child's first entry to care: LA, date, age and characteristics."""
    growth = ENTRY_GROWTH_PER_YEAR
    span = (window.last_day - window.history_start) / DAYS_PER_YEAR
    per_year_now = areas.children_2024 * scale * STARTS_PER_CHILD_LOOKED_AFTER * OVERSAMPLE
    expected = per_year_now * (1 - np.exp(-growth * span)) / growth
    la = np.repeat(np.arange(areas.count), rng.poisson(expected))
    n = len(la)
    years_before_end = -np.log1p(-rng.uniform(0, 1, n) * (1 - np.exp(-growth * span))) / growth
    start = window.last_day - np.floor(years_before_end * DAYS_PER_YEAR).astype(np.int64)

    uasc_share = np.clip(UASC_SHARE_OF_STARTS * areas.uasc_multiplier[la], 0, 0.6)
    uasc = rng.uniform(0, 1, n) < uasc_share
    band = choose(rng, len(ENTRY_AGE_PROBABILITIES), ENTRY_AGE_PROBABILITIES, n)
    low, high = ENTRY_AGE_BANDS[band, 0], ENTRY_AGE_BANDS[band, 1]
    fraction = rng.uniform(0, 1, n)
    fraction = np.where(band == 0, fraction**2, fraction)  # many babies enter in their first weeks
    age_years = low + (high - low) * fraction
    uasc_age = np.where(
        rng.uniform(0, 1, n) < 0.8, rng.uniform(15.5, 17.9, n), rng.uniform(12, 15.5, n)
    )
    age_years = np.where(uasc, uasc_age, age_years)
    age_days = np.floor(age_years * DAYS_PER_YEAR).astype(np.int64)

    male = rng.uniform(0, 1, n) < np.where(uasc, 0.93, 0.55)
    uasc_ethnic = choose(rng, 5, UASC_ETHNIC_PROBABILITIES, n) + len(ETHNIC_CODES)
    ethnic = np.where(uasc, uasc_ethnic, choose(rng, len(ETHNIC_CODES), ETHNIC_PROBABILITIES, n))
    semh = rng.uniform(0, 1, n) < np.where(uasc, 0.03, np.where(age_years >= 8, 0.26, 0.16))
    provision_draw = rng.uniform(0, 1, n)
    provision = np.where(  # index in "EKN"
        semh,
        np.where(provision_draw < 0.5, 0, 1),
        np.where(provision_draw < 0.17, 0, np.where(provision_draw < 0.39, 1, 2)),
    )
    other_need = choose(rng, len(SEN_NEEDS_OTHER_THAN_SEMH), SEN_NEED_PROBABILITIES, n)
    blank_need, semh_need = len(SEN_NEEDS_OTHER_THAN_SEMH), len(SEN_NEEDS_OTHER_THAN_SEMH) + 1
    sen_need = np.where(semh, semh_need, np.where(provision == 2, blank_need, other_need))
    pru = rng.uniform(0, 1, n) < np.where(semh & (age_years >= 9), 0.16, 0.015)
    placement_frailty = rng.gamma(1.0, 1.0, n)
    return pd.DataFrame(
        {
            "child": np.arange(n),
            "la": la,
            "first_start": start,
            "dob": start - age_days,
            "sex": coded_text(["1", "2"], np.where(male, 0, 1)),
            "ethnic": coded_text([*ETHNIC_CODES, *UASC_ETHNIC_CODES], ethnic),
            "uasc": uasc,
            "semh": semh,
            "sen_provision": coded_text(["E", "K", "N"], provision),
            "sen_need": coded_text([*SEN_NEEDS_OTHER_THAN_SEMH, "", "SEMH"], sen_need),
            "pru": pru,
            "placement_frailty": placement_frailty,
            "sw_frailty": rng.gamma(20.0, 1 / 20.0, n) * placement_frailty**0.15,
        }
    )


def _period_lengths(
    age_days: np.ndarray, days_to_18: np.ndarray, uasc: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return each period's length in days and the reason it ends (``REC``).

    ``days_to_18`` runs to the 18th birthday: a period that lasts until then ends on that day, as
    the reasons for leaving at 18 (``E17`` staying put and the others) need (DfE rule 460).
    """
    n = len(age_days)
    age = age_days / DAYS_PER_YEAR
    p_short = np.select([age < 1, age < 5, age < 10, age < 16], [0.10, 0.17, 0.2, 0.24], 0.3)
    p_until_18 = np.select([age < 5, age < 10], [0.12, 0.24], 0.31)
    p_short = np.where(uasc, 0.04, p_short)
    p_until_18 = np.where(uasc, 0.88, p_until_18)
    kind = rng.uniform(0, 1, n)
    short = 1 + rng.exponential(80.0, n)
    medium_mean = np.where(age < 5, 1.9, 1.9) * DAYS_PER_YEAR
    medium = rng.gamma(1.6, medium_mean / 1.6, n)
    length = np.where(kind < p_short, short, np.where(kind < p_short + p_until_18, 1e9, medium))
    length = np.maximum(np.minimum(np.floor(length).astype(np.int64), days_to_18), 1)
    aged_out = length >= days_to_18
    young_long = (age < 5) & (length >= 300)
    rec = np.where(
        aged_out,
        np.array(REC_AGED_18[0])[choose(rng, len(REC_AGED_18[0]), REC_AGED_18[1], n)],
        np.where(
            young_long,
            np.array(REC_YOUNG_LONG[0])[choose(rng, len(REC_YOUNG_LONG[0]), REC_YOUNG_LONG[1], n)],
            np.array(REC_OTHER[0])[choose(rng, len(REC_OTHER[0]), REC_OTHER[1], n)],
        ),
    )
    return length, rec


def _periods_of_care(
    children: pd.DataFrame, window: Window, rng: np.random.Generator
) -> pd.DataFrame:
    """Simulate each child's periods of care: the first one, then any re-entries."""
    dob = children["dob"].to_numpy()
    eighteenth = anniversary(dob, 18)
    uasc = children["uasc"].to_numpy()
    parts = []
    who = children["child"].to_numpy()
    start = children["first_start"].to_numpy()
    for number in range(MAX_PERIODS_PER_CHILD):
        length, rec = _period_lengths(start - dob[who], eighteenth[who] - start, uasc[who], rng)
        end = start + length
        parts.append(
            pd.DataFrame({"child": who, "number": number, "start": start, "end": end, "rec": rec})
        )
        age_at_end = (end - dob[who]) / DAYS_PER_YEAR
        gap = 15 + np.floor(rng.exponential(420.0, len(who))).astype(np.int64)
        # A child comes back in a later collection year than the one they left in (plus a week),
        # so one year's return never holds two periods' social worker episodes (whose gap the
        # DfE's rules SW10-SW12 would read as a broken chain).
        back = np.maximum(end + gap, year_starts(collection_year(end + 7) + 1))
        comes_back = (
            np.isin(rec, RETURNED_HOME)
            & (age_at_end < 16.5)
            & (rng.uniform(0, 1, len(who)) < 0.28)
            & (back < eighteenth[who] - 31)
            & (back <= window.last_day)
        )
        who, start = who[comes_back], back[comes_back]
        if len(who) == 0:
            break
    return pd.concat(parts, ignore_index=True)


def clear_of_year_end(
    periods: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Periods that start and end within the last week of a collection year end in April (or,
    for a child about to turn 18, start ten days earlier).

    A period's social worker chain may not end in the last days of March (the DfE's rule
    SW11b), so it ends a little before its period does: a period needs room for that.
    """
    start, end = periods["start"].to_numpy(), periods["end"].to_numpy()
    next_start = year_starts(collection_year(end) + 1)
    squeezed = (end >= next_start - 7) & (start >= next_start - 9)
    later = next_start + rng.integers(0, 10, len(end))
    eighteenth = anniversary(children["dob"].to_numpy()[periods["child"].to_numpy()], 18)
    fits = later < eighteenth
    return periods.assign(
        start=np.where(squeezed & ~fits, start - 10, start),
        end=np.where(squeezed & fits, later, end),
    )


def _thin_to_target(
    areas: Areas,
    window: Window,
    scale: float,
    children: pd.DataFrame,
    periods: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep a random share of children per LA so the latest stock matches the LA's target."""
    la_of_period = children["la"].to_numpy()[periods["child"].to_numpy()]
    open_at_end = (periods["start"] <= window.last_day) & (periods["end"] > window.last_day)
    stock = np.bincount(la_of_period[open_at_end.to_numpy()], minlength=areas.count)
    keep_share = np.minimum(1.0, areas.children_2024 * scale / np.maximum(stock, 1))
    keep = rng.uniform(0, 1, len(children)) < keep_share[children["la"].to_numpy()]
    touches = (periods["end"] >= window.first_day).to_numpy()
    in_window = np.zeros(len(children), dtype=bool)
    in_window[periods["child"].to_numpy()[touches]] = True
    kept = children[keep & in_window].reset_index(drop=True)
    new_index = np.full(len(children), -1, dtype=np.int64)
    new_index[kept["child"].to_numpy()] = np.arange(len(kept))
    periods = periods[new_index[periods["child"].to_numpy()] >= 0].copy()
    periods["child"] = new_index[periods["child"].to_numpy()]
    kept["child"] = np.arange(len(kept))
    periods["la"] = kept["la"].to_numpy()[periods["child"].to_numpy()]
    periods["ls_group"] = "care"
    return kept.drop(columns=["first_start"]), periods.reset_index(drop=True)
