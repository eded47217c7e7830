"""The synthetic generator's CSV writer: Arrow's fast path writes the same bytes as DuckDB's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.synth import returns
from pipeline.synth.returns import _text_column, _write_quoted, write_csv


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "LA": ["201", "202", "", None],
            "N": [1, -20, 300, 4],
            "SHARE": [0.5, 1.25, np.nan, 3.0],
            "FLAG": [True, False, True, False],
            "DOB": ["01/04/2016", "", "31/03/2024", "29/02/2020"],
        }
    )


def _duckdb_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    columns = [_text_column(frame[name]) for name in frame.columns]
    _write_quoted(pa.Table.from_arrays(columns, names=list(frame.columns)), path)
    return path.read_bytes()


def test_plain_writer_matches_duckdb(tmp_path: Path) -> None:
    frame = _frame()
    write_csv(frame, tmp_path / "fast.csv")
    fast = (tmp_path / "fast.csv").read_bytes()
    assert fast == _duckdb_bytes(frame, tmp_path / "duck.csv")
    assert fast.splitlines()[0] == b"LA,N,SHARE,FLAG,DOB"
    assert fast.splitlines()[3] == b",300,,true,31/03/2024"


def test_plain_writer_slices_rows(tmp_path: Path, monkeypatch: object) -> None:
    frame = pd.concat([_frame()] * 3, ignore_index=True)
    monkeypatch.setattr(returns, "WRITE_SLICE_ROWS", 5)
    write_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _duckdb_bytes(frame, tmp_path / "duck.csv")


def test_empty_table_is_its_header(tmp_path: Path) -> None:
    frame = _frame().iloc[:0]
    write_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == b"LA,N,SHARE,FLAG,DOB\n"


def test_cells_needing_quotes_are_quoted(tmp_path: Path) -> None:
    frame = pd.DataFrame({"A": ["x,y", 'say "hi"', "plain"], "B": ["1", "2", "3"]})
    write_csv(frame, tmp_path / "quoted.csv")
    assert (tmp_path / "quoted.csv").read_bytes() == b'A,B\n"x,y",1\n"say ""hi""",2\nplain,3\n'
