"""The figures behind key points: an area's headline measures this year and last, with intervals.

LA figures come from the LA's own extract (``source="la"``); England and region figures from
the package's national and regional rows (``source="package"``).
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from pipeline.measures.catalogue import MEASURES, SOURCES, provisional_needs
from pipeline.site.area_tables import AreaTables
from pipeline.site.key_points import Estimate, MeasureFigures
from pipeline.site.la_tables import MEASURE_ROW_KEY, LaExtract
from pipeline.site.package import DURING_THE_YEAR, HEADLINE_MEASURES, TOTAL

TOTAL_COLUMNS = [
    *MEASURE_ROW_KEY,
    "cohort",
    "number",
    "percent",
    "percent_lower_ci",
    "percent_upper_ci",
]


def totals_by_year(rows: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """One-year Total rows of ``stability_measures``, keyed by ``(time_period, measure)``."""
    rows = rows[
        (rows["period"] == DURING_THE_YEAR)
        & (rows["breakdown_topic"] == TOTAL)
        & (rows["breakdown"] == TOTAL)
    ]
    records = (dict(zip(TOTAL_COLUMNS, values, strict=True)) for values in rows_values(rows))
    return {(row["time_period"], row["measure"]): row for row in records}


def rows_values(rows: pd.DataFrame) -> zip:
    """The rows of ``rows[TOTAL_COLUMNS]`` as tuples of cells (faster than ``to_dict``)."""
    return zip(*(rows[column].tolist() for column in TOTAL_COLUMNS), strict=True)


def estimate(row: dict | None, source: str) -> Estimate:
    """An :class:`Estimate` of a Total row ('x' when there is no row)."""
    if row is None:
        return Estimate("x", source=source)
    return Estimate(row["percent"], row["percent_lower_ci"], row["percent_upper_ci"], source)


def area_estimates(areas: AreaTables, region_code: str | None, year: str) -> dict[str, Estimate]:
    """England's (``region_code`` None) or a region's headline estimates in ``year``."""
    totals = areas.headline_totals(region_code, year)
    return {
        measure: Estimate(row["percent"], row["percent_lower_ci"], row["percent_upper_ci"])
        for measure, row in totals.iterrows()
    }


def provisional_reason(measure: str, year: str, years: Collection[int]) -> str:
    """Why a one-year figure of ``year`` is provisional ('' when it is final).

    The package holds the returns of ``years``; a figure that needs a later return (the
    measures catalogue's rule: school moves wait for the next summer census) is provisional.
    """
    if measure not in MEASURES:
        return ""
    available = {source: years for source in SOURCES}
    needs = provisional_needs(measure, "1y", int(year), available)
    return "; ".join(need.describe(int(year)) for need in needs)


def package_years(areas: AreaTables) -> frozenset[int]:
    """The collection years the package holds."""
    return areas.years


def _measure_figures(
    totals: dict[tuple[str, str], dict],
    latest: str,
    years: Collection[int],
    source: str,
    comparators: list[tuple[str, dict[str, Estimate]]],
    neighbours: dict[str, str] | None = None,
) -> list[MeasureFigures]:
    """The headline figures of one area from its ``totals``, with the given comparators."""
    previous = str(int(latest) - 1)
    figures = []
    for measure in HEADLINE_MEASURES:
        now = totals.get((latest, measure))
        if now is None:
            continue
        figures.append(
            MeasureFigures(
                measure=measure,
                now=estimate(now, source),
                number=now["number"],
                cohort=now["cohort"],
                before=estimate(totals.get((previous, measure)), source),
                comparators=[
                    (label, values.get(measure, Estimate("x"))) for label, values in comparators
                ],
                neighbours="" if neighbours is None else neighbours.get(measure, "x"),
                provisional=provisional_reason(measure, latest, years),
            )
        )
    return figures


def region_figures(areas: AreaTables, region_code: str, latest: str) -> list[MeasureFigures]:
    """The headline figures of a region, compared with England."""
    previous = str(int(latest) - 1)
    rows = areas.stability_rows(region_code)
    totals = totals_by_year(rows[rows["time_period"].isin([latest, previous])])
    england = area_estimates(areas, None, latest)
    return _measure_figures(totals, latest, package_years(areas), "package", [("England", england)])


def la_figures(
    areas: AreaTables, extract: LaExtract, region_code: str, region_name: str, latest: str
) -> list[MeasureFigures]:
    """The headline figures of an LA, compared with England, its region and its neighbours."""
    totals = totals_by_year(extract.rows("stability_measures", TOTAL_COLUMNS))
    neighbour_rows = extract.rows(
        "la_comparison", ["time_period", "measure", "neighbour_average_percent"]
    )
    neighbour_rows = neighbour_rows[neighbour_rows["time_period"] == latest]
    neighbours = dict(
        zip(neighbour_rows["measure"], neighbour_rows["neighbour_average_percent"], strict=True)
    )
    comparators = [
        ("England", area_estimates(areas, None, latest)),
        (f"the {region_name} region", area_estimates(areas, region_code, latest)),
    ]
    return _measure_figures(
        totals, latest, package_years(areas), "la", comparators, neighbours=neighbours
    )
