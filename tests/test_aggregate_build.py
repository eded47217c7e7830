"""build_tables end to end on a small hand-made England: every table, layout, no identifiers."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd
import pytest
from test_aggregate_children import Result, child, children_frame, input_tables

from pipeline.aggregate import build_tables, derive_comparisons
from pipeline.build import release_measures_children
from pipeline.geography import local_authorities
from pipeline.published import EES_TIME_GEOGRAPHY_COLUMNS

EXPECTED_TABLES = {
    "stability_measures",
    "two_year_split",
    "consecutive_years",
    "placement_moves_distribution",
    "placement_change_reasons",
    "social_worker_change_reasons",
    "case_mix",
    "case_mix_coefficients",
    "statistical_neighbours",
    "data_quality",
}


@pytest.fixture(scope="module")
def built() -> dict:
    rng = np.random.default_rng(3)
    las = local_authorities()["old_la_code"].tolist()[:12]
    rows = []
    for year in (2023, 2024):
        for la in las:
            for i in range(30):
                periods = ["1y"] if year == 2023 else ["1y", "2y", "consecutive"]
                for period in periods:
                    rows.append(
                        child(
                            la,
                            i,
                            year=year,
                            period=period,
                            placement_2plus=bool(rng.random() < 0.15),
                            school_midyear=bool(rng.random() < 0.1),
                            placement_moves=int(rng.integers(0, 6)),
                            gender=str(rng.choice(["Male", "Female"])),
                        )
                    )
    children = children_frame(rows)
    context = pd.DataFrame({"LA_CODE": las, "density": rng.normal(size=len(las))})
    la_years = [(la, y) for la in las for y in (2023, 2024)]
    tables = input_tables(
        la_years, sw_supplied={p for p in la_years if p[0] != las[0]}, la_context=context
    )
    result = Result(children)
    built = build_tables(result, tables, None, release=partial(release_measures_children, result))
    built["_child_ids"] = set(children["CHILD"])
    built["_released"] = result.children
    built["_unreleased"] = build_tables(Result(children), tables, None)
    return built


def _tables(built: dict) -> dict:
    return {name: table for name, table in built.items() if not name.startswith("_")}


def test_every_table_with_its_declared_columns(built: dict) -> None:
    assert set(_tables(built)) == EXPECTED_TABLES
    for name, table in _tables(built).items():
        assert table.name == name
        assert list(table.frame.columns) == table.columns, name
        assert table.description and table.title
        for indicator in table.indicators:
            assert indicator.kind in {"count", "percent", "rate", "text"}
        key = table.frame[table.primary_key]
        assert not key.duplicated().any(), name


def test_no_child_identifier_and_geography_filled(built: dict) -> None:
    child_ids = built["_child_ids"]
    for table in _tables(built).values():
        cells = set(np.unique(table.frame.astype(str).to_numpy()))
        assert not cells & child_ids
        assert not {"CHILD", "UPN", "DOB", "SW_ID"} & set(table.frame.columns)
        la_rows = table.frame[table.frame["geographic_level"] == "Local authority"]
        assert (la_rows["new_la_code"].str.len() == 9).all()
        national = table.frame[table.frame["geographic_level"] == "National"]
        assert (national[["region_code", "old_la_code"]] == "").all().all()
        assert list(table.frame.columns[:10]) == EES_TIME_GEOGRAPHY_COLUMNS


def test_derived_tables_from_string_cells(built: dict) -> None:
    protected = {
        name: replace(table, frame=table.frame.astype(str))
        for name, table in _tables(built).items()
    }
    derived = derive_comparisons(protected)
    comparison = derived["la_comparison"].frame
    assert set(comparison["measure"]) >= {"placement_2plus", "sw_2plus"}
    assert (comparison["neighbours_with_data"].astype(int) <= 10).all()
    first_la = comparison[comparison["measure"] == "sw_2plus"].iloc[0]
    assert first_la["percent"] == "x" and first_la["rank_among_las"] == "x"


def test_child_level_table_released_once_compacted_changes_nothing(built: dict) -> None:
    """The build lets the measures' child-level table go once aggregation has its compact
    copy (``release``): the table is emptied and every table is the same as without it."""
    assert built["_released"].empty
    assert "placement_2plus" in built["_released"].columns
    for name, table in built["_unreleased"].items():
        pd.testing.assert_frame_equal(built[name].frame, table.frame, obj=name)
