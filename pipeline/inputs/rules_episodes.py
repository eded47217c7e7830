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
from pipeline.inputs.raw import RawInputs, collection_year_bounds, dates_within_year
from pipeline.inputs.sql import query, rows_at
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


#: Episodes de-duplicated across years, each with its predecessor's dates and ``REC``.
_STILL_LOOKED_AFTER = ", ".join(f"'{code}'" for code in sorted(REC_STILL_LOOKED_AFTER))
_SEQUENCE = f"""
with latest as (
    select * from e
    where LA is not null and CHILD is not null and DECOM is not null
    qualify row_number() over (partition by LA, CHILD, DECOM order by YEAR desc, ROW desc) = 1
), windowed as (
    select *,
        lag(DECOM) over child_order as previous_decom,
        lag(DEC) over child_order as previous_dec,
        lag(REC) over child_order as previous_rec,
        make_date(cast(min(YEAR) over (partition by LA) as integer) - 1, 4, 1) as window_start
    from latest
    window child_order as (partition by LA, CHILD order by DECOM)
), flagged as (
    select *,
        previous_decom is not null and (previous_dec is null or DECOM < previous_dec)
            as overlapping,
        coalesce(previous_dec = DECOM and previous_rec in ({_STILL_LOOKED_AFTER}), false)
            as continues
    from windowed
)
"""


def check_episode_sequences(raw: RawInputs) -> list[pd.DataFrame]:
    """Overlapping episodes and the first episode of a period of care, per child."""
    return _flagged_episodes(
        raw,
        _SEQUENCE
        + """
        select _pos, overlapping,
            not overlapping and not continues and DECOM >= window_start
                and RNE is not null and RNE <> 'S' as wrong_rne
        from flagged
        where overlapping or wrong_rne
        """,
        {"e": ["LA", "YEAR", "ROW", "CHILD", "DECOM", "DEC", "REC", "RNE"]},
        {"overlapping": ("EPISODES_OVERLAP", "DECOM"), "wrong_rne": ("FIRST_EPISODE_RNE", "RNE")},
    )


def _flagged_episodes(
    raw: RawInputs,
    sql: str,
    inputs: dict[str, list[str]],
    flags: dict[str, tuple[str, str]],
) -> list[pd.DataFrame]:
    """The problems of episodes flagged by ``sql``.

    ``inputs`` names the columns of each table the query reads (``e`` is the episodes, ``h``
    the header); the query gives ``_pos`` (the episode's position) and a boolean column per
    flag; ``flags`` maps each flag column to its ``(rule, column)``.
    """
    episodes = raw["episodes"]
    files = raw.files_of("episodes")
    names = {"e": "episodes", "h": "header"}
    tables = {name: (raw[names[name]], columns) for name, columns in inputs.items()}
    flagged = query(raw.connection(), sql, tables)
    return [
        found(rows_at(episodes, flagged.loc[flagged[flag], "_pos"]), rule=rule, column=column,
              files=files)
        for flag, (rule, column) in flags.items()
    ]  # fmt: skip


#: Each episode row with the child's DOB from the same LA and year's header (first row).
_WITH_DOB = """
with dob as (
    select LA, YEAR, CHILD, DOB from h
    where DOB is not null
    qualify row_number() over (partition by LA, YEAR, CHILD order by ROW) = 1
), joined as (
    select e._pos, e.DECOM, dob.DOB,
        year(e.DECOM) - year(dob.DOB)
            - case when month(e.DECOM) * 100 + day(e.DECOM) < month(dob.DOB) * 100 + day(dob.DOB)
                   then 1 else 0 end as age
    from e join dob using (LA, YEAR, CHILD)
    where e.DECOM is not null
)
"""


def check_episode_ages(raw: RawInputs) -> list[pd.DataFrame]:
    """Episodes starting before birth or at 18 or over (``DOB`` from the same year's header)."""
    return _flagged_episodes(
        raw,
        _WITH_DOB
        + """
        select _pos, DECOM < DOB as before_birth, age >= 18 as adult
        from joined where DECOM < DOB or age >= 18
        """,
        {"e": ["LA", "YEAR", "CHILD", "DECOM"], "h": ["LA", "YEAR", "CHILD", "DOB", "ROW"]},
        {"before_birth": ("DOB_AFTER_DECOM", "DECOM"), "adult": ("AGED_18_AT_DECOM", "DECOM")},
    )


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
