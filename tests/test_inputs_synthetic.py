"""The synthetic England read back through the validator: no errors, nothing dropped.

The synthetic files are in the 903 layout LAs export (no header ``UASC``, no episodes
``PL_LA``), so these tests also show that the default build reads them the way it reads a real
LA's files: UASC from the ``uasc`` table, the placement LA through ``postcode_lookup.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.inputs import InputTables, ValidationReport, load


@pytest.fixture(scope="module")
def synthetic(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, InputTables | None, ValidationReport]:
    from pipeline.synth import generate

    folder = generate(tmp_path_factory.mktemp("synth"), seed=2024, scale=0.05, years=[2023, 2024])
    tables, report = load(folder)
    return folder, tables, report


def test_synthetic_inputs_have_no_errors(synthetic) -> None:  # noqa: ANN001
    _, tables, report = synthetic
    assert report.errors == 0, report.to_text()
    assert tables is not None and tables.synthetic
    assert tables.years == [2023, 2024]
    # at this scale the smallest LA (City of London) may have no children
    assert len(tables.las) >= 150


def test_every_line_read_is_kept(synthetic) -> None:  # noqa: ANN001
    folder, tables, report = synthetic
    files = {
        "header": "header",
        "episodes": "episodes",
        "social_workers": "sw_episodes",
        "school_census": "school_census",
    }
    for table, name in files.items():
        frame = getattr(tables, table)
        for year in (2023, 2024):
            path = folder / str(year) / f"{name}.csv"
            lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line)
            assert (frame["YEAR"] == year).sum() == lines - 1, path
            counted = report.rows.set_index("file").loc[f"{year}/{name}.csv", "rows_read"]
            assert counted == lines - 1
    assert report.exclusions.empty


def test_sw_supplied_comes_from_the_manifest(synthetic) -> None:  # noqa: ANN001
    import json

    folder, tables, _ = synthetic
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    expected = {(la, int(year)) for year, las in manifest["sw_supplied"].items() for la in las}
    assert tables.sw_supplied == expected


def test_uasc_and_placement_la_are_derived_as_for_a_real_return(synthetic) -> None:  # noqa: ANN001
    folder, tables, report = synthetic
    assert report.warnings == 0, report.to_text()
    assert tables.header["UASC"].notna().all()
    assert 0.02 < (tables.header["UASC"] == "1").mean() < 0.2
    care = tables.episodes[~tables.episodes["LS"].isin(["V3", "V4"])]
    assert care["PL_LA"].notna().all()
    assert (care["PL_LA"] != care["LA"]).mean() > 0.2  # placements out of the LA are found
