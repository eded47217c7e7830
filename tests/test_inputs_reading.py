"""Reading real-world extracts: LA column or --la, column-name variants, date formats, layout."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from fixtures.inputs.editing import (
    VALID,
    append_row,
    copy_valid,
    drop_column,
    read_rows,
    rename_columns,
    set_cell,
    write_rows,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.inputs import InputTables, load
from pipeline.inputs.columns import canonical_column_name
from pipeline.inputs.dates import parse_dates
from pipeline.inputs.tables import DATE_COLUMNS, YEAR_TABLES


def rules_at(report, rule: str) -> list[tuple]:  # noqa: ANN001
    rows = report.problems[report.problems["rule"] == rule]
    return [
        (f, None if pd.isna(r) else int(r), None if pd.isna(c) else c)
        for f, r, c in zip(rows["file"], rows["row"], rows["column"], strict=True)
    ]


@pytest.fixture(scope="module")
def valid_tables() -> InputTables:
    tables, report = load(VALID)
    assert report.errors == 0 and report.warnings == 0, report.to_text()
    assert tables is not None
    return tables


def test_normalised_form(valid_tables: InputTables) -> None:
    for name in YEAR_TABLES:
        frame = getattr(valid_tables, name)
        assert list(frame.columns[:2]) == ["LA", "YEAR"]
        assert frame.columns[-1] == "ROW"
        assert frame["YEAR"].dtype == "int64"
        for column in DATE_COLUMNS[name]:
            assert frame[column].dtype == "datetime64[ns]"
    episodes = valid_tables.episodes
    # first data row is line 2; the 2024 file's rows are lines 2-7
    assert episodes.loc[episodes["YEAR"] == 2024, "ROW"].tolist() == [2, 3, 4, 5, 6, 7]
    open_episode = episodes[(episodes["YEAR"] == 2024) & (episodes["CHILD"] == "D1")].iloc[0]
    assert pd.isna(open_episode["DEC"]) and pd.isna(open_episode["REC"])
    assert open_episode["DECOM"] == pd.Timestamp(2020, 1, 1)
    assert valid_tables.years == [2023, 2024]
    assert valid_tables.las == ["202", "886"]
    assert valid_tables.sw_supplied == {("886", 2023), ("886", 2024)}
    assert set(valid_tables.source_files) >= {"2023/header.csv", "la_context.csv"}
    assert valid_tables.school_links["PREDECESSOR_URN"].tolist() == ["117002"]
    assert valid_tables.la_context["pct_fsm".upper()].tolist() == [21.5, 30.1]


def test_rows_read_per_file(tmp_path: Path) -> None:
    _, report = load(VALID)
    counts = dict(zip(report.rows["file"], report.rows["rows_read"], strict=True))
    assert counts["2024/episodes.csv"] == 6
    assert counts["2023/header.csv"] == 3
    assert report.exclusions.empty


def _without_la_column(tmp_path: Path, la: str) -> Path:
    root = copy_valid(tmp_path)
    for path in root.glob("*/*.csv"):
        header, rows = read_rows(path)
        index = header.index("LA")
        rows = [row for row in rows if row[index] == la]
        write_rows(
            path, header[:index] + header[index + 1 :], [r[:index] + r[index + 1 :] for r in rows]
        )
    return root


def test_files_without_la_column_use_the_la_option(tmp_path: Path) -> None:
    root = _without_la_column(tmp_path, "886")
    tables, report = load(root, la="886")
    assert report.errors == 0, report.to_text()
    assert tables is not None
    assert set(tables.episodes["LA"]) == {"886"}
    assert tables.header["LA"].dtype == "string"
    # an ONS code names the same LA
    tables, report = load(root, la="E10000016")
    assert report.errors == 0 and set(tables.header["LA"]) == {"886"}


def test_files_without_la_column_and_no_option_are_an_error(tmp_path: Path) -> None:
    root = _without_la_column(tmp_path, "886")
    tables, report = load(root)
    assert tables is None
    assert ("2024/episodes.csv", 1, "LA") in rules_at(report, "LA_NOT_GIVEN")


def test_unknown_la_option_and_mismatch(tmp_path: Path) -> None:
    tables, report = load(copy_valid(tmp_path), la="999")
    assert tables is None
    assert ("--la", None, "LA") in rules_at(report, "LA_UNKNOWN")
    tables, report = load(copy_valid(tmp_path / "b"), la="886")
    # rows of LA 202 disagree with --la 886
    assert ("2023/header.csv", 4, "LA") in rules_at(report, "LA_MISMATCH")


def test_column_name_variants_and_date_formats(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    rename_columns(
        root,
        "2024/episodes.csv",
        {"DECOM": " decom ", "RNE": "Reason for new episode", "DEC": "Date_Episode_Ceased",
         "PLACE_PROVIDER": "place-provider", "LA": "la"},
    )  # fmt: skip
    rename_columns(root, "2024/header.csv", {"DOB": "date of birth", "SEX": "Gender"})
    set_cell(root, "2024/episodes.csv", 2, " decom ", "2022-09-01")
    set_cell(root, "2024/episodes.csv", 2, "Date_Episode_Ceased", "15/1/2024")
    set_cell(root, "2024/episodes.csv", 3, " decom ", " 15/01/2024 00:00:00 ")
    set_cell(root, "2024/episodes.csv", 3, "Reason for new episode", " p ")
    set_cell(root, "2024/header.csv", 2, "date of birth", "2012-06-15")
    tables, report = load(root)
    assert report.problems.empty, report.to_text()
    episodes = tables.episodes[tables.episodes["YEAR"] == 2024]
    assert episodes["DECOM"].iloc[0] == pd.Timestamp(2022, 9, 1)
    assert episodes["DEC"].iloc[0] == pd.Timestamp(2024, 1, 15)
    assert episodes["DECOM"].iloc[1] == pd.Timestamp(2024, 1, 15)
    assert episodes["RNE"].iloc[1] == "P"
    assert tables.header.loc[tables.header["YEAR"] == 2024, "DOB"].iloc[0] == pd.Timestamp(
        2012, 6, 15
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("decom", "DECOM"), ("DECOM ", "DECOM"), ("Sw Id", "SW_ID"), ("\ufeffLA", "LA"),
     ("date_episode_commenced", "DECOM"), ("Child ID", "CHILD_ID")],
)  # fmt: skip
def test_canonical_column_names(written: str, canonical: str) -> None:
    assert canonical_column_name(written) == canonical


def test_loose_child_id_is_not_accepted(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    rename_columns(root, "2024/header.csv", {"CHILD": "Child ID"})
    tables, report = load(root)
    assert tables is None
    assert ("2024/header.csv", 1, "CHILD") in rules_at(report, "MISSING_COLUMN")
    assert ("2024/header.csv", 1, "Child ID") in rules_at(report, "UNUSED_COLUMN")


def test_duplicate_columns_after_normalising(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    path = root / "2023" / "social_workers.csv"
    header, rows = read_rows(path)
    write_rows(path, [*header, "sw_id"], [[*row, "X"] for row in rows])
    _, report = load(root)
    assert rules_at(report, "DUPLICATE_COLUMN") == [("2023/social_workers.csv", 1, "SW_ID")]


def test_blank_lines_keep_physical_line_numbers(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    path = root / "2024" / "episodes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # a blank line after the first data row
    lines.insert(4, "   ")  # and a line of spaces, also blank
    lines.insert(6, "886,C2")  # and a malformed row
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    set_cell_raw = path.read_text(encoding="utf-8").replace(",T1,", ",TX,")
    path.write_text(set_cell_raw, encoding="utf-8")
    tables, report = load(root)
    assert rules_at(report, "BAD_ROW") == [("2024/episodes.csv", 7, None)]
    # the TX row was data line 5 and is now physical line 8
    assert rules_at(report, "CODE_PLACE") == [("2024/episodes.csv", 8, "PLACE")]
    assert report.exclusions["rows"].tolist() == [1]


def test_bad_row_wrong_field_count(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    path = root / "2023" / "header.csv"
    path.write_text(path.read_text(encoding="utf-8") + "886,C5,1\n", encoding="utf-8")
    tables, report = load(root)
    assert tables is None
    assert rules_at(report, "BAD_ROW") == [("2023/header.csv", 5, None)]
    assert "2023/header.csv" in report.exclusions["file"].tolist()


def test_missing_input_folder_and_empty_folder(tmp_path: Path) -> None:
    tables, report = load(tmp_path / "nowhere")
    assert tables is None and rules_at(report, "NO_INPUT")
    (tmp_path / "empty").mkdir()
    tables, report = load(tmp_path / "empty")
    assert tables is None and rules_at(report, "NO_INPUT") == [(".", None, None)]


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    (root / "2024" / "social_workers.csv").write_text("", encoding="utf-8")
    tables, report = load(root)
    assert tables is None
    assert rules_at(report, "UNREADABLE_FILE") == [("2024/social_workers.csv", None, None)]


def test_unused_files_are_reported_and_other_folders_are_errors(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    (root / "notes.txt").write_text("hello", encoding="utf-8")
    (root / "2024" / "ofsted.csv").write_text("A\n1\n", encoding="utf-8")
    (root / "old").mkdir()
    (root / "2021-22").mkdir()
    tables, report = load(root)
    assert tables is None
    assert set(rules_at(report, "UNUSED_FILE")) == {
        ("notes.txt", None, None), ("2024/ofsted.csv", None, None)
    }  # fmt: skip
    assert set(rules_at(report, "YEAR_FOLDER")) == {("old", None, None), ("2021-22", None, None)}
    folders = report.problems[report.problems["rule"] == "YEAR_FOLDER"]
    assert set(folders["value"]) == {"old", "2021-22 (rename it 2022)"}
    assert report.errors == 2
    assert set(report.exclusions["file"]) == {"notes.txt", "2024/ofsted.csv", "old", "2021-22"}


def test_optional_social_workers_may_be_absent(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    (root / "2024" / "social_workers.csv").unlink()
    tables, report = load(root)
    assert report.errors == 0
    assert tables.sw_supplied == {("886", 2023)}
    assert set(tables.social_workers["YEAR"]) == {2023}


def test_manifest_sets_synthetic_and_sw_supplied(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    manifest = {"synthetic": True, "seed": 1, "sw_supplied": {"2024": ["886", "202"]}}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    tables, _ = load(root)
    assert tables.synthetic is True
    assert tables.sw_supplied == {("886", 2024), ("202", 2024)}
    (root / "manifest.json").write_text("{not json", encoding="utf-8")
    tables, report = load(root)
    assert tables is None and rules_at(report, "MANIFEST") == [("manifest.json", None, None)]


def test_windows_1252_file_is_read_with_a_warning(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    path = root / "2023" / "episodes.csv"
    text = path.read_text(encoding="utf-8").replace("ME1 1AA", "ME1 1AA caf\u00e9")
    path.write_bytes(text.encode("cp1252"))
    tables, report = load(root)
    assert rules_at(report, "ENCODING") == [("2023/episodes.csv", None, None)]
    assert tables is not None
    assert tables.episodes["HOME_POST"].str.contains("CAF\u00c9").any()


def test_top_level_file_problems(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    append_row(root, "school_links.csv", {"URN": "123"})
    append_row(root, "la_context.csv", {"LA_CODE": "203", "pct_fsm": "n/a"})
    _, report = load(root)
    assert rules_at(report, "LINK_BLANK") == [("school_links.csv", 3, "PREDECESSOR_URN")]
    assert rules_at(report, "CONTEXT_NOT_NUMBER") == [("la_context.csv", 4, "PCT_FSM")]


def test_missing_column_does_not_cascade(tmp_path: Path) -> None:
    """A missing column is one error, not one blank-value error per row as well."""
    root = copy_valid(tmp_path)
    drop_column(root, "2024/header.csv", "DOB")
    _, report = load(root)
    assert rules_at(report, "MISSING_COLUMN") == [("2024/header.csv", 1, "DOB")]
    assert not rules_at(report, "MISSING_VALUE")


# --- dates ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)), st.booleans())
def test_parse_dates_round_trip(day: date, padded: bool) -> None:
    day_first = day.strftime("%d/%m/%Y") if padded else f"{day.day}/{day.month}/{day.year}"
    parsed = parse_dates(pa.array([day_first, day.isoformat(), None]))
    assert parsed[0] == np.datetime64(day, "ns")
    assert parsed[1] == np.datetime64(day, "ns")
    assert np.isnat(parsed[2])


@pytest.mark.parametrize(
    "text", ["31/02/2024", "29/02/2023", "2024-13-01", "01/02/24", "1 Feb 2024", "2024/02/01"]
)
def test_parse_dates_rejects(text: str) -> None:
    assert np.isnat(parse_dates(pa.array([text]))[0])


# --- UPNs ----------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _check_letter(digits: str) -> str:
    """The DfE check letter, computed the slow, obvious way."""
    return _LETTERS[sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True)) % 23]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text("0123456789", min_size=12, max_size=12), min_size=1, max_size=20))
def test_valid_upn_matches_the_check_letter_rule(bodies: list[str]) -> None:
    from pipeline.inputs.rules_census import valid_upn

    good = [_check_letter(body) + body for body in bodies]
    wrong = [_LETTERS[(_LETTERS.index(_check_letter(b)) + 1) % 23] + b for b in bodies]
    result = valid_upn(pd.Series(good + wrong + ["UN1", "UN10", "UN11", None], dtype="string"))
    assert result.tolist() == [True] * len(good) + [False] * len(wrong) + [True, True, False, False]


def test_top_level_files_count_blank_lines(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    path = root / "la_context.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n203,x,1\n", encoding="utf-8")
    _, report = load(root)
    assert rules_at(report, "CONTEXT_NOT_NUMBER") == [("la_context.csv", 5, "PCT_FSM")]
    problem = report.problems[report.problems["rule"] == "CONTEXT_NOT_NUMBER"].iloc[0]
    assert problem["value"] == "X"


def test_latest_episodes_keeps_the_latest_years_row(valid_tables: InputTables) -> None:
    latest = valid_tables.latest_episodes()
    # C1's 01/09/2022 episode is in both returns: open in 2023, closed in 2024
    repeated = latest[(latest["CHILD"] == "C1") & (latest["DECOM"] == pd.Timestamp(2022, 9, 1))]
    assert len(repeated) == 1
    assert repeated["YEAR"].iloc[0] == 2024
    assert repeated["DEC"].iloc[0] == pd.Timestamp(2024, 1, 15)
    assert len(latest) == len(valid_tables.episodes) - 2  # C1's and D1's repeats


def test_take_gives_a_raw_column_once_and_drops_the_reference() -> None:
    from pipeline.inputs.reading import _take

    text = [pa.chunked_array([["a"]]), pa.chunked_array([["b"]])]
    assert _take(text, 1).to_pylist() == ["b"]
    assert text[1] is None
    with pytest.raises(ValueError):
        _take(text, 1)


def test_load_gives_arrows_memory_pool_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.inputs import loading

    before = pa.default_memory_pool().backend_name
    seen: list[str] = []

    def failing_load(*args: object) -> None:
        seen.append(pa.default_memory_pool().backend_name)
        raise RuntimeError("unreadable")

    load(VALID)
    assert pa.default_memory_pool().backend_name == before
    monkeypatch.setattr(loading, "_load", failing_load)
    with pytest.raises(RuntimeError):
        load(VALID)
    assert seen == ["system"] and pa.default_memory_pool().backend_name == before
