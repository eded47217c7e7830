"""Rules about year folders: each folder's data must belong to the year it is named for.

A year folder is named by the collection year, the year the return *ends*: ``2022`` holds the
return for 1 April 2021 to 31 March 2022. Naming folders by the year a return starts is a common
habit; the dates then fall after the folder's year end.

| rule | severity | what it catches |
|---|---|---|
| ``YEAR_FOLDER_START`` | error | most episode dates (``DECOM``, ``DEC``) of an LA's folder within a year either side of its year end, and at least 5, fall after 31 March of the folder's year (the folder is named by the year its return starts) |
| ``YEAR_GAP`` | warning | an LA has returns for years on both sides of a year it has none for |
"""

from __future__ import annotations

import pandas as pd

from pipeline.inputs.problems import ERROR, WARNING, Rule, empty_found, found_in_file
from pipeline.inputs.raw import RawInputs
from pipeline.inputs.sql import query

#: A folder is misnamed only when this many of its dates (or more) are late: one or two late
#: dates in a small return are errors in those rows (``DECOM_AFTER_YEAR``), not a misnamed folder.
MIN_LATE_DATES = 5

RULES = [
    Rule("YEAR_FOLDER_START", ERROR, "Most episode dates in this folder fall after 31 March of the year it is named for, so it holds the next year's return: name each year folder by the collection year, the year the return ends (see the value)."),
    Rule("YEAR_GAP", WARNING, "This LA has no return for this year, but has returns before and after it: measures that span this year cannot be computed for the LA."),
]  # fmt: skip


def _describe(year: int) -> str:
    return (
        f"this looks like the {year}-{(year + 1) % 100:02d} return (collection year {year + 1}):"
        f" rename the folder {year + 1}"
    )


def check_year_folders(raw: RawInputs) -> list[pd.DataFrame]:
    """Folders whose episode dates mostly fall in the year after their name."""
    misnamed = query(
        raw.connection(),
        f"""
        with dates as (
            select LA, YEAR, DECOM as day from e where DECOM is not null and LA is not null
            union all
            select LA, YEAR, DEC from e where DEC is not null and LA is not null
        )
        select LA, YEAR,
            count(*) filter (where day > make_date(cast(YEAR as integer), 3, 31)) as late,
            count(*) filter (where day >= make_date(cast(YEAR as integer) - 1, 4, 1)
                             and day <= make_date(cast(YEAR as integer) + 1, 3, 31)) as recent
        from dates group by LA, YEAR
        having late >= {MIN_LATE_DATES} and late * 2 > recent
        order by LA, YEAR
        """,
        {"e": (raw["episodes"], ["LA", "YEAR", "DECOM", "DEC"])},
    )
    files = raw.files_of("episodes")
    out = []
    for la, folder_year in zip(misnamed["LA"], misnamed["YEAR"], strict=True):
        year = int(folder_year)
        file = files.get((la, year), files.get(year, str(year)))
        out.append(
            found_in_file(
                file, rule="YEAR_FOLDER_START", column="DECOM", value=_describe(year),
                la=str(la), year=year,
            )
        )  # fmt: skip
    return out


def check_year_gaps(raw: RawInputs) -> list[pd.DataFrame]:
    """LA-years missing between an LA's first and last return."""
    pairs = raw["header"][["LA", "YEAR"]].dropna().drop_duplicates()
    out = [empty_found()]
    for la, years in pairs.groupby("LA", observed=True)["YEAR"]:
        present = set(int(year) for year in years)
        for year in range(min(present), max(present) + 1):
            if year not in present:
                out.append(found_in_file(str(year), rule="YEAR_GAP", la=str(la), year=year))
    return out


CHECKS = [check_year_folders, check_year_gaps]
