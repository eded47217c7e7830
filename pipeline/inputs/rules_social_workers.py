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

import pandas as pd

from pipeline.inputs.problems import ERROR, WARNING, Rule, found
from pipeline.inputs.raw import RawInputs, dates_within_year
from pipeline.inputs.sql import select_rows

RULES = [
    Rule("SW_DEC_BEFORE_SW_DECOM", ERROR, "The social worker episode ends (SW_DEC) before it starts (SW_DECOM): correct one of the dates."),
    Rule("SW_DECOM_AFTER_YEAR", ERROR, "SW_DECOM is after 31 March of the collection year: the episode belongs in next year's return."),
    Rule("SW_DEC_AFTER_YEAR", ERROR, "SW_DEC is after 31 March of the collection year: leave it blank for an episode still open at 31 March."),
    Rule("SW_EPISODES_OVERLAP", WARNING, "This social worker episode starts before the child's previous one ended (cover is allowed; the measures keep the episode that started first): check the dates if it is not cover."),
]  # fmt: skip


def check_social_worker_dates(raw: RawInputs) -> list[pd.DataFrame]:
    """Dates impossible within the row's own collection year."""
    return dates_within_year(raw, "social_workers", "SW_DECOM", "SW_DEC")


def check_social_worker_overlaps(raw: RawInputs) -> list[pd.DataFrame]:
    """Social worker episodes of one child that overlap (after de-duplication across years)."""
    workers = raw["social_workers"]
    overlapping = select_rows(
        raw.connection(),
        """
        with latest as (
            select * from w
            where LA is not null and CHILD is not null and SW_ID is not null
              and SW_DECOM is not null
            qualify row_number() over (
                partition by LA, CHILD, SW_ID, SW_DECOM order by YEAR desc, ROW desc) = 1
        ), windowed as (
            -- earlier episodes of the child: is one still open, and their latest end
            select *,
                bool_or(SW_DEC is null) over earlier as previous_open,
                max(SW_DEC) over earlier as previous_end
            from latest
            window earlier as (
                partition by LA, CHILD order by SW_DECOM, SW_ID
                rows between unbounded preceding and 1 preceding)
        )
        select _pos from windowed
        where coalesce(previous_open, false) or SW_DECOM < previous_end
        """,
        {"w": (workers, ["LA", "YEAR", "ROW", "CHILD", "SW_ID", "SW_DECOM", "SW_DEC"])},
    )
    files = raw.files_of("social_workers")
    return [found(overlapping, rule="SW_EPISODES_OVERLAP", column="SW_DECOM", files=files)]


CHECKS = [check_social_worker_dates, check_social_worker_overlaps]
