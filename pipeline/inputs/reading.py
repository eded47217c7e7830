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
from pipeline.inputs.layout import SPECS
from pipeline.inputs.problems import found, found_in_file
from pipeline.inputs.tables import DATE_COLUMNS, YEAR_TABLES

STRING = pd.StringDtype("pyarrow")


def text_values(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow text array as a pandas :data:`STRING` array, without copying or checking it
    (``pd.array(values, dtype=STRING)`` looks at every value)."""
    if isinstance(values, pa.ChunkedArray):
        return pd.arrays.ArrowStringArray(values)
    return pd.arrays.ArrowStringArray(pa.chunked_array([values]))


#: One column of a normalised table: text as Arrow (the chunks the reader gave; they are
#: joined once, when the years are stacked), numbers and dates as numpy.
TableColumn: TypeAlias = pa.Array | pa.ChunkedArray | np.ndarray


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
    #: where each row's file is named: ``{YEAR: path}``, or ``{(LA, YEAR): path}`` when joined
    files: dict = field(default_factory=dict)
    #: for joined files: each file's sha256 and rows (``sha256``/``rows_read`` are for one file)
    sha256s: dict[str, str] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    #: True when the file was read with the table's other years (:func:`read_table_years`):
    #: its rows are in :attr:`TableRead.columns`, and ``columns`` is None
    joined_years: bool = False


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


def _read_strings(
    data: bytes | pa.Buffer, names: list[str], one_block: bool = False
) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    """Read every column as text; return the table and the (line index, text) of bad lines.

    With ``one_block`` the data is parsed as one block on this thread, so each column is one
    chunk (the caller reads several tables at once, one a thread).
    """
    bad: list[tuple[int | None, str]] = []

    def on_bad_line(row: pcsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    def read(threads: bool) -> pa.Table:
        options = pcsv.ReadOptions(
            column_names=[f"c{i}" for i in range(len(names))], skip_rows=1, use_threads=threads
        )
        if one_block:
            options.block_size = len(data) + 1
        return pcsv.read_csv(
            pa.BufferReader(data),
            read_options=options,
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_bad_line),
            convert_options=pcsv.ConvertOptions(
                column_types={f"c{i}": pa.large_string() for i in range(len(names))},
                null_values=[""],  # empty cells, quoted or not, are blanks
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    table = read(threads=not one_block)
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


def _ascii_work(values: pa.Array) -> tuple[bool, bool]:
    """Whether the text of ``values`` (ASCII) may need trimming, and upper-casing.

    Conservative and cheap: any byte up to a space may be whitespace to trim, any byte from
    ``a`` on may be a lower-case letter (both kernels leave other text as it is).
    """
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)
    first, last = offsets[values.offset], offsets[values.offset + len(values)]
    data = values.buffers()[2]
    if data is None or last == first:
        return False, False
    text = np.frombuffer(data, dtype=np.uint8)[first:last]
    return bool(text.min() <= ord(" ")), bool(text.max() >= ord("a"))


def _normalise_text(column: pa.ChunkedArray, ascii_only: bool = False) -> pa.ChunkedArray:
    """Trim, upper-case, and turn empty strings into nulls (ASCII kernels when possible).

    The reader already gives empty cells as nulls; an ASCII column without whitespace or
    lower-case letters is returned as it is. The reader's chunks are kept (joining them here
    would copy every column once more before the years are stacked).
    """
    values = column.cast(pa.large_string())
    if ascii_only:
        work = [_ascii_work(chunk) for chunk in values.chunks]
        trim, upper = any(t for t, _ in work), any(u for _, u in work)
        if upper:
            values = pc.ascii_upper(values)
        if not trim:
            return values
        values = pc.ascii_trim_whitespace(values)
    else:
        values = pc.utf8_upper(pc.utf8_trim_whitespace(values))
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


@dataclass
class Source:
    """One file to read: where it is, its path for messages, and the LA its folder names."""

    path: Path
    relpath: str
    la: str | None


@dataclass
class _Text:
    """A file (or several files of one table and year, joined) as bytes with its row facts."""

    data: bytes | pa.Buffer
    names: list[str]
    ascii_only: bool
    las: np.ndarray | None = None  # the LA of each data row, when files were joined
    rows: np.ndarray | None = None  # the line of each data row in its own file, when joined
    years: np.ndarray | None = None  # the YEAR of each data row, when years were joined
    #: the reads of the files joined across years: each gets its own file-level problems
    parts: list[FileRead] = field(default_factory=list)


def _decode(data: bytes, relpath: str, year: int, result: FileRead) -> tuple[bytes, bool]:
    """Return ``data`` as UTF-8 (Windows-1252 files converted, with a warning) and ASCII-ness."""
    ascii_only = bool(np.frombuffer(data, dtype=np.uint8).max(initial=0) < 128)
    if not ascii_only:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace").encode("utf-8")
            result.problems.append(found_in_file(relpath, rule="ENCODING", year=year))
    return data, ascii_only


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

    ``la`` is the ``--la`` option (or the LA of the file's folder): used when the file has no
    ``LA`` column, and checked against the column when it has one. ``columns`` is None when the
    file cannot be read at all.
    """
    result = FileRead(relpath=relpath, table=table, year=year, files={year: relpath})
    data = path.read_bytes()
    result.sha256 = hashlib.sha256(data).hexdigest()
    data, ascii_only = _decode(data, relpath, year, result)
    names = _header_names(data)
    if not names or all(not name.strip() for name in names):
        result.problems.append(found_in_file(relpath, rule="UNREADABLE_FILE", year=year))
        return result
    _read_text(_Text(data, names, ascii_only), result, la, known_las, new_to_old_la)
    return result


def _joinable(data: bytes, first_line: bytes) -> bool:
    """True when ``data`` can be joined to others: same header line, UTF-8, no blank lines."""
    if not data.startswith(first_line) or b"\n\n" in data or b"\n\r\n" in data:
        return False
    if b"\r" in data and b"\r\n" not in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.startswith(b"\xef\xbb\xbf") or first_line.startswith(b"\xef\xbb\xbf")


def read_file_group(
    sources: list[Source],
    table: str,
    year: int,
    known_las: set[str],
    new_to_old_la: dict[str, str],
) -> list[FileRead]:
    """Read the files of one table and year from many LA folders, as one file when they allow.

    Files with the same header line, in UTF-8, without blank lines, are joined and parsed
    once (thousands of small per-LA files read as fast as one national file); any other file,
    or every file when the joined read finds a bad line, is read on its own.
    """
    if len(sources) == 1:
        one = sources[0]
        return [
            read_year_file(one.path, one.relpath, table, year, one.la, known_las, new_to_old_la)
        ]
    contents = [source.path.read_bytes() for source in sources]
    first_line = contents[0].split(b"\n", 1)[0] + b"\n"
    joined = [i for i, data in enumerate(contents) if _joinable(data, first_line)]
    alone = [i for i in range(len(sources)) if i not in set(joined)]
    reads = (
        [
            _read_joined(
                [sources[i] for i in joined],
                [contents[i] for i in joined],
                first_line,
                table,
                year,
                known_las,
                new_to_old_la,
            )
        ]
        if joined
        else []
    )
    if reads and reads[0] is None:
        reads, alone = [], list(range(len(sources)))
    del contents
    for i in alone:
        source = sources[i]
        reads.append(
            read_year_file(
                source.path, source.relpath, table, year, source.la, known_las, new_to_old_la
            )
        )
    return [read for read in reads if read is not None]


def _read_joined(
    sources: list[Source],
    contents: list[bytes],
    first_line: bytes,
    table: str,
    year: int,
    known_las: set[str],
    new_to_old_la: dict[str, str],
) -> FileRead | None:
    """Parse files joined under one header line; None when a line is bad (read them alone)."""
    bodies = [data[len(first_line) :] for data in contents]
    bodies = [body if body.endswith(b"\n") or not body else body + b"\n" for body in bodies]
    counts = np.array([body.count(b"\n") for body in bodies], dtype=np.int64)
    data = first_line + b"".join(bodies)
    del bodies
    label = sources[0].relpath
    result = FileRead(
        relpath=label, table=table, year=year, files={(s.la, year): s.relpath for s in sources}
    )
    result.sha256s = {
        s.relpath: hashlib.sha256(c).hexdigest() for s, c in zip(sources, contents, strict=True)
    }
    result.row_counts = dict(zip([s.relpath for s in sources], counts.tolist(), strict=True))
    ascii_only = bool(np.frombuffer(data, dtype=np.uint8).max(initial=0) < 128)
    text = _Text(
        data, _header_names(data), ascii_only,
        las=np.repeat(np.array([s.la for s in sources], dtype=object), counts),
        rows=np.concatenate([np.arange(n, dtype=np.int64) + 2 for n in counts]),
    )  # fmt: skip
    if not _read_text(text, result, None, known_las, new_to_old_la, strict=True):
        return None
    return result


@dataclass
class TableRead:
    """One table's files of several years read as one (:func:`read_table_years`).

    ``reads``: one per file, in year order, each with its own file-level problems, row count
    and hash (``joined_years`` set, ``columns`` None); the problems found in the rows are on the
    first. ``columns``: the table's normalised columns, every year's rows in that order.
    """

    reads: list[FileRead]
    columns: dict[str, TableColumn]


#: The most bytes read as one block (the CSV reader's block size is a 32-bit number).
_MAX_BLOCK = 2**31 - 2


def read_table_years(
    items: list[tuple[int, Source]],
    table: str,
    known_las: set[str],
    new_to_old_la: dict[str, str],
) -> TableRead | None:
    """Read one table's files of several years (one file a year) as one file, when they allow.

    The files are read into one buffer and parsed once, as one block, so each column comes
    out as the one chunk that stacking the years would copy it into: the result is what reading
    each file alone and stacking the years gives, with less work and memory. They must have the
    same header line and the same LA (``Source.la``), be ASCII with one row a line (no blank
    line, no carriage return but in a line end), and parse with no bad line; else None (read
    them one by one, which reports what is wrong).
    """
    joined = _join_years(items, table)
    if joined is None:
        return None
    text, reads = joined
    whole = FileRead(
        relpath=reads[0].relpath,
        table=table,
        year=reads[0].year,
        files={read.year: read.relpath for read in reads},
    )
    if not _read_text(text, whole, items[0][1].la, known_las, new_to_old_la, strict=True):
        return None
    reads[0].problems.extend(whole.problems)
    return TableRead(reads=reads, columns=whole.columns or {})


def _join_years(items: list[tuple[int, Source]], table: str) -> tuple[_Text, list[FileRead]] | None:
    """The files of ``items`` in one buffer (one header line) and a read for each, or None."""
    if len({source.la for _, source in items}) != 1:
        return None
    sizes = [source.path.stat().st_size for _, source in items]
    if sum(sizes) + len(items) > _MAX_BLOCK:
        return None
    buffer = np.empty(sum(sizes) + len(items), dtype=np.uint8)  # a line end may be added to each
    scratch = bytearray(max(sizes))  # each file in turn
    mask = np.empty(max(sizes), dtype=bool)
    first_line, end = b"", 0
    reads: list[FileRead] = []
    for (year, source), size in zip(items, sizes, strict=True):
        with source.path.open("rb") as file:
            got = file.readinto(scratch)
            if got != size or file.read(1):  # the file changed since its size was taken
                return None
        if not first_line:
            first_line = bytes(scratch[: scratch.find(b"\n", 0, got) + 1])
            buffer[: len(first_line)] = np.frombuffer(first_line, dtype=np.uint8)
            end = len(first_line)
        lines = _data_lines(scratch, got, first_line, mask)
        if lines is None:
            return None
        body = np.frombuffer(scratch, dtype=np.uint8, count=got)[len(first_line) :]
        buffer[end : end + body.size] = body
        end += body.size
        if body.size and body[-1] != ord("\n"):
            buffer[end] = ord("\n")
            end += 1
        reads.append(
            FileRead(
                relpath=source.relpath, table=table, year=year, files={year: source.relpath},
                rows_read=lines, sha256=hashlib.sha256(memoryview(scratch)[:got]).hexdigest(),
                joined_years=True,
            )
        )  # fmt: skip
    names = _header_names(first_line[: 1 << 16])
    if not names or all(not name.strip() for name in names):
        return None
    counts = np.array([read.rows_read for read in reads], dtype=np.int64)
    text = _Text(
        pa.py_buffer(buffer[:end]), names, ascii_only=True,
        rows=np.concatenate([np.arange(n, dtype=np.int64) + 2 for n in counts]),
        years=np.repeat(np.array([read.year for read in reads], dtype=np.int64), counts),
        parts=reads,
    )  # fmt: skip
    return text, reads


def _data_lines(data: bytearray, size: int, first_line: bytes, mask: np.ndarray) -> int | None:
    """The number of data lines of a file (its first ``size`` bytes of ``data``), or None when
    it cannot be joined to others: another header line than ``first_line`` (which must end in a
    line feed and name columns), bytes that are not ASCII, a blank line, or a carriage return
    not before a line feed (the reader would skip the one and end a line at the other, so
    rows would not be lines). ``mask``: at least ``size`` booleans to work in.
    """
    head = len(first_line)
    if not (
        first_line.endswith(b"\n") and first_line.strip() and data.startswith(first_line, 0, size)
    ):
        return None
    values = np.frombuffer(data, dtype=np.uint8, count=size)
    if values.max(initial=0) >= 128:
        return None
    body, work = values[head:], mask[: size - head]
    ends = np.flatnonzero(np.equal(body, ord("\n"), out=work))
    lengths = np.diff(ends, prepend=-1) - 1  # each line's length, its line feed excluded
    if (lengths == 0).any():
        return None
    crlf = body[ends - 1] == ord("\r")  # lines ending in "\r\n" (no line is empty here)
    if (crlf & (lengths == 1)).any():  # a line that is only "\r\n"
        return None
    if np.count_nonzero(np.equal(body, ord("\r"), out=work)) != np.count_nonzero(crlf):
        return None
    unended = body.size > 0 and body[-1] != ord("\n")  # a last line without a line feed
    return int(ends.size) + int(unended)


def _read_text(
    text: _Text,
    result: FileRead,
    la: str | None,
    known_las: set[str],
    new_to_old_la: dict[str, str],
    strict: bool = False,
) -> bool:
    """Parse, map and normalise the columns of ``text`` into ``result``.

    With ``strict`` (joined files) nothing is reported and False returned when a line is bad.
    """
    relpath, year = result.relpath, result.year
    try:
        raw, bad_lines = _read_strings(text.data, text.names, one_block=bool(text.parts))
    except (pa.ArrowInvalid, ValueError) as error:
        if strict:
            return False
        result.problems.append(
            found_in_file(relpath, rule="UNREADABLE_FILE", value=str(error)[:200], year=year)
        )
        return True
    if strict and (bad_lines or text.rows is None or raw.num_rows != len(text.rows)):
        return False
    # the raw text is dropped column by column as it is normalised (and the file's bytes
    # once the line numbers are known), so that little more than the result is held at once
    num_rows = raw.num_rows
    raw_text: list[pa.ChunkedArray | None] = list(raw.columns)
    del raw
    if text.rows is not None:
        rows, result.rows_read = text.rows, num_rows
    else:
        rows = _line_numbers(text.data, bad_lines, num_rows, result)
    text.data = b""
    files = text.parts or [result]  # the files that file-level problems are about
    for file in files:
        position = _map_columns(text.names, file)
    frame = _normalise_columns(raw_text, position, result.table, num_rows, text.ascii_only)
    frame["ROW"] = rows
    frame.insert(0, "YEAR", np.int64(year) if text.years is None else text.years)
    la_text = (
        _normalise_text(_take(raw_text, position["LA"]), text.ascii_only)
        if "LA" in position
        else None
    )
    del raw_text
    if la_text is not None:
        _la_from_column(frame, la_text, la, known_las, new_to_old_la, result)
    elif text.las is not None:
        frame.insert(0, "LA", pd.Series(text.las, dtype=STRING))
    else:
        frame.insert(0, "LA", pd.Series(la, index=frame.index, dtype=STRING))
        if la is None:
            for file in files:
                file.problems.append(
                    found_in_file(
                        file.relpath, rule="LA_NOT_GIVEN", column="LA", row=1, year=file.year
                    )
                )
    _parse_date_columns(frame, result)
    result.columns = frame_columns(frame)
    # Arrow's allocator keeps the pages this file's intermediate arrays used; without this the
    # reading threads hold hundreds of MB of freed memory until the process ends (a few ms).
    pa.default_memory_pool().release_unused()
    return True


def _line_numbers(
    data: bytes, bad_lines: list[tuple[int | None, str]], num_rows: int, result: FileRead
) -> np.ndarray:
    """Physical line numbers of the rows read; reports the bad lines (``BAD_ROW``)."""
    relpath, year = result.relpath, result.year
    malformed = [(number, text) for number, text in bad_lines if text.strip()]
    result.rows_read = num_rows + len(malformed)
    result.skipped_lines = len(malformed)
    rows = np.arange(num_rows, dtype=np.int64) + 2
    lines = None
    if not bad_lines and _one_line_per_row(data, num_rows):
        return rows
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
    return rows


def _one_line_per_row(data: bytes, num_rows: int) -> bool:
    """True when ``data`` is the header line and one line per row, each ending in a newline
    (no blank lines, no value spanning lines): each row's line number is its index + 2."""
    return b"\r" not in data and data.endswith(b"\n") and data.count(b"\n") == num_rows + 1


def _map_columns(names: list[str], result: FileRead) -> dict[str, int]:
    """Position of each wanted column; reports duplicate, unused and missing required columns.

    Columns of the table's 903 layout that the index does not read are accepted silently;
    other columns are reported as unused.
    """
    relpath, year, table = result.relpath, result.year, result.table
    spec = SPECS[table]
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
        elif canonical not in spec.columns:
            result.problems.append(
                found_in_file(relpath, rule="UNUSED_COLUMN", column=name, row=1, year=year)
            )
    result.missing_columns = [column for column in expected if column not in position]
    for column in result.missing_columns:
        if column in spec.required:
            result.problems.append(
                found_in_file(relpath, rule="MISSING_COLUMN", column=column, row=1, year=year)
            )
    return position


def _normalise_columns(
    raw_text: list[pa.ChunkedArray | None],
    position: dict[str, int],
    table: str,
    num_rows: int,
    ascii_only: bool,
) -> pd.DataFrame:
    """The table's columns as normalised text (blank columns for those the file lacks)."""
    blank = pa.nulls(num_rows, pa.large_string())
    columns: dict[str, pa.Array] = {}
    for column in YEAR_TABLES[table]:
        columns[column] = (
            _normalise_text(_take(raw_text, position[column]), ascii_only)
            if column in position
            else blank
        )
    return pd.DataFrame({name: text_values(values) for name, values in columns.items()})


def _la_from_column(
    frame: pd.DataFrame,
    la_text: pa.Array,
    la: str | None,
    known_las: set[str],
    new_to_old_la: dict[str, str],
    result: FileRead,
) -> None:
    """Insert the file's ``LA`` column (ONS codes turned into DfE codes) and check it."""
    files = result.files
    known = pa.array(sorted(known_las), la_text.type)
    unknown = _not_in(la_text, known)
    if unknown.any():  # ONS codes (E10000016) become DfE codes (886)
        codes = la_text.to_numpy(zero_copy_only=False).copy()
        codes[unknown] = [new_to_old_la.get(code, code) for code in codes[unknown]]
        la_text = pa.array(codes, la_text.type)
        unknown = _not_in(la_text, known)
    frame.insert(0, "LA", text_values(la_text))
    masks = {
        "MISSING_VALUE": ~la_text.is_valid().to_numpy(zero_copy_only=False),
        "LA_UNKNOWN": unknown,
    }
    if la is not None:
        masks["LA_MISMATCH"] = (
            pc.not_equal(la_text, la).fill_null(False).to_numpy(zero_copy_only=False)
        )
    for rule, rows in masks.items():
        if rows.any():  # selecting rows joins the file's chunks: only when there are some
            result.problems.append(found(frame[rows], rule=rule, column="LA", files=files))


def _not_in(values: pa.Array, known: pa.Array) -> np.ndarray:
    """True where ``values`` holds a value (not blank) that is not one of ``known``."""
    return ~pc.is_in(values, value_set=known).to_numpy(zero_copy_only=False) & (
        values.is_valid().to_numpy(zero_copy_only=False)
    )


def _parse_date_columns(frame: pd.DataFrame, result: FileRead) -> None:
    """Parse the table's date columns in place; cells that are not dates give ``DATE_FORMAT``."""
    for column in DATE_COLUMNS[result.table]:
        text = pa.array(frame[column].array)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        parsed = parse_dates(text)
        bad = pc.is_valid(text).to_numpy(zero_copy_only=False) & np.isnat(parsed)
        if bad.any():
            where = frame.loc[bad]
            result.problems.append(
                found(where, rule="DATE_FORMAT", column=column, files=result.files,
                      value=where[column])
            )  # fmt: skip
        frame[column] = parsed


def frame_columns(frame: pd.DataFrame) -> dict[str, TableColumn]:
    """The columns of a normalised ``frame`` without copying: text as Arrow (chunked), others
    as numpy."""
    columns: dict[str, TableColumn] = {}
    for name, values in frame.items():
        if values.dtype == STRING:
            columns[name] = pa.array(values.array)
        else:
            columns[name] = _writeable(values.to_numpy())
    return columns


def _writeable(values: np.ndarray) -> np.ndarray:
    """``values`` as a writeable array: the array a read-only view shows whole (pandas gives a
    read-only view of the array a frame holds, and a frame made from a read-only array cannot
    be assigned into), else a copy."""
    if values.flags.writeable:
        return values
    base = values.base
    if (
        isinstance(base, np.ndarray)
        and base.flags.writeable
        and (base.shape, base.strides, base.dtype) == (values.shape, values.strides, values.dtype)
        and base.ctypes.data == values.ctypes.data
    ):
        return base
    return values.copy()
