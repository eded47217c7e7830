"""Dates as whole days since 1 January 1970, the form every synthetic module works in.

Integer days keep the simulation vectorised (numpy arithmetic, no datetime objects per row);
they are turned into ``dd/mm/yyyy`` text only when the files are written.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
NO_DATE = -1  # marks a blank date (an episode still open)
#: Days from 1 March of year 0 to 1 January 1970, and days in a 400-year Gregorian era.
_MARCH_EPOCH, _DAYS_PER_ERA = 719_468, 146_097
_MONTH_LENGTHS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


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
    """Return calendar ``(year, month, day)`` arrays for an array of day numbers.

    Integer arithmetic on the proleptic Gregorian calendar (400-year eras of 146,097 days, each
    year counted from 1 March so that 29 February is its last day): much faster than converting
    through ``datetime64`` months and years.
    """
    shifted = np.asarray(days, dtype=np.int64) + _MARCH_EPOCH
    era = shifted // _DAYS_PER_ERA
    day_of_era = shifted - era * _DAYS_PER_ERA
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day_of_month = day_of_year - (153 * month_from_march + 2) // 5 + 1
    months = np.where(month_from_march < 10, month_from_march + 3, month_from_march - 9)
    years = year_of_era + era * 400 + (months <= 2)
    return years, months, day_of_month


def _first_of_month(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Day number of the first day of each calendar ``(year, month)``."""
    march_year = years - (months <= 2)
    era = march_year // 400
    year_of_era = march_year - era * 400
    day_of_year = (153 * np.where(months > 2, months - 3, months + 9) + 2) // 5
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * _DAYS_PER_ERA + day_of_era - _MARCH_EPOCH


def anniversary(days: np.ndarray, years_later: int) -> np.ndarray:
    """Return the date ``years_later`` years after each date (29 February -> 28 February)."""
    years, months, day_of_month = split_dates(days)
    target = years + years_later
    leap = ((target % 4 == 0) & (target % 100 != 0)) | (target % 400 == 0)
    month_length = _MONTH_LENGTHS[months - 1] + ((months == 2) & leap)
    return _first_of_month(target, months) + np.minimum(day_of_month, month_length) - 1


def academic_year(days: np.ndarray) -> np.ndarray:
    """Return the school year (the calendar year its September falls in) of each date."""
    return _by_day(days, _academic_years)


def _academic_years(days: np.ndarray) -> np.ndarray:
    years, months, _ = split_dates(days)
    return np.where(months >= 9, years, years - 1)


def _by_day(days: np.ndarray, of_days: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``of_days(days)`` for a function of each day alone: for many days within fewer days'
    span, worked out once per day of the span and looked up (one pass instead of a dozen)."""
    days = np.asarray(days, dtype=np.int64)
    if days.size:
        low, high = int(days.min()), int(days.max())
        if high - low < days.size // 4:
            return of_days(np.arange(low, high + 1, dtype=np.int64))[days - low]
    return of_days(days)


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
    return _by_day(days, _collection_years)


def _collection_years(days: np.ndarray) -> np.ndarray:
    years, months, _ = split_dates(days)
    return np.where(months >= 4, years + 1, years)


def year_starts(years: np.ndarray) -> np.ndarray:
    """Return the first day (1 April of the year before) of each collection year."""
    months = (np.asarray(years, dtype=np.int64) - 1 - 1970) * 12 + 3
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
