"""Stacking the years' columns of a table (pipeline.inputs.stacking, reading.frame_columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.inputs.reading import STRING, frame_columns
from pipeline.inputs.stacking import stack_column, stack_years


def _year_frame(year: int, children: list[str | None]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "LA": pd.Series(["886"] * len(children), dtype=STRING),
            "YEAR": np.int64(year),
            "CHILD": pd.Series(children, dtype=STRING),
            "DOB": pd.to_datetime(["2010-01-02"] * len(children)).to_numpy("datetime64[ns]"),
        }
    )
    frame["ROW"] = np.arange(len(children), dtype=np.int64) + 2
    return frame


def test_frame_columns_gives_arrow_text_and_numpy_others() -> None:
    columns = frame_columns(_year_frame(2024, ["A", None]))
    assert list(columns) == ["LA", "YEAR", "CHILD", "DOB", "ROW"]
    assert isinstance(columns["CHILD"], pa.Array)
    assert columns["CHILD"].to_pylist() == ["A", None]
    assert columns["DOB"].dtype == "datetime64[ns]"
    assert columns["ROW"].tolist() == [2, 3]


def test_stack_column_text_is_one_chunk() -> None:
    stacked = stack_column([pa.array(["A", None]), pa.array(["B"])])
    assert stacked.dtype == STRING
    assert list(stacked.fillna("-")) == ["A", "-", "B"]
    assert pa.chunked_array(pa.array(stacked)).num_chunks == 1


def test_stack_column_numbers() -> None:
    assert stack_column([np.array([1, 2]), np.array([3])]).tolist() == [1, 2, 3]


def test_stack_years_equals_concatenated_frames_and_empties_inputs() -> None:
    frames = [_year_frame(2023, ["A", "B"]), _year_frame(2024, [None, "C", "D"])]
    years = [frame_columns(frame) for frame in frames]
    stacked = stack_years(years, "header_like")
    expected = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(stacked, expected)
    assert years == [{}, {}]


def test_stack_years_without_files_is_the_empty_table() -> None:
    stacked = stack_years([], "header")
    assert len(stacked) == 0
    assert list(stacked.columns) == [
        "LA",
        "YEAR",
        "CHILD",
        "SEX",
        "DOB",
        "ETHNIC",
        "UPN",
        "UASC",
        "ROW",
    ]


def test_one_piece_of_numbers_is_not_copied() -> None:
    values = np.array([3, 1, 2])
    assert stack_column([values]) is values
