"""``two_year_split`` and ``placement_moves_distribution`` (METHODS.md section 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.measures.schema import PERIODS, TOTAL
from pipeline.published import Filter, PublishedTable

from .cohort_cells import la_years, years_of
from .shares import count_items, publish_shares, share_indicators

#: Area label -> (first-year count column, second-year count column, needs the SW module).
SPLIT_AREAS: dict[str, tuple[str, str, bool]] = {
    "Placement moves": ("placement_moves_first_year", "placement_moves_second_year", False),
    "School moves": ("school_moves_first_year", "school_moves_second_year", False),
    "Social worker changes": ("sw_changes_first_year", "sw_changes_second_year", True),
}
#: The catalogue measure whose two-year figure each area's split shares the history of.
SPLIT_MEASURES = {
    "Placement moves": "placement_2plus",
    "School moves": "school_any",
    "Social worker changes": "sw_2plus",
}
SPLITS = ["No change", "First year only", "Second year only", "Both years"]
MOVE_BANDS = ["0", "1", "2 to 3", "4", "5 or more"]
#: Band of -1 (not counted), 0, 1, 2, 3, 4 and 5 or more moves.
BANDS_BY_COUNT = np.array([None, "0", "1", "2 to 3", "2 to 3", "4", "5 or more"], dtype=object)
DISTRIBUTION_PERIODS = ["1y", "2y", "3y", "4y"]


def _period_universe(
    children: pd.DataFrame,
    tables: InputTables,
    period: str,
    columns: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's rows (``LA``, ``YEAR`` and ``columns`` only) and its universe of LA-years."""
    rows = children.loc[(children["PERIOD"] == period).to_numpy(), ["LA", "YEAR", *columns]]
    universe = la_years(tables, period, rows)
    universe = universe[universe["YEAR"].isin(years_of(rows))]
    return rows, universe.reset_index(drop=True)


def split_labels(first: pd.Series, second: pd.Series) -> pd.Series:
    """Label each child ``No change`` / ``First year only`` / ``Second year only`` / ``Both years``.

    NA (the child is outside the area's cohort) where either count is NA.
    """
    a = first.to_numpy(dtype="float64", na_value=-1) > 0
    b = second.to_numpy(dtype="float64", na_value=-1) > 0
    code = a.astype(np.int64) + 2 * b.astype(np.int64)
    code[(first.isna() | second.isna()).to_numpy()] = 4
    names = np.array(["No change", "First year only", "Second year only", "Both years", None])
    return pd.Series(names.astype(object)[code], index=first.index)


def move_bands(moves: pd.Series) -> pd.Series:
    """Band a count of placement moves: ``0``, ``1``, ``2 to 3``, ``4``, ``5 or more`` (NA kept)."""
    values = moves.to_numpy(dtype="float64", na_value=-1)
    # Position in BANDS_BY_COUNT: -1 (NA or negative) -> None, 0 -> "0", ..., 5 or more.
    position = (np.clip(values, -1, 5) + 1).astype(np.int64)
    return pd.Series(BANDS_BY_COUNT[position], index=moves.index)


def two_year_split(children: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Children of the two-year cohort by when their changes happened, per area."""
    columns = [column for pair in SPLIT_AREAS.values() for column in pair[:2]]
    rows, universe = _period_universe(children, tables, "2y", columns)
    parts = []
    for area, (first, second, needs_sw) in SPLIT_AREAS.items():
        counted = count_items(rows, split_labels(rows[first], rows[second]), universe, SPLITS)
        counted = counted.merge(universe, on=["LA", "YEAR"])
        counted["available"] = counted["sw_ok"] if needs_sw else True
        parts.append(
            counted.drop(columns="sw_ok").assign(area=area).rename(columns={"item": "split"})
        )
    la_frame = pd.concat(parts, ignore_index=True)
    frame = publish_shares(
        la_frame,
        {"area": list(SPLIT_AREAS), "split": [TOTAL, *SPLITS]},
        "split",
        available="available",
    )
    return PublishedTable(
        name="two_year_split",
        title="Changes over two years: first year only, second year only or both",
        description=(
            "Children looked after at 31 March who were also looked after in the previous year "
            "(the two-year cohort), by whether their placement moves, school moves or social "
            "worker changes happened in the first year only, the second year only, both years "
            "or neither. The Total is the area's two-year cohort: all children for placement "
            "moves, children found in the school census for school moves, and children with a "
            "social worker in an LA that supplied the social worker module in both years for "
            "social worker changes (x where it did not; regional and national figures cover "
            "the LAs that supplied it)."
        ),
        frame=frame,
        filters=[
            Filter("area", "Area of change", "Placement, school or social worker", additive=False),
            Filter(
                "split",
                "When the changes happened",
                "The items add up to the Total (the area's two-year cohort)",
            ),
        ],
        indicators=share_indicators(
            "Children",
            "Children in the item",
            "100 x number / number in the Total item (of the area's two-year cohort)",
        ),
    )


def placement_moves_distribution(children: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Children by number of placement moves, over one to four years."""
    parts = []
    for period in DISTRIBUTION_PERIODS:
        rows, universe = _period_universe(children, tables, period, ["placement_moves"])
        if rows.empty or universe.empty:
            continue
        counted = count_items(rows, move_bands(rows["placement_moves"]), universe, MOVE_BANDS)
        parts.append(counted.assign(period=PERIODS[period]).rename(columns={"item": "moves"}))
    la_frame = pd.concat(parts, ignore_index=True)
    frame = publish_shares(
        la_frame,
        {
            "period": [PERIODS[p] for p in DISTRIBUTION_PERIODS],
            "moves": [TOTAL, *MOVE_BANDS],
        },
        "moves",
    )
    return PublishedTable(
        name="placement_moves_distribution",
        title="Children by number of placement moves over one to four years",
        description=(
            "Children looked after at 31 March by how many placement moves (changes of carer) "
            "they had during the year, or across two, three or four years ending on that date "
            "(the longer windows count children of the year cohort who were looked after in "
            "the first year of the window). The Total is the period's cohort."
        ),
        frame=frame,
        filters=[
            Filter("period", "Period", "The window the moves are counted over", additive=False),
            Filter("moves", "Placement moves", "Number of moves; the bands add up to the Total"),
        ],
        indicators=share_indicators(
            "Children",
            "Children in the item",
            "100 x number / number in the Total item (of the period's cohort)",
        ),
    )
