"""check_ees: each Explore Education Statistics file rule, on small hand-made files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_packaging_support import stability_table

from pipeline.packaging import check_ees
from pipeline.packaging.ees import meta_frame, read_text_csv


def write_pair(folder: Path, data: pd.DataFrame, meta: pd.DataFrame, name: str = "table") -> Path:
    """Write ``name.csv`` and ``name.meta.csv`` into ``folder`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    data.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    meta.to_csv(folder / f"{name}.meta.csv", index=False, lineterminator="\n")
    return folder


@pytest.fixture
def good() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = stability_table()
    return table.frame[table.columns].copy(), meta_frame(table)


def test_valid_files_have_no_problems(tmp_path: Path, good) -> None:
    data, meta = good
    assert check_ees(write_pair(tmp_path, data, meta)) == []


def test_blank_filter_cell(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[3, "breakdown"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert problems == ["table.csv, rows 5, column breakdown: blank filter cell"]


def test_old_symbols_and_blank_indicators(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[0, "number"] = "~"
    data.loc[1, "percent"] = ":"
    data.loc[2, "cohort"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert any("rows 2, column number: old symbol" in p for p in problems)
    assert any("rows 3, column percent: old symbol" in p for p in problems)
    assert any("rows 4, column cohort: blank indicator cell" in p for p in problems)


def test_duplicate_rows(tmp_path: Path, good) -> None:
    data, meta = good
    data = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    problems = check_ees(write_pair(tmp_path, data, meta))
    last = len(data) + 1
    assert problems == [f"table.csv, rows 2, {last}: duplicate rows (same time, area and filters)"]


def test_additive_filter_without_total(tmp_path: Path, good) -> None:
    data, meta = good
    data = data[data["breakdown"] != "Total"]
    problems = check_ees(write_pair(tmp_path, data.reset_index(drop=True), meta))
    assert any("column breakdown: additive filter has no 'Total' item" in p for p in problems)


def test_headers_and_mandatory_columns(tmp_path: Path, good) -> None:
    data, meta = good
    renamed = data.rename(columns={"breakdown": "Breakdown Item"}).drop(columns=["country_name"])
    meta = meta.replace({"col_name": {"breakdown": "Breakdown Item"}})
    problems = check_ees(write_pair(tmp_path, renamed, meta))
    assert "table.csv, header 'Breakdown Item': not snake_case" in problems
    assert "table.csv: mandatory column(s) missing: country_name" in problems


def test_geography_rules(tmp_path: Path, good) -> None:
    data, meta = good
    national = data.index[data["geographic_level"] == "National"][0]
    la = data.index[data["geographic_level"] == "Local authority"][0]
    data.loc[national, "region_code"] = "E12000008"
    data.loc[la, "old_la_code"] = "88"
    data.loc[la + 1, "la_name"] = ""
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert (
        f"table.csv, rows {national + 2}, column region_code: must be blank on National rows"
        in (problems)
    )
    assert f"table.csv, rows {la + 2}, column old_la_code: not 3 digits" in problems
    assert f"table.csv, rows {la + 3}, column la_name: blank on Local authority row" in problems


def test_metadata_rules(tmp_path: Path, good) -> None:
    data, meta = good
    extra = pd.DataFrame([{"col_name": "time_period", "col_type": "Filter", "label": "Year"}])
    meta = pd.concat([meta, extra], ignore_index=True).fillna("")
    meta.loc[meta["col_name"] == "number", "label"] = "Children in the cohort"
    meta.loc[meta["col_name"] == "breakdown", "indicator_unit"] = "%"
    meta = meta[meta["col_name"] != "percent"]
    problems = check_ees(write_pair(tmp_path, data, meta))
    assert any(
        "col_name: time/geography column 'time_period' must have no row" in p for p in problems
    )
    assert (
        "table.meta.csv, column label: label 'Children in the cohort' is used more than once"
        in (problems)
    )
    assert any("filter 'breakdown' must carry no unit or dp" in p for p in problems)
    assert "table.meta.csv: column 'percent' of table.csv has no metadata row" in problems


def test_long_filter_item_and_missing_data_file(tmp_path: Path, good) -> None:
    data, meta = good
    data.loc[0, "breakdown_topic"] = "x" * 121
    write_pair(tmp_path, data, meta)
    meta.to_csv(tmp_path / "orphan.meta.csv", index=False)
    problems = check_ees(tmp_path)
    assert "orphan.meta.csv: data file orphan.csv is missing" in problems
    assert any("column breakdown_topic: filter item over 120" in p for p in problems)


def test_read_text_csv_keeps_every_cell_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('code,value,note\n001,NA,\n010,1.50,"a, b"\n', encoding="utf-8")
    frame = read_text_csv(path)
    assert frame.to_dict("list") == {
        "code": ["001", "010"],
        "value": ["NA", "1.50"],
        "note": ["", "a, b"],
    }


def test_check_ees_reads_files_through_the_given_reader(tmp_path: Path, good) -> None:
    data, meta = good
    folder = write_pair(tmp_path, data, meta)
    read: list[str] = []

    def recording_reader(path: Path) -> pd.DataFrame:
        read.append(path.name)
        return read_text_csv(path)

    assert check_ees(folder, recording_reader) == []
    assert read == ["table.meta.csv", "table.csv"]
