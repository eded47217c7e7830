"""Small vectorised random draws shared by the synthetic modules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def choose(
    rng: np.random.Generator, options: int, probabilities: Sequence[float], size: int
) -> np.ndarray:
    """Draw ``size`` indices in ``range(options)`` with the given (normalised) probabilities."""
    weights = np.asarray(probabilities, dtype=float)
    if len(weights) != options:
        raise ValueError(f"{options} options but {len(weights)} probabilities")
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, rng.uniform(0, 1, size), side="right")


def choose_by_row(
    rng: np.random.Generator, probability_rows: np.ndarray, row: np.ndarray | None = None
) -> np.ndarray:
    """Draw one index per row of a 2-D probability table (rows need not be normalised).

    With ``row``, draw one index per entry of ``row`` from that row of the table (the same
    draws as passing ``probability_rows[row]``, without building the large table).
    """
    table = np.asarray(probability_rows, dtype=float)
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    if row is None:
        row = np.arange(len(table))
    u = rng.uniform(0, 1, len(row))
    # The number of cumulative shares below each draw: searchsorted on the (sorted) row.
    chosen = np.empty(len(row), dtype=np.int64)
    for index in np.unique(row):
        at = row == index
        chosen[at] = np.searchsorted(cumulative[index], u[at], side="left")
    return np.minimum(chosen, table.shape[1] - 1)


def running_totals(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sums of integer ``values`` restarting at each new value of ``group`` (sorted,
    so each group is one run), as ``groupby(group).cumsum()`` gives, without pandas."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) == 0:
        return values
    total = np.cumsum(values)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    before = (total - values)[first]
    return total - np.repeat(before, np.diff(np.r_[first, len(values)]))


def sorted_rows(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` sorted by integer columns ``keys`` (stable, first key first), with a fresh
    index: ``sort_values(keys, kind="stable").reset_index(drop=True)``, by one stable sort of
    the keys packed into one integer where their ranges allow (else ``np.lexsort``)."""
    return frame.take(stable_order([frame[key].to_numpy() for key in keys])).reset_index(drop=True)


def stable_order(columns: list[np.ndarray]) -> np.ndarray:
    """The stable sort order of rows by integer ``columns`` (first most significant), as
    ``np.lexsort(columns[::-1])`` gives: one sort of a packed key when the ranges fit."""
    if not len(columns[0]) or not all(np.issubdtype(c.dtype, np.integer) for c in columns):
        return np.lexsort(columns[::-1])
    packed, size = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low, high = int(column.min()), int(column.max())
        span = high - low + 1
        if size * span >= 2**62:
            return np.lexsort(columns[::-1])
        packed = packed * span + (column.astype(np.int64) - low)
        size *= span
    return np.argsort(packed, kind="stable")


def runs_in_order(group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The stable sort order of rows by ``rank[group]``, for ``group`` ascending (each group one
    run of rows) and a ``rank`` distinct per group: the runs put in rank order, each kept whole,
    without sorting the rows (``np.argsort(rank[group], kind="stable")`` gives the same)."""
    group = np.asarray(group)
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    length = np.diff(np.r_[first, len(group)])
    chosen = np.argsort(rank[group[first]], kind="stable")
    first, length = first[chosen], length[chosen]
    shift = first - (np.cumsum(length) - length)
    return np.repeat(shift, length) + np.arange(len(group))


def text_column(values: np.ndarray | pa.Array) -> pd.api.extensions.ExtensionArray:
    """Text cells (numpy text or objects, NaN or None for a missing cell; or Arrow text) as
    pandas' default text column: the values assigning them to a frame gives, converted by
    Arrow (pandas checks them cell by cell in Python first)."""
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.large_string(), from_pandas=True)
    return pd.array(values.cast(pa.large_string()), dtype="str")


def coded_text(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[code]`` for each of ``codes`` as pandas' default text column, looked up by
    Arrow (``np.array(labels)[codes]`` in a frame holds the same values)."""
    return text_column(pa.array(labels, pa.large_string()).take(pa.array(codes, pa.int64())))


def text_values(column: pd.Series) -> np.ndarray:
    """A text column's cells as a numpy object array, NaN for a missing cell, as
    ``column.to_numpy()`` gives, but each distinct text is one Python string shared by its cells
    (no string made per cell)."""
    labels, codes = text_codes(column)
    return np.array([*labels, np.nan], dtype=object)[codes]


def text_codes(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """A text column's distinct texts and each cell's index in them (``len(texts)`` for a
    missing cell), found by Arrow's dictionary encoding."""
    values = pa.array(column)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.fill_null(len(encoded.dictionary))
    return encoded.dictionary.to_pylist(), codes.to_numpy(zero_copy_only=False).astype(np.int64)


def stream(seed: int, name: str) -> np.random.Generator:
    """Return an independent generator for one named part of the simulation."""
    key = [ord(ch) for ch in name]
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))
