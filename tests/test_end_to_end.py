"""End to end: the synthetic England through every step, as `stability-index build` runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import SESSION_SCALE

from pipeline.geography import la_page_path, local_authorities, region_slug, regions

pytestmark = pytest.mark.slow


def test_package_is_flagged_synthetic_and_valid(synthetic_build) -> None:
    import frictionless

    descriptor = json.loads((synthetic_build.package_dir / "datapackage.json").read_text())
    assert descriptor["synthetic"] is True
    assert "synthetic" in descriptor["description"].lower()[:300]
    report = frictionless.validate(synthetic_build.package_dir / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_every_la_and_region_has_a_page_at_its_stable_address(synthetic_build) -> None:
    site = synthetic_build.site_dir
    for code in local_authorities()["old_la_code"]:
        assert (site / la_page_path(code) / "index.html").exists(), code
    for name in regions()["region_name"]:
        assert (site / "region" / region_slug(name) / "index.html").exists(), name
    assert (site / "index.html").exists()


def test_every_page_says_the_data_are_synthetic(synthetic_build) -> None:
    pages = sorted(synthetic_build.site_dir.rglob("index.html"))
    assert len(pages) >= 153 + 9 + 1
    for page in pages:
        assert "synthetic" in page.read_text(encoding="utf-8").lower(), page


def test_no_identifier_reaches_any_output(synthetic_build) -> None:
    from pipeline.disclosure import audit_files

    audit_files(synthetic_build.package_dir)
    audit_files(synthetic_build.site_dir)


def test_published_counts_never_show_one_to_five_children(synthetic_build) -> None:
    data = synthetic_build.package_dir / "data"
    table = pd.read_csv(data / "stability_measures.csv", dtype=str, keep_default_na=False)
    for column in ["cohort", "children_count"]:
        values = pd.to_numeric(table[column], errors="coerce")
        assert not values.between(1, 5).any(), column
        assert set(table.loc[values.isna(), column]) <= {"c", "x", "z", "low", "u"}


def test_england_headline_is_in_the_published_range(synthetic_build) -> None:
    """The synthetic England is calibrated to DfE's 3+ placements figure (10% to 11%)."""
    table = pd.read_csv(
        synthetic_build.package_dir / "data" / "stability_measures.csv",
        dtype=str,
        keep_default_na=False,
    )
    row = table[
        (table.geographic_level == "National")
        & (table.time_period == "2024")
        & (table.period == "During the year")
        & (table.measure == "placement_2plus")
        & (table.breakdown == "Total")
    ]
    assert len(row) == 1
    assert 8.0 <= float(row.iloc[0]["children_percent"]) <= 13.0


def test_a_rebuild_with_the_same_inputs_leaves_the_version_unchanged(synthetic_build) -> None:
    from pipeline.build import BuildInputs, run_build

    before = {p: p.read_bytes() for p in synthetic_build.package_dir.rglob("*") if p.is_file()}
    run_build(
        BuildInputs(input_dir=synthetic_build.inputs, scale=SESSION_SCALE),
        packages_root=synthetic_build.package_dir.parents[1],
        with_site=False,
        project_root=synthetic_build.project,
    )
    after = {p: p.read_bytes() for p in synthetic_build.package_dir.rglob("*") if p.is_file()}
    assert before == after


def test_build_stops_on_invalid_input_and_writes_nothing(tmp_path: Path, synthetic_build) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    broken = tmp_path / "inputs"
    year = broken / "2024"
    year.mkdir(parents=True)
    source = synthetic_build.inputs / "2024"
    for name in ["header", "episodes"]:
        text = (source / f"{name}.csv").read_text()
        lines = text.splitlines()[:200]
        if name == "episodes":
            # break one date so the build must stop
            lines[5] = re.sub(r"\d{2}/\d{2}/\d{4}", "31/02/2024", lines[5], count=1)
        (year / f"{name}.csv").write_text("\n".join(lines) + "\n")
    packages = tmp_path / "datapackages"
    result = CliRunner().invoke(
        app, ["build", "--input", str(broken), "--packages", str(packages), "--no-site"]
    )
    assert result.exit_code == 1
    assert not packages.exists() or not any(packages.rglob("datapackage.json"))
