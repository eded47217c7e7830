"""The interval audit: how narrowly the published cells pin each primary-suppressed count.

The exact-recovery audit (:mod:`pipeline.disclosure.recoverability`) proves no suppressed
count can be worked out exactly. A reader can still bound it: every additive group is an
equation over the suppressed counts (published cells moved to the right-hand side), and no
count is negative. The smallest and largest values a suppressed count can take under those
constraints are two linear programmes (solved with HiGHS through highspy), the check tau-ARGUS and
sdcTable users know as the feasibility interval. A primary-suppressed count (1 to 5 children)
whose interval is narrower than :data:`MIN_INTERVAL` fails the audit: a reader could pin it
within 2 of its value.

The suppressed counts split into connected systems (counts linked by shared groups: one
linked table, such as a region's LAs by one breakdown for one measure and year, with the
suppressed margins that join it to others), each solved on its own and only when it holds a
primary-suppressed count. A system of one equation is solved by hand: for a count ``x`` with
``x + sum(others) - sum(totals) = b``, its maximum is unbounded when a suppressed total is in
the equation and ``b`` otherwise, and its minimum is 0 when another suppressed item can take
up the slack and ``b`` otherwise. A small system with one degree of freedom (its solutions
one line, e.g. a hidden rectangle in a two-way table) is bounded exactly by hand too
(:func:`_one_freedom_bounds`) unless a count in it is narrow (linear programming then names the
groups binding it). Other systems are one small HiGHS model each, re-solved from its last
basis for each objective (:func:`_component_bounds`); with many systems they are shared among
processes. A system is solved once per run: its bounds are kept under a digest of the whole
programme (:data:`SOLVED`), so the audit does not solve again the systems protect's last
check solved.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import highspy
import numpy as np
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
CERTIFY_WIDTH = MIN_INTERVAL
#: Below this much work (unknowns x targets summed over systems) one process does it all.
PARALLEL_WORK = 200_000
#: Systems of at most this many unknowns are checked for one degree of freedom (solved
#: without linear programming when they have it).
SMALL_SYSTEM = 12
#: Singular values below this (relative to the largest) count as zero.
RANK_TOLERANCE = 1e-9
#: Decimal places kept of bounds worked out directly (their float noise rounded away).
DIGITS = 9


def default_workers() -> int:
    """Processes for the linear programmes: the cores this process may use, at most 2."""
    return max(1, min(2, len(os.sched_getaffinity(0))))


@dataclass(slots=True)
class Interval:
    """The feasibility interval of one suppressed count."""

    cell: int
    lower: float
    upper: float
    #: False when only shown to be at least :data:`CERTIFY_WIDTH` wide (two feasible points).
    exact: bool = True
    #: The groups (equation numbers) that bind its upper bound, when solved exactly.
    binding: tuple[int, ...] = ()

    @property
    def width(self) -> float:
        """``upper - lower`` (infinite when the count is unbounded above)."""
        return self.upper - self.lower


@dataclass
class IntervalReport:
    """What the interval audit checked: the narrowest interval and how many LPs it solved."""

    checked: int
    #: The narrowest interval solved exactly (None when none was, or all are unbounded).
    narrowest: Interval | None
    linear_programmes: int
    #: Counts shown to move over at least CERTIFY_WIDTH without being solved exactly.
    certified: int = 0
    #: Systems whose bounds were not solved again: the same system was solved earlier in
    #: this run (protect's last check meets the systems the audit meets).
    reused: int = 0

    def describe(self, store: CellStore) -> str:
        """One line for the build log: the narrowest interval found and where."""
        wide = (
            f"; {self.certified:,} more shown at least {CERTIFY_WIDTH:g} wide by two "
            "feasible points"
            if self.certified
            else ""
        )
        lps = f"{self.linear_programmes:,} linear programmes" + (
            f" ({self.reused:,} systems' bounds reused: solved earlier in this run)"
            if self.reused
            else ""
        )
        if self.narrowest is None or math.isinf(self.narrowest.width):
            return (
                f"{self.checked:,} primary-suppressed counts, no interval narrower than "
                f"{CERTIFY_WIDTH:g}{wide}, {lps}"
            )
        low, high = self.narrowest.lower, self.narrowest.upper
        return (
            f"{self.checked:,} primary-suppressed counts, narrowest interval {low:g} to {high:g} "
            f"(width {high - low:g}, {store.describe(self.narrowest.cell)}){wide}, {lps}"
        )


@dataclass
class _System:
    """The suppressed counts and the equations holding them, as one sparse matrix."""

    unknowns: np.ndarray  # global cell ids, one per column
    matrix: csr_matrix  # equations x unknowns
    rhs: np.ndarray  # per equation
    component: np.ndarray  # per unknown
    equation_component: np.ndarray  # per equation
    equations: np.ndarray  # per equation, its number in the Equations it came from


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
    return _System(unknowns, matrix, rhs_all[used_eq], labels[n_eq:], labels[:n_eq], used_eq)


def _single_equation_bounds(
    system: _System, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds of the unknowns ``columns``, each alone in its system with one equation.

    For a count ``x`` with ``x + sum(others) - sum(totals) = b`` (signs flipped when ``x`` is
    the total), its maximum is unbounded when an unknown on the other side can grow with it
    and ``b`` otherwise, and its minimum is 0 when another unknown on its side can take up the
    slack and ``b`` otherwise. Returns lower bounds, upper bounds and each one's equation.
    """
    by_column = system.matrix.tocsc()
    by_column.sum_duplicates()
    row = by_column.indices[by_column.indptr[columns]]
    sign = np.sign(by_column.data[by_column.indptr[columns]])
    entries = system.matrix.tocoo()
    n_rows = system.matrix.shape[0]
    positive = np.bincount(entries.row, weights=entries.data > 0, minlength=n_rows)[row]
    negative = np.bincount(entries.row, weights=entries.data < 0, minlength=n_rows)[row]
    same_side = np.where(sign > 0, positive, negative) - 1
    other_side = np.where(sign > 0, negative, positive)
    b = system.rhs[row] * sign
    upper = np.where(other_side > 0, math.inf, b)
    lower = np.where(same_side > 0, 0.0, np.maximum(b, 0.0))
    return lower, upper, row


#: This process's HiGHS instance (by process id: a forked worker makes its own).
_SOLVERS: dict[int, highspy.Highs] = {}


def _solver() -> highspy.Highs:
    """This process's HiGHS instance, made on first use with the options of every model.

    Each system is passed to it in turn (``passModel`` replaces the model, its basis and
    solution); the banner HiGHS prints when the first instance is made goes nowhere.
    """
    solver = _SOLVERS.get(os.getpid())
    if solver is not None:
        return solver
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("presolve", "off")  # each solve starts from the last basis
    solver.setOptionValue("threads", 1)  # small programmes: no thread pool (processes share)
    solver.setOptionValue("simplex_strategy", 1)  # serial dual simplex
    solver.setOptionValue("simplex_scale_strategy", 0)  # every coefficient is 1 or -1
    _SOLVERS[os.getpid()] = solver
    return solver


class _Block(NamedTuple):
    """One connected system: its matrix by columns (compressed sparse column arrays), its
    right-hand side and the positions of its targets among its columns."""

    n_rows: int
    n_cols: int
    start: np.ndarray  # column k's entries are start[k]:start[k + 1]
    rows: np.ndarray  # row of each entry
    value: np.ndarray  # coefficient of each entry
    rhs: np.ndarray
    targets: np.ndarray

    def key(self) -> bytes:
        """A digest of the whole programme: equal keys, equal systems (and equal bounds)."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(np.array([self.n_rows, self.n_cols], dtype=np.int64).tobytes())
        for part, kind in (
            (self.start, np.int64),
            (self.rows, np.int64),
            (self.value, np.float64),
            (self.rhs, np.float64),
            (self.targets, np.int64),
        ):
            digest.update(np.asarray(part, dtype=kind).tobytes())
            digest.update(b"|")
        return digest.digest()


def _model(block: _Block) -> highspy.Highs:
    """A HiGHS model of ``matrix x = rhs, 0 <= x <= CAP`` (costs set per solve)."""
    n_rows, n_cols = block.n_rows, block.n_cols
    rhs = block.rhs
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.full(n_cols, CAP)
    lp.row_lower_ = lp.row_upper_ = np.asarray(rhs, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = block.start
    lp.a_matrix_.index_ = block.rows
    lp.a_matrix_.value_ = block.value
    model = _solver()
    model.passModel(lp)
    return model


class _Component:
    """One connected system as a HiGHS model; every solve widens the targets' known spread."""

    def __init__(self, block: _Block) -> None:
        targets = block.targets
        self.model = _model(block)
        self.n = block.n_cols
        self.columns = np.arange(self.n, dtype=np.int32)
        self.targets = targets
        self.low = np.full(len(targets), math.inf)
        self.high = np.full(len(targets), -math.inf)
        self.solved = 0

    def binding_rows(self) -> np.ndarray:
        """The rows (equations) with a non-zero dual value in the last solve."""
        duals = np.asarray(self.model.getSolution().row_dual)
        return np.flatnonzero(np.abs(duals) > LP_TOLERANCE)

    def solve(self, cost: np.ndarray) -> np.ndarray:
        """A vertex minimising ``cost``; its target values widen the spread. Returns them."""
        self.model.changeColsCost(self.n, self.columns, cost)
        self.model.run()
        self.solved += 1
        if self.model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise ValueError(
                f"interval audit: linear programme failed ({self.model.getModelStatus()})"
            )
        values = np.asarray(self.model.getSolution().col_value)[self.targets]
        np.minimum(self.low, values, out=self.low)
        np.maximum(self.high, values, out=self.high)
        return values

    def cap(self, upper: np.ndarray) -> None:
        """Give the targets the upper bounds ``upper`` (until capped again)."""
        count = len(self.targets)
        self.model.changeColsBounds(
            count, self.targets.astype(np.int32), np.zeros(count), np.asarray(upper, float)
        )


_Result = tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray], int]


def _dense(block: _Block) -> np.ndarray:
    """The block's matrix as a dense array (rows x columns)."""
    dense = np.zeros((block.n_rows, block.n_cols))
    columns = np.repeat(np.arange(block.n_cols), np.diff(block.start))
    np.add.at(dense, (block.rows, columns), block.value)
    return dense


def _one_freedom_bounds(block: _Block) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact bounds of the targets of a small system with one degree of freedom, else None.

    Such a system's solutions are one line, ``x = p + t d`` (``p`` any solution, ``d``
    spanning the null space of the matrix), e.g. the four hidden cells of a rectangle in a
    two-way table moving ``+t, -t, -t, +t``. Non-negativity cuts the line to a segment,
    ``t_low <= t <= t_high`` (``t >= -p_j / d_j`` for ``d_j > 0``, ``t <= -p_j / d_j`` for
    ``d_j < 0``), and each count's bounds are its values at the two ends. None also when a
    target cannot move (``d_j = 0``) or the system has no solution (linear programming
    then says so).
    """
    n = block.n_cols
    if n > SMALL_SYSTEM or n > block.n_rows + 1:  # more unknowns than rows + 1: 2+ freedoms
        return None
    dense = _dense(block)
    _, singular, basis = np.linalg.svd(dense)
    rank = int((singular > RANK_TOLERANCE * max(singular.max(initial=0.0), 1.0)).sum())
    if n - rank != 1:
        return None
    direction = basis[-1] / np.abs(basis[-1]).max()
    point = np.linalg.lstsq(dense, block.rhs, rcond=None)[0]
    moving = np.abs(direction) > RANK_TOLERANCE
    if (
        np.abs(dense @ point - block.rhs).max(initial=0.0) > LP_TOLERANCE
        or (point[~moving] < -LP_TOLERANCE).any()
        or not moving[block.targets].all()
    ):
        return None
    steps = -point[moving] / direction[moving]
    t_low = steps[direction[moving] > 0].max(initial=-math.inf)
    t_high = steps[direction[moving] < 0].min(initial=math.inf)
    if t_low > t_high + LP_TOLERANCE:
        return None
    start, step = point[block.targets], direction[block.targets]
    ends = np.stack([start + step * t_low, start + step * t_high])
    lower = np.round(np.maximum(ends.min(axis=0), 0.0), DIGITS) + 0.0
    upper = np.round(ends.max(axis=0), DIGITS) + 0.0
    return lower, upper


def _component_bounds(block: _Block) -> _Result:
    """Lower and upper bounds of the unknowns ``block.targets`` of one system of 2+ equations.

    Every vertex found is a feasible point, so the values a target takes across the vertices
    lie inside its interval:

    1. "all targets down" (many reach 0, their exact minimum), then, while it certifies
       more, "the uncertified targets up, none above its lowest value + CERTIFY_WIDTH" (the
       cap keeps one target from taking all the slack): a target whose values differ by
       :data:`CERTIFY_WIDTH` has an interval at least that wide and is not solved exactly;
    2. every other target gets its exact maximum and minimum (a solve each from the last
       basis; none for a minimum of 0 already found); their vertices widen the other
       targets' spread too.

    Returns lower and upper bounds, whether each was solved exactly, the rows binding each
    exact upper bound (non-zero duals: the groups to widen), and the solves. A bound
    at :data:`CAP` means unbounded (returned as infinity).
    """
    targets = block.targets
    component = _Component(block)
    cost = np.zeros(component.n)
    cost[targets] = 1.0
    component.solve(cost)
    pending = np.ones(len(targets), dtype=bool)
    while pending.any():
        # the pending targets up, each capped at its lowest value found + CERTIFY_WIDTH
        component.cap(np.where(pending, component.low + CERTIFY_WIDTH, CAP))
        cost = np.zeros(component.n)
        cost[targets[pending]] = -1.0
        component.solve(cost)
        still = pending & (component.high - component.low < CERTIFY_WIDTH - LP_TOLERANCE)
        if still.sum() == pending.sum():
            break
        pending = still
    component.cap(np.full(len(targets), CAP))
    lower, upper = component.low.copy(), component.high.copy()
    exact = np.zeros(len(targets), dtype=bool)
    binding: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(targets)
    for k in range(len(targets)):
        if component.high[k] - component.low[k] >= CERTIFY_WIDTH - LP_TOLERANCE:
            lower[k], upper[k] = component.low[k], component.high[k]
            continue
        exact[k] = True
        cost = np.zeros(component.n)
        cost[targets[k]] = -1.0
        upper[k] = component.solve(cost)[k]
        binding[k] = component.binding_rows()
        if component.low[k] > LP_TOLERANCE:  # 0 when some vertex had it at 0
            cost[targets[k]] = 1.0
            component.solve(cost)
        lower[k] = component.low[k]
    upper = np.where(upper >= CAP * (1 - LP_TOLERANCE), math.inf, upper)
    return lower, upper, exact, binding, component.solved


def _system_bounds(block: _Block) -> _Result:
    """The bounds of one system's targets: worked out directly when the system has one
    degree of freedom and leaves every target at least :data:`MIN_INTERVAL` of room
    (:func:`_one_freedom_bounds`), else by linear programming (:func:`_component_bounds`,
    which also names the groups binding a narrow count)."""
    direct = _one_freedom_bounds(block)
    if direct is not None:
        lower, upper = direct
        if (upper - lower >= MIN_INTERVAL - LP_TOLERANCE).all():
            count = len(block.targets)
            no_rows = [np.zeros(0, dtype=np.int64)] * count
            return lower, upper, np.ones(count, dtype=bool), no_rows, 0
    return _component_bounds(block)


def _solve_chunk(chunk: list[_Block]) -> list[_Result]:
    """:func:`_system_bounds` of several systems (one worker's share)."""
    return [_system_bounds(block) for block in chunk]


class _Solved:
    """Bounds already worked out, by the digest of their system (:meth:`_Block.key`).

    protect's last interval check and the audit after it meet the same systems (the audit
    rebuilds them from the published cells); a system met again is not solved again. The
    key covers everything the bounds depend on, so a changed system is always solved afresh.
    """

    #: Systems kept at most (the store is emptied when full).
    LIMIT = 200_000

    def __init__(self) -> None:
        self.results: dict[bytes, _Result] = {}
        #: Systems whose bounds were taken from the store instead of solved.
        self.reused = 0

    def clear(self) -> None:
        """Forget every system solved so far."""
        self.results.clear()

    def solve(self, jobs: list[_Block], workers: int) -> tuple[list[_Result], int]:
        """The bounds of every system in ``jobs``, solving only those not met before; and
        the linear programmes solved."""
        keys = [job.key() for job in jobs]
        fresh = [i for i, key in enumerate(keys) if key not in self.results]
        self.reused += len(jobs) - len(fresh)
        solved = _solve_all([jobs[i] for i in fresh], workers)
        if len(self.results) + len(fresh) > self.LIMIT:
            self.clear()
        found = dict(zip((keys[i] for i in fresh), solved, strict=True))
        self.results.update(found)
        results = [found[key] if key in found else self.results[key] for key in keys]
        return results, sum(result[4] for result in solved)


SOLVED = _Solved()


def _solve_all(jobs: list[_Block], workers: int) -> list[_Result]:
    """:func:`_component_bounds` of every job, shared among ``workers`` processes when there
    is enough work (the biggest systems first, each to the least loaded process)."""
    sizes = np.array([job.n_cols * max(len(job.targets), 1) for job in jobs], dtype=float)
    if workers <= 1 or sizes.sum() <= PARALLEL_WORK:
        return _solve_chunk(jobs)
    shares: list[list[int]] = [[] for _ in range(workers)]
    load = np.zeros(workers)
    for index in np.argsort(-sizes, kind="stable").tolist():
        least = int(np.argmin(load))
        shares[least].append(index)
        load[least] += sizes[index]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parts = list(pool.map(_solve_chunk, [[jobs[i] for i in share] for share in shares]))
    results: list = [None] * len(jobs)
    for share, part in zip(shares, parts, strict=True):
        for index, result in zip(share, part, strict=True):
            results[index] = result
    return results


def _blocks(
    system: _System, components: np.ndarray, wanted: np.ndarray
) -> tuple[list[_Block], list[np.ndarray]]:
    """Per component: its block (columns in cell order, rows in equation order, target
    positions); and the equation numbers of its rows."""
    eq_order = np.argsort(system.equation_component, kind="stable")
    x_order = np.argsort(system.component, kind="stable")
    n = int(system.component.max()) + 1
    eq_start = np.searchsorted(system.equation_component[eq_order], np.arange(n + 1))
    x_start = np.searchsorted(system.component[x_order], np.arange(n + 1))
    # the whole matrix, rows and columns grouped by component: each component's columns are
    # then one run of columns, and its rows one run of row numbers
    matrix = system.matrix[eq_order][:, x_order].tocsc()
    matrix.sort_indices()
    start, index, value = matrix.indptr, matrix.indices, matrix.data
    is_target = np.zeros(len(system.unknowns), dtype=bool)
    is_target[wanted] = True
    target_sorted = is_target[x_order]
    jobs, numbers = [], []
    for k in components.tolist():
        c0, c1, r0, r1 = x_start[k], x_start[k + 1], eq_start[k], eq_start[k + 1]
        p0, p1 = start[c0], start[c1]
        jobs.append(
            _Block(
                int(r1 - r0),
                int(c1 - c0),
                (start[c0 : c1 + 1] - p0).astype(np.int32),
                (index[p0:p1] - r0).astype(np.int32),
                value[p0:p1].astype(float),
                system.rhs[eq_order[r0:r1]],
                np.flatnonzero(target_sorted[c0:c1]),
            )
        )
        numbers.append(system.equations[eq_order[r0:r1]])
    return jobs, numbers


def _lp_bounds(
    system: _System, columns: np.ndarray, workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, ...]], int]:
    """Bounds of the unknowns ``columns`` (systems of 2+ equations), system by system.

    Systems are independent, so they are solved apart (each a small programme, however many
    systems there are) and shared among ``workers`` processes when there are many; a system
    solved before (:data:`SOLVED`) is not solved again.
    """
    components = np.unique(system.component[columns])
    jobs, numbers = _blocks(system, components, columns)
    results, solved = SOLVED.solve(jobs, workers)
    # map back: the targets of each job are in column order of the system
    lower = np.zeros(len(columns))
    upper = np.zeros(len(columns))
    exact = np.zeros(len(columns), dtype=bool)
    binding: list[tuple[int, ...]] = [()] * len(columns)
    order = np.argsort(system.component[columns], kind="stable")
    start = 0
    for position, result in enumerate(results):
        low, high, solved_exactly, rows, _ = result
        take = order[start : start + len(low)]
        lower[take], upper[take], exact[take] = low, high, solved_exactly
        for where, local in zip(take.tolist(), rows, strict=True):
            binding[where] = tuple(numbers[position][local].tolist())
        start += len(low)
    return lower, upper, exact, binding, solved


def feasibility_intervals(
    store: CellStore,
    eqs: Equations,
    targets: np.ndarray,
    workers: int = 1,
    near: np.ndarray | None = None,
) -> tuple[list[Interval], int]:
    """The feasibility interval of each suppressed count in ``targets``; and LPs solved.

    Exact for counts whose system has one equation and for counts found narrower than
    :data:`CERTIFY_WIDTH`; for the others the interval found is at least that wide and is a
    lower bound of the true width (see :func:`_lp_bounds`). With ``near`` (cell ids), only
    the targets in a system holding one of those cells are solved.
    """
    system = _system(store, eqs)
    wanted = np.flatnonzero(np.isin(system.unknowns, targets))
    if near is not None:  # only the targets in a system holding one of the cells ``near``
        around = system.component[np.isin(system.unknowns, near)]
        wanted = wanted[np.isin(system.component[wanted], around)]
    n_components = int(system.component.max()) + 1 if len(system.component) else 0
    sizes = np.bincount(system.equation_component, minlength=n_components)
    alone = wanted[sizes[system.component[wanted]] == 1]
    lower, upper, row = _single_equation_bounds(system, alone)
    intervals = [
        Interval(cell, low, high, binding=(equation,))
        for cell, low, high, equation in zip(
            system.unknowns[alone].tolist(),
            lower.tolist(),
            upper.tolist(),
            system.equations[row].tolist(),
            strict=True,
        )
    ]
    several = wanted[sizes[system.component[wanted]] > 1]
    solved = 0
    if len(several):
        lower_all, upper_all, exact, binding, solved = _lp_bounds(system, several, workers)
        intervals += [
            Interval(cell, low, high, solved_exactly, rows)
            for cell, low, high, solved_exactly, rows in zip(
                system.unknowns[several].tolist(),
                lower_all.tolist(),
                upper_all.tolist(),
                exact.tolist(),
                binding,
                strict=True,
            )
        ]
    return intervals, solved


def interval_audit(
    store: CellStore, eqs: Equations, primary: np.ndarray, workers: int | None = None
) -> tuple[IntervalReport, list[str]]:
    """Check every primary-suppressed count's interval; return the report and any problems.

    ``workers``: processes for the linear programmes (:func:`default_workers` when None).
    """
    targets = primary[(store.status[primary] == SUPPRESSED) & store.is_count[primary]]
    workers = default_workers() if workers is None else workers
    reused = SOLVED.reused
    intervals, solved = feasibility_intervals(store, eqs, targets, workers)
    reused = SOLVED.reused - reused
    problems = [
        f"{store.describe(i.cell)}: a reader can bound this suppressed count to {i.lower:g} to "
        f"{i.upper:g} (narrower than {MIN_INTERVAL:g}) from the published totals"
        for i in intervals
        if i.width < MIN_INTERVAL - LP_TOLERANCE
    ]
    narrowest = min((i for i in intervals if i.exact), key=lambda i: i.width, default=None)
    certified = sum(not i.exact for i in intervals)
    return IntervalReport(len(targets), narrowest, solved, certified, reused), problems
