"""Comparison of the LA's own figures with a published Stability Index data package.

Everything taken from the package is a published cell (a number or a symbol such as ``c``):
nothing is recomputed from suppressed values, and the neighbours' average uses only the
neighbours whose percentage is published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.geography import la_lookup
from pipeline.measures.catalogue import HEADLINE_MEASURES, PERIODS
from pipeline.packaging.reader import DataPackage, PackageError
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, LEVEL_REGIONAL

#: Tables of the package the comparison reads (docs/contracts.md section 5).
PACKAGE_TABLES = ["stability_measures", "statistical_neighbours", "geography"]
#: Columns of ``stability_measures`` the comparison reads.
STABILITY_COLUMNS = (
    "time_period",
    "geographic_level",
    "region_code",
    "old_la_code",
    "period",
    "measure",
    "breakdown",
    "percent",
)
COMPARISON_COLUMNS = [
    "year",
    "measure",
    "la_published_percent",
    "region_percent",
    "england_percent",
    "neighbour_average_percent",
    "neighbours_with_data",
]


def read_package(folder: Path) -> DataPackage:
    """Open a published package version folder for the comparison; raise :class:`PackageError`.

    The package is opened with the strict reader, then the tables the comparison reads must be
    there with the columns it uses.
    """
    package = DataPackage.open(Path(folder))
    missing = [name for name in PACKAGE_TABLES if not package.has_table(name)]
    if missing:
        raise PackageError(
            f"{folder} is not a Stability Index data package version folder: missing "
            + ", ".join(f"data/{name}.csv" for name in missing)
            + " (give e.g. datapackages/stability-index/1.0.0/)"
        )
    package.table("stability_measures", STABILITY_COLUMNS)
    return package


def headline_rows(package: DataPackage) -> pd.DataFrame:
    """The one-year, whole-cohort rows of the headline measures (cells as published)."""
    stability = package.table("stability_measures", STABILITY_COLUMNS)
    return stability[
        (stability["period"] == PERIODS["1y"])
        & (stability["breakdown"] == "Total")
        & stability["measure"].isin(HEADLINE_MEASURES)
    ].reset_index(drop=True)


def region_of(package: DataPackage, la: str) -> tuple[str, str]:
    """``(region_code, region_name)`` of the LA: from the package, else the built-in table."""
    geography = package.table("geography", ("old_la_code", "region_code", "region_name"))
    rows = geography[geography["old_la_code"] == la]
    if len(rows):
        return str(rows.iloc[0]["region_code"]), str(rows.iloc[0]["region_name"])
    known = la_lookup()[la]
    return known["region_code"], known["region_name"]


def neighbour_codes(package: DataPackage, la: str) -> list[str]:
    """The LA's statistical neighbours in the package (latest year published), by rank."""
    neighbours = package.table("statistical_neighbours")
    rows = neighbours[neighbours["old_la_code"] == la]
    if rows.empty:
        return []
    latest = rows["time_period"].astype(int).max()
    rows = rows[rows["time_period"].astype(int) == latest]
    rows = rows.assign(rank=rows["neighbour_rank"].astype(int)).sort_values("rank")
    return rows["neighbour_old_la_code"].tolist()


def _as_number(cells: pd.Series) -> pd.Series:
    """Published cells as floats; symbols (``c``, ``x``, ``z``, ...) become NaN."""
    return pd.to_numeric(cells, errors="coerce")


def compare_with_package(package: DataPackage, la: str, years: list[int]) -> pd.DataFrame:
    """Published comparators of the LA for each headline measure and year in ``years``.

    Columns :data:`COMPARISON_COLUMNS`: the LA's own published cell (text, blank when the package
    lacks the year), the region and England cells (text, as published), the average of the
    neighbours' published percentages (float, NaN when none is published) and how many of the
    neighbours that average uses.
    """
    stability = headline_rows(package)
    region_code, _ = region_of(package, la)
    neighbours = neighbour_codes(package, la)
    key = ["time_period", "measure"]

    def cells(rows: pd.DataFrame, name: str) -> pd.DataFrame:
        return rows[[*key, "percent"]].rename(columns={"percent": name})

    level = stability["geographic_level"]
    own = cells(stability[(level == LEVEL_LA) & (stability["old_la_code"] == la)], "la")
    region = cells(
        stability[(level == LEVEL_REGIONAL) & (stability["region_code"] == region_code)], "region"
    )
    england = cells(stability[level == LEVEL_NATIONAL], "england")
    near = stability[(level == LEVEL_LA) & stability["old_la_code"].isin(neighbours)]
    near = near.assign(value=_as_number(near["percent"]))
    average = (
        near.groupby(key)["value"]
        .agg(neighbour_average_percent="mean", neighbours_with_data="count")
        .reset_index()
    )
    grid = pd.DataFrame(
        [(str(year), measure) for year in years for measure in HEADLINE_MEASURES], columns=key
    )
    merged = grid
    for part in (own, region, england, average):
        merged = merged.merge(part, on=key, how="left")
    merged["neighbours_with_data"] = merged["neighbours_with_data"].fillna(0).astype("int64")
    merged = merged.rename(
        columns={
            "time_period": "year",
            "la": "la_published_percent",
            "region": "region_percent",
            "england": "england_percent",
        }
    )
    merged["year"] = merged["year"].astype(int)
    for column in ("la_published_percent", "region_percent", "england_percent"):
        merged[column] = merged[column].fillna("")
    return merged[COMPARISON_COLUMNS]
