"""The website's view of the data package: the one strict reader plus page helpers.

The site's only input is a published package, opened with
:class:`pipeline.packaging.reader.DataPackage` (the reader the LA report uses too), here under
the name ``SitePackage``.
"""

from __future__ import annotations

import re
from typing import Protocol

import pandas as pd

# Re-exported for the pages: the one definition is the measures catalogue.
from pipeline.measures.catalogue import HEADLINE_MEASURES as HEADLINE_MEASURES
from pipeline.packaging.reader import DataPackage, PackageError, VersionInfo, read_csv_text

__all__ = [
    "DURING_THE_YEAR",
    "HEADLINE_MEASURES",
    "ONE_YEAR_TOTALS",
    "GeographyRow",
    "TOTAL",
    "PackageError",
    "RegionRow",
    "SitePackage",
    "VersionInfo",
    "read_csv_text",
    "rows_of",
    "slugify",
]

#: Filter values of a table's overall row (no breakdown).
TOTAL = "Total"
#: Period label of the one-year measures.
DURING_THE_YEAR = "During the year"
#: The ``stability_measures`` rows of one-year figures for all children (``table_where``);
#: pages ask with this one clause, so the big table is scanned for them once.
ONE_YEAR_TOTALS = f"period = '{DURING_THE_YEAR}' AND breakdown = '{TOTAL}'"
#: The site's name for the package reader.
SitePackage = DataPackage


class RegionRow(Protocol):
    """A row of :attr:`SitePackage.regions` as ``itertuples`` gives it."""

    region_code: str
    region_name: str
    region_slug: str


class GeographyRow(RegionRow, Protocol):
    """A row of :attr:`SitePackage.geography` (one LA) as ``itertuples`` gives it."""

    old_la_code: str
    new_la_code: str
    la_name: str
    slug: str
    page: str


def slugify(text: str) -> str:
    """Return a lower-case, hyphenated address part, e.g. ``north-east`` for ``North East``."""
    return "-".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def rows_of(extract: pd.DataFrame, table_name: str, columns: list[str]) -> pd.DataFrame:
    """The rows of one table in a per-LA extract, restricted to ``columns`` (all must exist)."""
    missing = [c for c in columns if c not in extract]
    if missing:
        raise PackageError(f"LA extract: table {table_name!r} lacks columns {missing}")
    return extract.loc[extract["table_name"] == table_name, columns].reset_index(drop=True)
