"""Comparison of the LA's own figures with a published Stability Index data package.

Everything taken from the package is a published cell (a number or a symbol such as ``c``):
nothing is recomputed from suppressed values, and the neighbours' average uses only the
neighbours whose percentage is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.geography import la_lookup
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, LEVEL_REGIONAL
from pipeline.self_service.figures import HEADLINE_MEASURES, ONE_YEAR

#: Files of the package the comparison reads (docs/contracts.md section 5).
PACKAGE_FILES = [
    "datapackage.json",
    "data/stability_measures.csv",
    "data/statistical_neighbours.csv",
    "data/geography.csv",
]
COMPARISON_COLUMNS = [
    "year",
    "measure",
    "la_published_percent",
    "region_percent",
    "england_percent",
    "neighbour_average_percent",
    "neighbours_with_data",
]


class PackageError(ValueError):
    """The comparison package cannot be used (the message names the file and the problem)."""


@dataclass
class PublishedPackage:
    """The parts of a published data package the LA report compares with.

    Attributes:
        folder: the version folder read.
        title, version, created: from ``datapackage.json``, for the citation.
        synthetic: True when the package was built from synthetic data.
        stability: the ``stability_measures`` rows of one-year, whole-cohort headline figures
            (all cells as text, as published).
        neighbours: ``statistical_neighbours`` (text).
        geography: ``geography.csv`` (text).
    """

    folder: Path
    title: str
    version: str
    created: str
    synthetic: bool
    stability: pd.DataFrame
    neighbours: pd.DataFrame
    geography: pd.DataFrame

    def citation(self) -> str:
        """How the report cites the package: title, version and date created."""
        return f"{self.title}, version {self.version} (data package created {self.created})"


def read_package(folder: Path) -> PublishedPackage:
    """Read the files of a published package version folder; raise :class:`PackageError`."""
    folder = Path(folder)
    missing = [name for name in PACKAGE_FILES if not (folder / name).is_file()]
    if missing:
        raise PackageError(
            f"{folder} is not a Stability Index data package version folder: missing "
            + ", ".join(missing)
            + " (give e.g. datapackages/stability-index/1.0.0/)"
        )
    try:
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PackageError(f"{folder / 'datapackage.json'}: not valid JSON ({error})") from error
    for key in ("title", "version", "created"):
        if not descriptor.get(key):
            raise PackageError(f"{folder / 'datapackage.json'}: the property {key!r} is missing")

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / name, dtype=str, keep_default_na=False)

    stability = read("data/stability_measures.csv")
    needed = {"time_period", "geographic_level", "period", "measure", "breakdown", "percent"}
    if not needed <= set(stability.columns):
        absent = ", ".join(sorted(needed - set(stability.columns)))
        raise PackageError(f"{folder / 'data/stability_measures.csv'}: missing columns {absent}")
    stability = stability[
        (stability["period"] == ONE_YEAR)
        & (stability["breakdown"] == "Total")
        & stability["measure"].isin(HEADLINE_MEASURES)
    ].reset_index(drop=True)
    return PublishedPackage(
        folder=folder,
        title=str(descriptor["title"]),
        version=str(descriptor["version"]),
        created=str(descriptor["created"]),
        synthetic=bool(descriptor.get("synthetic", False)),
        stability=stability,
        neighbours=read("data/statistical_neighbours.csv"),
        geography=read("data/geography.csv"),
    )


def region_of(package: PublishedPackage, la: str) -> tuple[str, str]:
    """``(region_code, region_name)`` of the LA: from the package, else the built-in table."""
    rows = package.geography[package.geography["old_la_code"] == la]
    if len(rows):
        return str(rows.iloc[0]["region_code"]), str(rows.iloc[0]["region_name"])
    known = la_lookup()[la]
    return known["region_code"], known["region_name"]


def neighbour_codes(package: PublishedPackage, la: str) -> list[str]:
    """The LA's statistical neighbours in the package (latest year published), by rank."""
    rows = package.neighbours[package.neighbours["old_la_code"] == la]
    if rows.empty:
        return []
    latest = rows["time_period"].astype(int).max()
    rows = rows[rows["time_period"].astype(int) == latest]
    rows = rows.assign(rank=rows["neighbour_rank"].astype(int)).sort_values("rank")
    return rows["neighbour_old_la_code"].tolist()


def _as_number(cells: pd.Series) -> pd.Series:
    """Published cells as floats; symbols (``c``, ``x``, ``z``, ...) become NaN."""
    return pd.to_numeric(cells, errors="coerce")


def compare_with_package(package: PublishedPackage, la: str, years: list[int]) -> pd.DataFrame:
    """Published comparators of the LA for each headline measure and year in ``years``.

    Columns :data:`COMPARISON_COLUMNS`: the LA's own published cell (text, blank when the package
    lacks the year), the region and England cells (text, as published), the average of the
    neighbours' published percentages (float, NaN when none is published) and how many of the
    neighbours that average uses.
    """
    stability = package.stability
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
