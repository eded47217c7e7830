"""Stacking the years' columns of one table into the normalised frame, one column at a time.

Every year file is read into its own columns (:attr:`pipeline.inputs.reading.FileRead.columns`).
Stacking them column by column (two columns at a time, in threads), and dropping each year's
copy of a column as soon as the stacked column exists, keeps a column or two's worth of memory
beyond the final table (stacking whole frames holds every year's frame and the stacked copy
at once). Arrow's allocator is asked to give freed pages back after each column, or it would
keep them.

Text columns become ONE Arrow chunk each: pyarrow's ``take`` on a many-chunk column
concatenates the chunks on every call, which would make every later row selection cost a
full copy. The files' text comes in the reader's chunks; joining every year's chunks here is
the one copy of the text after it is read.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.inputs.raw import empty_table
from pipeline.inputs.reading import TableColumn, text_values


def stack_column(pieces: list[TableColumn]) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Concatenate one column's per-year pieces (all Arrow text, or all numpy) in order.

    Text becomes one chunk: the chunks of every piece are joined in one copy (none when
    there is only one). One piece of numbers is returned as it is.
    """
    if isinstance(pieces[0], pa.Array | pa.ChunkedArray):
        chunks = [
            chunk
            for piece in pieces
            for chunk in (piece.chunks if isinstance(piece, pa.ChunkedArray) else [piece])
        ]
        if not chunks:
            return text_values(pa.array([], pieces[0].type))
        return text_values(chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks))
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def stack_years(years: list[dict[str, TableColumn]], table: str) -> pd.DataFrame:
    """Stack the years' columns of ``table`` into one frame (rows in the order given).

    The dicts in ``years`` are emptied: each column is removed from every year as soon as it
    is stacked, so the caller must not use them afterwards.
    """
    if not years:
        return empty_table(table)
    names = list(years[0])
    pieces = {name: [columns.pop(name) for columns in years] for name in names}

    def stack(name: str) -> pd.api.extensions.ExtensionArray | np.ndarray:
        column = stack_column(pieces.pop(name))
        # the years' copies were allocated by the reading threads: Arrow's allocator keeps
        # their pages until asked, which would hold every column of the table twice
        pa.default_memory_pool().release_unused()
        return column

    # pyarrow and numpy copy without the GIL: the columns are stacked in threads
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        stacked = dict(zip(names, pool.map(stack, names), strict=True))
    return pd.DataFrame(stacked, copy=False)
