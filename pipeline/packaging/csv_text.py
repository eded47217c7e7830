"""CSV text from text columns, built with ``pyarrow.compute``, byte-identical to pandas.

The package's CSV files are what ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes
for text cells: comma-separated, one ``\\n``-terminated line per row, a cell quoted only when it
holds a comma, a double quote or a line break (the ``csv`` module's ``QUOTE_MINIMAL``), its
double quotes doubled; a row of a single empty cell is written ``""``. Building the lines a
column at a time with pyarrow is many times faster than pandas' row writer, and the lines can
be regrouped (the per-LA extracts) without writing the rows again.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def quoted_by_csv_module(character: str) -> bool:
    """True when the ``csv`` module (as pandas calls it) quotes a cell holding ``character``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([f"a{character}b", "c"])
    return buffer.getvalue().startswith('"')


#: Characters that make the csv module quote a cell (with ``\n`` as the line terminator).
QUOTED_CHARACTERS = "".join(c for c in ',"\r\n' if quoted_by_csv_module(c))
NEEDS_QUOTES = "[" + QUOTED_CHARACTERS + "]"
TEXT = pa.large_string()
QUOTE = pa.scalar('"', TEXT)
BLANK = pa.scalar("", TEXT)
NEWLINE = pa.scalar("\n", TEXT)


def quoted_cells(cells: pa.Array) -> pa.Array:
    """The cells as written in a CSV line: quoted (quotes doubled) where they need it."""
    cells = pc.fill_null(cells.cast(TEXT), BLANK)
    if not _may_need_quotes(cells):
        return cells
    needs_quotes = pc.match_substring_regex(cells, NEEDS_QUOTES)
    if not pc.any(needs_quotes).as_py():
        return cells
    quoted = pc.binary_join_element_wise(
        QUOTE, pc.replace_substring(cells, '"', '""'), QUOTE, BLANK
    )
    return pc.if_else(needs_quotes, quoted, cells)


def _may_need_quotes(cells: pa.Array | pa.ChunkedArray) -> bool:
    """False when no cell can need quotes: no character of :data:`QUOTED_CHARACTERS` is in
    the text buffer (one scan of the bytes, much faster than a test of every cell; the buffer
    may hold more than the cells, so True only means that the cells must be tested)."""
    chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = data.to_pybytes()
        if any(character.encode() in raw for character in QUOTED_CHARACTERS):
            return True
    return False


def header_line(columns: list[str]) -> str:
    """The header line of a CSV file with these column names (with its ``\\n``)."""
    names = quoted_cells(pa.array(columns, TEXT)).to_pylist()
    return (",".join(names) if names != [""] else '""') + "\n"


def quoted_columns(frame: pd.DataFrame) -> dict[str, pa.Array]:
    """Every column of a frame of text cells as quoted CSV cells (:func:`quoted_cells`)."""
    return {str(name): quoted_cells(text_array(cells)) for name, cells in frame.items()}


def text_array(cells: pd.Series) -> pa.Array:
    """A column's cells as one Arrow text array (a pyarrow-backed column may come in chunks)."""
    array = pa.array(cells, type=TEXT, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def joined_lines(quoted: dict[str, pa.Array], columns: list[str], rows: int) -> pa.Array:
    """One CSV line per row from quoted cells (:func:`quoted_columns`), over ``columns``.

    A column of ``columns`` that ``quoted`` lacks is blank in every line; ``quoted`` may also
    hold a scalar for a column with one value in every row.
    """
    if not columns:
        raise ValueError("a CSV line needs at least one column")
    parts = [quoted.get(name, BLANK) for name in columns]
    if len(parts) == 1:
        lines = pa.repeat(parts[0], rows) if isinstance(parts[0], pa.Scalar) else parts[0]
        return pc.if_else(pc.equal(lines, BLANK), pa.scalar('""', TEXT), lines)
    joined = pc.binary_join_element_wise(*parts, pa.scalar(",", TEXT))
    if isinstance(joined, pa.Scalar):
        joined = pa.repeat(joined, rows)
    return joined


def csv_lines(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """One CSV line per row of ``frame`` (without line terminator), over ``columns``.

    The frame's cells must be text (missing values are written blank); a column of
    ``columns`` that the frame lacks is blank in every line.
    """
    present = [name for name in columns if name in frame.columns]
    return joined_lines(quoted_columns(frame[present]), columns, len(frame))


def line_block(lines: pa.Array) -> tuple[memoryview, np.ndarray]:
    """The lines, each ended by ``\\n``, as one block of UTF-8 bytes, and where each line starts.

    Line ``i`` is ``block[bounds[i]:bounds[i + 1]]``, so a run of lines is one slice of the
    block, written without making a Python string of each line.
    """
    if len(lines) == 0:
        return _empty_block()
    return _block(pc.binary_join_element_wise(lines.cast(TEXT), BLANK, NEWLINE))


def _empty_block() -> tuple[memoryview, np.ndarray]:
    return memoryview(b""), np.zeros(1, dtype=np.int64)


def _block(ended: pa.Array | pa.ChunkedArray) -> tuple[memoryview, np.ndarray]:
    """The bytes of newline-ended lines (one text array) and where each line starts."""
    if isinstance(ended, pa.ChunkedArray):
        ended = ended.combine_chunks()
    _, offsets, data = ended.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[ended.offset : ended.offset + len(ended) + 1]
    return memoryview(data), bounds


def lines_block(
    quoted: dict[str, pa.Array | pa.Scalar], columns: list[str], rows: int
) -> tuple[memoryview, np.ndarray]:
    """:func:`line_block` of :func:`joined_lines`: the same bytes and bounds, built in one join
    (the line end is added to the last column's cells first), so the lines are not copied."""
    if rows == 0:
        return _empty_block()
    if len(columns) < 2:
        return line_block(joined_lines(quoted, columns, rows))
    parts = [quoted.get(name, BLANK) for name in columns]
    parts[-1] = pc.binary_join_element_wise(parts[-1], NEWLINE, BLANK)
    ended = pc.binary_join_element_wise(*parts, pa.scalar(",", TEXT))
    if isinstance(ended, pa.Scalar):
        ended = pa.repeat(ended, rows)
    return _block(ended)


def csv_text(frame: pd.DataFrame) -> str:
    """The whole CSV file of a frame of text cells: header line, then one line per row."""
    columns = [str(name) for name in frame.columns]
    body = "\n".join(csv_lines(frame, columns).to_pylist())
    return header_line(columns) + (body + "\n" if len(frame) else "")


def write_csv_text(frame: pd.DataFrame, path: Path) -> None:
    """Write :func:`csv_text` of a frame of text cells to ``path`` as UTF-8."""
    columns = [str(name) for name in frame.columns]
    write_quoted_csv(quoted_columns(frame), columns, len(frame), path)


def write_quoted_csv(
    quoted: dict[str, pa.Array], columns: list[str], rows: int, path: Path
) -> None:
    """Write the CSV file of quoted cells (:func:`quoted_columns`) over ``columns`` to ``path``:
    the same bytes as :func:`write_csv_text` of the frame they were quoted from."""
    block, bounds = lines_block(quoted, columns, rows)
    with path.open("wb") as stream:
        stream.write(header_line(columns).encode("utf-8"))
        stream.write(block[bounds[0] : bounds[-1]])
