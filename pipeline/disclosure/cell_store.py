"""Every numeric indicator cell of a set of published tables, as flat numpy arrays.

Disclosure control works on *cells*: one cell is one (table, row, indicator) value. The
:class:`CellStore` reads every ``count``, ``percent`` and ``rate`` indicator of every table into
three flat arrays (value, status, reason) so the rules can be applied to all tables at once
without a Python loop per cell. A cell's id is ``offset of its table + row * indicators + k``.

Cells hold either a number (status :data:`NUMBER`) or one of the EES symbols; a cell written
as a number in text (``"12"``, ``"10.416667"``) reads as a number, so the store reads both the
tables the aggregation step makes and the protected tables :func:`protect` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import symbols
from pipeline.published import Indicator, PublishedTable


class DisclosureError(ValueError):
    """Raised when a table cannot be protected or a protected table would disclose a child."""


#: Cell status codes (``int8``).
NUMBER, SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE, LOW, LOW_RELIABILITY = range(6)
STATUS_SYMBOL: dict[int, str] = {
    SUPPRESSED: symbols.CONFIDENTIAL,
    NOT_AVAILABLE: symbols.NOT_AVAILABLE,
    NOT_APPLICABLE: symbols.NOT_APPLICABLE,
    LOW: symbols.LOW,
    LOW_RELIABILITY: symbols.LOW_RELIABILITY,
}
SYMBOL_STATUS: dict[str, int] = {symbol: code for code, symbol in STATUS_SYMBOL.items()}

#: Indicator kinds whose cells are numbers the rules act on (``text`` cells are left alone).
NUMERIC_KINDS = ("count", "percent", "rate")
INDICATOR_KINDS = (*NUMERIC_KINDS, "text")


@dataclass
class TableCells:
    """Where one table's numeric indicator cells sit in the flat arrays of a :class:`CellStore`."""

    table: PublishedTable
    frame: pd.DataFrame  # the table's frame with a fresh 0..n-1 index
    indicators: list[Indicator]  # the numeric indicators, in column order
    offset: int

    @property
    def n_rows(self) -> int:
        """Number of rows of the table."""
        return len(self.frame)

    @property
    def n_cells(self) -> int:
        """Number of numeric indicator cells of the table."""
        return len(self.frame) * len(self.indicators)

    def column_index(self, name: str) -> int:
        """Position of the numeric indicator ``name`` among :attr:`indicators`."""
        for k, indicator in enumerate(self.indicators):
            if indicator.name == name:
                return k
        raise KeyError(name)

    def cell_ids(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Cell ids of indicator ``name`` for ``rows`` (every row when ``rows`` is None)."""
        if rows is None:
            rows = np.arange(self.n_rows, dtype=np.int64)
        return self.offset + rows.astype(np.int64) * len(self.indicators) + self.column_index(name)


def _numbers(raw: pd.Series) -> np.ndarray:
    """The cells as numbers (NaN where not a number); text is parsed once per distinct value
    (a column repeats few values: counts, symbols)."""
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return pd.to_numeric(raw).to_numpy(dtype=np.float64, na_value=np.nan)
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object))
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
    table = np.append(parsed.to_numpy(dtype=np.float64, na_value=np.nan), np.nan)
    return table[codes]  # code -1 (a missing cell) is the NaN at the end


def parse_indicator(
    table_name: str, frame: pd.DataFrame, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read one indicator column into ``(values, status)``.

    Numbers (or numbers written as text) give status :data:`NUMBER`; the EES symbols give their
    status and a NaN value. A blank cell or any other text is an error naming the table, the
    row and the column: symbols go in the cell, never a blank.
    """
    raw = frame[column]
    values = _numbers(raw)
    status = np.full(len(raw), NUMBER, dtype=np.int8)
    not_number = np.isnan(values)
    if not_number.any():
        text = raw[not_number].astype("string").str.strip()
        codes = text.map(SYMBOL_STATUS)
        bad = codes.isna().to_numpy()
        if bad.any():
            position = int(np.flatnonzero(not_number)[np.flatnonzero(bad)[0]])
            shown = raw.iloc[position]
            raise DisclosureError(
                f"table {table_name!r}, row {position + 1}, column {column!r}: value {shown!r} "
                f"is neither a number nor one of the symbols {sorted(SYMBOL_STATUS)} "
                f"({int(bad.sum())} such cells in the column)"
            )
        status[not_number] = codes.to_numpy(dtype=np.int8)
    if np.isinf(values).any():
        position = int(np.flatnonzero(np.isinf(values))[0])
        raise DisclosureError(
            f"table {table_name!r}, row {position + 1}, column {column!r}: infinite value"
        )
    return values, status


def check_counts(table_name: str, column: str, values: np.ndarray) -> None:
    """Counts must be whole numbers >= 0 (NaN marks a symbol and is skipped)."""
    bad = ~np.isnan(values) & ((np.abs(values - np.round(values)) > 1e-9) | (values < 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DisclosureError(
            f"table {table_name!r}, row {first + 1}, column {column!r}: count {values[first]!r} "
            f"is not a whole number >= 0 ({int(bad.sum())} such cells)"
        )


def check_indicator_metadata(table: PublishedTable) -> None:
    """Fail clearly when an indicator's kind or numerator/denominator names are wrong."""
    names = {indicator.name: indicator for indicator in table.indicators}
    for indicator in table.indicators:
        if indicator.kind not in INDICATOR_KINDS:
            raise DisclosureError(
                f"table {table.name!r}, indicator {indicator.name!r}: kind {indicator.kind!r} "
                f"is not one of {list(INDICATOR_KINDS)}"
            )
        for role in ("numerator", "denominator"):
            source = getattr(indicator, role)
            if source is None:
                continue
            if source not in names or names[source].kind not in NUMERIC_KINDS:
                raise DisclosureError(
                    f"table {table.name!r}, indicator {indicator.name!r}: its {role} {source!r} "
                    "is not a numeric indicator of the same table"
                )
        if indicator.name not in table.frame.columns:
            raise DisclosureError(
                f"table {table.name!r}: indicator {indicator.name!r} has no column in the frame"
            )


class CellStore:
    """The numeric indicator cells of several published tables in flat arrays."""

    def __init__(self, tables: dict[str, PublishedTable]) -> None:
        self.tables: list[TableCells] = []
        values: list[np.ndarray] = []
        statuses: list[np.ndarray] = []
        kinds: list[np.ndarray] = []
        offset = 0
        for table in tables.values():
            check_indicator_metadata(table)
            frame = table.frame.reset_index(drop=True)
            numeric = [i for i in table.indicators if i.kind in NUMERIC_KINDS]
            entry = TableCells(table=table, frame=frame, indicators=numeric, offset=offset)
            self.tables.append(entry)
            if not numeric or frame.empty:
                continue
            parsed = [parse_indicator(table.name, frame, i.name) for i in numeric]
            for indicator, (column_values, _) in zip(numeric, parsed, strict=True):
                if indicator.kind == "count":
                    check_counts(table.name, indicator.name, column_values)
            values.append(np.column_stack([p[0] for p in parsed]).ravel())
            statuses.append(np.column_stack([p[1] for p in parsed]).ravel())
            kind_row = np.array([i.kind == "count" for i in numeric])
            kinds.append(np.tile(kind_row, len(frame)))
            offset += entry.n_cells
        self.value = np.concatenate(values) if values else np.zeros(0)
        self.status = np.concatenate(statuses) if statuses else np.zeros(0, dtype=np.int8)
        self.is_count = np.concatenate(kinds) if kinds else np.zeros(0, dtype=bool)
        #: Why each cell holds its symbol (codes of :mod:`pipeline.disclosure.symbol_reasons`).
        self.reason = np.zeros(len(self.value), dtype=np.int8)
        self._table_starts = np.array([t.offset for t in self.tables], dtype=np.int64)

    @property
    def n_cells(self) -> int:
        """Number of numeric indicator cells in all tables."""
        return len(self.value)

    def table_of(self, cells: np.ndarray) -> np.ndarray:
        """Index (into :attr:`tables`) of the table holding each cell."""
        return np.searchsorted(self._table_starts, cells, side="right") - 1

    def locate(self, cell: int) -> tuple[TableCells, int, Indicator]:
        """The table, row number and indicator of one cell."""
        entry = self.tables[int(self.table_of(np.array([cell]))[0])]
        row, k = divmod(int(cell) - entry.offset, len(entry.indicators))
        return entry, row, entry.indicators[k]

    def describe(self, cell: int) -> str:
        """A reader's description of a cell: table, row number, its key values and column."""
        entry, row, indicator = self.locate(cell)
        return f"table {entry.table.name!r}, {describe_row(entry, row)}, column {indicator.name!r}"


def describe_row(entry: TableCells, row: int) -> str:
    """``row N (time_period=..., la=..., filter=...)`` for error messages."""
    frame = entry.frame
    parts = []
    for column in entry.table.primary_key:
        if column in frame.columns:
            value = frame.at[row, column]
            if isinstance(value, str) and value == "":
                continue
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            parts.append(f"{column}={value}")
    return f"row {row + 1} ({', '.join(parts)})"
