"""The DfE statistical neighbour groups: the project's table against the public lists.

The public lists (``shared/data/reference/statistical_neighbours*.csv``, converted from DfE's
LAIT) are read in place, never copied; the tests are skipped when they are not on disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import SessionBuild
from test_aggregate_children import input_tables

from pipeline.aggregate.comparisons import la_comparison
from pipeline.aggregate.neighbour_sets import SETS, dfe_pairs, neighbour_set
from pipeline.aggregate.neighbours import statistical_neighbours
from pipeline.geography import local_authorities
from pipeline.published import PublishedTable

ROOT = Path(__file__).resolve().parents[1]


def reference_dir() -> Path | None:
    """``$STABILITY_REFERENCE_DIR``, else the first ``shared/data/reference`` above the repo."""
    if os.environ.get("STABILITY_REFERENCE_DIR"):
        return Path(os.environ["STABILITY_REFERENCE_DIR"])
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "reference"
        if candidate.is_dir():
            return candidate
    return None


def public_list(name: str) -> pd.DataFrame:
    folder = reference_dir()
    if folder is None or not (folder / name).exists():
        pytest.skip(f"the public list {name} is not on this machine")
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("basis", "name"),
    [("dfe", "statistical_neighbours.csv"), ("dfe-2021", "statistical_neighbours_2021.csv")],
)
def test_every_la_has_the_dfe_neighbours_in_the_dfe_order(basis: str, name: str) -> None:
    public = public_list(name)
    public = public[(public["section"] == "current") & (public["sn_old_la_code"] != "")]
    ours = dfe_pairs(basis)
    for la, group in public.groupby("old_la_code"):
        expected = group.assign(rank=group["sn_rank"].astype(int)).sort_values("rank")
        mine = ours[ours["old_la_code"] == la]
        assert mine["neighbour_rank"].tolist() == list(range(1, 11)), la
        assert mine["neighbour_old_la_code"].tolist() == expected["sn_old_la_code"].tolist(), la
        assert mine["closeness"].tolist() == expected["sn_closeness"].tolist(), la
    assert set(ours["old_la_code"]) == set(public["old_la_code"])


def test_the_current_version_covers_the_153_current_las_and_nothing_else() -> None:
    ours = dfe_pairs("dfe")
    current = set(local_authorities()["old_la_code"])
    assert set(ours["old_la_code"]) == current
    assert set(ours["neighbour_old_la_code"]) <= current
    assert (ours.groupby("old_la_code").size() == 10).all()
    # Successor LAs: the 2025 version has Cumberland (942), Westmorland and Furness (943) and
    # North Yorkshire (815), never their predecessor Cumbria (909) nor the pre-2019 Dorset LAs.
    assert {"942", "943", "815", "838", "839"} <= set(ours["old_la_code"])
    assert not {"909", "835", "836", "837", "928"} & set(ours["neighbour_old_la_code"])
    # The 2021 version, as DfE publishes it, has no neighbours for Cumberland or Westmorland
    # and Furness, which did not exist yet.
    previous = dfe_pairs("dfe-2021")
    assert not {"942", "943"} & set(previous["old_la_code"])


def test_kent_as_the_dfe_lists_it() -> None:
    # Kent (886), May 2025: the hand-copied list from the DfE's tool.
    names = dict(
        zip(local_authorities()["old_la_code"], local_authorities()["la_name"], strict=True)
    )
    kent = dfe_pairs("dfe")
    kent = kent[kent["old_la_code"] == "886"]
    assert [names[c] for c in kent["neighbour_old_la_code"]] == [
        "Essex",
        "East Sussex",
        "Devon",
        "Bexley",
        "Suffolk",
        "Norfolk",
        "Nottinghamshire",
        "West Sussex",
        "Bedford",
        "Somerset",
    ]


def test_published_dfe_table_names_the_version_and_source() -> None:
    las = ["886", "861", "942"]
    table = statistical_neighbours(input_tables([(la, 2024) for la in las]), 2024)
    frame = table.frame
    assert len(frame) == 30 and set(frame["old_la_code"]) == set(las)
    stoke = frame[frame["old_la_code"] == "861"]
    assert stoke["neighbour_rank"].tolist() == list(range(1, 11))
    assert set(frame["neighbour_set"]) == {SETS["dfe"].label}
    assert set(frame["distance"]) == {"z"}
    assert (
        frame["closeness"]
        .isin(["Extremely close", "Very close", "Close", "Somewhat close", "Not close"])
        .all()
    )
    assert "May 2025" in table.description and SETS["dfe"].path in table.description
    source = neighbour_set("dfe").source()
    assert source["license"] == "OGL-UK-3.0" and source["version"] == "2025-05"
    with pytest.raises(ValueError, match="not one of dfe, dfe-2021, computed"):
        neighbour_set("ons")


def test_la_comparison_names_the_neighbour_set() -> None:
    # Two LAs, each the other's only neighbour with data: Kent's rows name the DfE version.
    neighbours = statistical_neighbours(input_tables([("886", 2024), ("936", 2024)]), 2024)
    frame = pd.DataFrame(
        {
            "time_period": "2024",
            "time_identifier": "Reporting year",
            "geographic_level": ["National", "Regional", "Local authority", "Local authority"],
            "country_code": "E92000001",
            "country_name": "England",
            "region_code": ["", "E12000008", "E12000008", "E12000008"],
            "region_name": ["", "South East", "South East", "South East"],
            "new_la_code": ["", "", "E10000016", "E10000030"],
            "old_la_code": ["", "", "886", "936"],
            "la_name": ["", "", "Kent", "Surrey"],
            "measure": "placement_2plus",
            "period": "During the year",
            "breakdown_topic": "Total",
            "breakdown": "Total",
            "number": ["10", "5", "2", "3"],
            "cohort": ["100", "50", "20", "30"],
            "percent": ["10.0", "10.0", "10.0", "10.0"],
        }
    )
    stability = PublishedTable("stability_measures", "t", "d", frame)
    compared = la_comparison(
        {"stability_measures": stability, "statistical_neighbours": neighbours}
    )
    kent = compared.frame[compared.frame["old_la_code"] == "886"]
    assert set(kent["neighbour_set"]) == {SETS["dfe"].label}
    assert "neighbour_set" in compared.columns


def test_the_synthetic_default_publishes_the_dfe_groups_everywhere(
    synthetic_build: SessionBuild,
) -> None:
    """On the synthetic default every LA's published neighbours are the DfE's, in order."""
    package = synthetic_build.package_dir
    public = public_list("statistical_neighbours.csv")
    public = public[public["section"] == "current"]
    published = pd.read_csv(
        package / "data" / "statistical_neighbours.csv", dtype=str, keep_default_na=False
    )
    assert published["old_la_code"].nunique() == 153
    for la, group in published.groupby("old_la_code"):
        expected = public[public["old_la_code"] == la]
        expected = expected.assign(rank=expected["sn_rank"].astype(int)).sort_values("rank")
        group = group.assign(rank=group["neighbour_rank"].astype(int)).sort_values("rank")
        assert group["neighbour_old_la_code"].tolist() == expected["sn_old_la_code"].tolist()
        assert group["closeness"].tolist() == expected["sn_closeness"].tolist()
    assert set(published["neighbour_set"]) == {SETS["dfe"].label}
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert SETS["dfe"].source() in descriptor["sources"]
    comparison = pd.read_csv(package / "data" / "la_comparison.csv", dtype=str)
    assert set(comparison["neighbour_set"]) == {SETS["dfe"].label}
    # The LA page names the version, links the source and shows each neighbour's closeness.
    kent = next((synthetic_build.site_dir / "la").glob("E10000016-*/index.html"))
    html = kent.read_text(encoding="utf-8")
    assert "DfE children&#x27;s services statistical neighbours, May 2025" in html or (
        "DfE children's services statistical neighbours, May 2025" in html
    )
    assert SETS["dfe"].path in html
    assert "Very close" in html and "Essex" in html


def test_an_unknown_basis_stops_the_build_before_any_work(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(
        app, ["build", "--neighbours", "ons", "--packages", str(tmp_path / "p"), "--no-site"]
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "--neighbours: neighbours 'ons' is not one of dfe, dfe-2021, computed" in output
    assert not (tmp_path / "p").exists()
