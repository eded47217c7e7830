"""National and regional rows of the package tables, read once for the overview and regions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from pipeline.site.package import DURING_THE_YEAR, HEADLINE_MEASURES, TOTAL, SitePackage

NATIONAL = "National"
REGIONAL = "Regional"
LOCAL = "Local authority"
#: The ``stability_measures`` rows of England and the regions (``table_where``).
AREA_ROWS = f"geographic_level <> '{LOCAL}'"


def split_by_area(frame: pd.DataFrame) -> dict[str | None, pd.DataFrame]:
    """``frame``'s rows of England (key None) and of each region (key ``region_code``).

    Each part keeps the rows' order and index; regions without rows are absent.
    """
    parts: dict[str | None, pd.DataFrame] = {None: frame[frame["geographic_level"] == NATIONAL]}
    regional = frame[frame["geographic_level"] == REGIONAL]
    for code, part in regional.groupby("region_code", sort=False):
        parts[str(code)] = part
    return parts


@dataclass
class AreaTables:
    """Tables of England and its regions (and LA rows where a chart needs every LA).

    The rows of each area are split out once and kept: every page of an LA or region looks
    up the same few areas, and filtering the whole table each time was most of their cost.
    The frames returned are shared, so callers must not change them in place.
    """

    package: SitePackage
    _totals: dict[tuple[str | None, str], pd.DataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def stability(self) -> pd.DataFrame:
        """``stability_measures`` rows of England and the regions (every year and breakdown)."""
        return self.package.table_where("stability_measures", AREA_ROWS)

    @cached_property
    def time_series(self) -> pd.DataFrame:
        """The whole ``time_series`` table."""
        return self.package.table("time_series")

    @cached_property
    def la_comparison(self) -> pd.DataFrame:
        """``la_comparison`` rows of the latest year."""
        table = self.package.table("la_comparison")
        return table[table["time_period"] == self.package.latest_year]

    @cached_property
    def years(self) -> frozenset[int]:
        """The collection years the package holds (those of ``time_series``)."""
        return frozenset(int(year) for year in self.time_series["time_period"].unique())

    @cached_property
    def _stability_areas(self) -> dict[str | None, pd.DataFrame]:
        return split_by_area(self.stability)

    @cached_property
    def _series_areas(self) -> dict[str | None, pd.DataFrame]:
        return split_by_area(self.time_series)

    @staticmethod
    def _lookup(parts: dict[str | None, pd.DataFrame], region_code: str | None) -> pd.DataFrame:
        if region_code in parts:
            return parts[region_code]
        return parts[None].iloc[0:0]

    def stability_rows(self, region_code: str | None) -> pd.DataFrame:
        """``stability`` rows of England (``region_code`` None) or of one region."""
        return self._lookup(self._stability_areas, region_code)

    def headline_totals(self, region_code: str | None, year: str) -> pd.DataFrame:
        """One-year, Total-breakdown rows of the headline measures, indexed by measure."""
        key = (region_code, year)
        if key not in self._totals:
            rows = self.stability_rows(region_code)
            rows = rows[
                (rows["time_period"] == year)
                & (rows["period"] == DURING_THE_YEAR)
                & (rows["breakdown_topic"] == TOTAL)
                & (rows["breakdown"] == TOTAL)
                & (rows["measure"].isin(HEADLINE_MEASURES))
            ]
            self._totals[key] = rows.set_index("measure")
        return self._totals[key]

    def series(self, region_code: str | None) -> pd.DataFrame:
        """``time_series`` rows of one area."""
        return self._lookup(self._series_areas, region_code)
