"""Indexes over the equations so a round of secondary suppression touches only what changed.

Secondary suppression (:func:`pipeline.disclosure.suppression.apply_secondary`) runs hundreds
of rounds, each suppressing a few cells. A round that scans every (equation, cell) entry of
every table costs the same whether it adds one cell or a thousand; these indexes let it work
on the entries of the equations in question only:

* :class:`EntryIndex`: the entries of each equation and of each cell (and the cells of each
  repeated cohort), as compressed sparse rows;
* :class:`GroupCounts`: per equation, its suppressed items and totals and what its published
  cells leave for its unpublished ones, kept up to date cell by cell as cells are suppressed
  (counts are whole numbers, so the running sums are exact and equal to a fresh sum);
* :meth:`EntryIndex.unknown_entries_around`: the connected systems (suppressed cells linked by
  shared equations) holding some given cells, found by breadth-first search, so the rank
  test solves and repairs only the systems a round changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.disclosure.cell_store import NUMBER, SUPPRESSED, CellStore
from pipeline.disclosure.groups import Equations


def concatenated_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, e) for s, e in zip(starts, ends)])`` without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # each position's offset from its range's first element, plus that range's start
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - first + np.repeat(starts, lengths)


@dataclass
class Grouped:
    """Items grouped by a key: the items of key ``k`` are ``order[start[k]:start[k + 1]]``."""

    order: np.ndarray
    start: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, n_keys: int) -> Grouped:
        """Group the positions ``0..len(keys)-1`` by ``keys`` (each in ``0..n_keys-1``)."""
        # 32-bit positions: the entries of every table number a few million at most
        order = np.argsort(keys, kind="stable").astype(np.int32)
        start = np.zeros(n_keys + 1, dtype=np.int32)
        np.cumsum(np.bincount(keys, minlength=n_keys), out=start[1:])
        return cls(order, start)

    def items(self, keys: np.ndarray) -> np.ndarray:
        """The items of every key in ``keys`` (in key order, then stored order)."""
        return self.order[concatenated_ranges(self.start[keys], self.start[keys + 1])]


class EntryIndex:
    """The entries of an :class:`~pipeline.disclosure.groups.Equations` by equation and by
    cell, the cells of each repeated cohort (``link``, see
    :func:`~pipeline.disclosure.suppression.cohort_links`) and the representative of each
    cell (``rep``: the cell standing for its cohort in the rank test)."""

    def __init__(self, eqs: Equations, n_cells: int, link: np.ndarray) -> None:
        self.eqs = eqs
        self.n_cells = n_cells
        self.by_equation = Grouped.of(eqs.eq, eqs.n_equations)
        self.by_cell = Grouped.of(eqs.cell, n_cells)
        self._link(link)

    def _link(self, link: np.ndarray) -> None:
        """Group the cells by cohort link; each cell's representative is the first (lowest)
        cell of its cohort, or itself."""
        self.link = link
        linked = np.flatnonzero(link >= 0)
        n_links = int(link.max()) + 1 if len(linked) else 0
        grouped = Grouped.of(link[linked], n_links)
        self.by_link = Grouped(linked[grouped.order], grouped.start)
        sizes = np.diff(grouped.start)
        self.rep = np.arange(len(link), dtype=np.int64)
        first = self.by_link.order[grouped.start[:-1][sizes > 0]]
        self.rep[self.by_link.order] = np.repeat(first, sizes[sizes > 0])

    def entries_of_equations(self, equations: np.ndarray) -> np.ndarray:
        """Every entry of the given equations."""
        return self.by_equation.items(equations)

    def entries_of_cells(self, cells: np.ndarray) -> np.ndarray:
        """Every entry holding one of the given cells."""
        return self.by_cell.items(cells)

    def cohort_members(self, cells: np.ndarray) -> np.ndarray:
        """The given cells and every cell of a repeated cohort one of them belongs to."""
        links = np.unique(self.link[cells])
        links = links[links >= 0]
        return np.union1d(cells, self.by_link.items(links))

    def unknown_entries_around(
        self, status: np.ndarray, rep: np.ndarray, cells: np.ndarray
    ) -> np.ndarray:
        """The entries over suppressed cells of every connected system holding ``cells``.

        A suppressed cell is an unknown, standing for its whole cohort (``rep``: the
        representative of each cell, an unknown when it is suppressed); unknowns sharing an
        equation are connected. Returns, sorted, the entries whose representative is
        suppressed of every equation reached from ``cells`` (those that are unknowns): the
        systems the rank test would find around them in all the equations.
        """
        eqs = self.eqs
        seen_unknown = np.zeros(len(status), dtype=bool)
        seen_equation = np.zeros(eqs.n_equations, dtype=bool)
        frontier = np.unique(rep[cells])
        frontier = frontier[status[frontier] == SUPPRESSED]
        seen_unknown[frontier] = True
        found = [np.zeros(0, dtype=np.int64)]
        while len(frontier):
            members = self.cohort_members(frontier)
            equations = np.unique(eqs.eq[self.entries_of_cells(members)])
            equations = equations[~seen_equation[equations]]
            seen_equation[equations] = True
            entries = self.entries_of_equations(equations)
            unknown_rep = rep[eqs.cell[entries]]
            is_unknown = status[unknown_rep] == SUPPRESSED
            found.append(entries[is_unknown])
            frontier = np.unique(unknown_rep[is_unknown])
            frontier = frontier[~seen_unknown[frontier]]
            seen_unknown[frontier] = True
        return np.sort(np.concatenate(found))


class GroupCounts:
    """Per equation: suppressed items, suppressed totals, and what its published cells leave.

    The last is the value a reader works out for the unpublished cells together (total minus
    published items), exactly as the audit does. Worked out in full once, then updated by
    :meth:`add` for each cell that becomes suppressed (a cell leaves the published cells
    only by being suppressed). Counts are whole numbers, so every sum is exact and the
    running totals equal a fresh sum over the cells.
    """

    def __init__(self, store: CellStore, eqs: Equations, index: EntryIndex) -> None:
        self.store, self.eqs, self.index = store, eqs, index
        n_eq = eqs.n_equations
        status = store.status[eqs.cell]
        hidden = status == SUPPRESSED
        self.n_pos = np.bincount(eqs.eq[hidden & (eqs.coef > 0)], minlength=n_eq)
        self.n_neg = np.bincount(eqs.eq[hidden & (eqs.coef < 0)], minlength=n_eq)
        value = store.value[eqs.cell]
        weighted = np.where(np.isfinite(value), value * eqs.coef, 0.0)
        shown = status == NUMBER
        # published items minus published total, negated: what the unpublished cells share
        self.left = -np.bincount(eqs.eq[shown], weights=weighted[shown], minlength=n_eq)

    def add(self, cells: np.ndarray) -> None:
        """Take account of ``cells``, each just changed from a number to suppressed."""
        if len(cells) == 0:
            return
        eqs = self.eqs
        entries = self.index.entries_of_cells(cells)
        eq, coef = eqs.eq[entries], eqs.coef[entries]
        np.add.at(self.n_pos, eq[coef > 0], 1)
        np.add.at(self.n_neg, eq[coef < 0], 1)
        value = self.store.value[eqs.cell[entries]]
        np.add.at(self.left, eq, np.where(np.isfinite(value), value * coef, 0.0))
