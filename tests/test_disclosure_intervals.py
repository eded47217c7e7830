"""The interval audit: linear-programming bounds of primary-suppressed counts."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from test_disclosure_audit import crossed_table

import pipeline.disclosure.intervals as intervals_module
from pipeline.disclosure import DisclosureError, audit, protect
from pipeline.disclosure.cell_store import CellStore
from pipeline.disclosure.groups import build_equations
from pipeline.disclosure.intervals import SOLVED, feasibility_intervals
from pipeline.disclosure.recoverability import find_recoverable

ROWS = ["Male", "Female", "Total"]


SEXES = ["Male", "Female", "Other"]
AGES = ["Young", "Mid", "Old"]


def _grid(inner: list[list[int]], hidden: set[tuple[str, str]] | None = None) -> object:
    """Sex (rows of ``inner``) x age (its columns) with margins, as published: the cells in
    ``hidden`` (every inner cell when None) are ``c``, the others their value."""
    sexes, ages = SEXES[: len(inner)], AGES[: len(inner[0])]
    if len(ages) == 2:
        ages = ["Young", "Old"]
    full = {(sex, age): inner[i][j] for i, sex in enumerate(sexes) for j, age in enumerate(ages)}
    for i, sex in enumerate(sexes):
        full[(sex, "Total")] = sum(inner[i])
    for j, age in enumerate(ages):
        full[("Total", age)] = sum(row[j] for row in inner)
    full[("Total", "Total")] = sum(map(sum, inner))
    hidden = set(product(sexes, ages)) if hidden is None else hidden
    return crossed_table({key: "c" if key in hidden else str(v) for key, v in full.items()})


def _rectangle(male_young: int, male_old: int, female_young: int, female_old: int) -> object:
    """Sex x age with margins; the four inner cells suppressed, margins published."""
    return _grid([[male_young, male_old], [female_young, female_old]])


def _row(table: object, sex: str, age: str) -> int:
    frame = table.frame  # type: ignore[attr-defined]
    return int(frame.index[(frame["sex"] == sex) & (frame["age"] == age)][0])


def test_no_cell_is_recoverable_but_linear_programming_pins_one_to_0_to_4() -> None:
    # Male: 3 young + 1 old = 4; Female: 21 + 19 = 40; Young 24, Old 20. Every inner cell can
    # move round the rectangle (+t, -t, -t, +t), so the rank test recovers none; but Male-Young
    # = 4 - Male-Old and Male-Old >= 0, Male-Young >= 0: a reader knows it is 0 to 4.
    table = _rectangle(3, 1, 21, 19)
    store = CellStore({"crossed": table})
    eqs = build_equations(store)
    hidden = store.status == 1
    assert len(find_recoverable(eqs.eq, eqs.cell, eqs.coef, hidden).recoverable) == 0
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    (interval,), solved = feasibility_intervals(store, eqs, target)
    assert (interval.lower, interval.upper) == pytest.approx((0.0, 4.0))
    assert solved > 0  # two equations or more: solved by linear programming
    primary = {"crossed": [(_row(table, "Male", "Young"), "number")]}
    with pytest.raises(DisclosureError, match=r"bound this suppressed count to 0 to 4"):
        audit({"crossed": table}, primary=primary)


def test_linear_programming_can_pin_a_cell_exactly_where_the_rank_test_cannot() -> None:
    # Male-Old and Female-Old are 0 (so the Old total is 0, which the known-zero rule would
    # also catch): non-negativity alone then fixes Male-Young at 3, which the rank test, blind
    # to signs, cannot see.
    table = _rectangle(3, 0, 30, 0)
    store = CellStore({"crossed": table})
    eqs = build_equations(store)
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    (interval,), _ = feasibility_intervals(store, eqs, target)
    assert (interval.lower, interval.upper) == pytest.approx((3.0, 3.0))


def test_a_wide_interval_passes_shown_by_two_feasible_points() -> None:
    # Male 3 + 12 + 10 = 25, Female 21 + 19 + 15 = 55, six hidden cells and five independent
    # margins: two degrees of freedom, so linear programming. Male-Young can be 0 to 24
    # (Male-Mid takes the rest of Male's 25, Male-Old 0); the vertices "all down" (0) and
    # "all up, capped at 0 + 5" (5) show it is at least 5 wide, so it is not solved exactly
    table = _grid([[3, 12, 10], [21, 19, 15]])
    primary = {"crossed": [(_row(table, "Male", "Young"), "number")]}
    SOLVED.clear()
    report = audit({"crossed": table}, primary=primary)
    assert "no interval narrower than 5; 1 more shown at least 5 wide" in report.intervals
    store = CellStore({"crossed": table})
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    SOLVED.clear()
    (interval,), solved = feasibility_intervals(store, build_equations(store), target)
    assert (interval.lower, interval.upper, interval.exact, solved) == (0.0, 5.0, False, 2)


def test_one_degree_of_freedom_is_bounded_exactly_without_linear_programming() -> None:
    # Male 3 + 12 = 15, Female 21 + 19 = 40, Young 24, Old 31: the hidden rectangle moves
    # as (3 + t, 12 - t, 21 - t, 19 + t), every cell >= 0 for -3 <= t <= 12, so Male-Young
    # is 0 to 15, Male-Old 0 to 15, Female-Young 9 to 24, Female-Old 16 to 31
    table = _rectangle(3, 12, 21, 19)
    store = CellStore({"crossed": table})
    cells = store.tables[0].cell_ids("number")
    rows = [_row(table, sex, age) for sex in ("Male", "Female") for age in ("Young", "Old")]
    SOLVED.clear()
    intervals, solved = feasibility_intervals(store, build_equations(store), cells[rows])
    found = {i.cell: (i.lower, i.upper, i.exact) for i in intervals}
    expected = [(0, 15), (0, 15), (9, 24), (16, 31)]
    assert [found[c] for c in cells[rows]] == [(lo, hi, True) for lo, hi in expected]
    assert solved == 0
    np.testing.assert_allclose(_highs_bounds(store, cells[rows]), expected)
    report = audit({"crossed": table}, primary={"crossed": [(rows[0], "number")]})
    assert "narrowest interval 0 to 15 (width 15" in report.intervals


def test_one_degree_of_freedom_with_a_narrow_count_is_left_to_linear_programming() -> None:
    # the rectangle (3, 1, 21, 19): Male-Young is 0 to 4. Worked out directly it is the same
    # interval, but linear programming also names the groups binding it (for protect)
    table = _rectangle(3, 1, 21, 19)
    store = CellStore({"crossed": table})
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    system = intervals_module._system(store, build_equations(store))
    (block,), _ = intervals_module._blocks(system, np.array([0]), np.arange(4))
    lower, upper = intervals_module._one_freedom_bounds(block)
    assert (lower.tolist(), upper.tolist()) == ([0, 0, 20, 16], [4, 4, 24, 20])
    SOLVED.clear()
    (interval,), solved = feasibility_intervals(store, build_equations(store), target)
    assert (interval.lower, interval.upper, interval.exact) == (0.0, 4.0, True)
    assert solved > 0 and len(interval.binding) > 0


def test_a_single_hidden_pair_in_a_group_and_its_margin() -> None:
    # Male-Young (3) and Male-Old (12) hidden, and with them the Young and Old totals: Young
    # = 3 + 21 and Old = 12 + 19 are hidden too, so Male-Young + Male-Old = 15, Young - a =
    # 21, Old - b = 19: one degree of freedom; Male-Young is 0 to 15 and Young 21 to 36
    hidden = {("Male", "Young"), ("Male", "Old"), ("Total", "Young"), ("Total", "Old")}
    table = _grid([[3, 12], [21, 19]], hidden)
    store = CellStore({"crossed": table})
    cells = store.tables[0].cell_ids("number")
    rows = [_row(table, "Male", "Young"), _row(table, "Total", "Young")]
    SOLVED.clear()
    intervals, solved = feasibility_intervals(store, build_equations(store), cells[rows])
    found = {i.cell: (i.lower, i.upper) for i in intervals}
    assert [found[c] for c in cells[rows]] == [(0, 15), (21, 36)]
    assert solved == 0
    np.testing.assert_allclose(_highs_bounds(store, cells[rows]), [(0, 15), (21, 36)])


def _highs_bounds(store: CellStore, cells: np.ndarray) -> list[tuple[float, float]]:
    """Each cell's minimum and maximum by scipy's HiGHS over the suppressed counts, published
    cells as constants (infinity when unbounded): an independent check."""
    eqs = build_equations(store)
    hidden = np.flatnonzero(store.status == 1)
    column = {int(c): k for k, c in enumerate(hidden)}
    matrix = np.zeros((eqs.n_equations, len(hidden)))
    rhs = np.zeros(eqs.n_equations)
    for eq, cell, coef in zip(eqs.eq.tolist(), eqs.cell.tolist(), eqs.coef.tolist(), strict=True):
        if cell in column:
            matrix[eq, column[cell]] += coef
        else:
            rhs[eq] -= coef * store.value[cell]
    bounds = []
    for cell in cells.tolist():
        ends = []
        for sign in (1.0, -1.0):
            cost = np.zeros(len(hidden))
            cost[column[cell]] = sign
            result = linprog(cost, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
            ends.append(sign * result.fun if result.status == 0 else math.inf)
        bounds.append((ends[0], ends[1]))
    return bounds


@st.composite
def _hidden_tables(draw: st.DrawFn) -> tuple[list[list[int]], set[tuple[int, int]]]:
    """A random 2-3 x 2-3 table of counts 0 to 20 and the cells hidden (row and column
    positions, the margins last): a rectangle of four (margins may be among them), so most
    systems have one degree of freedom, and up to two cells more."""
    rows, cols = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    counts = st.lists(st.integers(0, 20), min_size=cols, max_size=cols)
    inner = draw(st.lists(counts, min_size=rows, max_size=rows))
    two_rows = draw(st.lists(st.integers(0, rows), min_size=2, max_size=2, unique=True))
    two_cols = draw(st.lists(st.integers(0, cols), min_size=2, max_size=2, unique=True))
    cell = st.tuples(st.integers(0, rows), st.integers(0, cols))
    extra = draw(st.sets(cell, max_size=2))
    return inner, set(product(two_rows, two_cols)) | extra


@settings(max_examples=100, deadline=None)
@given(_hidden_tables())
def test_bounds_worked_out_directly_agree_with_linear_programming(case: tuple) -> None:
    # random small two-way tables with random cells hidden (margins too): wherever a system
    # has one degree of freedom, the direct bounds of every hidden count are HiGHS's
    inner, picked = case
    sexes, ages = SEXES[: len(inner)] + ["Total"], AGES[: len(inner[0])] + ["Total"]
    if len(ages) == 3:
        ages = ["Young", "Old", "Total"]
    table = _grid(inner, {(sexes[i], ages[j]) for i, j in picked})
    store = CellStore({"crossed": table})
    system = intervals_module._system(store, build_equations(store))
    if len(system.unknowns) == 0:
        return
    every = np.arange(len(system.unknowns))
    components = np.unique(system.component)
    blocks, _ = intervals_module._blocks(system, components, every)
    order = np.argsort(system.component, kind="stable")
    start = 0
    for block in blocks:
        cells = system.unknowns[order[start : start + block.n_cols]]
        start += block.n_cols
        direct = intervals_module._one_freedom_bounds(block)
        if direct is None:
            continue
        expected = _highs_bounds(store, cells[block.targets])
        np.testing.assert_allclose(list(zip(*direct, strict=True)), expected)


def test_a_system_solved_before_is_not_solved_again() -> None:
    table = _rectangle(3, 1, 21, 19)
    store = CellStore({"crossed": table})
    eqs = build_equations(store)
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    SOLVED.clear()
    (first,), solved = feasibility_intervals(store, eqs, target)
    assert solved > 0
    reused = SOLVED.reused
    (again,), solved_again = feasibility_intervals(store, eqs, target)
    assert (solved_again, SOLVED.reused - reused) == (0, 1)
    assert (again.lower, again.upper, again.binding) == (first.lower, first.upper, first.binding)
    # the same rectangle with other margins is another system: solved, with its own bounds
    other_margins = _rectangle(3, 1, 22, 18)
    store = CellStore({"crossed": other_margins})
    target = store.tables[0].cell_ids("number")[[_row(other_margins, "Male", "Young")]]
    (other,), solved_other = feasibility_intervals(store, build_equations(store), target)
    assert solved_other > 0 and (other.lower, other.upper) == (0.0, 4.0)


def test_the_audit_after_protect_reuses_its_systems_and_says_so() -> None:
    inner = {("Male", "Young"): 2, ("Male", "Old"): 12, ("Female", "Young"): 21,
             ("Female", "Old"): 19}  # fmt: skip
    values: dict[tuple[str, str], object] = dict(inner)
    for sex in ("Male", "Female"):
        values[(sex, "Total")] = inner[(sex, "Young")] + inner[(sex, "Old")]
    for age in ("Young", "Old"):
        values[("Total", age)] = inner[("Male", age)] + inner[("Female", age)]
    values[("Total", "Total")] = sum(inner.values())
    table = crossed_table(values)
    SOLVED.clear()
    protected, summary = protect({"crossed": table})
    assert protected["crossed"].frame["number"].tolist().count("c") == 4
    report = audit(protected, summary.primary)
    assert "0 linear programmes (1 systems' bounds reused" in report.intervals


def test_the_report_names_the_narrowest_interval_solved_exactly() -> None:
    # Male-Young (3) is 0 to 4; Female-Young (21) is 20 to 24, also 4 wide but not primary
    table = _rectangle(3, 1, 21, 19)
    store = CellStore({"crossed": table})
    eqs = build_equations(store)
    cells = store.tables[0].cell_ids("number")
    targets = cells[[_row(table, "Male", "Young"), _row(table, "Female", "Young")]]
    intervals, _ = feasibility_intervals(store, eqs, targets)
    bounds = sorted((i.lower, i.upper, i.exact) for i in intervals)
    assert bounds == [(0.0, 4.0, True), (20.0, 24.0, True)]


def test_a_single_group_is_solved_by_hand() -> None:
    # Total 20 = A + B + C with A (2) and B (1) suppressed: A + B = 3, so A is 0 to 3
    from test_disclosure_fixtures import breakdown_table

    table = breakdown_table({"E": {"Total": "20", "A": "c", "B": "c", "C": "17"}})
    store = CellStore({"t": table})
    eqs = build_equations(store)
    frame = table.frame
    row = int(frame.index[frame["breakdown"] == "A"][0])
    cells = store.tables[0].cell_ids("number")[[row]]
    (interval,), solved = feasibility_intervals(store, eqs, cells)
    assert (interval.lower, interval.upper, solved) == (0.0, 3.0, 0)
    with pytest.raises(DisclosureError, match=r"to 0 to 3 \(narrower than 5\)"):
        audit({"t": table}, primary={table.name: [(row, "number")]})


def test_two_small_counts_alone_in_a_group_get_a_partner() -> None:
    # Total 20 = A (2) + B (1) + C (17): hiding A and B alone would leave A + B = 3, so A is
    # 0 to 3; protect hides one more non-zero cell (C, the only one), and A is then 0 to 20
    from test_disclosure_fixtures import breakdown_table

    table = breakdown_table({"E": {"Total": 20, "A": 2, "B": 1, "C": 17}})
    protected, summary = protect({"t": table})
    shown = dict(zip(table.frame["breakdown"], protected["t"].frame["number"], strict=True))
    assert shown == {"Total": "20", "A": "c", "B": "c", "C": "c"}
    report = audit(protected, summary.primary)
    assert "narrower than" not in report.intervals
