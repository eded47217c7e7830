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

import pandas as pd

from pipeline.inputs.problems import ERROR, WARNING, Rule, found
from pipeline.inputs.raw import RawInputs, collection_year_bounds, latest_rows, same_as_previous
from pipeline.inputs.tables import REC_STILL_LOOKED_AFTER, TEMPORARY_PLACE

RULES = [
    Rule("DEC_BEFORE_DECOM", ERROR, "The episode ends (DEC) before it starts (DECOM): correct one of the dates."),
    Rule("DECOM_AFTER_YEAR", ERROR, "The episode starts after 31 March of the collection year: it belongs in next year's return."),
    Rule("DEC_AFTER_YEAR", ERROR, "DEC is after 31 March of the collection year: leave DEC and REC blank for an episode still open at 31 March."),
    Rule("DEC_BEFORE_YEAR", ERROR, "The episode ended before 1 April of the collection year, so it does not belong in this year's return: remove it or correct DEC."),
    Rule("REC_WITHOUT_DEC", ERROR, "REC (reason episode ceased) is filled but DEC is blank: give the end date, or blank REC if the episode is open."),
    Rule("DEC_WITHOUT_REC", ERROR, "The episode has an end date (DEC) but no REC: give the reason the episode ceased (X1 if a new episode starts the same day)."),
    Rule("EPISODES_OVERLAP", ERROR, "This episode starts before the child's previous episode ended: the previous episode's DEC must be on or before this DECOM."),
    Rule("FIRST_EPISODE_RNE", ERROR, "The first episode of a period of care must have RNE S (the previous episode did not end on this DECOM with REC X1): correct RNE, or the previous episode's DEC/REC."),
    Rule("DOB_AFTER_DECOM", ERROR, "The episode starts before the child's date of birth: check DOB in the header and DECOM."),
    Rule("AGED_18_AT_DECOM", ERROR, "The child was 18 or over when the episode started: check DOB and DECOM (care ends at 18)."),
    Rule("TEMPORARY_WITH_PROVIDER", WARNING, "A temporary placement (T0-T4) should not have a placement provider: leave PLACE_PROVIDER blank."),
    Rule("TEMPORARY_WITH_REASON", WARNING, "A temporary placement (T0-T4) carries no reason for placement change: leave REASON_PLACE_CHANGE blank."),
]  # fmt: skip


def check_episode_dates(raw: RawInputs) -> list[pd.DataFrame]:
    """Dates impossible within the row's own collection year, and REC/DEC pairs."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    start, end = collection_year_bounds(episodes["YEAR"])
    decom, dec = episodes["DECOM"], episodes["DEC"]
    has_rec = episodes["REC"].notna() & raw.has_column("episodes", "REC")
    return [
        found(episodes[dec < decom], rule="DEC_BEFORE_DECOM", column="DEC", files=files),
        found(episodes[decom > end], rule="DECOM_AFTER_YEAR", column="DECOM", files=files),
        found(episodes[dec > end], rule="DEC_AFTER_YEAR", column="DEC", files=files),
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


def check_episode_sequences(raw: RawInputs) -> list[pd.DataFrame]:
    """Overlapping episodes and the first episode of a period of care, per child."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    latest = latest_rows(episodes, ["CHILD", "DECOM"])
    same_child = same_as_previous(latest, ["LA", "CHILD"])
    previous_dec = latest["DEC"].shift(1)
    previous_rec = latest["REC"].shift(1)
    previous_open = same_child & previous_dec.isna()
    overlaps = same_child & (previous_open | (latest["DECOM"] < previous_dec).fillna(False))
    continues = (
        same_child
        & (previous_dec == latest["DECOM"]).fillna(False)
        & previous_rec.isin(REC_STILL_LOOKED_AFTER).fillna(False)
    )
    first_year = latest.groupby("LA", observed=True)["YEAR"].transform("min")
    window_start, _ = collection_year_bounds(first_year)
    starts_care = ~continues & ~overlaps & (latest["DECOM"] >= window_start)
    wrong_rne = starts_care & latest["RNE"].notna() & (latest["RNE"] != "S")
    return [
        found(latest[overlaps], rule="EPISODES_OVERLAP", column="DECOM", files=files),
        found(latest[wrong_rne], rule="FIRST_EPISODE_RNE", column="RNE", files=files),
    ]


def check_episode_ages(raw: RawInputs) -> list[pd.DataFrame]:
    """Episodes starting before birth or at 18 or over (``DOB`` from the same year's header)."""
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    header = raw["header"][["LA", "YEAR", "CHILD", "DOB"]].dropna()
    header = header.drop_duplicates(["LA", "YEAR", "CHILD"])
    dob = episodes[["LA", "YEAR", "CHILD"]].merge(header, on=["LA", "YEAR", "CHILD"], how="left")
    dob = pd.Series(dob["DOB"].to_numpy(), index=episodes.index)
    decom = episodes["DECOM"]
    before_birth = (decom < dob).fillna(False)
    birthday_passed = (decom.dt.month > dob.dt.month) | (
        (decom.dt.month == dob.dt.month) & (decom.dt.day >= dob.dt.day)
    )
    age = decom.dt.year - dob.dt.year - (~birthday_passed).astype("int64")
    adult = (age >= 18).fillna(False)
    return [
        found(episodes[before_birth], rule="DOB_AFTER_DECOM", column="DECOM", files=files),
        found(episodes[adult], rule="AGED_18_AT_DECOM", column="DECOM", files=files),
    ]


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
