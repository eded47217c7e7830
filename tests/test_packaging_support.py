"""Small hand-made protected tables for the packaging tests (no tests in this module).

England, the South East and two of its LAs (Kent 886, Medway 887), two years. Medway's 2024
``Male`` number is suppressed (``c``, with its percent and the ``Female`` cells as secondary
suppression); Medway's social worker figures are ``x`` (module not supplied).
"""

from __future__ import annotations

import pandas as pd

from pipeline.packaging import ReleaseMetadata
from pipeline.published import EES_TIME_GEOGRAPHY_COLUMNS, Filter, Indicator, PublishedTable

YEARS = ["2023", "2024"]
AREAS = [
    ("National", "", "", "", "", ""),
    ("Regional", "E12000008", "South East", "", "", ""),
    ("Local authority", "E12000008", "South East", "886", "E10000016", "Kent"),
    ("Local authority", "E12000008", "South East", "887", "E06000035", "Medway"),
]
IDENTIFIER_COLUMNS = {"CHILD", "UPN", "DOB", "SW_ID", "HOME_POST", "PL_POST"}


def geo(year: str, area: tuple[str, ...]) -> dict[str, str]:
    """The EES time and geography cells of one area in one year."""
    level, rcode, rname, old, new, name = area
    values = [year, "Reporting year", level, "E92000001", "England", rcode, rname, old, new, name]
    return dict(zip(EES_TIME_GEOGRAPHY_COLUMNS, values, strict=True))


def stability_table() -> PublishedTable:
    """A ``stability_measures``-like table with a ``c`` and an ``x`` cell."""
    rows = []
    for year in YEARS:
        for area in AREAS:
            medway = area[3] == "887"
            for measure in ["placement_2plus", "sw_2plus"]:
                for topic, item, cohort, number in [
                    ("Total", "Total", 400, 40),
                    ("Gender", "Male", 220, 24),
                    ("Gender", "Female", 180, 16),
                ]:
                    percent = f"{100 * number / cohort:.6f}"
                    cells = [str(cohort), str(number), percent]
                    if medway and year == "2024" and item in {"Male", "Female"}:
                        cells = [str(cohort), "c", "c"]
                    if medway and measure == "sw_2plus":
                        cells = ["x", "x", "x"]
                    rows.append(
                        geo(year, area)
                        | {
                            "period": "During the year",
                            "measure": measure,
                            "breakdown_topic": topic,
                            "breakdown": item,
                        }
                        | dict(zip(["cohort", "number", "percent"], cells, strict=True))
                    )
    return PublishedTable(
        name="stability_measures",
        title="Stability measures",
        description="Children with each kind of change, by breakdown.",
        frame=pd.DataFrame(rows),
        filters=[
            Filter("period", "Period", "Time window of the measure", additive=False),
            Filter("measure", "Measure", "Code of the measure", additive=False),
            Filter("breakdown_topic", "Breakdown topic", "Characteristic"),
            Filter("breakdown", "Breakdown", "Category of the characteristic"),
        ],
        indicators=[
            Indicator("cohort", "Children in the cohort", dp=0, kind="count"),
            Indicator("number", "Children with the change", dp=0, kind="count"),
            Indicator(
                "percent",
                "Percentage of children with the change",
                unit="%",
                dp=0,
                kind="percent",
                numerator="number",
                denominator="cohort",
                field_type="number",
            ),
        ],
    )


def data_quality_table() -> PublishedTable:
    """A filter-less table with a text indicator."""
    rows = [
        geo(year, area)
        | {
            "children_looked_after": str(1000 + i),
            "sw_module_supplied": "No" if area[3] == "887" else ("Yes" if area[3] else "1"),
        }
        for year in YEARS
        for i, area in enumerate(AREAS)
    ]
    return PublishedTable(
        name="data_quality",
        title="Data quality",
        description="Cohort sizes and data supplied.",
        frame=pd.DataFrame(rows),
        indicators=[
            Indicator("children_looked_after", "Children looked after at 31 March", dp=0),
            Indicator(
                "sw_module_supplied",
                "Social worker module supplied",
                kind="text",
                field_type="string",
            ),
        ],
    )


def neighbours_table() -> PublishedTable:
    """A ``statistical_neighbours``-like table with descriptive extra columns."""
    rows = []
    for area, other in [(AREAS[2], AREAS[3]), (AREAS[3], AREAS[2])]:
        rows.append(
            geo("2024", area)
            | {
                "neighbour_rank": "1",
                "neighbour_old_la_code": other[3],
                "neighbour_new_la_code": other[4],
                "neighbour_la_name": other[5],
                "distance": "0.412000",
            }
        )
    return PublishedTable(
        name="statistical_neighbours",
        title="Statistical neighbours",
        description="The most similar LAs.",
        frame=pd.DataFrame(rows),
        filters=[Filter("neighbour_rank", "Neighbour rank", "1 = most similar", additive=False)],
        extra_columns=["neighbour_old_la_code", "neighbour_new_la_code", "neighbour_la_name"],
        indicators=[
            Indicator("distance", "Distance", dp=3, kind="rate", field_type="number"),
        ],
    )


def make_tables() -> dict[str, PublishedTable]:
    """Every hand-made table, keyed by name."""
    tables = [stability_table(), data_quality_table(), neighbours_table()]
    return {table.name: table for table in tables}


def make_metadata(**changes: object) -> ReleaseMetadata:
    """Synthetic release metadata for 2023-2024 with a fixed release date."""
    values: dict[str, object] = {
        "synthetic": True,
        "collection_years": [2023, 2024],
        "latest_year": 2024,
        "seed": 7,
        "scale": 0.01,
        "input_files": {"2024/episodes.csv": "ab" * 32},
        "suppression_markdown": "| table | c |\n|---|---|\n| stability_measures | 4 |",
        "headline_figures": [("Children with 2 or more placement moves, England", "10%")],
    }
    values.update(changes)
    return ReleaseMetadata.for_build(**values)  # type: ignore[arg-type]
