"""Integer keys for the cross-row checks: who is the same child, in which year, in what order.

The checks that compare rows (repeated keys, links between tables, a child's sequence of
episodes) work on integer codes rather than text: ``LA`` and ``CHILD`` are dictionary-encoded
once, over every table that holds children, so that the same ``LA, CHILD`` has the same code
in the header, the episodes, the social worker episodes and the ``uasc`` table (``CHILD`` ids
that are all plain numbers are their own codes: :func:`numeric_codes`). Sorting and
matching integer arrays with numpy is several times faster than doing the same on text.

A row whose ``LA`` or ``CHILD`` is blank has key -1: it matches nothing, as a null key matches
nothing in SQL. Dates are compared as int64 nanoseconds, with :data:`NAT` (the smallest int64,
below every real date) for a blank date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.inputs.raw import RawInputs

#: The tables whose rows are about one child (``LA`` and ``CHILD``).
CHILD_TABLES = ["header", "episodes", "social_workers", "uasc"]
#: A blank date as int64 nanoseconds.
NAT = np.iinfo(np.int64).min


def text_array(values: pd.Series) -> pa.Array:
    """The Arrow array behind a text column, as one chunk (no copy when it has one)."""
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def shared_codes(
    columns: list[pd.Series], ordered: bool = False, runs: bool = False
) -> list[np.ndarray]:
    """Integer codes of the values of several text columns, equal values equal codes.

    Blank values get -1. With ``ordered`` the codes follow the byte order of the values
    (as SQL's ``order by`` on text does), so that sorting by code sorts by value. With ``runs``
    only the first value of each run of equal values is looked up (for columns such as ``LA``
    that hold long runs of one value).
    """
    lengths = [len(column) for column in columns]
    joined = pa.concat_arrays([text_array(column).cast(pa.large_string()) for column in columns])
    heads = None
    if runs and len(joined) > 1:
        changes = pc.not_equal(joined[1:], joined[:-1]).fill_null(True)
        heads = np.flatnonzero(np.r_[True, changes.to_numpy(zero_copy_only=False)])
        joined = joined.take(pa.array(heads))
    encoded = joined.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    codes = np.where(encoded.indices.is_valid().to_numpy(zero_copy_only=False), codes, -1)
    codes = codes.astype(np.int64)
    if ordered and len(encoded.dictionary):
        rank = np.empty(len(encoded.dictionary), dtype=np.int64)
        rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(len(rank))
        codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
    if heads is not None:
        codes = np.repeat(codes, np.diff(np.r_[heads, sum(lengths)]))
    return np.split(codes, np.cumsum(lengths)[:-1])


#: Numeric ids are used as they are (less their least value) when they span at most this.
_NUMERIC_SPAN = 2**31
_POWERS_OF_TEN = 10 ** np.arange(19, dtype=np.int64)


def numeric_codes(columns: list[pd.Series]) -> list[np.ndarray] | None:
    """Integer codes of text columns holding only plain numbers, as :func:`shared_codes` gives.

    Equal values get equal codes, blanks -1, as with :func:`shared_codes` (the codes are the
    numbers less the least of them). Only when every value is a plain decimal number (digits,
    no sign, no leading zero, so that equal numbers are equal text) and they span at most
    :data:`_NUMERIC_SPAN`; else None. Much faster than encoding the text (a cast, no hashing).
    """
    lengths = [len(column) for column in columns]
    joined = pa.concat_arrays([text_array(column).cast(pa.large_string()) for column in columns])
    if joined.null_count == len(joined):
        return None
    try:
        numbers = pc.cast(joined, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    given = numbers.is_valid().to_numpy(zero_copy_only=False)
    values = numbers.fill_null(0).to_numpy(zero_copy_only=False)
    if values.min() < 0:
        return None
    # n characters for a number below 10 ** (n - 1): a sign or a leading zero ("+7", "07")
    text_lengths = pc.binary_length(joined).fill_null(1).to_numpy(zero_copy_only=False)
    if (text_lengths > _POWERS_OF_TEN.size).any():
        return None
    least = np.where(text_lengths > 1, _POWERS_OF_TEN[np.maximum(text_lengths - 1, 0)], 0)
    if (given & (values < least)).any():
        return None
    low, high = int(values[given].min()), int(values[given].max())
    if high - low >= _NUMERIC_SPAN:
        return None
    codes = np.where(given, values - low, -1)
    return np.split(codes, np.cumsum(lengths)[:-1])


def child_keys(raw: RawInputs) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(keys, las)``: per table, each row's ``LA, CHILD`` key and its ``LA`` code.

    Keys and codes are equal across the tables for equal values, -1 when blank; keys sort by
    ``LA`` first. Computed once per set of tables: kept on ``raw`` until a table is replaced.
    """
    tables = [raw[table] for table in CHILD_TABLES]
    cached = raw.cache.get("child_keys")
    if cached is not None and all(a is b for a, b in zip(cached[0], tables, strict=True)):
        return cached[1]
    las = shared_codes([frame["LA"] for frame in tables], runs=True)
    children = numeric_codes([frame["CHILD"] for frame in tables])
    if children is None:
        children = shared_codes([frame["CHILD"] for frame in tables])
    size = max((int(codes.max(initial=-1)) for codes in children), default=-1) + 1
    keys = {
        table: np.where((la >= 0) & (child >= 0), la * size + child, -1)
        for table, la, child in zip(CHILD_TABLES, las, children, strict=True)
    }
    result = keys, dict(zip(CHILD_TABLES, las, strict=True))
    raw.cache["child_keys"] = (tables, result)
    return result


def child_year_keys(raw: RawInputs) -> dict[str, np.ndarray]:
    """``table -> key`` of each row's ``LA, YEAR, CHILD`` (equal across tables; -1 when blank).

    Kept on ``raw`` as :func:`child_keys` is.
    """
    keys = child_keys(raw)[0]
    cached = raw.cache.get("child_year_keys")
    if cached is not None and cached[0] is keys:
        return cached[1]
    years = {table: raw[table]["YEAR"].to_numpy(dtype=np.int64) for table in CHILD_TABLES}
    present = [values for values in years.values() if len(values)]
    low = min((int(values.min()) for values in present), default=0)
    high = max((int(values.max()) for values in present), default=0)
    span = high - low + 1
    result = {
        table: np.where(keys[table] >= 0, keys[table] * span + (years[table] - low), -1)
        for table in CHILD_TABLES
    }
    raw.cache["child_year_keys"] = (keys, result)
    return result


def la_years(raw: RawInputs, table: str) -> list[tuple[str, int]]:
    """The distinct ``(LA, YEAR)`` of ``table``'s rows that have an ``LA``, sorted."""
    las = child_keys(raw)[1][table]
    frame = raw[table]
    given = np.flatnonzero(las >= 0)
    if not given.size:
        return []
    years = frame["YEAR"].to_numpy(dtype=np.int64)
    low = int(years[given].min())
    span = int(years[given].max()) - low + 1
    groups = las[given] * span + years[given] - low
    first = np.full(int(groups.max()) + 1, -1, dtype=np.int64)
    first[groups[::-1]] = given[::-1]  # the last write wins: each group's first row
    rows = first[first >= 0]
    return sorted(zip(map(str, frame["LA"].iloc[rows]), map(int, years[rows]), strict=True))


def dates(values: pd.Series) -> np.ndarray:
    """A date column as int64 nanoseconds (:data:`NAT` when blank)."""
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def sort_rows(rows: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """``rows`` (ascending positions) sorted by ``columns`` (whole-table int64 arrays, the
    first most significant), ties kept in position order.

    Columns are packed into as few int64 keys as their ranges allow (dates counted in days),
    since each key is one pass of the sort.
    """
    if not rows.size:
        return rows
    keys: list[np.ndarray] = []
    key, size = None, 1
    for column in columns:
        values, span = _compact_values(column[rows])
        if key is not None and (span is None or size > _LIMIT // span):
            keys.append(key)  # this column starts a new key
            key, size = None, 1
        if span is None:
            keys.append(values)  # too far apart to pack: a key of its own
        elif key is None:
            key, size = values, span
        else:
            key, size = key * span + values, size * span
    if key is not None:
        keys.append(key)
    if len(keys) == 1:
        return rows[np.argsort(keys[0], kind="stable")]
    return rows[np.lexsort((rows, *reversed(keys)))]


#: Packed sort keys stay below this.
_LIMIT = 2**62
_DAY = 86_400 * 10**9


def _compact_values(values: np.ndarray) -> tuple[np.ndarray, int | None]:
    """``values`` as 0..span-1 in the same order, and span (None: too far apart to pack).

    Values a day or more apart that are all whole days (dates; :data:`NAT` first) count days.
    """
    values = values.astype(np.int64, copy=False)
    low, high = int(values.min()), int(values.max())
    if high - low >= _DAY:
        given = values != NAT
        if not (values[given] % _DAY).any():
            values = np.where(given, values // _DAY, NAT // _DAY - 1)
            low, high = int(values.min()), int(values.max())
    if high - low >= _LIMIT:
        return values, None
    return values - low, high - low + 1


def group_starts(rows: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """For ``rows`` sorted by ``columns``: True where a row starts a new group of equal values."""
    starts = np.ones(len(rows), dtype=bool)
    for column in columns:
        values = column[rows]
        starts[1:] &= values[1:] == values[:-1]
    starts[1:] = ~starts[1:]
    return starts


def find_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Index of each of ``keys`` in ``values`` (sorted, unique), -1 when absent or -1."""
    if not values.size:
        return np.full(len(keys), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(values, keys), values.size - 1)
    return np.where((values[at] == keys) & (keys >= 0), at, -1)


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted (a sort: faster than ``np.unique`` on big int arrays)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def is_in(keys: np.ndarray, others: np.ndarray) -> np.ndarray:
    """True where ``keys`` occurs in ``others`` (a key of -1 matches nothing)."""
    return find_sorted(distinct(others[others >= 0]), keys) >= 0
