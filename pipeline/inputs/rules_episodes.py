"""Rules about episodes of care: dates, sequences and temporary placements.

"Year" is the collection year of the file the row came from: ``Y`` runs 1 April ``Y-1`` to
31 March ``Y``. Rules about a child's sequence of episodes (overlaps, the first episode of a
period of care) run on the episodes de-duplicated across years (same ``LA``, ``CHILD``,
``DECOM``: the row from the latest year is kept, as the measures do) and report that row.

| rule | severity | what it catches |
|---|---|---|
| ``DEC_BEFORE_DECOM`` | error | the episode ends (``DEC``) before it starts (``DECOM``) |
| ``DECOM_AFTER_YEAR`` | error | ``DECOM`` after 31 March of the collection year |
| ``DEC_AFTER_YEAR`` | error | ``DEC`` after 31 March of the collection year (leave it blank: still open) |
| ``DEC_BEFORE_YEAR`` | error | ``DEC`` before 1 April of the year: the episode does not belong in this return |
| ``REC_WITHOUT_DEC`` | error | a reason the episode ceased (``REC``) but no end date |
| ``DEC_WITHOUT_REC`` | error | an end date but no ``REC`` |
| ``EPISODES_OVERLAP`` | error | an episode starts before the child's previous episode ended |
| ``FIRST_EPISODE_RNE`` | error | a child starting care in the data (previous episode did not end the same day with ``X1``) has ``RNE`` other than ``S`` |
| ``DOB_AFTER_DECOM`` | error | the episode starts before the child was born |
| ``AGED_18_AT_DECOM`` | error | the episode starts on or after the child's 18th birthday |
| ``TEMPORARY_WITH_PROVIDER`` | warning | a temporary placement (``T0``-``T4``) with a ``PLACE_PROVIDER`` |
| ``TEMPORARY_WITH_REASON`` | warning | a temporary placement with a ``REASON_PLACE_CHANGE`` |
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.inputs.keys import (
    NAT,
    child_keys,
    child_year_keys,
    dates,
    find_sorted,
    group_starts,
    sort_rows,
    text_array,
)
from pipeline.inputs.problems import found, rules_of
from pipeline.inputs.raw import RawInputs, collection_year_bounds, dates_within_year
from pipeline.inputs.tables import REC_STILL_LOOKED_AFTER, TEMPORARY_PLACE

RULES = rules_of("rules_episodes")


def check_episode_dates(raw: RawInputs) -> list[pd.DataFrame]:
    """Dates impossible within the row's own collection year, and REC/DEC pairs."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    start, _ = collection_year_bounds(episodes["YEAR"])
    dec = episodes["DEC"]
    has_rec = episodes["REC"].notna() & raw.has_column("episodes", "REC")
    return [
        *dates_within_year(raw, "episodes", "DECOM", "DEC"),
        found(episodes[dec < start], rule="DEC_BEFORE_YEAR", column="DEC", files=files),
        found(
            episodes[has_rec & dec.isna() & episodes["REC"].notna()],
            rule="REC_WITHOUT_DEC",
            column="REC",
            files=files,
        ),
        found(
            episodes[dec.notna() & episodes["REC"].isna() & raw.has_column("episodes", "REC")],
            rule="DEC_WITHOUT_REC",
            column="REC",
            files=files,
        ),
    ]


def _latest_episodes(raw: RawInputs) -> np.ndarray:
    """Positions of the episodes de-duplicated across years, sorted by ``LA, CHILD, DECOM``.

    One row per ``LA, CHILD, DECOM`` (rows with any of them blank are left out): the one from
    the latest ``YEAR``, then the latest ``ROW``.
    """
    episodes = raw["episodes"]
    child = child_keys(raw)[0]["episodes"]
    decom = dates(episodes["DECOM"])
    rows = np.flatnonzero((child >= 0) & (decom != NAT))
    ordered = sort_rows(
        rows, child, decom, -episodes["YEAR"].to_numpy(), -episodes["ROW"].to_numpy()
    )
    return ordered[group_starts(ordered, child, decom)]


def _window_starts(raw: RawInputs, latest: np.ndarray) -> np.ndarray:
    """1 April before the first collection year of each latest episode's LA (among them)."""
    las = child_keys(raw)[1]["episodes"][latest]  # sorted: the keys sort by LA first
    years = raw["episodes"]["YEAR"].to_numpy()[latest]
    if not latest.size:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(group_starts(np.arange(las.size), las))
    first_year = np.repeat(np.minimum.reduceat(years, starts), np.diff([*starts, las.size]))
    april = (first_year - 1970 - 1) * 12 + 3  # months since January 1970 of 1 April (Y-1)
    return april.astype("datetime64[M]").astype("datetime64[ns]").view(np.int64)


def check_episode_sequences(raw: RawInputs) -> list[pd.DataFrame]:
    """Overlapping episodes and the first episode of a period of care, per child.

    On the episodes de-duplicated across years, in ``DECOM`` order per child: an episode
    overlaps when the previous one is open or ends after it starts; it continues a period of
    care when the previous one ended on its ``DECOM`` with ``REC`` X1; else it starts one (from
    the first year of the LA's data on) and needs ``RNE`` S.
    """
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    latest = _latest_episodes(raw)
    child = child_keys(raw)[0]["episodes"][latest]
    decom = dates(episodes["DECOM"])[latest]
    dec = dates(episodes["DEC"])[latest]
    still = pc.is_in(
        text_array(episodes["REC"]), value_set=pa.array(sorted(REC_STILL_LOOKED_AFTER))
    )
    still = still.fill_null(False).to_numpy(zero_copy_only=False)[latest]
    rne = pc.not_equal(text_array(episodes["RNE"]), "S").fill_null(False)
    rne = rne.to_numpy(zero_copy_only=False)[latest]
    has_previous = np.zeros(latest.size, dtype=bool)
    has_previous[1:] = child[1:] == child[:-1]
    previous_dec = np.roll(dec, 1)
    overlapping = has_previous & ((previous_dec == NAT) | (decom < previous_dec))
    continues = has_previous & (previous_dec == decom) & np.roll(still, 1)
    wrong_rne = ~overlapping & ~continues & (decom >= _window_starts(raw, latest)) & rne
    return [
        found(episodes.iloc[np.sort(latest[overlapping])], rule="EPISODES_OVERLAP",
              column="DECOM", files=files),
        found(episodes.iloc[np.sort(latest[wrong_rne])], rule="FIRST_EPISODE_RNE",
              column="RNE", files=files),
    ]  # fmt: skip


def _dates_of_birth(raw: RawInputs, episodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each episode's child's ``DOB`` and 18th birthday, as nanoseconds (:data:`NAT` if none).

    The ``DOB`` is the first (by ``ROW``) given in the same LA and year's header. The 18th
    birthday of a child born on 29 February is 1 March, as "age 18 on DECOM" counts it.
    """
    header = raw["header"]
    keys = child_year_keys(raw)
    header_keys, dob = keys["header"], dates(header["DOB"])
    rows = sort_rows(
        np.flatnonzero((header_keys >= 0) & (dob != NAT)), header_keys, header["ROW"].to_numpy()
    )
    first = rows[group_starts(rows, header_keys)]
    births = dob[first].view("datetime64[ns]").astype("datetime64[D]")
    months = births.astype("datetime64[M]")
    adult = (months + 18 * 12).astype("datetime64[D]") + (births - months.astype("datetime64[D]"))
    # past the last date nanoseconds can hold no DECOM is on or after it
    adult = np.where(
        adult <= np.datetime64("2262-04-11"),
        adult.astype("datetime64[ns]").view(np.int64),
        np.iinfo(np.int64).max,
    )
    at = find_sorted(header_keys[first], keys["episodes"][episodes])
    found_at = at >= 0
    at = np.maximum(at, 0)
    return np.where(found_at, dob[first][at], NAT), np.where(found_at, adult[at], NAT)


def check_episode_ages(raw: RawInputs) -> list[pd.DataFrame]:
    """Episodes starting before birth or at 18 or over (``DOB`` from the same year's header)."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    decom = dates(episodes["DECOM"])
    rows = np.flatnonzero((child_year_keys(raw)["episodes"] >= 0) & (decom != NAT))
    dob, adult = _dates_of_birth(raw, rows)
    decom = decom[rows]
    known = dob != NAT
    return [
        found(episodes.iloc[rows[known & (decom < dob)]], rule="DOB_AFTER_DECOM",
              column="DECOM", files=files),
        found(episodes.iloc[rows[known & (decom >= adult)]], rule="AGED_18_AT_DECOM",
              column="DECOM", files=files),
    ]  # fmt: skip


def check_temporary_placements(raw: RawInputs) -> list[pd.DataFrame]:
    """Temporary placements carry neither a provider nor a reason for change."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    temporary = episodes["PLACE"].isin(TEMPORARY_PLACE).fillna(False)
    return [
        found(
            episodes[temporary & episodes["PLACE_PROVIDER"].notna()],
            rule="TEMPORARY_WITH_PROVIDER",
            column="PLACE_PROVIDER",
            files=files,
        ),
        found(
            episodes[temporary & episodes["REASON_PLACE_CHANGE"].notna()],
            rule="TEMPORARY_WITH_REASON",
            column="REASON_PLACE_CHANGE",
            files=files,
        ),
    ]


CHECKS = [
    check_episode_dates,
    check_episode_sequences,
    check_episode_ages,
    check_temporary_placements,
]
