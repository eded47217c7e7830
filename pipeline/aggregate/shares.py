"""Tables of counts split into items that add up to a ``Total`` item, with percent of Total.

Used by ``two_year_split``, ``placement_moves_distribution`` and the reasons tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.measures.schema import TOTAL
from pipeline.published import Indicator, percent_indicator

from .cohort_cells import universe_positions, with_symbols
from .rollup import LAS_WITH_DATA, add_ees_columns, roll_up, sort_rows


def count_items(
    keys: pd.DataFrame,
    items: pd.Series,
    universe: pd.DataFrame,
    order: Sequence[str],
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Count rows (or sum ``weights``) per ``LA, YEAR, item``, with a ``Total`` item.

    ``keys`` holds ``LA`` and ``YEAR`` for each row; rows whose item is NA are not counted.
    Every LA-year of ``universe`` gets every item of ``order`` (zeros included), in universe
    order then ``Total`` and ``order``; rows of an LA-year outside ``universe`` are not counted.
    An item outside ``order`` raises ``ValueError``. Returns ``LA, YEAR, item, number``.
    """
    order = list(order)
    codes, values = pd.factorize(items)
    values = list(np.asarray(values, dtype=object))
    unknown = sorted(set(values) - set(order))
    if unknown:
        raise ValueError(f"items outside the published list {order}: {unknown}")
    # Slot 0 of each LA-year is the Total; item i of ``order`` is slot i + 1.
    slot = np.array([order.index(value) + 1 for value in values] + [-1], dtype=np.int64)[codes]
    row = universe_positions(keys["LA"], keys["YEAR"], universe)
    counted = (slot > 0) & (row >= 0)
    width = len(order) + 1
    summed = np.bincount(
        row[counted] * width + slot[counted],
        weights=None if weights is None else weights.to_numpy(dtype="int64")[counted],
        minlength=len(universe) * width,
    ).reshape(len(universe), width)
    number = summed.astype("int64")
    number[:, 0] = number[:, 1:].sum(axis=1)
    labels = np.array([TOTAL, *order], dtype=object)
    return pd.DataFrame(
        {
            "LA": pd.Series(
                np.repeat(universe["LA"].to_numpy(), width), dtype=universe["LA"].dtype
            ),
            "YEAR": np.repeat(universe["YEAR"].to_numpy(dtype="int64"), width),
            "item": pd.Series(np.tile(labels, len(universe)), dtype="str"),
            "number": number.ravel(),
        }
    )


def publish_shares(
    la_frame: pd.DataFrame,
    filters: dict[str, Sequence[str]],
    share_filter: str,
    available: str | None = None,
) -> pd.DataFrame:
    """Roll ``number`` up to regions and England and add ``percent`` of the ``Total`` item.

    ``la_frame`` holds ``LA, YEAR``, the filter columns (keys of ``filters``, mapped to their
    display order), ``number`` and optionally a boolean ``available`` column (False gives ``x``
    in every indicator of that LA row, and the LA is left out of the sums). ``percent`` is
    ``z`` where the Total is 0. Returns the frame in EES layout, sorted.
    """
    keys = list(filters)
    rolled = roll_up(la_frame, keys, ["number"], available=available)
    group = [c for c in ["geographic_level", "region_code", "old_la_code", "YEAR", *keys]]
    group.remove(share_filter)
    totals = rolled[rolled[share_filter] == TOTAL][[*group, "number"]]
    rolled = rolled.merge(totals.rename(columns={"number": "_total"}), on=group, how="left")
    not_available = (rolled[LAS_WITH_DATA] == 0).to_numpy()
    total = rolled["_total"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = pd.Series(
            np.where(total > 0, 100.0 * rolled["number"].to_numpy(dtype=float) / total, np.nan)
        )
    out = rolled.drop(columns=["_total", LAS_WITH_DATA])
    out["number"] = with_symbols(rolled["number"], not_available)
    out["percent"] = with_symbols(percent, not_available, total == 0)
    return sort_rows(add_ees_columns(out), filters)


def share_indicators(
    what: str, number_description: str, percent_description: str
) -> list[Indicator]:
    """The ``number`` and ``percent`` (of the ``Total`` item) indicators of a shares table."""
    return [
        Indicator("number", what, kind="count", description=number_description),
        percent_indicator("percent", "Percentage", percent_description, dp=0, denominator=None),
    ]
