"""A table's years read as one file give what reading each year's file alone gives.

``read_table_years`` joins one table's year files into one buffer and parses it once; when
the files do not allow it (another header line, blank lines, stray carriage returns, not
ASCII, a bad line) each file is read alone. Every report and table must be the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures.inputs.editing import copy_valid, drop_column, rename_columns, set_cell

from pipeline.inputs import loading, reading
from pipeline.inputs.loading import load
from pipeline.inputs.reading import _data_lines


def _crlf(root: Path, years: str = "*") -> None:
    for path in root.glob(f"{years}/*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _unended(root: Path) -> None:
    path = root / "2024" / "episodes.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))


def _bad_cells(root: Path) -> None:
    set_cell(root, "2024/episodes.csv", 3, "DECOM", "31/02/2023")
    set_cell(root, "2023/header.csv", 2, "LA", "999")
    set_cell(root, "2024/header.csv", 2, "LA", "E10000016")  # an ONS code: read as 886


def _no_la_column(root: Path) -> None:
    for path in root.glob("*/*.csv"):
        drop_column(root, path.relative_to(root).as_posix(), "LA")


def _extra_column(root: Path) -> None:
    for year in ("2023", "2024"):
        rename_columns(root, f"{year}/social_workers.csv", {"SW_REASON": "NOTES"})


def _other_header(root: Path) -> None:
    drop_column(root, "2024/episodes.csv", "URN")


def _blank_line(root: Path) -> None:
    path = root / "2023" / "header.csv"
    text = path.read_bytes()
    path.write_bytes(text.replace(b"\n", b"\n\n", 2))


def _stray_return(root: Path) -> None:
    path = root / "2024" / "social_workers.csv"
    path.write_bytes(path.read_bytes().replace(b"LEFTRL", b"LEFT\rRL", 1))


def _bad_line(root: Path) -> None:
    path = root / "2024" / "header.csv"
    path.write_bytes(path.read_bytes() + b"886,C9\n")


def _windows_1252(root: Path) -> None:
    path = root / "2023" / "episodes.csv"
    path.write_bytes(path.read_bytes().replace(b"ME1 1AA", b"ME1 1\xc1A", 1))


#: The tables of the valid fixture (the school census has one year).
ALL = {"header", "episodes", "social_workers", "school_census"}
#: name -> (edit, la option, tables expected to be read as one)
VARIANTS: dict[str, tuple[Callable[[Path], None], str | None, set[str]]] = {
    "valid": (lambda root: None, None, ALL),
    "crlf": (_crlf, None, ALL),
    "crlf in one year": (lambda root: _crlf(root, "2023"), None, {"school_census"}),
    "unended": (_unended, None, ALL),
    "bad cells": (_bad_cells, None, ALL),
    "no LA column": (_no_la_column, None, ALL),
    "no LA column, --la": (_no_la_column, "886", ALL),
    "unused column": (_extra_column, None, ALL),
    "other header": (_other_header, None, ALL - {"episodes"}),
    "blank line": (_blank_line, None, ALL - {"header"}),
    "stray return": (_stray_return, None, ALL - {"social_workers"}),
    "bad line": (_bad_line, None, ALL - {"header"}),
    "windows-1252": (_windows_1252, None, ALL - {"episodes"}),
}


def _load(root: Path, la: str | None, join: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """``load`` with or without joining years; also the tables that were read as one."""
    joined: set[str] = set()

    def read_table_years(items, table, known, new_to_old):  # noqa: ANN001, ANN202
        result = reading.read_table_years(items, table, known, new_to_old) if join else None
        if result is not None:
            joined.add(table)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(loading, "read_table_years", read_table_years)
        tables, report = load(root, la=la)
    return tables, report, joined


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_years_read_as_one_give_what_each_file_alone_gives(
    variant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit, la, expected = VARIANTS[variant]
    root = copy_valid(tmp_path)
    edit(root)
    tables, report, joined = _load(root, la, True, monkeypatch)
    alone_tables, alone, none = _load(root, la, False, monkeypatch)
    assert joined == expected and not none
    pd.testing.assert_frame_equal(report.problems, alone.problems)
    pd.testing.assert_frame_equal(report.rows, alone.rows)
    pd.testing.assert_frame_equal(report.exclusions, alone.exclusions)
    assert report.to_text() == alone.to_text()
    assert (tables is None) == (alone_tables is None)
    if tables is not None:
        for name in ("header", "episodes", "social_workers", "school_census", "uasc"):
            pd.testing.assert_frame_equal(getattr(tables, name), getattr(alone_tables, name))
        assert tables.source_files == alone_tables.source_files


def test_bad_cells_are_reported_in_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_valid(tmp_path)
    _bad_cells(root)
    _, report, joined = _load(root, None, True, monkeypatch)
    assert {"header", "episodes"} <= joined
    problems = report.problems
    found = problems[problems["rule"].isin(["DATE_FORMAT", "LA_UNKNOWN", "LA_MISSING"])]
    cells = found[["file", "row", "column", "rule"]].astype(object)
    assert [tuple(row) for row in cells.itertuples(index=False)] == [
        ("2024/episodes.csv", 3, "DECOM", "DATE_FORMAT"),
        ("2023/header.csv", 2, "LA", "LA_UNKNOWN"),
    ]
    assert not (problems["file"] == "2024/header.csv").any()  # the ONS code is read as 886


def _lines(text: bytes, first_line: bytes = b"A,B\n") -> int | None:
    data = bytearray(text + b"stale bytes of a longer file read before")
    return _data_lines(data, len(text), first_line, np.empty(len(data), dtype=bool))


def test_data_lines_counts_the_lines_of_files_that_can_be_joined() -> None:
    assert _lines(b"A,B\n1,2\n3,4\n") == 2
    assert _lines(b"A,B\r\n1,2\r\n3,4\r\n", b"A,B\r\n") == 2
    assert _lines(b"A,B\n1,2\r\n3,4") == 2  # mixed line ends; a last line without one
    assert _lines(b"A,B\n") == 0
    assert _lines(b"A,B\n \n") == 1  # spaces: a line (the reader reports it if it is bad)


@pytest.mark.parametrize(
    "text",
    [
        b"A,B\n\n1,2\n",  # a blank line first
        b"A,B\n1,2\n\n3,4\n",  # a blank line
        b"A,B\n1,2\r\n\r\n3,4\n",  # a blank line ending in \r\n
        b"A,B\n1,2\r3,4\n",  # a carriage return alone ends a line for the reader
        b"A,B\n1,2\n3,4\r",  # and at the end
        b"A,B\n1,\xc32\n",  # not ASCII
        b"A,C\n1,2\n",  # another header line
        b"A,",  # shorter than the header line (the buffer's later bytes are stale)
        b"",
    ],
)
def test_data_lines_refuses_files_that_cannot_be_joined(text: bytes) -> None:
    assert _lines(text) is None


def test_the_first_line_must_end_a_line_and_name_columns() -> None:
    assert _lines(b"A,B", b"A,B") is None
    assert _lines(b" \n1\n", b" \n") is None
