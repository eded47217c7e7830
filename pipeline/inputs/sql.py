"""Cross-row checks in DuckDB: select the rows of a big table that break a rule.

Window functions and anti-joins over a million episodes take well under a second in DuckDB,
where the same in pandas means sorting and copying whole frames. A check passes the columns it
needs; each table is registered under its name with an extra ``_pos`` column (the row's
position in the pandas frame), and the query returns the ``_pos`` of the rows to report.
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


def rows_at(frame: pd.DataFrame, positions: pd.Series | np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` at ``positions`` (``_pos`` values), in frame order."""
    return frame.iloc[np.sort(np.asarray(positions, dtype=np.int64))]


def select_rows(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    tables: dict[str, tuple[pd.DataFrame, list[str]]],
) -> pd.DataFrame:
    """Run ``sql`` (returning ``_pos``) and return the selected rows of the *first* table."""
    result = query(connection, sql, tables)
    return rows_at(next(iter(tables.values()))[0], result["_pos"])
