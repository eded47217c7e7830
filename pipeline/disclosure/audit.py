"""``audit``: prove that protected tables disclose no small count before anything is written.

The audit reads only the published cells (strings or numbers) and fails with a
:class:`~pipeline.disclosure.cell_store.DisclosureError` naming the table, group and cell when:

1. a published count is 1 to 5;
2. a percent, interval or rate is published, or shown as ``z`` (a cohort of 0), while a count
   it is derived from is suppressed (the count would follow from it);
3. a suppressed count is recoverable: its unit vector lies in the row space of the equations of
   every additive group, breakdown and geography hierarchies together
   (:mod:`pipeline.disclosure.recoverability`);
4. a group's published cells leave nothing for its suppressed cells (all on one side of the
   equation): they are then all known to be 0;
5. when told which counts were primary-suppressed: one of them is bounded by the published
   cells and non-negativity to an interval narrower than 5 (linear programming,
   :mod:`pipeline.disclosure.intervals`).

Groups whose published cells already exceed their total cannot be additive as declared; they
are counted in the report (they disclose nothing by subtraction) rather than failing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pipeline.disclosure.cell_store import (
    NOT_APPLICABLE,
    NUMBER,
    SUPPRESSED,
    CellStore,
    DisclosureError,
)
from pipeline.disclosure.groups import Equations, build_equations
from pipeline.disclosure.intervals import interval_audit
from pipeline.disclosure.recoverability import find_recoverable
from pipeline.disclosure.suppression import SMALLEST_SAFE_COUNT, derived_sources
from pipeline.published import PublishedTable

#: Problems listed in full in the error message (the rest are counted).
SHOWN_PROBLEMS = 20


@dataclass
class AuditReport:
    """What the audit checked and how long it took."""

    tables: int
    cells_checked: int
    counts_checked: int
    groups_checked: int
    suppressed_counts: int
    components: int
    largest_component: int
    inconsistent_groups: int
    seconds: float
    #: The interval audit's line: counts checked and the narrowest interval found.
    intervals: str = "not run"

    def __str__(self) -> str:
        return (
            f"{self.tables} tables, {self.cells_checked:,} cells ({self.counts_checked:,} counts, "
            f"{self.suppressed_counts:,} suppressed), {self.groups_checked:,} additive groups, "
            f"{self.components:,} connected systems (largest {self.largest_component:,} "
            f"unknowns), {self.inconsistent_groups:,} groups not adding up; intervals: "
            f"{self.intervals}; {self.seconds:.2f} s"
        )


def _first_equation_of(eqs: Equations, cells: np.ndarray) -> np.ndarray:
    """For each cell, the first equation it appears in (-1 when none)."""
    order = np.lexsort((eqs.eq, eqs.cell))
    sorted_cells = eqs.cell[order]
    position = np.searchsorted(sorted_cells, cells)
    found = (position < len(sorted_cells)) & (
        sorted_cells[np.minimum(position, len(sorted_cells) - 1)] == cells
    )
    return np.where(found, eqs.eq[order][np.minimum(position, len(order) - 1)], -1)


def _group_text(store: CellStore, eqs: Equations, eq: int) -> str:
    """A reader's description of one group: what adds up, and its total row."""
    if eq < 0:
        return "no group"
    total = store.describe(int(eqs.eq_total_cell[eq]))
    return f"{eqs.eq_label[eq]} (total: {total})"


def _small_counts(store: CellStore) -> list[str]:
    shown = (
        store.is_count
        & (store.status == NUMBER)
        & (store.value >= 1)
        & (store.value < SMALLEST_SAFE_COUNT)
    )
    return [
        f"{store.describe(int(c))}: published count {store.value[c]:g} is 1 to 5"
        for c in np.flatnonzero(shown)
    ]


def _derived_from_suppressed(store: CellStore) -> list[str]:
    problems = []
    for entry in store.tables:
        for indicator in entry.indicators:
            if indicator.kind not in ("percent", "rate"):
                continue
            # a z (cohort of 0) beside a suppressed cohort would give the cohort away too
            published = np.isin(
                store.status[entry.cell_ids(indicator.name)], (NUMBER, NOT_APPLICABLE)
            )
            for source in derived_sources(entry, indicator):
                hidden = store.status[entry.cell_ids(source)] == SUPPRESSED
                for row in np.flatnonzero(published & hidden):
                    cell = int(entry.cell_ids(indicator.name, np.array([row]))[0])
                    problems.append(
                        f"{store.describe(cell)}: published although {source!r} is suppressed"
                    )
    return problems


def _known_zero_groups(store: CellStore, eqs: Equations) -> tuple[list[str], int]:
    """Groups whose suppressed cells are all known to be 0; and groups not adding up."""
    n_eq = eqs.n_equations
    hidden = store.status[eqs.cell] == SUPPRESSED
    shown = store.status[eqs.cell] == NUMBER
    value = np.where(shown, store.value[eqs.cell], 0.0)
    residual = -np.bincount(eqs.eq, weights=eqs.coef * value, minlength=n_eq)
    n_pos = np.bincount(eqs.eq, weights=hidden & (eqs.coef > 0), minlength=n_eq)
    n_neg = np.bincount(eqs.eq, weights=hidden & (eqs.coef < 0), minlength=n_eq)
    n_hidden = n_pos + n_neg
    side = np.where(n_neg == 0, 1.0, -1.0)
    one_sided = (n_hidden > 0) & ((n_pos == 0) | (n_neg == 0))
    left = residual * side
    zero = one_sided & (np.abs(left) < 1e-9)
    inconsistent = int(
        (one_sided & (left < -1e-9)).sum() + ((n_hidden == 0) & (np.abs(residual) > 1e-9)).sum()
    )
    problems = []
    for eq in np.flatnonzero(zero):
        members = eqs.cell[(eqs.eq == eq) & hidden]
        problems.append(
            f"{_group_text(store, eqs, int(eq))}: its published cells leave 0 for its "
            f"{len(members)} suppressed cell(s), so they are known to be 0, e.g. "
            f"{store.describe(int(members[0]))}"
        )
    return problems, inconsistent


def primary_cell_ids(store: CellStore, primary: dict[str, list[tuple[int, str]]]) -> np.ndarray:
    """Cell ids of ``primary``: table name -> ``(row, count column)`` pairs (rows from 0)."""
    ids = [np.zeros(0, dtype=np.int64)]
    for entry in store.tables:
        pairs = primary.get(entry.table.name, [])
        for column in {c for _, c in pairs}:
            rows = np.array([r for r, c in pairs if c == column], dtype=np.int64)
            ids.append(entry.cell_ids(column, rows))
    return np.concatenate(ids)


def audit(
    tables: dict[str, PublishedTable], primary: dict[str, list[tuple[int, str]]] | None = None
) -> AuditReport:
    """Check protected tables; raise :class:`DisclosureError` listing every leak found.

    With ``primary`` (table name -> ``(row, column)`` of each primary-suppressed count, as
    :attr:`SuppressionSummary.primary` records them) the interval audit runs too
    (:mod:`pipeline.disclosure.intervals`): each of those counts must be free to move over
    at least :data:`~pipeline.disclosure.intervals.MIN_INTERVAL` given every published cell.
    """
    started = time.perf_counter()
    store = CellStore(tables)
    eqs = build_equations(store)
    problems = _small_counts(store) + _derived_from_suppressed(store)
    interval_text = "not run"
    if primary is not None:
        report, interval_problems = interval_audit(store, eqs, primary_cell_ids(store, primary))
        problems += interval_problems
        interval_text = report.describe(store)
    unknown = store.status == SUPPRESSED
    result = find_recoverable(eqs.eq, eqs.cell, eqs.coef, unknown)
    if len(result.recoverable):
        groups = _first_equation_of(eqs, result.recoverable)
        for cell, eq in zip(result.recoverable.tolist(), groups.tolist(), strict=True):
            problems.append(
                f"{_group_text(store, eqs, eq)}: suppressed cell {store.describe(cell)} can be "
                "recovered exactly from the published totals and other cells of its groups"
            )
    zero_problems, inconsistent = _known_zero_groups(store, eqs)
    problems += zero_problems
    if problems:
        shown = "\n".join(f"- {p}" for p in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        raise DisclosureError(
            f"disclosure audit failed: {len(problems)} problem(s)\n{shown}"
            + (f"\n... and {more} more" if more > 0 else "")
        )
    return AuditReport(
        tables=len(store.tables),
        cells_checked=store.n_cells,
        counts_checked=int(store.is_count.sum()),
        groups_checked=eqs.n_equations,
        suppressed_counts=int((unknown & store.is_count).sum()),
        components=result.n_components,
        largest_component=result.largest_component,
        inconsistent_groups=inconsistent,
        seconds=time.perf_counter() - started,
        intervals=interval_text,
    )
