"""Small hand-made published tables for the disclosure tests (and a check of the builder).

Areas are written ``E`` (England), ``R1`` (a region) and ``R1/101`` (LA 101 in region R1).
"""

from __future__ import annotations

import pandas as pd

from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    TIME_IDENTIFIER,
    Filter,
    Indicator,
    PublishedTable,
)

COUNT = Indicator("number", "Number of children", kind="count")


def area_columns(area: str, time_period: str = "2024") -> dict[str, str]:
    """The EES time and geography columns of one area code."""
    row = {
        "time_period": time_period,
        "time_identifier": TIME_IDENTIFIER,
        "geographic_level": LEVEL_NATIONAL,
        "country_code": "E92000001",
        "country_name": "England",
        "region_code": "",
        "region_name": "",
        "old_la_code": "",
        "new_la_code": "",
        "la_name": "",
    }
    if area == "E":
        return row
    region, _, la = area.partition("/")
    row.update(region_code=region, region_name=f"Region {region}")
    if not la:
        row["geographic_level"] = LEVEL_REGIONAL
        return row
    row.update(geographic_level=LEVEL_LA, old_la_code=la, new_la_code=f"E0{la}", la_name=f"LA {la}")
    return row


def make_table(
    name: str,
    records: list[tuple[str, dict[str, str], dict[str, object]]],
    filters: list[Filter],
    indicators: list[Indicator],
) -> PublishedTable:
    """A table from ``(area, filter items, indicator values)`` records."""
    rows = [area_columns(area) | items | values for area, items, values in records]
    columns = EES_TIME_GEOGRAPHY_COLUMNS + [f.name for f in filters] + [i.name for i in indicators]
    frame = pd.DataFrame(rows, columns=columns)
    return PublishedTable(name, name.replace("_", " "), "test table", frame, filters, indicators)


def breakdown_table(
    counts: dict[str, dict[str, int | str]], name: str = "breakdowns"
) -> PublishedTable:
    """One count per area and breakdown item (the ``Total`` item must be given)."""
    records = [
        (area, {"breakdown": item}, {"number": value})
        for area, items in counts.items()
        for item, value in items.items()
    ]
    return make_table(name, records, [Filter("breakdown", "Breakdown")], [COUNT])


def grid_table(
    cells: dict[tuple[str, str], int], categories: list[str], name: str = "grid"
) -> PublishedTable:
    """LA x category counts, with every region, England and ``Total`` item summed."""
    las = sorted({la for la, _ in cells})
    regions = sorted({la.split("/")[0] for la in las})
    value: dict[tuple[str, str], int] = dict(cells)
    for la in las:
        value[(la, "Total")] = sum(cells[(la, c)] for c in categories)
    for item in [*categories, "Total"]:
        for region in regions:
            value[(region, item)] = sum(value[(la, item)] for la in las if la.startswith(region))
        value[("E", item)] = sum(value[(r, item)] for r in regions)
    areas = ["E", *regions, *las]
    return breakdown_table(
        {a: {i: value[(a, i)] for i in ["Total", *categories]} for a in areas}, name=name
    )


def cell(table: PublishedTable, area: str, column: str = "number", **items: str) -> object:
    """The value of one cell, found by area and filter items."""
    frame = table.frame
    where = pd.Series(True, index=frame.index)
    for key, value in (area_columns(area) | items).items():
        if key in frame.columns:
            where &= frame[key] == value
    found = frame.loc[where, column]
    assert len(found) == 1, f"{len(found)} rows match {area} {items}"
    return found.iloc[0]


def test_grid_table_adds_regions_england_and_totals() -> None:
    table = grid_table(
        {("R1/101", "A"): 3, ("R1/101", "B"): 4, ("R2/201", "A"): 10, ("R2/201", "B"): 0},
        ["A", "B"],
    )
    assert cell(table, "E", breakdown="Total") == 17
    assert cell(table, "R1", breakdown="B") == 4
    assert cell(table, "R2/201", breakdown="Total") == 10
    assert len(table.frame) == 5 * 3
    assert table.frame.loc[0, "geographic_level"] == LEVEL_NATIONAL
