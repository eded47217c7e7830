"""EES data-dictionary names: the renames, reading any version back, and the screener's checks.

The checks are those of eesyscreener's ``check_data_dict_col_name`` and
``check_data_dict_fil_item`` (our own code), run on small hand-made files and on every EES
file of the sample package built by the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_packaging_support import make_metadata, make_tables

from pipeline.packaging import PackageBuildError, PackageExistsError, write_package
from pipeline.packaging import writer as writer_module
from pipeline.packaging.changes import check_bump, diff_tables
from pipeline.packaging.dictionary import (
    dictionary_report,
    dictionary_warnings,
    internal_extract,
    internal_frame,
    internal_select,
    non_dictionary_columns,
    non_dictionary_items,
    renames_since,
    to_ees,
)
from pipeline.packaging.reader import DataPackage
from pipeline.packaging.writer import VersionContent, write_files

META_COLUMNS = ["col_name", "col_type", "filter_grouping_column"]


def breakdowns() -> pd.DataFrame:
    """A few breakdown rows, pipeline names, with the cells the tests follow by hand."""
    rows = [
        ("Total", "Total", "10"),
        ("Gender", "Male", "11"),
        ("Ethnicity", "Mixed", "12"),
        ("Ethnicity", "Refused or not obtained", "13"),
        ("SEN provision", "Not known", "14"),
        ("SEMH primary need", "SEMH primary need", "15"),
        ("Placement location", "Not known", "16"),
        ("School phase", "Other or not known", "17"),
        ("Placement type at 31 March", "Foster care", "18"),
    ]
    return pd.DataFrame(rows, columns=["breakdown_topic", "breakdown", "number"])


def test_renames_follow_the_topic_and_read_back_exactly() -> None:
    frame = breakdowns()
    published = internal_frame(frame, "stability_measures")
    assert published is frame  # pipeline names already: nothing to turn back
    ees = to_ees_frame(frame)
    assert ees.columns.tolist() == ["breakdown_topic", "breakdown", "children_count"]
    assert ees.drop(columns="children_count").values.tolist() == [
        ["Total", "Total"],
        ["Sex", "Male"],
        ["Ethnicity major", "Mixed / Multiple ethnic groups"],
        ["Ethnicity major", "Unknown"],
        ["SEN provision", "Unknown"],
        ["SEN primary need", "Social, emotional and mental health"],
        ["Placement location", "Unknown"],
        ["School phase", "Other or not known"],  # no dictionary item: kept
        ["Placement type at 31 March", "Foster care"],
    ]
    assert frame["breakdown_topic"].tolist()[1] == "Gender"  # the input is not changed
    pd.testing.assert_frame_equal(internal_frame(ees, "stability_measures"), frame)


def to_ees_frame(frame: pd.DataFrame) -> pd.DataFrame:
    from pipeline.packaging.dictionary import ees_frame

    return ees_frame(frame, "stability_measures")


def test_only_the_tables_counting_children_rename_number_and_percent() -> None:
    tables = {name: to_ees(table) for name, table in make_tables().items()}
    assert "children_count" in tables["stability_measures"].frame
    indicators = {i.name: i for i in tables["stability_measures"].indicators}
    assert indicators["children_percent"].numerator == "children_count"
    assert indicators["children_percent"].denominator == "cohort"
    assert tables["data_quality"].columns == make_tables()["data_quality"].columns


def test_model_terms_follow_the_breakdown_renames() -> None:
    terms = [
        "Intercept",
        "Gender: Female",
        "Ethnicity: Refused or not obtained",
        "Age at 31 March: 1 to 4",
    ]
    frame = pd.DataFrame({"term": terms})
    from pipeline.packaging.dictionary import ees_frame

    ees = ees_frame(frame, "case_mix_coefficients")
    assert ees["term"].tolist() == [
        "Intercept",
        "Sex: Female",
        "Ethnicity major: Unknown",
        "Age at 31 March: 1 to 4",
    ]
    assert internal_frame(ees, "case_mix_coefficients")["term"].tolist() == terms


def test_the_sql_select_reads_a_published_file_back_like_the_frame(tmp_path: Path) -> None:
    ees = to_ees_frame(breakdowns())
    path = tmp_path / "t.csv"
    ees.to_csv(path, index=False)
    select = internal_select("stability_measures", ees.columns.tolist())
    source = f"(SELECT {select} FROM read_csv(?, all_varchar = true))"
    query = f"SELECT * FROM {source} WHERE breakdown_topic = 'Gender'"
    with duckdb.connect() as connection:
        rows = connection.execute(query, [str(path)]).fetchall()
    assert rows == [("Gender", "Male", "11")]


def test_a_per_la_extract_gets_number_back_on_the_renamed_tables_rows() -> None:
    extract = pd.DataFrame(
        {
            "table_name": ["placement_change_reasons", "stability_measures", "time_series"],
            "breakdown_topic": ["", "Sex", ""],
            "breakdown": ["", "Male", ""],
            "number": ["5", "", ""],
            "children_count": ["", "7", "9"],
        }
    )
    back = internal_extract(extract)
    assert back.columns.tolist() == ["table_name", "breakdown_topic", "breakdown", "number"]
    assert back["number"].tolist() == ["5", "7", "9"]
    assert back["breakdown_topic"].tolist() == ["", "Gender", ""]


def meta(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=META_COLUMNS)


def test_column_check_uses_the_col_type_and_filter_groups() -> None:
    checked = meta(
        [
            ("breakdown", "Filter", "breakdown_topic"),  # both dictionary filters
            ("measure", "Filter", ""),
            ("children_count", "Indicator", ""),
            ("number", "Indicator", ""),
            ("sex", "Indicator", ""),  # a dictionary filter, not an indicator
            ("reason", "Filter", "reason_group"),
        ]
    )
    assert non_dictionary_columns(checked) == [
        ("Filter", "measure"),
        ("Indicator", "number"),
        ("Indicator", "sex"),
        ("Filter", "reason"),
        ("Filter", "reason_group"),
    ]


def test_item_check_covers_only_the_dictionary_filters() -> None:
    checked = meta(
        [("breakdown_topic", "Filter", ""), ("breakdown", "Filter", ""), ("measure", "Filter", "")]
    )
    data = pd.DataFrame(
        {
            "breakdown_topic": ["Total", "Sex", "Gender"],
            "breakdown": ["Total", "Male", "Foster care"],
            "measure": ["a", "b", "c"],  # not a dictionary filter: not checked
        }
    )
    assert non_dictionary_items(data, checked) == [
        ("breakdown", "Foster care"),
        ("breakdown_topic", "Gender"),
    ]
    assert dictionary_warnings(data, checked, "t") == [
        "t: columns not in the EES data dictionary: Filter measure",
        "t: filter items not in the EES data dictionary: 'breakdown / Foster care', "
        "'breakdown_topic / Gender'",
    ]


#: Breakdown topics and categories with no name in the EES data dictionary (kept as they are).
NOT_IN_DICTIONARY = {
    "breakdown_topic": {
        "Age at 31 March",
        "Age at entry to care",
        "Legal status at 31 March",
        "Matched to the school census",
        "Placement location",
        "Placement type at 31 March",
        "School phase",
        "Social worker data supplied",
        "Time in care at 31 March",
        "Unaccompanied asylum-seeking child",
    },
    "breakdown": {
        "Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over", "5 to 11", "12 to 15",
        "Foster care", "Placed for adoption", "Placed with parents",
        "Children's homes and secure units", "Independent and semi-independent living",
        "Other placements", "Care order", "Placement or freeing order",
        "Voluntary accommodation (section 20)", "Youth justice",
        "Police or emergency protection", "Under 12 months", "12 months or more",
        "Inside the LA boundary", "Outside the LA boundary", "Other or no primary need",
        "Unaccompanied asylum-seeking child", "Not an unaccompanied asylum-seeking child",
        "Primary", "Secondary", "Other or not known", "Matched", "Not matched",
        "Under 5 (not in the school cohort)", "Supplied", "Not supplied",
    },
}  # fmt: skip


def test_every_ees_file_of_the_sample_package_passes_the_dictionary_checks_it_can(
    sample_package: Path,
) -> None:
    """The screener's two dictionary checks on every EES file the pipeline wrote: the only
    columns and items left are those the dictionary has no name for."""
    data_dir = sample_package / "data"
    metas = sorted(data_dir.glob("*.meta.csv"))
    assert len(metas) == 13
    read = {"dtype": str, "keep_default_na": False}
    for path in metas:
        name = path.name[: -len(".meta.csv")]
        checked = pd.read_csv(path, **read)
        data = pd.read_csv(data_dir / f"{name}.csv", **read)
        flagged = {column for _, column in non_dictionary_columns(checked)}
        # the renamed columns pass; the old names are gone
        assert not {"number", "percent"} & flagged or name.endswith("change_reasons"), name
        items = non_dictionary_items(data, checked)
        if name != "stability_measures":
            assert items == [], name
            continue
        assert {"children_count", "children_percent"} <= set(checked["col_name"])
        assert {"breakdown", "breakdown_topic"}.isdisjoint(flagged)
        found: dict[str, set[str]] = {}
        for column, item in items:
            found.setdefault(column, set()).add(item)
        present = {c: set(data[c]) for c in NOT_IN_DICTIONARY}
        assert found == {c: NOT_IN_DICTIONARY[c] & present[c] for c in NOT_IN_DICTIONARY}
        assert {"Sex", "Ethnicity major", "SEN provision", "SEN primary need"} <= present[
            "breakdown_topic"
        ]
    assert len(dictionary_report(sample_package)) == 14  # 13 column warnings, 1 item warning


def old_style_version(folder: Path) -> Path:
    """A version folder as written before 2.0.0 (the pipeline's own names)."""
    folder.mkdir()
    write_files(VersionContent(make_tables(), make_metadata(), "1.0.0", [], "First."), folder)
    return folder


def test_the_change_report_lists_every_rename_and_needs_a_major_version(tmp_path: Path) -> None:
    previous = old_style_version(tmp_path / "1.0.0")
    diff = diff_tables(make_tables(), previous)
    assert diff.required_bump() == "major"
    with pytest.raises(ValueError, match="needs at least major"):
        check_bump(diff, "minor")
    stability = next(t for t in diff.tables if t.name == "stability_measures")
    # the figures are matched through the renames: nothing moved, no row added or removed
    assert (stability.cells_changed, stability.rows_added, stability.rows_removed) == (0, 0, 0)
    assert stability.columns_added == stability.columns_removed == []
    assert stability.renamed == [
        "`stability_measures`: column `number` -> `children_count`",
        "`stability_measures`: column `percent` -> `children_percent`",
        "`stability_measures`: `breakdown_topic` item `Gender` -> `Sex`",
    ]
    assert renames_since(previous) == diff.renamed
    summary = diff.summary()
    assert "- `stability_measures`: `breakdown_topic` item `Gender` -> `Sex`" in summary


def test_build_bump_after_the_renames_must_be_major_and_says_what_was_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    with monkeypatch.context() as patch:  # write 1.0.0 as versions before 2.0.0 were written
        patch.setattr(writer_module, "to_ees", lambda table: table)
        write_package(make_tables(), archive, make_metadata())
    with pytest.raises(PackageExistsError, match=r"1\.0\.0 already exists .* --bump major"):
        write_package(make_tables(), archive, make_metadata())  # a rebuild of 1.0.0
    with pytest.raises(PackageBuildError, match=r"--bump minor is too small.*--bump major"):
        write_package(make_tables(), archive, make_metadata(), bump="minor")
    folder = write_package(make_tables(), archive, make_metadata(), bump="major")
    assert folder.name == "2.0.0"
    changelog = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "- `stability_measures`: column `number` -> `children_count`" in changelog
    versions = json.loads((archive / "stability-index" / "versions.json").read_text())
    assert [v["version"] for v in versions["versions"]] == ["2.0.0", "1.0.0"]
    # the reader gives both versions the same names and items
    old = DataPackage.open(archive / "stability-index" / "1.0.0").table("stability_measures")
    new = DataPackage.open(folder).table("stability_measures")
    pd.testing.assert_frame_equal(old, new)
    old_rows = DataPackage.open(archive / "stability-index" / "1.0.0")
    new_rows = DataPackage.open(folder)
    where = "breakdown_topic = 'Gender'"
    pd.testing.assert_frame_equal(
        old_rows.table_where("stability_measures", where),
        new_rows.table_where("stability_measures", where),
    )
    assert len(new_rows.table_where("stability_measures", where)) > 0
    pd.testing.assert_frame_equal(old_rows.la_extract("887"), new_rows.la_extract("887"))
