"""The versioned JSON API: documents match the package's cells and validate against the schemas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pipeline.packaging.archive import file_hashes
from pipeline.site.api import (
    API_ARCHIVE_FOLDER,
    VersionWriter,
    api_folder,
    archive_api,
    cell,
    write_api,
)
from pipeline.site.api_schema import SCHEMAS
from pipeline.site.package import SitePackage


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validator(api: Path, name: str) -> Draft202012Validator:
    """A validator of the schema as published on the site (not the Python constant)."""
    schema = load(api / "schema" / name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def api(synthetic_build) -> Path:  # noqa: ANN001
    return synthetic_build.site_dir / "api" / "v1"


@pytest.fixture(scope="module")
def package(synthetic_build) -> SitePackage:  # noqa: ANN001
    return SitePackage.open(synthetic_build.package_dir)


def test_cells_keep_numbers_symbols_and_text() -> None:
    assert cell("12") == 12 and isinstance(cell("12"), int)
    assert cell("9.523810") == pytest.approx(9.52381)
    assert cell("-1.5") == -1.5
    assert [cell(s) for s in ["c", "x", "z", "low", "u"]] == ["c", "x", "z", "low", "u"]
    assert cell("As expected") == "As expected"
    assert cell("") is None
    assert cell("1e5") == "1e5"  # the package never writes exponents: kept as text


def test_published_schemas_are_the_module_schemas(api: Path) -> None:
    for name, schema in SCHEMAS.items():
        assert load(api / "schema" / name) == schema


def test_index_lists_versions_las_and_measures(api: Path, package: SitePackage) -> None:
    index = load(api / "index.json")
    validator(api, "index.schema.json").validate(index)
    assert index["latest"] == package.version
    assert index["versions"][0]["la_folder"] == f"{package.version}/la/"
    assert len(index["las"]) == 153
    assert {la["new_la_code"] for la in index["las"]} == set(package.geography["new_la_code"])
    by_code = {m["measure"]: m for m in index["measures"]}
    assert by_code["no_change"]["polarity"] == "higher is better"
    assert by_code["placement_2plus"]["polarity"] == "lower is better"
    headline = [m["measure"] for m in index["measures"] if m["headline"]]
    assert headline == package.headline_measures


def test_every_la_document_exists_and_validates(api: Path, package: SitePackage) -> None:
    folder = api / package.version / "la"
    files = sorted(folder.glob("*.json"))
    assert len(files) == 153
    check = validator(api, "la.schema.json")
    for path in files:
        document = load(path)
        check.validate(document)
        assert document["la"]["new_la_code"] == path.stem


def test_la_document_holds_every_row_of_the_extract_cell_for_cell(
    api: Path, package: SitePackage
) -> None:
    la = package.geography[package.geography["old_la_code"] == "887"].iloc[0]
    document = load(api / package.version / "la" / f"{la['new_la_code']}.json")
    extract = package.la_extract("887")
    tables = document["tables"]
    assert sum(len(t["rows"]) for t in tables.values()) == len(extract)
    stability = extract[extract["table_name"] == "stability_measures"].reset_index(drop=True)
    rows = tables["stability_measures"]["rows"]
    assert len(rows) == len(stability)
    for published, row in zip(stability.to_dict("records"), rows, strict=True):
        for column in ["period", "measure", "breakdown", "cohort", "number", "percent"]:
            expected = published[column]
            got = row[column]
            if isinstance(got, str):
                assert got == expected  # a filter item or a symbol, as published
            else:
                assert got == pytest.approx(float(expected))


def test_headline_figures_have_intervals_and_comparators(api: Path, package: SitePackage) -> None:
    la = package.geography.iloc[0]
    document = load(api / package.version / "la" / f"{la['new_la_code']}.json")
    latest = package.latest_year
    series = package.table("time_series")
    for figure in document["headline"]:
        assert figure["measure"] in package.headline_measures
        england = series[
            (series["geographic_level"] == "National")
            & (series["measure"] == figure["measure"])
            & (series["time_period"] == figure["year"])
        ]["percent"].iloc[0]
        if england in {"c", "x", "z", "low", "u"}:
            # A symbol (e.g. x: long-term stability without its history) is kept as it is.
            assert figure["england"] == england
        else:
            assert figure["england"] == pytest.approx(float(england))
        if isinstance(figure["percent"], float):
            assert figure["lower"] <= figure["percent"] <= figure["upper"]
    assert {f["year"] for f in document["headline"]} >= {latest}
    assert any(f["rank_among_las"] is not None for f in document["headline"] if f["year"] == latest)
    neighbours = document["neighbours"]
    assert [n["rank"] for n in neighbours] == list(range(1, len(neighbours) + 1))


def test_headline_document_matches_the_la_documents(api: Path, package: SitePackage) -> None:
    headline = load(api / package.version / "headline.json")
    validator(api, "headline.schema.json").validate(headline)
    assert len(headline["las"]) == 153
    assert headline["measures"] == package.headline_measures
    for entry in headline["las"][:10]:
        document = load(api / package.version / "la" / f"{entry['new_la_code']}.json")
        for figure in document["headline"]:
            at = headline["years"].index(figure["year"])
            values = entry["values"][figure["measure"]][at]
            assert values == [figure["percent"], figure["lower"], figure["upper"]]
        assert entry["neighbours"] == [n["new_la_code"] for n in document["neighbours"]]


def test_each_measure_has_its_own_headline_document(api: Path, package: SitePackage) -> None:
    headline = load(api / package.version / "headline.json")
    index = load(api / "index.json")
    folder = index["versions"][0]["headline_by_measure"]
    assert folder == f"{package.version}/headline/"
    check = validator(api, "headline.schema.json")
    for measure in package.headline_measures:
        one = load(api / folder / f"{measure}.json")
        check.validate(one)
        assert one["measures"] == [measure]
        assert one["years"] == headline["years"]
        # the same LAs, codes and neighbours, and this measure's values only
        for mine, full in zip(one["las"], headline["las"], strict=True):
            assert mine["values"] == {measure: full["values"][measure]}
            assert {k: v for k, v in mine.items() if k != "values"} == {
                k: v for k, v in full.items() if k != "values"
            }
        assert one["england"] == {measure: headline["england"][measure]}
        assert all(set(per) == {measure} for per in one["regions"].values())
        assert {code: per[measure] for code, per in one["regions"].items()} == {
            code: per[measure] for code, per in headline["regions"].items()
        }


def two_versions(sample: Path, root: Path) -> tuple[SitePackage, SitePackage]:
    """Packages 1.0.0 and 1.0.1 (a copy of the sample with its version changed) in one
    archive whose ``versions.json`` lists both."""
    first = root / "stability-index" / "1.0.0"
    shutil.copytree(sample, first)
    second = first.parent / "1.0.1"
    shutil.copytree(sample, second)
    descriptor = load(second / "datapackage.json")
    (second / "datapackage.json").write_text(json.dumps(descriptor | {"version": "1.0.1"}))
    versions = load(sample.parent / "versions.json")
    later = dict(versions["versions"][0], version="1.0.1", title="A correction")
    versions["versions"] = [*versions["versions"], later]
    (first.parent / "versions.json").write_text(json.dumps(versions))
    return SitePackage.open(first), SitePackage.open(second)


def count_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The versions :meth:`VersionWriter.write` is called for, from now on."""
    calls: list[str] = []
    write = VersionWriter.write

    def counted(self: VersionWriter) -> int:
        calls.append(self.package.version)
        return write(self)

    monkeypatch.setattr(VersionWriter, "write", counted)
    return calls


def test_a_later_build_copies_the_archived_documents_of_an_older_version(
    sample_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_versions(sample_package, tmp_path / "packages")
    archive = first.folder.parent / API_ARCHIVE_FOLDER
    calls = count_writes(monkeypatch)
    # the first build of 1.0.0 (1.0.1 not made yet): written, then archived
    write_api(first, tmp_path / "site1", archive=archive)
    out1 = api_folder(tmp_path / "site1")
    assert archive_api(out1, archive, "1.0.0") is True
    before = file_hashes(out1 / "1.0.0")
    assert file_hashes(archive / "1.0.0") == before
    assert "headline.json" in before and any(name.startswith("la/") for name in before)
    # an older version's documents are taken from the archive, even when they differ
    # from what its package would give now
    (archive / "1.0.0" / "headline.json").write_text('{"kept":true}\n', encoding="utf-8")
    before["headline.json"] = file_hashes(archive / "1.0.0")["headline.json"]
    calls.clear()
    write_api(second, tmp_path / "site2", archive=archive)
    out2 = api_folder(tmp_path / "site2")
    assert calls == ["1.0.1"]
    assert file_hashes(out2 / "1.0.0") == before
    versions = {v["version"]: v for v in load(out2 / "index.json")["versions"]}
    assert versions["1.0.0"]["la_folder"] == "1.0.0/la/" and versions["1.0.1"]["la_folder"]
    # archiving 1.0.0 again leaves the archived documents as they are
    assert archive_api(out1, archive, "1.0.0") is False
    assert file_hashes(archive / "1.0.0") == before


def test_an_archive_without_documents_gets_them_written_and_kept(
    sample_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_versions(sample_package, tmp_path / "packages")
    archive = first.folder.parent / API_ARCHIVE_FOLDER  # not made: an archive from before
    calls = count_writes(monkeypatch)
    write_api(second, tmp_path / "site1", archive=archive)
    assert sorted(calls) == ["1.0.0", "1.0.1"]
    written = file_hashes(api_folder(tmp_path / "site1") / "1.0.0")
    assert file_hashes(archive / "1.0.0") == written
    assert not (archive / "1.0.1").exists()  # the current version is archived by the pages step
    # the same older version without an archive: the same bytes, from its package
    write_api(second, tmp_path / "plain")
    assert file_hashes(api_folder(tmp_path / "plain") / "1.0.0") == written
    calls.clear()
    write_api(second, tmp_path / "site2", archive=archive)
    assert calls == ["1.0.1"]
    assert file_hashes(api_folder(tmp_path / "site2") / "1.0.0") == written
