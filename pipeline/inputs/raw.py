"""The tables as read, before validation decides whether they can be used."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.inputs.problems import found
from pipeline.inputs.tables import YEAR_TABLES


@dataclass
class RawInputs:
    """The per-year tables concatenated over years, with where each year's rows came from.

    Attributes:
        tables: table name -> normalised frame (``LA, YEAR``, columns, ``ROW``); empty frames
            for tables with no file.
        files: table name -> ``{YEAR: path relative to the input folder}``, or
            ``{(LA, YEAR): path}`` where each LA has its own folder.
        missing_columns: table name -> ``{YEAR: columns the file lacked}`` (filled with blanks,
            so checks on those columns skip that year).
    """

    tables: dict[str, pd.DataFrame]
    files: dict[str, dict] = field(default_factory=dict)
    missing_columns: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    #: values the checks compute once and share (:mod:`pipeline.inputs.keys`)
    cache: dict = field(default_factory=dict, repr=False)
    _connection: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection the checks share (opened on first use; see :meth:`close`)."""
        if self._connection is None:
            self._connection = duckdb.connect()
        return self._connection

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def files_of(self, table: str) -> dict:
        """``{YEAR: path}`` of ``table``'s files, or ``{(LA, YEAR): path}`` for LA folders."""
        return self.files.get(table, {})

    def has_column(self, table: str, column: str) -> pd.Series:
        """Boolean mask over ``table``'s rows: True where the row's file had ``column``."""
        frame = self.tables[table]
        lacking = [
            year
            for year, columns in self.missing_columns.get(table, {}).items()
            if column in columns
        ]
        return ~frame["YEAR"].isin(lacking)


def empty_table(table: str) -> pd.DataFrame:
    """A normalised frame with no rows for ``table``."""
    from pipeline.inputs.tables import DATE_COLUMNS

    columns: dict[str, pd.Series] = {
        "LA": pd.Series(dtype=pd.StringDtype("pyarrow")),
        "YEAR": pd.Series(dtype="int64"),
    }
    for column in YEAR_TABLES[table]:
        dtype = "datetime64[ns]" if column in DATE_COLUMNS[table] else pd.StringDtype("pyarrow")
        columns[column] = pd.Series(dtype=dtype)
    columns["ROW"] = pd.Series(dtype="int64")
    return pd.DataFrame(columns)


def collection_year_bounds(years: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the first day (1 April ``Y-1``) and last day (31 March ``Y``) of each year."""
    unique = pd.Series(years.unique())
    starts = {int(y): pd.Timestamp(int(y) - 1, 4, 1) for y in unique}
    ends = {int(y): pd.Timestamp(int(y), 3, 31) for y in unique}
    start = years.map(starts).astype("datetime64[ns]")
    end = years.map(ends).astype("datetime64[ns]")
    return start, end


def dates_within_year(raw: RawInputs, table: str, start: str, end: str) -> list[pd.DataFrame]:
    """Rows of an episode ``table`` whose ``end`` date is before its ``start``, whose
    ``start`` is after 31 March of the row's collection year, and whose ``end`` is: the rules
    ``<end>_BEFORE_<start>``, ``<start>_AFTER_YEAR`` and ``<end>_AFTER_YEAR``."""
    rows = raw[table]
    files = raw.files_of(table)
    _, year_end = collection_year_bounds(rows["YEAR"])
    opened, closed = rows[start], rows[end]
    return [
        found(rows[closed < opened], rule=f"{end}_BEFORE_{start}", column=end, files=files),
        found(rows[opened > year_end], rule=f"{start}_AFTER_YEAR", column=start, files=files),
        found(rows[closed > year_end], rule=f"{end}_AFTER_YEAR", column=end, files=files),
    ]
