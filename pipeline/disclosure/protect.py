"""``protect``: primary and secondary suppression of the published tables.

Order of the rules (see :mod:`pipeline.disclosure.suppression`):

1. primary: counts of 1 to 5 become ``c``;
2. secondary, level by level (:mod:`pipeline.disclosure.levels`: England, regions and LA
   totals first, then LAs' breakdowns around them), repeated until stable over every additive
   group: a group with exactly one suppressed cell gets a second one (the
   smallest non-zero item first); a group whose suppressed cells would all be known to be 0 gets
   a non-zero one; a cohort suppressed in one row is suppressed wherever it repeats; then the
   rank test (the same one :func:`~pipeline.disclosure.audit.audit` runs) and one more cell in
   every group of a count it could still recover; a group whose suppressed cells sit on one
   side and add up to less than 5 gets one more;
3. the interval check (:func:`~pipeline.disclosure.suppression.apply_interval_repair`): a
   primary-suppressed count that linear programming bounds within less than 5 gets one more
   suppressed cell in each of its groups, and step 2 settles again;
4. percents, intervals and rates follow their counts: published when both are, else ``c``;
5. every indicator cell is written as a string (:mod:`pipeline.disclosure.formatting`).

``low`` and ``u`` are not applied: we publish full precision, so nothing shown as 0 is
non-zero, and the 95% intervals show how reliable a percentage on a small cohort is.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from pipeline.disclosure import symbol_reasons as reasons
from pipeline.disclosure.cell_store import STATUS_SYMBOL, CellStore, TableCells
from pipeline.disclosure.formatting import formatted_table
from pipeline.disclosure.groups import build_equations
from pipeline.disclosure.intervals import default_workers
from pipeline.disclosure.summary import COUNT_COLUMNS, SuppressionSummary, symbol_reason_label
from pipeline.disclosure.suppression import (
    apply_derived,
    apply_interval_repair,
    apply_primary,
    apply_secondary_by_level,
    suppressed_frame,
)
from pipeline.logs import log
from pipeline.published import PublishedTable


def protect(
    tables: dict[str, PublishedTable],
) -> tuple[dict[str, PublishedTable], SuppressionSummary]:
    """Apply disclosure control; return new tables with string cells and a summary.

    The input tables are not changed. Indicator cells may hold numbers or the symbols ``x``,
    ``z`` (kept) and ``c`` (kept, counted as suppressed in the input); anything else, or a blank,
    is a :class:`~pipeline.disclosure.cell_store.DisclosureError` naming the table, row and column.
    """
    started = time.perf_counter()
    store = CellStore(tables)
    equations = build_equations(store)
    primary = apply_primary(store)
    stats = apply_secondary_by_level(store, equations)
    stats.update(apply_interval_repair(store, equations, default_workers()))
    derived = apply_derived(store)
    protected = {
        key: formatted_table(store, entry) for key, entry in zip(tables, store.tables, strict=True)
    }
    summary = _summary(store)
    log.debug(
        "protect: %d cells, %d equations, %d primary, %d derived, rounds %s (%.1f s)",
        store.n_cells,
        equations.n_equations,
        primary,
        derived,
        stats,
        time.perf_counter() - started,
    )
    return protected, summary


def _reason_labels(status: pd.Series, reason: pd.Series) -> np.ndarray:
    """The reason label of each (status, reason) pair, worked out once per distinct pair."""
    pairs = status.astype(np.int64).to_numpy() * 1000 + reason.astype(np.int64).to_numpy()
    codes, uniques = pd.factorize(pairs)
    labels = np.array(
        [symbol_reason_label(STATUS_SYMBOL[int(u) // 1000], int(u) % 1000) for u in uniques],
        dtype=object,
    )
    return labels[codes]


def _symbol_counts(entry: TableCells, cells: pd.DataFrame) -> pd.DataFrame:
    """One table's symbol cells (rows of :func:`suppressed_frame`) counted by year, symbol
    and reason: columns ``time_period, table_name, symbol, reason, cells``."""
    year_code, years = pd.factorize(entry.frame["time_period"].astype("string").fillna(""))
    status = cells["status"].to_numpy().astype(np.int64)
    key = (year_code[cells["row"].to_numpy()] * 1000 + status) * 1000 + cells["reason"].to_numpy()
    distinct, count = np.unique(key, return_counts=True)
    pairs = pd.DataFrame({"status": distinct // 1000 % 1000, "reason": distinct % 1000})
    return pd.DataFrame(
        {
            "time_period": years.to_numpy(dtype=object)[distinct // 1_000_000],
            "table_name": entry.table.name,
            "symbol": pairs["status"].map(STATUS_SYMBOL).to_numpy(),
            "reason": _reason_labels(pairs["status"], pairs["reason"]),
            "cells": count,
        }
    )


def _summary(store: CellStore) -> SuppressionSummary:
    """Count symbol cells by year, table, symbol and reason (text indicators included)."""
    parts = []
    cells = suppressed_frame(store)
    for index, entry in enumerate(store.tables):
        mine = cells[cells["table_index"] == index]
        if not mine.empty:
            parts.append(_symbol_counts(entry, mine))
        for indicator in entry.table.indicators:
            if indicator.kind != "text":
                continue
            text = entry.frame[indicator.name].astype("string")
            is_symbol = text.isin(list(STATUS_SYMBOL.values())).fillna(False).to_numpy()
            if is_symbol.any():
                found = text.to_numpy()[is_symbol]
                codes, uniques = pd.factorize(found)
                labels = [symbol_reason_label(s, 7) for s in uniques]
                parts.append(
                    pd.DataFrame(
                        {
                            "time_period": entry.frame["time_period"]
                            .astype("string")
                            .to_numpy()[is_symbol],
                            "table_name": entry.table.name,
                            "symbol": found,
                            "reason": np.array(labels, dtype=object)[codes].tolist(),
                            "cells": 1,
                        }
                    )
                )
    counts = (
        pd.concat(parts, ignore_index=True)
        .groupby(["time_period", "table_name", "symbol", "reason"], as_index=False)["cells"]
        .sum()
        if parts
        else pd.DataFrame(columns=COUNT_COLUMNS)
    )
    checked = {entry.table.name: entry.n_cells for entry in store.tables}
    return SuppressionSummary(
        counts=counts[COUNT_COLUMNS], cells_checked=checked, primary=_primary_cells(store)
    )


def _primary_cells(store: CellStore) -> dict[str, list[tuple[int, str]]]:
    """Table name -> ``(row, column)`` of every count suppressed as 1 to 5 children."""
    found: dict[str, list[tuple[int, str]]] = {}
    primary = store.reason == reasons.PRIMARY
    for entry in store.tables:
        pairs = []
        for indicator in entry.indicators:
            rows = np.flatnonzero(primary[entry.cell_ids(indicator.name)])
            pairs += [(int(r), indicator.name) for r in rows]
        if pairs:
            found[entry.table.name] = pairs
    return found
