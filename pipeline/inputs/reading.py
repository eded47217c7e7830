"""Reading one per-year CSV file into the normalised form of :mod:`pipeline.inputs.tables`.

Every cell is read as text with pyarrow's CSV reader (fast, multi-threaded), then normalised
column by column with pyarrow compute: whitespace trimmed, upper-cased, blanks to null, dates
parsed (:mod:`pipeline.inputs.dates`). Problems found while reading (missing or duplicate
columns, lines with the wrong number of fields, bad dates, LA codes) are returned as problem
frames; nothing is dropped without a problem row.

Line numbers (``ROW``) are physical lines of the file: the header is line 1, so the first data
row is 2. Blank lines are skipped by the reader but still counted. A quoted value that spans
several lines makes the numbering approximate; the reader then says so (``LINE_NUMBERS``).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pipeline.inputs.columns import canonical_column_name
from pipeline.inputs.dates import parse_dates
from pipeline.inputs.problems import found, found_in_file
from pipeline.inputs.tables import DATE_COLUMNS, YEAR_TABLES

STRING = pd.StringDtype("pyarrow")


#: One column of a normalised table: text as an Arrow array, numbers and dates as numpy.
TableColumn: TypeAlias = pa.Array | np.ndarray


@dataclass
class FileRead:
    """What reading one file gave: the normalised columns (or None), counts and problems.

    ``columns`` holds the normalised frame's columns in order (:func:`frame_columns`), not a
    frame, so that :mod:`pipeline.inputs.loading` can stack the years one column at a time and
    free each year's copy of a column as soon as it is stacked.
    """

    relpath: str
    table: str
    year: int
    columns: dict[str, TableColumn] | None = None
    rows_read: int = 0
    sha256: str = ""
    missing_columns: list[str] = field(default_factory=list)
    problems: list[pd.DataFrame] = field(default_factory=list)
    skipped_lines: int = 0


def _header_names(data: bytes) -> list[str]:
    """Return the column names on the first non-blank line of ``data``."""
    for line in data[: 1 << 16].splitlines():
        if line.strip():
            text = line.decode("utf-8", errors="replace").lstrip("\ufeff")
            return next(csv.reader([text]))
    return []


def _physical_lines(data: bytes) -> np.ndarray:
    """Return the 1-based line numbers of the non-blank lines of ``data`` (as the reader sees them)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if raw.size and raw[-1] != ord("\n"):
        ends = np.append(ends, raw.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    # a line holding only "\r" counts as blank too
    carriage = np.zeros(lengths.shape, dtype=bool)
    has_one = lengths == 1
    carriage[has_one] = raw[starts[has_one]] == ord("\r")
    blank = (lengths == 0) | carriage
    return np.flatnonzero(~blank) + 1


def _read_strings(data: bytes, names: list[str]) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    """Read every column as text; return the table and the (line index, text) of bad lines."""
    bad: list[tuple[int | None, str]] = []

    def on_bad_line(row: pcsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(names))],
                skip_rows=1,
                use_threads=threads,
            ),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_bad_line),
            convert_options=pcsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(names))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    table = read(threads=True)
    if bad:  # read again on one thread: only then does the reader give line numbers
        bad.clear()
        table = read(threads=False)
    return table, bad


def _take(text: list[pa.ChunkedArray | None], index: int) -> pa.ChunkedArray:
    """Return ``text[index]`` and drop the list's reference to it (a column is used once)."""
    column, text[index] = text[index], None
    if column is None:
        raise ValueError(f"raw column {index} was already used")
    return column


def _normalise_text(column: pa.ChunkedArray, ascii_only: bool = False) -> pa.Array:
    """Trim, upper-case, and turn empty strings into nulls (ASCII kernels when possible)."""
    values = column.combine_chunks()
    if ascii_only:
        values = pc.ascii_upper(pc.ascii_trim_whitespace(values))
    else:
        values = pc.utf8_upper(pc.utf8_trim_whitespace(values))
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def read_year_file(
    path: Path,
    relpath: str,
    table: str,
    year: int,
    la: str | None,
    known_las: set[str],
    new_to_old_la: dict[str, str],
) -> FileRead:
    """Read ``INPUT/<year>/<table>.csv`` into the normalised form (see the module docstring).

    ``la`` is the ``--la`` option: used when the file has no ``LA`` column, and checked against
    the column when it has one. ``columns`` is None when the file cannot be read at all.
    """
    result = FileRead(relpath=relpath, table=table, year=year)
    data = path.read_bytes()
    result.sha256 = hashlib.sha256(data).hexdigest()
    ascii_only = bool(np.frombuffer(data, dtype=np.uint8).max(initial=0) < 128)
    if not ascii_only:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace").encode("utf-8")
            result.problems.append(found_in_file(relpath, rule="ENCODING", year=year))
    names = _header_names(data)
    if not names or all(not name.strip() for name in names):
        result.problems.append(found_in_file(relpath, rule="UNREADABLE_FILE", year=year))
        return result
    try:
        raw, bad_lines = _read_strings(data, names)
    except (pa.ArrowInvalid, ValueError) as error:
        result.problems.append(
            found_in_file(relpath, rule="UNREADABLE_FILE", value=str(error)[:200], year=year)
        )
        return result
    # the raw text is dropped column by column as it is normalised (and the file's bytes
    # once the line numbers are known), so that little more than the result is held at once
    num_rows = raw.num_rows
    raw_text: list[pa.ChunkedArray | None] = list(raw.columns)
    del raw
    malformed = [(number, text) for number, text in bad_lines if text.strip()]
    result.rows_read = num_rows + len(malformed)
    result.skipped_lines = len(malformed)

    # --- line numbers ------------------------------------------------------------------------
    rows = np.arange(num_rows, dtype=np.int64) + 2
    lines = None
    if bad_lines or b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n")):
        lines = _physical_lines(data)
        bad_index = {number - 1 for number, _ in bad_lines if number is not None}
        keep = np.ones(len(lines), dtype=bool)
        keep[0] = False  # the header line
        keep[[index for index in bad_index if index < len(lines)]] = False
        good = np.flatnonzero(keep)
        if good.size == num_rows:
            rows = lines[good]
        else:
            result.problems.append(found_in_file(relpath, rule="LINE_NUMBERS", year=year))
    for number, text in malformed:  # lines of spaces only are blank lines, not data
        line = int(lines[number - 1]) if lines is not None and number is not None else None
        result.problems.append(
            found_in_file(relpath, rule="BAD_ROW", value=text[:200], row=line, year=year)
        )
    del data

    # --- columns -----------------------------------------------------------------------------
    expected = YEAR_TABLES[table]
    wanted = set(expected) | {"LA"}
    position: dict[str, int] = {}
    for index, name in enumerate(names):
        canonical = canonical_column_name(name)
        if canonical in position and canonical in wanted:
            result.problems.append(
                found_in_file(
                    relpath, rule="DUPLICATE_COLUMN", column=canonical, value=name, row=1, year=year
                )
            )
        elif canonical in wanted:
            position[canonical] = index
        else:
            result.problems.append(
                found_in_file(relpath, rule="UNUSED_COLUMN", column=name, row=1, year=year)
            )
    result.missing_columns = [column for column in expected if column not in position]
    for column in result.missing_columns:
        result.problems.append(
            found_in_file(relpath, rule="MISSING_COLUMN", column=column, row=1, year=year)
        )

    columns: dict[str, pa.Array] = {}
    dates = set(DATE_COLUMNS[table])
    blank = pa.nulls(num_rows, pa.string())
    for column in expected:
        columns[column] = (
            _normalise_text(_take(raw_text, position[column]), ascii_only)
            if column in position
            else blank
        )
    la_text = (
        _normalise_text(_take(raw_text, position["LA"]), ascii_only) if "LA" in position else None
    )
    del raw_text
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=STRING) for name, values in columns.items()}
    )
    columns = {column: columns[column] for column in expected if column in dates}
    frame["ROW"] = rows
    frame.insert(0, "YEAR", np.int64(year))
    files = {year: relpath}

    # --- LA ----------------------------------------------------------------------------------
    if "LA" in position:
        la_values = pd.Series(la_text, dtype=STRING)
        other_codes = la_values.notna() & ~la_values.isin(known_las)
        if other_codes.any():  # ONS codes (E10000016) become DfE codes (886)
            la_values[other_codes] = la_values[other_codes].map(
                lambda code: new_to_old_la.get(code, code)
            )
        frame.insert(0, "LA", la_values)
        unknown = la_values.notna() & ~la_values.isin(known_las)
        result.problems.append(
            found(frame[la_values.isna()], rule="MISSING_VALUE", column="LA", files=files)
        )
        result.problems.append(found(frame[unknown], rule="LA_UNKNOWN", column="LA", files=files))
        if la is not None:
            other = la_values.notna() & (la_values != la)
            result.problems.append(
                found(frame[other], rule="LA_MISMATCH", column="LA", files=files)
            )
    else:
        frame.insert(0, "LA", pd.Series(la, index=frame.index, dtype=STRING))
        if la is None:
            result.problems.append(
                found_in_file(relpath, rule="LA_NOT_GIVEN", column="LA", row=1, year=year)
            )

    # --- dates -------------------------------------------------------------------------------
    for column in expected:
        if column not in dates:
            continue
        text = columns[column]
        parsed = parse_dates(text)
        bad = pc.is_valid(text).to_numpy(zero_copy_only=False) & np.isnat(parsed)
        if bad.any():
            where = frame.loc[bad]
            result.problems.append(
                found(where, rule="DATE_FORMAT", column=column, files=files, value=where[column])
            )
        frame[column] = parsed
    result.columns = frame_columns(frame)
    # Arrow's allocator keeps the pages this file's intermediate arrays used; without this the
    # reading threads hold hundreds of MB of freed memory until the process ends (a few ms).
    pa.default_memory_pool().release_unused()
    return result


def frame_columns(frame: pd.DataFrame) -> dict[str, TableColumn]:
    """The columns of a normalised ``frame`` without copying: text as Arrow, others as numpy."""
    columns: dict[str, TableColumn] = {}
    for name, values in frame.items():
        if values.dtype == STRING:
            text = pa.array(values.array)
            columns[name] = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        else:
            columns[name] = values.to_numpy()
    return columns
