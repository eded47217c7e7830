"""Additive groups (docs/contracts.md section 4) as linear equations over count cells.

A group is a set of rows of one table whose count cells add up to the count cell of a
``total`` row, for every count indicator separately:

* breakdown groups: the items of an additive filter add up to its ``Total`` item, with time,
  area and every other filter fixed. A filter that is ``Total`` exactly when the additive filter
  is (``breakdown_topic`` when there is one ``Total``/``Total`` row for all topics) is a grouping
  column: the items of each of its values add up to the shared ``Total`` row;
* geography groups: the LAs of a region add up to the region and the regions to England (or,
  in a table without regional rows, the LAs to England), with time and filters fixed.

Each (group, count indicator) is one equation ``sum(items) - total = 0``; cells holding ``x``
or ``z`` are simply absent from it (a region's social worker figures add up over its LAs with
data), and an equation whose total is ``x`` or ``z`` is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.disclosure.cell_store import (
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    CellStore,
    DisclosureError,
    TableCells,
)
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, LEVEL_REGIONAL

TOTAL = "Total"
GEOGRAPHY = "geography"


@dataclass
class RowGroups:
    """The additive groups of one table as rows: group number, row, coefficient (+1 / -1)."""

    group: np.ndarray
    row: np.ndarray
    coef: np.ndarray
    #: For each group: what adds up (a filter name or ``geography``) and its total row.
    group_kind: list[str]
    group_total_row: np.ndarray


@dataclass
class Equations:
    """Every additive equation over the count cells of a :class:`CellStore`.

    One entry per (equation, cell): ``coef`` is +1 for an item and -1 for the total.
    """

    eq: np.ndarray
    cell: np.ndarray
    coef: np.ndarray
    #: Per equation: a description of its group (table, what adds up) and its total cell.
    eq_label: list[str]
    eq_total_cell: np.ndarray

    @property
    def n_equations(self) -> int:
        """Number of equations."""
        return len(self.eq_label)


def _key_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Key columns as plain strings with blanks as ``""`` (so blank codes compare equal)."""
    return frame[columns].astype("string").fillna("")


def grouping_columns(entry: TableCells, additive: str) -> list[str]:
    """Filters that are ``Total`` exactly on the rows where ``additive`` is ``Total``."""
    frame = entry.frame
    is_total = frame[additive].astype("string") == TOTAL
    linked = []
    for flt in entry.table.filters:
        if flt.name == additive or flt.name not in frame.columns:
            continue
        other_total = frame[flt.name].astype("string") == TOTAL
        if bool(other_total[is_total].all()) and not bool(other_total[~is_total].any()):
            linked.append(flt.name)
    return linked


def _breakdown_groups(entry: TableCells, additive: str) -> pd.DataFrame:
    """Rows (group key, row, coef) of the groups of one additive filter."""
    frame = entry.frame
    key = [c for c in entry.table.primary_key if c in frame.columns]
    is_total = (frame[additive].astype("string") == TOTAL).to_numpy()
    if not is_total.any() or is_total.all():
        return pd.DataFrame(columns=["key", "row", "coef", "total_row"])
    linked = grouping_columns(entry, additive)
    item_key = [c for c in key if c != additive]
    total_key = [c for c in item_key if c not in linked]
    keys = _key_frame(frame, item_key)
    totals = keys.loc[is_total, total_key].assign(total_row=np.flatnonzero(is_total))
    duplicated = totals.duplicated(total_key, keep=False)
    if duplicated.any():
        row = int(totals.loc[duplicated, "total_row"].iloc[0])
        raise DisclosureError(
            f"table {entry.table.name!r}, row {row + 1}: more than one {TOTAL!r} row for filter "
            f"{additive!r} with the same {', '.join(total_key)}"
        )
    items = keys.loc[~is_total].assign(row=np.flatnonzero(~is_total))
    items["key"] = items.groupby(item_key, sort=False, dropna=False).ngroup()
    items = items.merge(totals, on=total_key, how="inner")
    if items.empty:
        return pd.DataFrame(columns=["key", "row", "coef", "total_row"])
    item_rows = items[["key", "row", "total_row"]].assign(coef=1)
    total_rows = (
        items.drop_duplicates("key")[["key", "total_row"]]
        .assign(row=lambda d: d["total_row"], coef=-1)
        .loc[:, ["key", "row", "total_row", "coef"]]
    )
    return pd.concat([item_rows, total_rows], ignore_index=True)


def _geography_groups(entry: TableCells) -> pd.DataFrame:
    """Rows (group key, row, coef) of the LA -> region -> England groups of one table."""
    frame = entry.frame
    empty = pd.DataFrame(columns=["key", "row", "coef", "total_row"])
    if not entry.table.ees or "geographic_level" not in frame.columns:
        return empty
    level = frame["geographic_level"].astype("string").fillna("")
    filters = [f.name for f in entry.table.filters if f.name in frame.columns]
    fixed = ["time_period", *filters]
    keys = _key_frame(frame, [*fixed, "region_code"])
    keys["row"] = np.arange(len(frame))
    las = keys[(level == LEVEL_LA).to_numpy()]
    regions = keys[(level == LEVEL_REGIONAL).to_numpy()]
    national = keys[(level == LEVEL_NATIONAL).to_numpy()]
    links = []
    if not regions.empty:
        parent = regions.rename(columns={"row": "total_row"})
        links.append(las.merge(parent, on=[*fixed, "region_code"], how="inner"))
        links.append(
            regions.merge(
                national.drop(columns="region_code").rename(columns={"row": "total_row"}),
                on=fixed,
                how="inner",
            )
        )
    else:
        links.append(
            las.merge(
                national.drop(columns="region_code").rename(columns={"row": "total_row"}),
                on=fixed,
                how="inner",
            )
        )
    linked = pd.concat(links, ignore_index=True)[["row", "total_row"]]
    if linked.empty:
        return empty
    linked["key"] = linked["total_row"]
    totals = linked.drop_duplicates("total_row").assign(row=lambda d: d["total_row"], coef=-1)
    return pd.concat([linked.assign(coef=1), totals], ignore_index=True)


def table_row_groups(entry: TableCells) -> RowGroups:
    """Every additive group of one table (breakdown groups and geography groups)."""
    parts = []
    kinds: list[str] = []
    totals: list[np.ndarray] = []
    next_group = 0
    sources = [(f.name, f.name) for f in entry.table.filters if f.additive]
    for kind, name in [*sources, (GEOGRAPHY, None)]:
        if name is not None and name not in entry.frame.columns:
            continue
        found = _breakdown_groups(entry, name) if name else _geography_groups(entry)
        if found.empty:
            continue
        # factorize numbers keys in order of first appearance, as drop_duplicates keeps them
        codes, uniques = pd.factorize(found["key"])
        parts.append(
            pd.DataFrame({"group": codes + next_group, "row": found["row"], "coef": found["coef"]})
        )
        totals.append(found.drop_duplicates("key")["total_row"].to_numpy(dtype=np.int64))
        kinds.extend([kind] * len(uniques))
        next_group += len(uniques)
    if not parts:
        nothing = np.zeros(0, dtype=np.int64)
        return RowGroups(nothing, nothing, nothing.astype(np.int8), [], nothing)
    rows = pd.concat(parts, ignore_index=True)
    return RowGroups(
        group=rows["group"].to_numpy(dtype=np.int64),
        row=rows["row"].to_numpy(dtype=np.int64),
        coef=rows["coef"].to_numpy(dtype=np.int8),
        group_kind=kinds,
        group_total_row=np.concatenate(totals),
    )


def build_equations(store: CellStore) -> Equations:
    """The equations of every additive group of every count indicator of every table."""
    eqs: list[np.ndarray] = []
    cells: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    labels: list[str] = []
    total_cells: list[np.ndarray] = []
    next_eq = 0
    for entry in store.tables:
        counts = [i.name for i in entry.indicators if i.kind == "count"]
        if not counts or entry.n_rows == 0:
            continue
        groups = table_row_groups(entry)
        n_groups = len(groups.group_kind)
        if n_groups == 0:
            continue
        for name in counts:
            cell = entry.cell_ids(name, groups.row)
            total_cell = entry.cell_ids(name, groups.group_total_row)
            absent = np.isin(store.status[cell], (NOT_AVAILABLE, NOT_APPLICABLE))
            total_absent = np.isin(store.status[total_cell], (NOT_AVAILABLE, NOT_APPLICABLE))
            keep = ~absent & ~total_absent[groups.group]
            # a group none of whose items has data says nothing (it is not "total = 0")
            items = np.bincount(groups.group[keep & (groups.coef > 0)], minlength=n_groups)
            keep &= items[groups.group] > 0
            eqs.append(groups.group[keep] + next_eq)
            cells.append(cell[keep])
            coefs.append(groups.coef[keep])
            text = {
                kind: f"table {entry.table.name!r}, column {name!r}, "
                + (
                    "LAs adding up to their region and regions to England"
                    if kind == GEOGRAPHY
                    else f"items of filter {kind!r} adding up to {TOTAL!r}"
                )
                for kind in set(groups.group_kind)
            }
            labels.extend(text[kind] for kind in groups.group_kind)
            total_cells.append(total_cell)
            next_eq += n_groups
    if not eqs:
        nothing = np.zeros(0, dtype=np.int64)
        return Equations(nothing, nothing, nothing.astype(np.int8), [], nothing)
    return Equations(
        eq=np.concatenate(eqs),
        cell=np.concatenate(cells),
        coef=np.concatenate(coefs),
        eq_label=labels,
        eq_total_cell=np.concatenate(total_cells),
    )
