"""Stacking the years' columns of one table into the normalised frame, one column at a time.

Every year file is read into its own columns (:attr:`pipeline.inputs.reading.FileRead.columns`).
Stacking them column by column, and dropping each year's copy of a column as soon as the
stacked column exists, keeps at most one column's worth of memory beyond the final table
(stacking whole frames holds every year's frame and the stacked copy at once). Arrow's
allocator is asked to give freed pages back after each column, or it would keep them.

Text columns become ONE Arrow chunk each: pyarrow's ``take`` on a many-chunk column
concatenates the chunks on every call, which would make every later row selection cost a
full copy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.inputs.raw import empty_table
from pipeline.inputs.reading import TableColumn, text_values


def stack_column(pieces: list[TableColumn]) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Concatenate one column's per-year pieces (all Arrow text, or all numpy) in order."""
    if isinstance(pieces[0], pa.Array):
        return text_values(pa.concat_arrays(pieces))
    return np.concatenate(pieces)


def stack_years(years: list[dict[str, TableColumn]], table: str) -> pd.DataFrame:
    """Stack the years' columns of ``table`` into one frame (rows in the order given).

    The dicts in ``years`` are emptied: each column is removed from every year as soon as it
    is stacked, so the caller must not use them afterwards.
    """
    if not years:
        return empty_table(table)
    stacked = {}
    for name in list(years[0]):
        stacked[name] = stack_column([columns.pop(name) for columns in years])
        # the years' copies were allocated by the reading threads: Arrow's allocator keeps
        # their pages until asked, which would hold every column of the table twice
        pa.default_memory_pool().release_unused()
    return pd.DataFrame(stacked, copy=False)
