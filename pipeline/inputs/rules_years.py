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

import numpy as np
import pandas as pd

from pipeline.inputs.keys import NAT, child_keys, dates, la_years
from pipeline.inputs.problems import empty_found, found_in_file, rules_of
from pipeline.inputs.raw import RawInputs

#: A folder is misnamed only when this many of its dates (or more) are late: one or two late
#: dates in a small return are errors in those rows (``DECOM_AFTER_YEAR``), not a misnamed folder.
MIN_LATE_DATES = 5

RULES = rules_of("rules_years")


def _describe(year: int) -> str:
    return (
        f"this looks like the {year}-{(year + 1) % 100:02d} return (collection year {year + 1}):"
        f" rename the folder {year + 1}"
    )


def _first_of_april(years: np.ndarray) -> np.ndarray:
    """1 April of each of ``years``, as nanoseconds."""
    months = (years - 1970) * 12 + 3
    return months.astype("datetime64[M]").astype("datetime64[ns]").view(np.int64)


def _misnamed_folders(raw: RawInputs) -> list[tuple[str, int]]:
    """``(LA, YEAR)`` of the folders with at least :data:`MIN_LATE_DATES` episode dates
    (``DECOM`` and ``DEC``) after their year end, and more than half of those within a year
    either side of it; rows without an LA are not counted. Sorted by LA then year."""
    episodes = raw["episodes"]
    if episodes.empty:
        return []
    la = child_keys(raw)[1]["episodes"]
    years = episodes["YEAR"].to_numpy(dtype=np.int64)
    low, span = int(years.min()), int(years.max() - years.min() + 1)
    group = np.where(la >= 0, la * span + (years - low), -1)
    size = int(group.max(initial=-1)) + 1
    day = np.timedelta64(1, "D").astype("timedelta64[ns]").astype(np.int64)
    year_end = _first_of_april(years) - day
    recent_start, recent_end = _first_of_april(years - 1), _first_of_april(years + 1) - day
    late, recent = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    for column in ["DECOM", "DEC"]:
        values = dates(episodes[column])
        counted = (group >= 0) & (values != NAT)
        late += np.bincount(group[counted & (values > year_end)], minlength=size)
        within = counted & (values >= recent_start) & (values <= recent_end)
        recent += np.bincount(group[within], minlength=size)
    misnamed = np.flatnonzero((late >= MIN_LATE_DATES) & (late * 2 > recent))
    first_row = {g: row for row, g in zip(*_first_rows(group, misnamed), strict=True)}
    folders = [(str(episodes["LA"].iat[first_row[g]]), low + int(g) % span) for g in misnamed]
    return sorted(folders)


def _first_rows(group: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first position of each of the ``wanted`` groups, and the group."""
    rows = np.flatnonzero(np.isin(group, wanted))
    groups, first = np.unique(group[rows], return_index=True)
    return rows[first], groups


def check_year_folders(raw: RawInputs) -> list[pd.DataFrame]:
    """Folders whose episode dates mostly fall in the year after their name."""
    files = raw.files_of("episodes")
    out = []
    for la, year in _misnamed_folders(raw):
        file = files.get((la, year), files.get(year, str(year)))
        out.append(
            found_in_file(
                file, rule="YEAR_FOLDER_START", column="DECOM", value=_describe(year),
                la=la, year=year,
            )
        )  # fmt: skip
    return out


def check_year_gaps(raw: RawInputs) -> list[pd.DataFrame]:
    """LA-years missing between an LA's first and last return."""
    by_la: dict[str, set[int]] = {}
    for la, year in la_years(raw, "header"):
        by_la.setdefault(la, set()).add(year)
    out = [empty_found()]
    for la, present in by_la.items():
        for year in range(min(present), max(present) + 1):
            if year not in present:
                out.append(found_in_file(str(year), rule="YEAR_GAP", la=str(la), year=year))
    return out


CHECKS = [check_year_folders, check_year_gaps]
