"""Dates as whole days since 1 January 1970, the form every synthetic module works in.

Integer days keep the simulation vectorised (numpy arithmetic, no datetime objects per row);
they are turned into ``dd/mm/yyyy`` text only when the files are written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
NO_DATE = -1  # marks a blank date (an episode still open)


def day_number(year: int, month: int, day: int) -> int:
    """Return the day number of one calendar date."""
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D").astype(np.int64))


def year_start(year: int) -> int:
    """First day (1 April ``year - 1``) of collection year ``year``."""
    return day_number(year - 1, 4, 1)


def year_end(year: int) -> int:
    """Last day (31 March ``year``) of collection year ``year``."""
    return day_number(year, 3, 31)


def split_dates(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return calendar ``(year, month, day)`` arrays for an array of day numbers."""
    dates = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    first_of_month = dates.astype("datetime64[M]").astype("datetime64[D]")
    day_of_month = (dates - first_of_month).astype(np.int64) + 1
    return years, months, day_of_month


def anniversary(days: np.ndarray, years_later: int) -> np.ndarray:
    """Return the date ``years_later`` years after each date (29 February -> 28 February)."""
    years, months, day_of_month = split_dates(days)
    month_start = ((years + years_later - 1970) * 12 + months - 1).astype("datetime64[M]")
    next_month = month_start + np.timedelta64(1, "M")
    month_length = (
        next_month.astype("datetime64[D]") - month_start.astype("datetime64[D]")
    ).astype(np.int64)
    clipped = np.minimum(day_of_month, month_length)
    return month_start.astype("datetime64[D]").astype(np.int64) + clipped - 1


def academic_year(days: np.ndarray) -> np.ndarray:
    """Return the school year (the calendar year its September falls in) of each date."""
    years, months, _ = split_dates(days)
    return np.where(months >= 9, years, years - 1)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """Return the ``nth`` (1-based) ``weekday`` (Monday = 0) of a month, as a day number."""
    first = day_number(year, month, 1)
    first_weekday = (first + 3) % 7  # 1 January 1970 was a Thursday
    return first + (weekday - first_weekday) % 7 + 7 * (nth - 1)


def format_days(days: np.ndarray) -> np.ndarray:
    """Format day numbers as ``dd/mm/yyyy`` text; :data:`NO_DATE` becomes an empty string."""
    days = np.asarray(days, dtype=np.int64)
    valid = days != NO_DATE
    out = np.full(days.shape, "", dtype=object)
    if not valid.any():
        return out
    low, high = int(days[valid].min()), int(days[valid].max())
    labels = (
        pd.date_range(pd.Timestamp(low, unit="D"), pd.Timestamp(high, unit="D"), freq="D")
        .strftime("%d/%m/%Y")
        .to_numpy(dtype=object)
    )
    out[valid] = labels[days[valid] - low]
    return out


def collection_year(days: np.ndarray) -> np.ndarray:
    """Return the collection year (the year of the 31 March it ends on) of each date."""
    years, months, _ = split_dates(days)
    return np.where(months >= 4, years + 1, years)


def year_starts(years: np.ndarray) -> np.ndarray:
    """Return the first day (1 April of the year before) of each collection year."""
    months = (np.asarray(years, dtype=np.int64) - 1 - 1970) * 12 + 3
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
