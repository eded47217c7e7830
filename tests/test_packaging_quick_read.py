"""read_text_csv_quick: the frame read_text_csv gives (or its error), read with pyarrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.packaging import ees
from pipeline.packaging.ees import read_text_csv, read_text_csv_quick

FILES = {
    "plain": b"a,b,c\n1,,x\n2,y,\n",
    "quoted cells": b'a,b\n"Bristol, City of","say ""hi"""\n"two\nlines",""\n',
    "spaces kept": b"a,b\n 1 ,x \n",
    "crlf": b"a,b\r\n1,2\r\n",
    "no final newline": b"a,b\n1,2",
    "header only": b"a,b\n",
    "blank line skipped": b"a,b\n1,2\n\n3,4\n",
    "short row": b"a,b,c\n1,2\n",
    "repeated header name": b"a,a\n1,2\n",
    "blank header name": b"a,,c\n1,2,3\n",
    "quoted header": b'"a,b",c\n1,2\n',
    "byte order mark": b"\xef\xbb\xbfa,b\n1,2\n",
    "symbols": b"n,p\nc,x\nz,low\nNA,null\n",
    "one more cell in every row": b"a,b\n1,2,3\n",
    "one more cell in a row": b"a,b\n1,2\n1,2,3\n",
    "a cell not UTF-8": b"a,b\n1,\xff\n",
    "a header not UTF-8": b"\xff,b\n1,2\n",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_same_frame_or_error_as_pandas(tmp_path: Path, name: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(FILES[name])
    try:
        expected = read_text_csv(path)
    except Exception as error:  # noqa: BLE001 - the quick reader must raise the same
        with pytest.raises(type(error)):
            read_text_csv_quick(path)
        return
    pd.testing.assert_frame_equal(read_text_csv_quick(path), expected)


def test_pyarrow_reads_a_plain_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(FILES["quoted cells"])
    monkeypatch.setattr(ees, "read_text_csv", lambda _: pytest.fail("fell back to pandas"))
    assert read_text_csv_quick(path)["a"].tolist() == ["Bristol, City of", "two\nlines"]
