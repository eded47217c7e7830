"""csv_text: CSV lines built with pyarrow are the bytes pandas ``to_csv`` writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.packaging.csv_text import (
    csv_lines,
    csv_text,
    header_line,
    quoted_by_csv_module,
    quoted_cells,
    write_csv_text,
)

TRICKY = ["x", "", 'say "hi"', "Bristol, City of", "cr\rlf", "two\nlines", " spaced ", "é", None]


def pandas_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def test_tricky_cells_are_written_as_pandas_writes_them() -> None:
    frame = pd.DataFrame({"a": TRICKY, "b,c": ["1"] * len(TRICKY), "d": [""] * len(TRICKY)})
    assert csv_text(frame) == pandas_text(frame)


@pytest.mark.parametrize("cells", [TRICKY, ["", "a"], []])
def test_a_single_column_matches_pandas(cells: list) -> None:
    frame = pd.DataFrame({"only": pd.Series(cells, dtype="string")})
    assert csv_text(frame) == pandas_text(frame)


@pytest.mark.parametrize("only", [False, True])
def test_pyarrow_columns_in_chunks_are_written_as_pandas_writes_them(
    only: bool, tmp_path: Path
) -> None:
    """A pyarrow-backed column in several chunks (as concatenated frames give) is one column."""
    chunked = pd.arrays.ArrowExtensionArray(pa.chunked_array([["a", None], ["Bristol, City of"]]))
    frame = pd.DataFrame({"x": chunked} if only else {"x": chunked, "y": ["1", "2", "3"]})
    expected = 'x\na\n""\n"Bristol, City of"\n' if only else 'x,y\na,1\n,2\n"Bristol, City of",3\n'
    assert csv_text(frame) == expected
    write_csv_text(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == expected


def test_header_only_and_blank_header_name() -> None:
    assert csv_text(pd.DataFrame(columns=["a", "b"])) == "a,b\n"
    assert header_line(["", "x,y"]) == ',"x,y"\n'
    assert header_line([""]) == '""\n'


def test_columns_missing_from_the_frame_are_blank() -> None:
    frame = pd.DataFrame({"b": ["1", "2"], "a": ["x", "y"]})
    assert csv_lines(frame, ["a", "gap", "b", "end"]).to_pylist() == ["x,,1,", "y,,2,"]


def test_the_quoting_rule_follows_the_csv_module() -> None:
    assert quoted_by_csv_module(",")
    assert quoted_by_csv_module('"')
    assert quoted_by_csv_module("\n")
    assert not quoted_by_csv_module(" ")


def test_write_csv_text_writes_utf8_bytes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Kent", "Bristol, City of", "é"]})
    path = tmp_path / "t.csv"
    write_csv_text(frame, path)
    assert path.read_bytes() == pandas_text(frame).encode("utf-8")


def test_cells_are_quoted_by_their_own_text_not_their_buffer() -> None:
    """A slice shares its buffer with cells outside it: only its own cells decide."""
    whole = pa.array(["Bristol, City of", "York", 'say "hi"', None], pa.large_string())
    assert quoted_cells(whole[1:2]).to_pylist() == ["York"]
    assert quoted_cells(whole[1:]).to_pylist() == ["York", '"say ""hi"""', ""]
    assert quoted_cells(pa.chunked_array([whole[1:2], whole[0:1]])).to_pylist() == [
        "York",
        '"Bristol, City of"',
    ]
