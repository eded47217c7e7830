"""The one strict package reader: any departure from the contract names the file and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.packaging.reader import DataPackage, PackageError


@pytest.fixture(scope="module")
def sample(sample_package: Path) -> Path:
    return sample_package


def _copy(sample: Path, tmp_path: Path) -> Path:
    shutil.copytree(sample.parent, tmp_path / "stability-index")
    return tmp_path / "stability-index" / sample.name


def _rewrite_descriptor(folder: Path, change: dict) -> None:
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor.update(change)
    path.write_text(json.dumps(descriptor), encoding="utf-8")


def test_the_sample_package_opens_and_reads_the_measures_resource(sample: Path) -> None:
    package = DataPackage.open(sample)
    assert package.headline_measures[:2] == ["placement_2plus", "school_midyear"]
    assert package.higher_is_better == {"no_change", "long_term_stable"}
    assert package.label("sw_2plus") == "2 or more social worker changes"
    assert [v.version for v in package.versions()] == ["1.0.0"]


def test_a_missing_resource_file_names_the_file_and_resource(sample: Path, tmp_path: Path) -> None:
    folder = _copy(sample, tmp_path)
    (folder / "data" / "case_mix.csv").unlink()
    with pytest.raises(PackageError, match=r"case_mix\.csv: file not found \(resource 'case_mix'"):
        DataPackage.open(folder)


def test_a_csv_whose_columns_differ_from_its_schema_names_the_column(
    sample: Path, tmp_path: Path
) -> None:
    folder = _copy(sample, tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    measures = next(r for r in descriptor["resources"] if r["name"] == "measures")
    header = (folder / "data" / "measures.csv").read_text(encoding="utf-8").splitlines()[0]
    fields = [{"name": name, "type": "string"} for name in header.split(",")]
    measures["schema"] = {"fields": [*fields, {"name": "extra_field", "type": "string"}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(
        PackageError, match=r"measures\.csv: columns differ .*missing \['extra_field'\]"
    ):
        DataPackage.open(folder)


def test_a_version_that_is_not_semver_is_refused(sample: Path, tmp_path: Path) -> None:
    folder = _copy(sample, tmp_path)
    _rewrite_descriptor(folder, {"version": "1.0"})
    with pytest.raises(PackageError, match=r"property 'version': '1\.0' is not a version"):
        DataPackage.open(folder)


def test_versions_json_of_another_shape_is_refused(sample: Path, tmp_path: Path) -> None:
    folder = _copy(sample, tmp_path)
    versions = folder.parent / "versions.json"
    versions.write_text(json.dumps([{"version": "1.0.0"}]), encoding="utf-8")
    package = DataPackage.open(folder)
    with pytest.raises(PackageError, match="versions.json: expected an object with a 'versions'"):
        package.versions()
    versions.write_text(json.dumps({"versions": [{"version": "1.0.0"}]}), encoding="utf-8")
    with pytest.raises(PackageError, match="versions.json: a 'versions' entry has no 'date'"):
        package.versions()


def test_a_table_without_a_needed_column_names_it(sample: Path) -> None:
    package = DataPackage.open(sample)
    with pytest.raises(PackageError, match=r"geography\.csv: no column\(s\) not_a_column"):
        package.table("geography", ("la_name", "not_a_column"))


def test_selections_made_in_one_scan_are_the_rows_each_clause_selects(sample: Path) -> None:
    package = DataPackage.open(sample)
    areas = "geographic_level <> 'Local authority'"
    totals = "period = 'During the year' AND breakdown = 'Total'"
    package.select_where("stability_measures", [areas, totals])
    full = package.table("stability_measures")
    expected = {
        areas: full[full["geographic_level"] != "Local authority"],
        totals: full[(full["period"] == "During the year") & (full["breakdown"] == "Total")],
    }
    for where, rows in expected.items():
        assert 0 < len(rows) < len(full)
        got = package.table_where("stability_measures", where)
        pd.testing.assert_frame_equal(got, rows.reset_index(drop=True))
