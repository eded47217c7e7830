"""England's geography for the index: the 153 local authorities and their 9 regions.

The table ships with the package (``pipeline/data/geography.csv``); see
``pipeline/data/SOURCES.md`` for where its codes and calibration figures come from.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

COUNTRY_CODE = "E92000001"
COUNTRY_NAME = "England"

GEOGRAPHY_COLUMNS = [
    "old_la_code",
    "new_la_code",
    "la_name",
    "slug",
    "region_code",
    "region_name",
    "children_looked_after_2024",
    "pct_3plus_placements_average",
]


@cache
def _load() -> pd.DataFrame:
    with (
        resources.files("pipeline.data").joinpath("geography.csv").open("r", encoding="utf-8") as f
    ):
        table = pd.read_csv(
            f,
            dtype={
                "old_la_code": str,
                "new_la_code": str,
                "la_name": str,
                "slug": str,
                "region_code": str,
                "region_name": str,
            },
        )
    return table[GEOGRAPHY_COLUMNS]


def local_authorities() -> pd.DataFrame:
    """Return the 153 local authorities, sorted by DfE 3-digit code (a fresh copy)."""
    return _load().copy()


def regions() -> pd.DataFrame:
    """Return the 9 regions (``region_code``, ``region_name``), sorted by code."""
    table = _load()[["region_code", "region_name"]].drop_duplicates()
    return table.sort_values("region_code").reset_index(drop=True)


def la_lookup() -> dict[str, dict[str, str]]:
    """Map each DfE 3-digit LA code to its names, ONS code, slug and region."""
    table = _load()
    return {
        row.old_la_code: {
            "new_la_code": row.new_la_code,
            "la_name": row.la_name,
            "slug": row.slug,
            "region_code": row.region_code,
            "region_name": row.region_name,
        }
        for row in table.itertuples(index=False)
    }


def la_page_path(old_la_code: str) -> str:
    """Return the stable site address of an LA page, e.g. ``la/E10000016-kent/``."""
    info = la_lookup()[old_la_code]
    return f"la/{info['new_la_code']}-{info['slug']}/"


def region_slug(region_name: str) -> str:
    """Return the address part of a region page, e.g. ``north-east``."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in region_name.lower()).split())
