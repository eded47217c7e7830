"""Writing protected cells as the strings that go into the published files.

Counts (and any indicator typed ``integer``) are written as whole numbers; every other number
with exactly six decimal places (``10.416667``), never in scientific notation and never as
``-0.000000``. Symbol cells are written as their symbol.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pipeline.disclosure.cell_store import (
    NUMBER,
    STATUS_SYMBOL,
    CellStore,
    DisclosureError,
    TableCells,
)
from pipeline.published import Indicator, PublishedTable

DECIMAL_PLACES = 6
_ZERO = f"{0:.{DECIMAL_PLACES}f}"


def format_decimals(values: np.ndarray) -> np.ndarray:
    """Numbers with six decimal places as an object array of strings (no ``-0.000000``)."""
    text = np.array([f"{v:.{DECIMAL_PLACES}f}" for v in values.tolist()], dtype=object)
    text[text == "-" + _ZERO] = _ZERO
    return text


def format_whole(table: str, column: str, values: np.ndarray) -> np.ndarray:
    """Whole, non-negative numbers as strings; anything else is an error naming the cell."""
    rounded = np.round(values)
    bad = (np.abs(values - rounded) > 1e-9) | (rounded < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DisclosureError(
            f"table {table!r}, column {column!r}: count {values[first]!r} is not a whole number "
            f">= 0 ({int(bad.sum())} such cells)"
        )
    return rounded.astype(np.int64).astype(str).astype(object)


def is_whole_number(indicator: Indicator) -> bool:
    """Counts and indicators typed ``integer`` are written without decimals."""
    return indicator.kind == "count" or indicator.field_type == "integer"


def format_text_column(table: str, column: str, values: pd.Series) -> pd.Series:
    """A ``text`` indicator: strings kept, whole floats written as integers; blanks are errors."""
    missing = values.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise DisclosureError(
            f"table {table!r}, row {first + 1}, column {column!r}: blank cell "
            "(write a symbol such as 'x' or 'z' instead)"
        )

    def one(value: object) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, float):
            return f"{value:.{DECIMAL_PLACES}f}"
        return str(value)

    if isinstance(values.dtype, pd.StringDtype):  # strings already: kept as they are
        return pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    return pd.Series([one(v) for v in values.tolist()], index=values.index, dtype=object)


def formatted_table(store: CellStore, entry: TableCells) -> PublishedTable:
    """A copy of the table with every indicator cell written as a string."""
    frame = entry.frame.copy()
    width = len(entry.indicators)
    for k, indicator in enumerate(entry.indicators):
        cells = entry.offset + np.arange(entry.n_rows, dtype=np.int64) * width + k
        status = store.status[cells]
        text = np.empty(entry.n_rows, dtype=object)
        for code, symbol in STATUS_SYMBOL.items():
            text[status == code] = symbol
        numbers = status == NUMBER
        values = store.value[cells[numbers]]
        if is_whole_number(indicator):
            text[numbers] = format_whole(entry.table.name, indicator.name, values)
        else:
            text[numbers] = format_decimals(values)
        frame[indicator.name] = pd.Series(text, index=frame.index, dtype=object)
    for indicator in entry.table.indicators:
        if indicator.kind == "text":
            frame[indicator.name] = format_text_column(
                entry.table.name, indicator.name, frame[indicator.name]
            )
    return dataclasses.replace(entry.table, frame=frame)
