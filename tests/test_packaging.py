"""The data package: validity, checksums, versions, atomic failure, extracts and spreadsheet."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import frictionless
import pandas as pd
import pytest
from test_packaging_support import (
    IDENTIFIER_COLUMNS,
    make_metadata,
    make_tables,
    stability_table,
)

from pipeline.packaging import (
    PackageBuildError,
    PackageExistsError,
    check_ees,
    write_package,
)
from pipeline.packaging.dictionary import to_ees
from pipeline.packaging.schemas import table_schema
from pipeline.packaging.validation import check_field, check_frictionless, check_rows
from pipeline.packaging.writer import VersionContent, write_files
from pipeline.published import EES_TIME_GEOGRAPHY_COLUMNS


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One package built from the hand-made tables (version 1.0.0)."""
    return write_package(make_tables(), tmp_path_factory.mktemp("packages"), make_metadata())


@pytest.fixture(scope="module")
def descriptor(package: Path) -> dict:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))


def test_package_validates_with_frictionless(package: Path) -> None:
    report = frictionless.validate(str(package / "datapackage.json"))
    if not report.valid:
        print(report.flatten(["rowNumber", "fieldName", "type"]))
    assert report.valid
    assert package.name == "1.0.0"
    assert package.parent.name == "stability-index"


def test_descriptor_properties(descriptor: dict) -> None:
    assert descriptor["name"] == "stability-index"
    assert descriptor["version"] == "1.0.0"
    assert descriptor["created"] == "2024-11-30T00:00:00Z"
    assert descriptor["description"].startswith("SYNTHETIC DATA - NOT REAL STATISTICS")
    assert descriptor["synthetic"] is True
    assert descriptor["collection_years"] == [2023, 2024]
    assert descriptor["latest_year"] == 2024
    assert descriptor["release"]["date"] == "2024-11-30"
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    assert all("role" in person for person in descriptor["contributors"])
    names = [r["name"] for r in descriptor["resources"]]
    assert names == [
        "geography",
        "measures",
        "data_quality",
        "stability_measures",
        "statistical_neighbours",
    ]


def test_every_resource_hash_and_bytes_match_the_file(package: Path, descriptor: dict) -> None:
    for resource in descriptor["resources"]:
        data = (package / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data), resource["name"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["profile"] == "tabular-data-resource"
        assert resource["encoding"] == "utf-8"


def test_numeric_indicators_stay_typed_with_symbols_as_missing(descriptor: dict) -> None:
    resource = next(r for r in descriptor["resources"] if r["name"] == "stability_measures")
    schema = resource["schema"]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types["children_count"] == "integer"
    assert types["children_percent"] == "number"
    assert types["breakdown"] == "string"
    assert schema["missingValues"] == ["", "c", "z", "x", "low", "u"]
    assert schema["primaryKey"][-4:] == ["period", "measure", "breakdown_topic", "breakdown"]
    assert schema["foreignKeys"][0]["reference"] == {
        "resource": "geography",
        "fields": ["old_la_code"],
    }


def test_symbols_reach_the_csv_unchanged(package: Path) -> None:
    data = pd.read_csv(
        package / "data" / "stability_measures.csv", dtype=str, keep_default_na=False
    )
    medway = data[(data["old_la_code"] == "887") & (data["time_period"] == "2024")]
    male = medway[(medway["breakdown"] == "Male") & (medway["measure"] == "placement_2plus")]
    assert male[["children_count", "children_percent"]].values.tolist() == [["c", "c"]]
    assert set(medway.loc[medway["measure"] == "sw_2plus", "cohort"]) == {"x"}


def test_geography_and_measures_resources(package: Path) -> None:
    geography = pd.read_csv(package / "data" / "geography.csv", dtype=str, keep_default_na=False)
    assert geography["geographic_level"].value_counts().to_dict() == {
        "Local authority": 153,
        "Regional": 9,
        "National": 1,
    }
    kent = geography[geography["old_la_code"] == "886"].iloc[0]
    assert kent["page_path"] == "la/E10000016-kent/"
    south_east = geography[geography["region_name"] == "South East"]
    assert set(south_east["region_slug"]) == {"south-east"}
    assert "region/south-east/" in set(geography["page_path"])
    measures = pd.read_csv(package / "data" / "measures.csv", dtype=str, keep_default_na=False)
    polarity = dict(zip(measures["measure"], measures["polarity"], strict=True))
    assert polarity["placement_2plus"] == "lower is better"
    assert polarity["no_change"] == "higher is better"
    assert (measures["definition"].str.len() > 20).all()


def test_ees_metadata_matches_the_columns(package: Path) -> None:
    assert check_ees(package) == []
    for name in ["stability_measures", "data_quality", "statistical_neighbours"]:
        data = pd.read_csv(package / "data" / f"{name}.csv", dtype=str, nrows=0)
        meta = pd.read_csv(package / "data" / f"{name}.meta.csv", dtype=str, keep_default_na=False)
        expected = [c for c in data.columns if c not in EES_TIME_GEOGRAPHY_COLUMNS]
        assert meta["col_name"].tolist() == expected
    meta = pd.read_csv(
        package / "data" / "stability_measures.meta.csv", dtype=str, keep_default_na=False
    )
    filters = meta[meta["col_type"] == "Filter"]
    assert (filters["indicator_unit"] == "").all()
    assert meta.set_index("col_name").loc["children_percent", "indicator_unit"] == "%"
    assert meta.set_index("col_name").loc["breakdown", "filter_default"] == "Total"


def test_la_extract_holds_every_la_row_and_no_identifiers(package: Path) -> None:
    from pipeline.geography import local_authorities

    names = sorted(p.name for p in (package / "la").iterdir() if p.is_file())
    # every LA of England gets a file; LAs without rows get the header only
    assert names == sorted(f"{code}.csv" for code in local_authorities()["old_la_code"])
    assert len((package / "la" / "201.csv").read_text().splitlines()) == 1
    extract = pd.read_csv(package / "la" / "887.csv", dtype=str, keep_default_na=False)
    assert extract.columns[0] == "table_name"
    assert not IDENTIFIER_COLUMNS & {c.upper() for c in extract.columns}
    assert set(extract["old_la_code"]) == {"887"}
    for name, internal in make_tables().items():
        table = to_ees(internal)  # the package publishes the EES data dictionary's names
        la_rows = table.frame[table.frame["old_la_code"] == "887"].reset_index(drop=True)
        mine = extract[extract["table_name"] == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[table.columns], la_rows[table.columns])
        others = [c for c in extract.columns if c not in table.columns and c != "table_name"]
        assert (mine[others] == "").all().all(), name
    assert extract["table_name"].tolist() == sorted(extract["table_name"])


def test_tidy_la_files_are_named_by_slug_and_code_in_the_national_shape(package: Path) -> None:
    from pipeline.geography import local_authorities

    las = local_authorities().set_index("old_la_code")
    folders = sorted(p.name for p in (package / "la").iterdir() if p.is_dir())
    assert folders == sorted(las["slug"] + "-" + las["new_la_code"])
    base = f"{las.loc['887', 'slug']}-{las.loc['887', 'new_la_code']}"
    folder = package / "la" / base
    for name in make_tables():
        national = pd.read_csv(package / "data" / f"{name}.csv", dtype=str, keep_default_na=False)
        mine = pd.read_csv(folder / f"{base}-{name}.csv", dtype=str, keep_default_na=False)
        # the national file's columns and cells, plus the two label columns
        assert [c for c in mine.columns if not c.endswith("_label")] == list(national.columns)
        expected = national[national["old_la_code"] == "887"].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[national.columns], expected)
        years = dict(zip(mine["time_period"], mine["time_period_label"], strict=True))
        assert all(label == f"{int(y) - 1}-{y[-2:]}" for y, label in years.items())
        assert mine.columns[mine.columns.get_loc("time_period") + 1] == "time_period_label"
        if "measure" in mine:
            assert set(mine.loc[mine["measure"] == "placement_2plus", "measure_label"]) <= {
                "2 or more placement moves"
            }
    with zipfile.ZipFile(folder / f"{base}.zip") as archive:
        names = archive.namelist()
        assert "README.txt" in names and "na_values" in archive.read("README.txt").decode()
        assert sorted(n for n in names if n.endswith(".csv")) == sorted(
            p.name for p in folder.glob("*.csv")
        )
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_spreadsheet_has_cover_contents_notes_and_tables(package: Path) -> None:
    path = package / "stability-index.xlsx"
    with zipfile.ZipFile(path) as workbook:
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook.read("xl/workbook.xml").decode())
        strings = workbook.read("xl/sharedStrings.xml").decode()
    assert sheets == [
        "Cover",
        "Contents",
        "Notes",
        "stability_measures",
        "statistical_neighbours",
        "data_quality",
    ]
    assert "SYNTHETIC DATA" in strings
    assert "[c]" in strings and "[x]" in strings
    for identifier in IDENTIFIER_COLUMNS:
        assert f">{identifier}<" not in strings


def test_release_note_and_changelog(package: Path) -> None:
    note = (package / "release-note.md").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in note
    assert "| stability_measures | 4 |" in note
    assert "Children with 2 or more placement moves, England: 10%" in note
    changelog = (package / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 1.0.0 (2024-11-30)" in changelog


def test_rebuild_into_another_folder_is_byte_identical(package: Path, tmp_path: Path) -> None:
    again = write_package(make_tables(), tmp_path, make_metadata())
    assert files_of(again) == files_of(package)
    versions = (tmp_path / "stability-index" / "versions.json").read_bytes()
    assert versions == (package.parent / "versions.json").read_bytes()


def copy_of(package: Path, tmp_path: Path) -> Path:
    """A copy of the module's package root (``stability-index/`` and its versions)."""
    shutil.copytree(package.parent, tmp_path / "stability-index")
    return tmp_path


def test_same_version_same_bytes_is_a_no_op(package: Path, tmp_path: Path) -> None:
    root = copy_of(package, tmp_path)
    before = files_of(root)
    again = write_package(make_tables(), root, make_metadata())
    assert again == root / "stability-index" / "1.0.0"
    assert files_of(root) == before


def test_same_version_different_bytes_is_an_error(package: Path, tmp_path: Path) -> None:
    root = copy_of(package, tmp_path)
    before = files_of(root)
    tables = make_tables()
    tables["data_quality"].frame.loc[0, "children_looked_after"] = "999"
    with pytest.raises(PackageExistsError, match=r"version 1\.0\.0 already exists.*--bump patch"):
        write_package(tables, root, make_metadata(), version="1.0.0")
    assert files_of(root) == before


def test_bumps_write_new_versions_with_changelog_and_index(package: Path, tmp_path: Path) -> None:
    root = copy_of(package, tmp_path)
    patch = write_package(
        make_tables(), root, make_metadata(changes="Corrected a label."), bump="patch"
    )
    minor = write_package(make_tables(), root, make_metadata(), bump="minor")
    major = write_package(make_tables(), root, make_metadata(), bump="major")
    assert [patch.name, minor.name, major.name] == ["1.0.1", "1.1.0", "2.0.0"]
    changelog = (major / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", changelog, flags=re.MULTILINE)
    assert headings == ["2.0.0", "1.1.0", "1.0.1", "1.0.0"]
    assert "Corrected a label." in changelog
    assert "Breaking change release following 1.1.0." in changelog
    assert re.findall(r"^## (\S+)", (patch / "CHANGELOG.md").read_text(), re.MULTILINE) == [
        "1.0.1",
        "1.0.0",
    ]
    index = json.loads((root / "stability-index" / "versions.json").read_text())
    assert index["latest"] == "2.0.0"
    assert [v["version"] for v in index["versions"]] == ["2.0.0", "1.1.0", "1.0.1", "1.0.0"]
    for entry in index["versions"]:
        data = (root / "stability-index" / entry["version"] / "datapackage.json").read_bytes()
        assert entry["datapackage_sha256"] == hashlib.sha256(data).hexdigest()
    # With no version and no bump, the latest version is rebuilt: different bytes are refused.
    tables = make_tables()
    tables["data_quality"].frame.loc[0, "children_looked_after"] = "999"
    with pytest.raises(PackageExistsError, match=r"version 2\.0\.0 already exists"):
        write_package(tables, root, make_metadata())
    assert not [p for p in (root / "stability-index").iterdir() if p.name.startswith(".")]


def test_failed_build_leaves_no_folder(tmp_path: Path) -> None:
    tables = make_tables()
    tables["stability_measures"].frame.loc[0, "number"] = "abc"  # published as children_count
    with pytest.raises(
        PackageBuildError, match=r"stability_measures.*row 2.*children_count.*type-error"
    ):
        write_package(tables, tmp_path, make_metadata())
    assert list((tmp_path / "stability-index").iterdir()) == []


def test_row_checks_cover_rows_frictionless_samples_past(tmp_path: Path) -> None:
    tables = make_tables()
    frame = tables["stability_measures"].frame
    frame.loc[40, "number"] = "1.5"
    frame.loc[41, "percent"] = "101.000000"
    frame.loc[42, "time_identifier"] = "Financial year"
    frame.loc[44, ["breakdown_topic", "breakdown"]] = ["Total", "Total"]  # repeats row 42's key
    folder = tmp_path / "built"
    folder.mkdir()
    write_files(VersionContent(tables, make_metadata(), "1.0.0", [], "First release."), folder)
    assert check_frictionless(folder, row_budget=10) == []  # rows 40+ are past the sample
    problems = check_rows(folder)
    where = "data/stability_measures.csv, rows"
    assert f"{where} 42, column number: not of type integer" in problems
    assert f"{where} 43, column percent: above the maximum" in problems
    assert f"{where} 44, column time_identifier: not one of the enum" in problems
    assert any(p.startswith(f"{where} 44, 46: primary key") for p in problems)
    full = check_frictionless(folder, row_budget=100_000)
    assert {p.split(": ")[1].split(" ")[0] for p in full} >= {"type-error", "constraint-error"}


@pytest.mark.parametrize("dtype", ["str", object])
def test_numbers_are_held_to_the_minimum_and_maximum_once_they_are_numbers(dtype: object) -> None:
    cells = pd.Series(["+1.5", "c", "", "101", ".5", "-2", "1e2", "100.0000001"], dtype=dtype)
    field = {"name": "percent", "type": "number", "constraints": {"minimum": 0, "maximum": 100}}
    assert check_field(cells, field, [""], "t.csv") == [
        "t.csv, rows 3, column percent: not of type number",
        "t.csv, rows 7, column percent: below the minimum",
        "t.csv, rows 5, 9, column percent: above the maximum",
    ]


def test_a_schema_keyword_the_row_checks_do_not_implement_fails_loudly(tmp_path: Path) -> None:
    tables = make_tables()
    folder = tmp_path / "built"
    folder.mkdir()
    write_files(VersionContent(tables, make_metadata(), "1.0.0", [], "First release."), folder)
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "stability_measures")
    field = next(f for f in resource["schema"]["fields"] if f["name"] == "number")
    field.setdefault("constraints", {})["unique"] = True
    resource["schema"]["fields"][0]["format"] = "email"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    problems = check_rows(folder)
    where = "data/stability_measures.csv"
    assert any(
        p.startswith(f"{where}: field number: constraint 'unique' is not checked") for p in problems
    )
    assert any(
        p.startswith(f"{where}: field time_period: keyword 'format' is not checked")
        for p in problems
    )


def test_unknown_la_code_fails_the_foreign_key(tmp_path: Path) -> None:
    tables = make_tables()
    frame = tables["statistical_neighbours"].frame
    frame.loc[0, "old_la_code"] = "999"
    with pytest.raises(PackageBuildError, match="foreign-key"):
        write_package(tables, tmp_path, make_metadata())
    assert list((tmp_path / "stability-index").iterdir()) == []


@pytest.mark.parametrize(
    ("key", "message"),
    [("stability_table", r"passed as 'stability_table' is named"), ("geography", "reserved")],
)
def test_a_misnamed_or_reserved_table_stops_the_build_before_any_file(
    tmp_path: Path, key: str, message: str
) -> None:
    table = stability_table()
    if key == "geography":
        table = dataclasses.replace(table, name="geography")
    with pytest.raises(PackageBuildError, match=message):
        write_package({key: table}, tmp_path, make_metadata())
    assert list((tmp_path / "stability-index").iterdir()) == []


def test_identifier_column_is_refused(tmp_path: Path) -> None:
    table = stability_table()
    table.frame["UPN"] = "A123456789012"
    with pytest.raises(PackageBuildError, match="identifier"):
        write_package({table.name: table}, tmp_path, make_metadata())


def test_disclosure_file_audit_stops_a_upn_in_a_text_cell(tmp_path: Path) -> None:
    pytest.importorskip("pipeline.disclosure")
    tables = make_tables()
    tables["statistical_neighbours"].frame.loc[0, "neighbour_la_name"] = "A123456789012"
    with pytest.raises(PackageBuildError, match="disclosure audit"):
        write_package(tables, tmp_path, make_metadata())
    assert list((tmp_path / "stability-index").iterdir()) == []


def test_schema_rejects_a_wrong_type_and_accepts_symbols() -> None:
    table = stability_table()
    descriptor = table_schema(table)
    descriptor.pop("foreignKeys")  # checked in the package tests; needs the geography resource
    schema = frictionless.Schema.from_descriptor(descriptor)
    good = table.frame.head(2).copy()
    good.loc[0, "number"] = "c"
    bad = table.frame.head(2).copy()
    bad.loc[1, "percent"] = "12.5%"

    def report(frame: pd.DataFrame) -> frictionless.Report:
        rows = [list(frame.columns)] + frame[table.columns].astype(str).values.tolist()
        return frictionless.Resource(data=rows, schema=schema).validate()

    assert report(good).valid
    result = report(bad)
    assert not result.valid
    assert result.flatten(["rowNumber", "fieldName", "type"]) == [[3, "percent", "type-error"]]


def test_real_data_has_no_synthetic_warning(tmp_path: Path) -> None:
    metadata = make_metadata(synthetic=False, release_date="2025-03-27")
    folder = write_package(make_tables(), tmp_path, metadata)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert descriptor["synthetic"] is False
    assert descriptor["created"] == "2025-03-27T00:00:00Z"
    assert "SYNTHETIC" not in descriptor["description"]
    assert "synthetic_build" not in descriptor
    assert dataclasses.replace(metadata).seed is None
