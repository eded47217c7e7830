"""LA self-service parts on small inputs: the package comparison, formatting, package errors."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.self_service.comparison import (
    PackageError,
    compare_with_package,
    neighbour_codes,
    read_package,
    region_of,
)
from pipeline.self_service.figures import suppress_small_counts
from pipeline.self_service.report_page import format_count, format_interval, format_percent


@pytest.fixture(scope="module")
def package_dir(sample_package: Path) -> Path:
    return sample_package


def _published(package_dir: Path, la: str, year: str, measure: str) -> str:
    frame = pd.read_csv(package_dir / "data" / "stability_measures.csv", dtype=str)
    row = frame[
        (frame["old_la_code"] == la)
        & (frame["time_period"] == year)
        & (frame["period"] == "During the year")
        & (frame["breakdown"] == "Total")
        & (frame["measure"] == measure)
    ]
    return str(row.iloc[0]["children_percent"])


def test_neighbour_average_uses_published_values_only(package_dir: Path) -> None:
    package = read_package(package_dir)
    published = pd.read_csv(package_dir / "data" / "statistical_neighbours.csv", dtype=str)
    camden = published[published["old_la_code"] == "202"]
    ranked = camden.sort_values("neighbour_rank", key=lambda rank: rank.astype(int))
    neighbours = ranked["neighbour_old_la_code"].tolist()
    assert len(neighbours) == 10 and "202" not in neighbours
    assert neighbour_codes(package, "202") == neighbours
    stability = pd.read_csv(package_dir / "data" / "stability_measures.csv", dtype=str)
    with_returns = [la for la in neighbours if la in set(stability["old_la_code"])]
    assert with_returns  # (an LA without returns has no rows: not in the average)
    averaged = 0
    # two years: in so small a package most LA figures of one year can be suppressed
    for year in (2023, 2024):
        table = compare_with_package(package, "202", [year]).set_index("measure")
        for measure in ("placement_2plus", "sw_2plus", "long_term_stable"):
            cells = [_published(package_dir, la, str(year), measure) for la in with_returns]
            numbers = [float(c) for c in cells if c not in ("c", "x", "z", "low", "u")]
            row = table.loc[measure]
            averaged += bool(numbers)
            assert row["neighbours_with_data"] == len(numbers)
            if numbers:
                average = sum(numbers) / len(numbers)
                assert row["neighbour_average_percent"] == pytest.approx(average)
            else:
                assert math.isnan(row["neighbour_average_percent"])
    assert averaged >= 1  # at least one average of published numbers was checked
    # Darlington did not supply the social worker module: its cells are x (never averaged).
    assert _published(package_dir, "841", "2024", "sw_2plus") == "x"


def test_comparison_takes_region_england_and_own_cells_as_published(package_dir: Path) -> None:
    package = read_package(package_dir)
    row = compare_with_package(package, "202", [2023]).set_index("measure").loc["no_change"]
    assert row["la_published_percent"] == _published(package_dir, "202", "2023", "no_change")
    stability = pd.read_csv(package_dir / "data" / "stability_measures.csv", dtype=str)
    wanted = (
        (stability["time_period"] == "2023")
        & (stability["period"] == "During the year")
        & (stability["breakdown"] == "Total")
        & (stability["measure"] == "no_change")
    )
    london = stability[wanted & (stability["geographic_level"] == "Regional")]
    london = london[london["region_name"] == "London"]
    england = stability[wanted & (stability["geographic_level"] == "National")]
    assert row["region_percent"] == london.iloc[0]["children_percent"]
    assert row["england_percent"] == england.iloc[0]["children_percent"]


def test_years_and_las_missing_from_the_package_are_blank(package_dir: Path) -> None:
    package = read_package(package_dir)
    later = compare_with_package(package, "202", [2030])
    assert (later["la_published_percent"] == "").all() and (later["england_percent"] == "").all()
    kent = compare_with_package(package, "886", [2024])
    assert (kent["la_published_percent"] == "").all()
    assert (kent["england_percent"] != "").all()
    assert (kent["neighbours_with_data"] == 0).all()
    assert region_of(package, "886") == ("E12000008", "South East")


def test_a_package_missing_a_file_is_refused(package_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pkg"
    shutil.copytree(package_dir, copy)
    (copy / "data" / "statistical_neighbours.csv").unlink()
    with pytest.raises(PackageError, match="statistical_neighbours.csv"):
        read_package(copy)


def test_a_package_without_a_version_is_refused(package_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pkg"
    shutil.copytree(package_dir, copy)
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["version"]
    (copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(PackageError, match="'version'"):
        read_package(copy)


@pytest.mark.parametrize(
    ("cell", "count", "percent"),
    [
        (1234, "1,234", "1234.0%"),
        ("12.345678", "12", "12.3%"),
        ("c", "c", "c"),
        ("x", "x", "x"),
        ("", "", ""),
        (float("nan"), "", ""),
    ],
)
def test_cells_are_formatted_or_shown_as_symbols(cell: object, count: str, percent: str) -> None:
    assert format_count(cell) == count
    assert format_percent(cell) == percent


def test_an_interval_with_a_symbol_shows_the_symbol() -> None:
    assert format_interval("10.04", 15.36) == "10.0% to 15.4%"
    assert format_interval("c", "c") == "c"


def test_small_counts_are_suppressed_with_a_second_cell_when_alone() -> None:
    frame = pd.DataFrame(
        {
            "year": [2023, 2023, 2023, 2024, 2024, 2025, 2025],
            "children": [3, 40, 12, 0, 25, 2, 4],
        }
    )
    shown = suppress_small_counts(frame, "children", "year")["children"].tolist()
    # 2023: 3 is alone, so the next smallest (12) goes too; 2024: nothing small (0 is not
    # suppressed); 2025: two small counts protect each other.
    assert shown == ["c", "40", "c", "0", "25", "c", "c"]


def test_a_lone_small_count_with_nothing_else_to_suppress_stays_suppressed() -> None:
    frame = pd.DataFrame({"year": [2024, 2024], "children": [1, 0]})
    assert suppress_small_counts(frame, "children", "year")["children"].tolist() == ["c", "0"]
