"""The tables as read, before validation decides whether they can be used."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.inputs.tables import YEAR_TABLES


@dataclass
class RawInputs:
    """The per-year tables concatenated over years, with where each year's rows came from.

    Attributes:
        tables: table name -> normalised frame (``LA, YEAR``, columns, ``ROW``); empty frames
            for tables with no file.
        files: table name -> ``{YEAR: path relative to the input folder}``.
        missing_columns: table name -> ``{YEAR: columns the file lacked}`` (filled with blanks,
            so checks on those columns skip that year).
    """

    tables: dict[str, pd.DataFrame]
    files: dict[str, dict[int, str]] = field(default_factory=dict)
    missing_columns: dict[str, dict[int, list[str]]] = field(default_factory=dict)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def files_of(self, table: str) -> dict[int, str]:
        """``{YEAR: relative path}`` of ``table``'s files."""
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


def latest_rows(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Keep one row per ``LA`` + ``key``: the one from the latest ``YEAR`` (last in file order).

    Episodes open across a year end appear in the return of every year they touch; this is the
    de-duplication of :mod:`pipeline.inputs.tables`. Rows with a blank key are dropped. The
    result is sorted by ``LA`` and ``key``.
    """
    columns = ["LA", *key]
    usable = frame[frame[columns].notna().all(axis=1)]
    ordered = usable.sort_values([*columns, "YEAR", "ROW"], kind="stable")
    return ordered.drop_duplicates(columns, keep="last")


def same_as_previous(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """True where a row has the same ``columns`` values as the row before it (frame order)."""
    same = pd.Series(True, index=frame.index)
    for column in columns:
        values = frame[column]
        same &= (values == values.shift(1)).fillna(False).astype(bool)
    return same


def collection_year_bounds(years: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the first day (1 April ``Y-1``) and last day (31 March ``Y``) of each year."""
    unique = pd.Series(years.unique())
    starts = {int(y): pd.Timestamp(int(y) - 1, 4, 1) for y in unique}
    ends = {int(y): pd.Timestamp(int(y), 3, 31) for y in unique}
    start = years.map(starts).astype("datetime64[ns]")
    end = years.map(ends).astype("datetime64[ns]")
    return start, end
