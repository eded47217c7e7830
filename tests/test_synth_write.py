"""The synthetic generator's CSV writer: Arrow's fast path writes the same bytes as DuckDB's."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

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


def _ids(keys: list[int]) -> returns.ChildIds:
    return returns.ChildIds(text=pa.array([str(k) for k in keys]), key=np.array(keys))


def test_episode_order_is_child_id_then_start() -> None:
    """Children 0, 1, 2 have CHILD keys 300, 100, 200: child 1's rows, 2's, then 0's."""
    ids = _ids([300, 100, 200])
    episodes = pd.DataFrame({"child": [0, 0, 1, 2, 2], "start": [5, 5, 3, 1, 4]})
    assert returns.episode_order(episodes, ids).tolist() == [2, 3, 4, 0, 1]
    shuffled = episodes.iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)  # not sorted: a real sort
    assert returns.episode_order(shuffled, ids).tolist() == [3, 0, 2, 1, 4]


def test_social_worker_order_breaks_same_day_ties_by_worker() -> None:
    ids = _ids([300, 100])
    social = pd.DataFrame({"child": [0, 0, 1], "SW_DECOM": [2, 9, 4], "worker": [8, 7, 6]})
    assert returns.social_worker_order(social, ids).tolist() == [2, 0, 1]
    tied = social.assign(SW_DECOM=[9, 9, 4])  # child 0 starts two on day 9: worker 7 first
    assert returns.social_worker_order(tied, ids).tolist() == [2, 1, 0]


def test_census_order_is_la_code_upn_then_day() -> None:
    """Child 0 in LA 201, children 1 and 2 in LA 202 with UPNs C3 and A1: 0, 2, then 1."""
    areas = SimpleNamespace(codes=np.array(["202", "201"]))
    population_la, permanent = np.array([1, 0, 0]), np.array(["B2", "C3", "A1"], dtype=object)
    census = pd.DataFrame({"child": [0, 1, 1, 2], "la": [1, 0, 0, 0], "CENSUS_DATE": [7, 3, 8, 1]})
    order = returns.census_order(census, population_la, permanent, areas)  # type: ignore[arg-type]
    assert order.rows.tolist() == [0, 3, 1, 2]
    assert order.upn.to_pylist() == ["B2", "C3", "A1"]
    shuffled = census.iloc[[2, 0, 3, 1]].reset_index(drop=True)  # not sorted: a real sort
    order = returns.census_order(shuffled, population_la, permanent, areas)  # type: ignore[arg-type]
    assert order.rows.tolist() == [1, 2, 3, 0]
