"""The interval audit: how narrowly the published cells pin each primary-suppressed count.

The exact-recovery audit (:mod:`pipeline.disclosure.recoverability`) proves no suppressed
count can be worked out exactly. A reader can still bound it: every additive group is an
equation over the suppressed counts (published cells moved to the right-hand side), and no
count is negative. The smallest and largest values a suppressed count can take under those
constraints are two linear programmes (solved with SciPy's HiGHS), the check tau-ARGUS and
sdcTable users know as the feasibility interval. A primary-suppressed count (1 to 5 children)
whose interval is narrower than :data:`MIN_INTERVAL` fails the audit: a reader could pin it
within 2 of its value.

The suppressed counts split into connected systems (counts linked by shared groups), each
solved on its own. A system of one equation is solved by hand (most are): for a count ``x``
with ``x + sum(others) - sum(totals) = b``, its maximum is unbounded when a suppressed total
is in the equation and ``b`` otherwise, and its minimum is 0 when another suppressed item can
take up the slack and ``b`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.disclosure.cell_store import NUMBER, SUPPRESSED, CellStore
from pipeline.disclosure.groups import Equations

#: A primary-suppressed count must be free to move over an interval at least this wide.
MIN_INTERVAL = 5.0
#: Numerical slack of the linear programmes (counts are whole numbers).
LP_TOLERANCE = 1e-6
#: Upper bound given to every count in the programmes (so none is unbounded); a count
#: reaching it is unbounded above.
CAP = 1e7
#: Counts whose feasible values already differ by this much are not solved exactly.
CERTIFY_WIDTH = 10.0
#: Random objectives tried after "all up" and "all down" (fixed seed: same result every run).
VERTEX_DRAWS = 2
SEED = 903


@dataclass
class Interval:
    """The feasibility interval of one suppressed count."""

    cell: int
    lower: float
    upper: float

    @property
    def width(self) -> float:
        """``upper - lower`` (infinite when the count is unbounded above)."""
        return self.upper - self.lower


@dataclass
class IntervalReport:
    """What the interval audit checked: the narrowest interval and how many LPs it solved."""

    checked: int
    narrowest: Interval | None
    linear_programmes: int

    def describe(self, store: CellStore) -> str:
        """One line for the build log."""
        if self.narrowest is None or math.isinf(self.narrowest.width):
            return f"{self.checked:,} primary-suppressed counts, every interval unbounded"
        low, high = self.narrowest.lower, self.narrowest.upper
        return (
            f"{self.checked:,} primary-suppressed counts, narrowest interval {low:g} to {high:g} "
            f"(width {high - low:g}, {store.describe(self.narrowest.cell)}), "
            f"{self.linear_programmes:,} linear programmes"
        )


@dataclass
class _System:
    """The suppressed counts and the equations holding them, as one sparse matrix."""

    unknowns: np.ndarray  # global cell ids, one per column
    matrix: csr_matrix  # equations x unknowns
    rhs: np.ndarray  # per equation
    component: np.ndarray  # per unknown
    equation_component: np.ndarray  # per equation


def _system(store: CellStore, eqs: Equations) -> _System:
    """Equations over the suppressed counts, with published cells moved to the right."""
    hidden = (store.status[eqs.cell] == SUPPRESSED) & store.is_count[eqs.cell]
    shown = store.status[eqs.cell] == NUMBER
    rhs_all = -np.bincount(
        eqs.eq,
        weights=np.where(shown, store.value[eqs.cell], 0.0) * eqs.coef,
        minlength=eqs.n_equations,
    )
    used_eq, eq_index = np.unique(eqs.eq[hidden], return_inverse=True)
    unknowns, column = np.unique(eqs.cell[hidden], return_inverse=True)
    matrix = coo_matrix(
        (eqs.coef[hidden].astype(float), (eq_index, column)),
        shape=(len(used_eq), len(unknowns)),
    ).tocsr()
    n_eq, n_x = matrix.shape
    graph = coo_matrix(
        (np.ones(len(eq_index)), (eq_index, n_eq + column)), shape=(n_eq + n_x, n_eq + n_x)
    )
    _, labels = connected_components(graph, directed=False)
    return _System(unknowns, matrix, rhs_all[used_eq], labels[n_eq:], labels[:n_eq])


def _by_hand(coefs: np.ndarray, rhs: float, position: int) -> tuple[float, float]:
    """Bounds of unknown ``position`` in one equation ``coefs . x = rhs`` with ``x >= 0``."""
    sign = coefs[position]
    others = np.delete(coefs * sign, position)
    b = rhs * sign
    upper = math.inf if (others < 0).any() else b
    lower = 0.0 if (others > 0).any() else max(b, 0.0)
    return lower, upper


def _solve(matrix: csr_matrix, rhs: np.ndarray, objective: np.ndarray) -> np.ndarray:
    """A vertex minimising ``objective`` with ``0 <= x <= CAP`` (one HiGHS call)."""
    result = linprog(objective, A_eq=matrix, b_eq=rhs, bounds=(0, CAP), method="highs")
    if result.status != 0:
        raise ValueError(f"interval audit: linear programme failed ({result.message})")
    return result.x


def _lp_bounds(
    system: _System, columns: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lower and upper bounds of the unknowns ``columns`` (systems of 2+ equations).

    A linear programme over many independent systems solves each of them at once, so the
    work is a handful of large programmes, not two per count:

    1. a few objectives over every target (all up, all down, random signs) give feasible
       vertices; a count whose values across them already differ by :data:`CERTIFY_WIDTH` or
       more has an interval at least that wide (the interval holds every feasible value);
    2. the others get their exact minimum and maximum, one count per system per round.

    Bounds of certified counts are the spread found (a lower bound on the width); a value at
    :data:`CAP` means unbounded.
    """
    rows = np.flatnonzero(np.isin(system.equation_component, system.component[columns]))
    cols = np.flatnonzero(np.isin(system.component, system.component[columns]))
    matrix, rhs = system.matrix[rows][:, cols], system.rhs[rows]
    where = np.searchsorted(cols, columns)
    signs = [np.ones(len(columns)), -np.ones(len(columns))]
    signs += [rng.choice([-1.0, 1.0], size=len(columns)) for _ in range(VERTEX_DRAWS)]
    values = []
    for sign in signs:
        objective = np.zeros(len(cols))
        objective[where] = sign
        values.append(_solve(matrix, rhs, objective)[where])
    stacked = np.vstack(values)
    lower, upper = stacked.min(axis=0), stacked.max(axis=0)
    solved = len(signs)
    pending = np.flatnonzero(upper - lower < CERTIFY_WIDTH)
    component = system.component[columns]
    while len(pending):
        _, first = np.unique(component[pending], return_index=True)
        batch = pending[first]
        objective = np.zeros(len(cols))
        objective[where[batch]] = 1.0
        lower[batch] = _solve(matrix, rhs, objective)[where[batch]]
        upper[batch] = _solve(matrix, rhs, -objective)[where[batch]]
        solved += 2
        pending = np.setdiff1d(pending, batch)
    upper = np.where(upper >= CAP * (1 - LP_TOLERANCE), math.inf, upper)
    return lower, upper, solved


def feasibility_intervals(
    store: CellStore, eqs: Equations, targets: np.ndarray
) -> tuple[list[Interval], int]:
    """The feasibility interval of each suppressed count in ``targets``; and LPs solved.

    Exact for counts whose system has one equation and for counts found narrower than
    :data:`CERTIFY_WIDTH`; for the others the interval found is at least that wide and is a
    lower bound of the true width (see :func:`_lp_bounds`).
    """
    system = _system(store, eqs)
    wanted = np.flatnonzero(np.isin(system.unknowns, targets))
    n_components = int(system.component.max()) + 1 if len(system.component) else 0
    equations = _members(system.equation_component, n_components)
    unknowns = _members(system.component, n_components)
    sizes = np.bincount(system.equation_component, minlength=n_components)
    intervals: list[Interval] = []
    for column in wanted[sizes[system.component[wanted]] == 1].tolist():
        component = system.component[column]
        row, cols = equations[component][0], unknowns[component]
        coefs = system.matrix[row].toarray()[0][cols]
        position = int(np.searchsorted(cols, column))
        lower, upper = _by_hand(coefs, float(system.rhs[row]), position)
        intervals.append(Interval(int(system.unknowns[column]), lower, upper))
    several = wanted[sizes[system.component[wanted]] > 1]
    solved = 0
    if len(several):
        lower_all, upper_all, solved = _lp_bounds(system, several, np.random.default_rng(SEED))
        intervals += [
            Interval(int(system.unknowns[c]), float(lo), float(hi))
            for c, lo, hi in zip(several.tolist(), lower_all, upper_all, strict=True)
        ]
    return intervals, solved


def _members(labels: np.ndarray, n: int) -> list[np.ndarray]:
    """For each label 0..n-1, the (sorted) positions holding it."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(n)]


def interval_audit(
    store: CellStore, eqs: Equations, primary: np.ndarray
) -> tuple[IntervalReport, list[str]]:
    """Check every primary-suppressed count's interval; return the report and any problems."""
    targets = primary[(store.status[primary] == SUPPRESSED) & store.is_count[primary]]
    intervals, solved = feasibility_intervals(store, eqs, targets)
    problems = [
        f"{store.describe(i.cell)}: a reader can bound this suppressed count to {i.lower:g} to "
        f"{i.upper:g} (narrower than {MIN_INTERVAL:g}) from the published totals"
        for i in intervals
        if i.width < MIN_INTERVAL - LP_TOLERANCE
    ]
    narrowest = min(intervals, key=lambda i: i.width, default=None)
    return IntervalReport(len(targets), narrowest, solved), problems
