"""England / region / LA roll-up and the EES time and geography columns of every table.

Every table is first counted at LA level (one row per ``LA x YEAR x filters``); regional and
national rows are sums over LAs, so England = sum of regions = sum of LAs. A count that is not
available for an LA (the social worker module was not supplied) is left out of the sums: the
regional and national figures then cover the LAs with data, and additivity holds over the LAs
whose cells are not ``x``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline import geography
from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    TIME_IDENTIFIER,
)

LEVEL_ORDER = {LEVEL_NATIONAL: 0, LEVEL_REGIONAL: 1, LEVEL_LA: 2}
#: Column of a roll-up frame counting the LAs that contributed to a row.
LAS_WITH_DATA = "las_with_data"


class UnknownLocalAuthorityError(ValueError):
    """An LA code in the data is not one of England's 153 LAs (see ``pipeline.geography``)."""


@cache
def _la_table() -> pd.DataFrame:
    table = geography.local_authorities()
    return table[["old_la_code", "new_la_code", "la_name", "region_code", "region_name"]]


def region_of(la_codes: pd.Series) -> pd.Series:
    """Return the region code of each LA code; raise for a code not in the geography table.

    Each distinct code is looked up once (the LA column of a roll-up has a million rows).
    """
    lookup = _la_table().set_index("old_la_code")["region_code"]
    positions, distinct = pd.factorize(la_codes)
    distinct_regions = pd.Series(np.asarray(distinct, dtype=object)).map(lookup)
    if distinct_regions.isna().any() or (positions < 0).any():
        regions = la_codes.map(lookup)
        unknown = sorted(set(la_codes[regions.isna()].astype(str)))
        raise UnknownLocalAuthorityError(
            f"LA codes not in pipeline/data/geography.csv: {', '.join(unknown)}"
        )
    return pd.Series(
        distinct_regions.to_numpy()[positions], index=la_codes.index, dtype=distinct_regions.dtype
    )


def group_numbers(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Number each row's combination of ``columns`` 0, 1, ... in order of first appearance.

    NA is a value of its own (as in ``groupby(dropna=False)``); works on integer codes, so it
    is fast on text and categorical columns alike.
    """
    numbers = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        codes, distinct = pd.factorize(frame[column], use_na_sentinel=False)
        numbers, _ = pd.factorize(numbers * max(len(distinct), 1) + codes)
    return numbers.astype(np.int64)


def _sum_groups(
    frame: pd.DataFrame, group: list[str], counts: list[str], ok: np.ndarray
) -> pd.DataFrame:
    """One row per distinct ``group`` (in order of first appearance) with ``counts`` and
    ``las_with_data`` summed over the rows where ``ok`` (0 when there are none), as int64."""
    numbers = group_numbers(frame, group)
    size = int(numbers.max()) + 1 if len(numbers) else 0
    _, first = np.unique(numbers, return_index=True)
    out = frame[group].iloc[first].reset_index(drop=True)
    for column in [*counts, LAS_WITH_DATA]:
        values = frame[column].to_numpy(dtype="float64", na_value=0.0)
        out[column] = np.bincount(
            numbers, weights=np.where(ok, values, 0.0), minlength=size
        ).astype("int64")
    return out


def roll_up(
    la_frame: pd.DataFrame,
    keys: Sequence[str],
    counts: Sequence[str],
    available: str | None = None,
) -> pd.DataFrame:
    """Add regional and national rows that sum the LA rows' ``counts``.

    ``la_frame`` has ``LA``, ``YEAR``, the filter ``keys`` and the ``counts``. When ``available``
    names a boolean column, rows where it is False are left out of the sums (and keep their own
    values on the LA row). Returns one frame with ``geographic_level``, ``region_code``,
    ``old_la_code`` (blank where not applicable), ``YEAR``, the keys, the counts and
    ``las_with_data`` (1 or 0 on LA rows; the number of contributing LAs on higher levels).
    """
    frame = la_frame.copy()
    frame["region_code"] = region_of(frame["LA"]).to_numpy()
    ok = frame[available].astype(bool) if available else pd.Series(True, index=frame.index)
    frame[LAS_WITH_DATA] = ok.astype("int64")
    keys = list(keys)
    counts = list(counts)
    regional = _sum_groups(frame, ["YEAR", "region_code", *keys], counts, ok.to_numpy())
    national = _sum_groups(frame, ["YEAR", *keys], counts, ok.to_numpy())
    la_rows = frame.rename(columns={"LA": "old_la_code"})
    la_rows["geographic_level"] = LEVEL_LA
    regional["geographic_level"] = LEVEL_REGIONAL
    regional["old_la_code"] = ""
    national["geographic_level"] = LEVEL_NATIONAL
    national["region_code"] = ""
    national["old_la_code"] = ""
    columns = ["geographic_level", "region_code", "old_la_code", "YEAR", *keys]
    columns += [*counts, LAS_WITH_DATA]
    if available:
        la_rows = la_rows.drop(columns=[available])
    return pd.concat([national[columns], regional[columns], la_rows[columns]], ignore_index=True)


def add_ees_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Replace ``YEAR``/``geographic_level``/``region_code``/``old_la_code`` by the EES columns.

    Fills codes and names from ``pipeline.geography``; columns of a level that does not apply
    to a row are blank strings. The EES columns come first, in their published order.
    """
    las = _la_table().set_index("old_la_code")
    regions = geography.regions().set_index("region_code")["region_name"]
    out = pd.DataFrame(index=frame.index)
    out["time_period"] = frame["YEAR"].astype(int).astype(str)
    out["time_identifier"] = TIME_IDENTIFIER
    out["geographic_level"] = frame["geographic_level"].to_numpy()
    out["country_code"] = geography.COUNTRY_CODE
    out["country_name"] = geography.COUNTRY_NAME
    is_la = frame["geographic_level"] == LEVEL_LA
    region_code = frame["region_code"].where(~is_la, frame["old_la_code"].map(las["region_code"]))
    out["region_code"] = region_code.fillna("").astype(str)
    out["region_name"] = region_code.map(regions).fillna("").astype(str)
    out["old_la_code"] = frame["old_la_code"].where(is_la, "").astype(str)
    out["new_la_code"] = out["old_la_code"].map(las["new_la_code"]).fillna("").astype(str)
    out["la_name"] = out["old_la_code"].map(las["la_name"]).fillna("").astype(str)
    rest = frame.drop(columns=["YEAR", "geographic_level", "region_code", "old_la_code"])
    return pd.concat([out, rest], axis=1)[EES_TIME_GEOGRAPHY_COLUMNS + list(rest.columns)]


def map_distinct(values: pd.Series, mapping: Mapping[Any, Any]) -> np.ndarray:
    """``values.map(mapping).to_numpy()``, looking each distinct value up once (NaN if absent)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    mapped = pd.Series(np.asarray(distinct, dtype=object)).map(mapping).to_numpy()
    return mapped[codes]


def sort_rows(frame: pd.DataFrame, filter_orders: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Sort by time, level, region and LA code, then each filter in its display order.

    A stable sort on integer ranks (each key's distinct values ranked once), so text keys are
    never compared row by row.
    """
    is_la = (frame["geographic_level"] == LEVEL_LA).to_numpy()
    level = pd.Series(map_distinct(frame["geographic_level"], LEVEL_ORDER), dtype="float64")
    keys = [
        _ranks(frame["time_period"], int),
        level.fillna(np.inf).to_numpy(),
        _ranks(frame["region_code"].where(~is_la, "")),
        _ranks(frame["old_la_code"]),
    ]
    for name, order in filter_orders.items():
        position = {item: i for i, item in enumerate(order)}
        ranks = pd.Series(map_distinct(frame[name], position), index=frame.index)
        if ranks.isna().any():
            bad = sorted(set(frame.loc[ranks.isna(), name].astype(str)))
            raise ValueError(f"filter {name!r} has items outside its display order: {bad}")
        keys.append(ranks.to_numpy(dtype="float64"))
    row_order = np.lexsort(keys[::-1])
    # By label, as a repeated index label selects every row that has it.
    rows = frame.take(row_order) if frame.index.is_unique else frame.loc[frame.index[row_order]]
    return rows.reset_index(drop=True)


def _ranks(values: pd.Series, key: Callable[[Any], Any] | None = None) -> np.ndarray:
    """The rank of each value among the distinct values sorted (by ``key`` if given)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    items = list(np.asarray(distinct, dtype=object))
    if key is not None:
        items = [key(item) for item in items]
    order = sorted(range(len(items)), key=items.__getitem__)
    rank = np.empty(len(items), dtype=np.int64)
    rank[order] = np.arange(len(items))
    return rank[codes]
