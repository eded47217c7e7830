"""The interval audit: linear-programming bounds of primary-suppressed counts."""

from __future__ import annotations

import pytest
from test_disclosure_audit import crossed_table

from pipeline.disclosure import DisclosureError, audit, protect
from pipeline.disclosure.cell_store import CellStore
from pipeline.disclosure.groups import build_equations
from pipeline.disclosure.intervals import SOLVED, feasibility_intervals
from pipeline.disclosure.recoverability import find_recoverable

ROWS = ["Male", "Female", "Total"]


def _rectangle(male_young: int, male_old: int, female_young: int, female_old: int) -> object:
    """Sex x age with margins; the four inner cells suppressed, margins published."""
    inner = {
        ("Male", "Young"): male_young, ("Male", "Old"): male_old,
        ("Female", "Young"): female_young, ("Female", "Old"): female_old,
    }  # fmt: skip
    values: dict[tuple[str, str], object] = {key: "c" for key in inner}
    for sex in ("Male", "Female"):
        values[(sex, "Total")] = str(inner[(sex, "Young")] + inner[(sex, "Old")])
    for age in ("Young", "Old"):
        values[("Total", age)] = str(inner[("Male", age)] + inner[("Female", age)])
    values[("Total", "Total")] = str(sum(inner.values()))
    return crossed_table(values)


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
    table = _rectangle(3, 12, 21, 19)
    primary = {"crossed": [(_row(table, "Male", "Young"), "number")]}
    report = audit({"crossed": table}, primary=primary)
    # Male-Young = 15 - Male-Old, Male-Young = 24 - Female-Young, Female-Old = 31 - Male-Old...
    # its range is 0 to 15 (Male-Old from 15 down to 0 keeps every cell >= 0): the vertices
    # "all down" (0) and "all up, capped at 0 + 5" (5) show it is at least 5 wide, so it is
    # not solved exactly
    assert "no interval narrower than 5; 1 more shown at least 5 wide" in report.intervals
    store = CellStore({"crossed": table})
    target = store.tables[0].cell_ids("number")[[_row(table, "Male", "Young")]]
    SOLVED.clear()
    (interval,), solved = feasibility_intervals(store, build_equations(store), target)
    assert (interval.lower, interval.upper, interval.exact, solved) == (0.0, 5.0, False, 2)


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
    wider = _rectangle(3, 12, 21, 19)
    store = CellStore({"crossed": wider})
    target = store.tables[0].cell_ids("number")[[_row(wider, "Male", "Young")]]
    (other,), solved_other = feasibility_intervals(store, build_equations(store), target)
    assert solved_other > 0 and (other.lower, other.upper) == (0.0, 5.0)


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
