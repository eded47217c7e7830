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

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def quoted_by_csv_module(character: str) -> bool:
    """True when the ``csv`` module (as pandas calls it) quotes a cell holding ``character``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([f"a{character}b", "c"])
    return buffer.getvalue().startswith('"')


#: Characters that make the csv module quote a cell (with ``\n`` as the line terminator).
NEEDS_QUOTES = "[" + "".join(c for c in ',"\r\n' if quoted_by_csv_module(c)) + "]"
TEXT = pa.large_string()
QUOTE = pa.scalar('"', TEXT)
BLANK = pa.scalar("", TEXT)


def quoted_cells(cells: pa.Array) -> pa.Array:
    """The cells as written in a CSV line: quoted (quotes doubled) where they need it."""
    cells = pc.fill_null(cells.cast(TEXT), BLANK)
    needs_quotes = pc.match_substring_regex(cells, NEEDS_QUOTES)
    if not pc.any(needs_quotes).as_py():
        return cells
    quoted = pc.binary_join_element_wise(
        QUOTE, pc.replace_substring(cells, '"', '""'), QUOTE, BLANK
    )
    return pc.if_else(needs_quotes, quoted, cells)


def header_line(columns: list[str]) -> str:
    """The header line of a CSV file with these column names (with its ``\\n``)."""
    names = quoted_cells(pa.array(columns, TEXT)).to_pylist()
    return (",".join(names) if names != [""] else '""') + "\n"


def csv_lines(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """One CSV line per row of ``frame`` (without line terminator), over ``columns``.

    The frame's cells must be text (missing values are written blank); a column of
    ``columns`` that the frame lacks is blank in every line.
    """
    if not columns:
        raise ValueError("a CSV line needs at least one column")
    rows = len(frame)
    parts = [
        quoted_cells(pa.array(frame[name], type=TEXT, from_pandas=True))
        if name in frame.columns
        else BLANK
        for name in columns
    ]
    if len(parts) == 1:
        lines = parts[0] if isinstance(parts[0], pa.Array) else pa.repeat(parts[0], rows)
        return pc.if_else(pc.equal(lines, BLANK), pa.scalar('""', TEXT), lines)
    joined = pc.binary_join_element_wise(*parts, pa.scalar(",", TEXT))
    if not isinstance(joined, pa.Array):
        joined = pa.repeat(joined, rows)
    return joined


def csv_text(frame: pd.DataFrame) -> str:
    """The whole CSV file of a frame of text cells: header line, then one line per row."""
    columns = [str(name) for name in frame.columns]
    body = "\n".join(csv_lines(frame, columns).to_pylist())
    return header_line(columns) + (body + "\n" if len(frame) else "")


def write_csv_text(frame: pd.DataFrame, path: Path) -> None:
    """Write :func:`csv_text` of a frame of text cells to ``path`` as UTF-8."""
    path.write_bytes(csv_text(frame).encode("utf-8"))
