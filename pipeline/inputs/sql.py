"""Queries in DuckDB over the input tables (the UASC status of :mod:`pipeline.inputs.derive`).

A query passes the columns it needs; each table is registered under its name with an extra
``_pos`` column (the row's position in the pandas frame), and the query returns ``_pos``.
The cross-row checks work on integer keys instead (:mod:`pipeline.inputs.keys`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd


def query(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    tables: dict[str, tuple[pd.DataFrame, list[str]]],
) -> pd.DataFrame:
    """Run ``sql`` over the given tables and return its (small) result as a DataFrame.

    Args:
        connection: the DuckDB connection of the run (:meth:`RawInputs.connection`).
        sql: a query over the registered tables; it should return few rows (the problems).
        tables: name -> (frame, columns to register). Only those columns (plus ``_pos``, the
            row's position in the frame) are visible; the names are unregistered afterwards.
    """
    try:
        for name, (frame, columns) in tables.items():
            narrow = frame[columns].assign(_pos=np.arange(len(frame), dtype=np.int64))
            connection.register(name, narrow)
        return connection.execute(sql).df()
    finally:
        for name in tables:
            connection.unregister(name)
