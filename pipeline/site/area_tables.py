"""National and regional rows of the package tables, read once for the overview and regions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from pipeline.site.package import DURING_THE_YEAR, HEADLINE_MEASURES, TOTAL, SitePackage

NATIONAL = "National"
REGIONAL = "Regional"
LOCAL = "Local authority"


@dataclass
class AreaTables:
    """Tables of England and its regions (and LA rows where a chart needs every LA)."""

    package: SitePackage

    @cached_property
    def stability(self) -> pd.DataFrame:
        """``stability_measures`` rows of England and the regions (every year and breakdown)."""
        return self.package.table_where("stability_measures", f"geographic_level <> '{LOCAL}'")

    @cached_property
    def time_series(self) -> pd.DataFrame:
        """The whole ``time_series`` table."""
        return self.package.table("time_series")

    @cached_property
    def la_comparison(self) -> pd.DataFrame:
        """``la_comparison`` rows of the latest year."""
        table = self.package.table("la_comparison")
        return table[table["time_period"] == self.package.latest_year]

    def area_rows(self, frame: pd.DataFrame, region_code: str | None) -> pd.DataFrame:
        """Rows of England (``region_code`` None) or of one region."""
        if region_code is None:
            return frame[frame["geographic_level"] == NATIONAL]
        return frame[
            (frame["geographic_level"] == REGIONAL) & (frame["region_code"] == region_code)
        ]

    def headline_totals(self, region_code: str | None, year: str) -> pd.DataFrame:
        """One-year, Total-breakdown rows of the headline measures, indexed by measure."""
        rows = self.area_rows(self.stability, region_code)
        rows = rows[
            (rows["time_period"] == year)
            & (rows["period"] == DURING_THE_YEAR)
            & (rows["breakdown_topic"] == TOTAL)
            & (rows["breakdown"] == TOTAL)
            & (rows["measure"].isin(HEADLINE_MEASURES))
        ]
        return rows.set_index("measure")

    def series(self, region_code: str | None) -> pd.DataFrame:
        """``time_series`` rows of one area."""
        return self.area_rows(self.time_series, region_code)
