"""Parsing the date formats found in SSDA903 extracts, vectorised with pyarrow and numpy.

Accepted (after surrounding whitespace is removed):

* ``dd/mm/yyyy`` and ``d/m/yyyy`` (the 903 format; ``-`` or ``.`` also accepted as separator),
  optionally followed by a midnight time ``00:00`` or ``00:00:00`` (spreadsheet exports);
* ISO ``yyyy-mm-dd`` (optionally ``yyyy-m-d``), optionally followed by ``T00:00:00`` or
  `` 00:00:00``.

A value that matches neither pattern, or names a day that does not exist (``31/02/2024``), is
unparseable: the result is ``NaT`` and the value is reported by the caller.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_DAY_FIRST = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})" + _MIDNIGHT + "$"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _MIDNIGHT + "$"


def _components(values: pa.Array, pattern: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return year, month, day as int64 arrays (0 where ``pattern`` does not match)."""
    parts = pc.extract_regex(values, pattern)
    out = []
    for name in ("y", "m", "d"):
        field = pc.struct_field(parts, name)
        number = pc.cast(field, pa.int64()).fill_null(0)
        out.append(number.to_numpy(zero_copy_only=False))
    return out[0], out[1], out[2]


def _parse_carefully(values: pa.Array) -> np.ndarray:
    """Parse with the two patterns of the module docstring, rejecting days that do not exist."""
    year, month, day = _components(values, _DAY_FIRST)
    iso_year, iso_month, iso_day = _components(values, _ISO)
    use_iso = year == 0
    year = np.where(use_iso, iso_year, year)
    month = np.where(use_iso, iso_month, month)
    day = np.where(use_iso, iso_day, day)
    valid = (year >= 1800) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = (np.where(valid, year, 1970) - 1970) * 12 + np.where(valid, month, 1) - 1
    month_start = months.astype("datetime64[M]")
    result = month_start.astype("datetime64[D]") + (np.where(valid, day, 1) - 1)
    # A day past the end of the month rolls into the next month: reject it.
    valid &= result.astype("datetime64[M]") == month_start
    result = result.astype("datetime64[ns]")
    result[~valid] = np.datetime64("NaT")
    return result


def parse_dates(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Parse a string array of dates into ``datetime64[ns]`` (``NaT`` for blank or bad values).

    ``values`` must already be trimmed, with blanks as nulls. Each distinct value is parsed
    once (a column of a million dates holds a few thousand days).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = values.dictionary_encode()
    distinct = _parse_distinct(encoded.dictionary)
    distinct = np.append(distinct, np.datetime64("NaT", "ns"))  # a blank: the last, NaT
    return distinct[encoded.indices.fill_null(len(distinct) - 1).to_numpy(zero_copy_only=False)]


def _parse_distinct(values: pa.Array) -> np.ndarray:
    """Parse ``values`` (no nulls): pyarrow's ``strptime`` for the two common formats; values
    it cannot parse, and results that may come from a rolled-over day (``31/02`` gives 2 March)
    or a short year, go through the careful parser."""
    if len(values) == 0:
        return np.array([], dtype="datetime64[ns]")
    day_first = pc.strptime(values, format="%d/%m/%Y", unit="s", error_is_null=True)
    iso = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
    quick = pc.coalesce(day_first, iso)
    suspect = pc.or_kleene(
        pc.is_null(quick),
        pc.or_kleene(pc.less_equal(pc.day(quick), 3), pc.less(pc.year(quick), 1800)),
    )
    suspect = pc.and_kleene(pc.is_valid(values), suspect.fill_null(True))
    result = quick.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    rows = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    if rows.size:
        result[rows] = _parse_carefully(values.take(pa.array(rows)))
    return result
