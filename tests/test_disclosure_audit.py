"""audit(): small counts, derived cells, the rank test and known zeros; property tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_disclosure_fixtures import breakdown_table, grid_table, make_table

from pipeline.disclosure import DisclosureError, audit, protect
from pipeline.disclosure.recoverability import find_recoverable
from pipeline.published import Filter, Indicator


def crossed_table(values: dict[tuple[str, str], object]) -> object:
    """National rows of two crossed additive filters ``sex`` x ``age`` (totals given)."""
    records = [
        ("E", {"sex": sex, "age": age}, {"number": value}) for (sex, age), value in values.items()
    ]
    return make_table(
        "crossed",
        records,
        [Filter("sex", "Sex"), Filter("age", "Age")],
        [Indicator("number", "Number")],
    )


def test_one_suppressed_cell_in_a_group_with_a_total_is_caught_with_table_group_and_cell() -> None:
    leaky = breakdown_table({"E": {"Total": "20", "A": "c", "B": "7", "C": "10"}})
    with pytest.raises(DisclosureError) as caught:
        audit({"breakdowns": leaky})
    message = str(caught.value)
    assert "1 problem(s)" in message
    assert "items of filter 'breakdown' adding up to 'Total'" in message
    assert "breakdown=A), column 'number'" in message
    assert "can be recovered exactly" in message


def test_a_published_small_count_fails() -> None:
    with pytest.raises(DisclosureError, match=r"published count 4 is 1 to 5"):
        audit({"t": breakdown_table({"E": {"Total": "30", "A": "4", "B": "26"}})})


#: A count, its cohort and the percent derived from them.
PERCENT_OF_COHORT = [
    Indicator("cohort", "Cohort"),
    Indicator("number", "Number"),
    Indicator("percent", "Percent", kind="percent", numerator="number", denominator="cohort"),
]


def test_a_percent_published_next_to_its_suppressed_number_fails() -> None:
    records = [
        ("E", {"band": "Total"}, {"cohort": "40", "number": "c", "percent": "c"}),
        ("E", {"band": "A"}, {"cohort": "20", "number": "c", "percent": "15.000000"}),
        ("E", {"band": "B"}, {"cohort": "20", "number": "c", "percent": "c"}),
    ]
    table = make_table("p", records, [Filter("band", "Band")], PERCENT_OF_COHORT)
    with pytest.raises(DisclosureError, match="published although 'number' is suppressed"):
        audit({"p": table})


def test_a_not_applicable_percent_beside_its_suppressed_cohort_fails() -> None:
    # z means "a cohort of 0": next to a suppressed cohort it tells the reader the cohort
    records = [
        ("E", {"band": "Total"}, {"cohort": "40", "number": "12", "percent": "30.000000"}),
        ("E", {"band": "A"}, {"cohort": "c", "number": "0", "percent": "z"}),
        ("E", {"band": "B"}, {"cohort": "c", "number": "12", "percent": "c"}),
    ]
    table = make_table("p", records, [Filter("band", "Band")], PERCENT_OF_COHORT)
    with pytest.raises(DisclosureError, match="published although 'cohort' is suppressed"):
        audit({"p": table})


def _rectangle(hidden: set[tuple[str, str]]) -> object:
    values = {
        ("Total", "Total"): 100, ("Total", "Young"): 40, ("Total", "Old"): 60,
        ("Male", "Total"): 45, ("Male", "Young"): 20, ("Male", "Old"): 25,
        ("Female", "Total"): 55, ("Female", "Young"): 20, ("Female", "Old"): 35,
    }  # fmt: skip
    return crossed_table({k: ("c" if k in hidden else str(v)) for k, v in values.items()})


def test_a_two_by_two_rectangle_with_published_margins_is_safe() -> None:
    # four unknowns, four equations (two rows, two columns) of rank 3: every single cell can
    # move by +t/-t around the rectangle, so none is determined
    square = {("Male", "Young"), ("Male", "Old"), ("Female", "Young"), ("Female", "Old")}
    report = audit({"crossed": _rectangle(square)})
    assert report.suppressed_counts == 4
    assert report.components == 1 and report.largest_component == 4


def test_three_corners_of_a_rectangle_are_not_safe() -> None:
    corners = {("Male", "Young"), ("Male", "Old"), ("Female", "Young")}
    with pytest.raises(DisclosureError) as caught:
        audit({"crossed": _rectangle(corners)})
    # Female/Young is alone in its row, Male/Old alone in its column: both follow, then
    # Male/Young follows from either
    assert "3 problem(s)" in str(caught.value)


def test_rank_test_catches_a_cycle_where_every_group_has_two_unknowns() -> None:
    # x0 + x1, x0 + x2 and x1 + x2 all known: each group has two unknowns, yet the odd
    # cycle determines all three; a 4-cycle with alternating signs does not
    eq = np.array([0, 0, 1, 1, 2, 2])
    cell = np.array([0, 1, 0, 2, 1, 2])
    coef = np.ones(6, dtype=np.int8)
    unknown = np.ones(3, dtype=bool)
    assert sorted(find_recoverable(eq, cell, coef, unknown).recoverable) == [0, 1, 2]
    even_eq = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    even_cell = np.array([0, 1, 1, 2, 2, 3, 3, 0])
    even = find_recoverable(even_eq, even_cell, np.ones(8, dtype=np.int8), np.ones(4, bool))
    assert len(even.recoverable) == 0


def test_all_suppressed_cells_known_to_be_zero_fail() -> None:
    # published A (12) and B (8) already make the total: C and D must both be 0
    table = breakdown_table({"E": {"Total": "20", "A": "12", "B": "8", "C": "c", "D": "c"}})
    with pytest.raises(DisclosureError, match=r"leave 0 for its 2 suppressed cell\(s\)"):
        audit({"t": table})


def test_hierarchy_leak_through_the_region_is_found() -> None:
    # LA 101's cell is hidden in its breakdown group (with B) but R1's group publishes every
    # other LA, so it follows from the region
    table = grid_table(
        {
            ("R1/101", "A"): 3,
            ("R1/101", "B"): 30,
            ("R1/102", "A"): 20,
            ("R1/102", "B"): 25,
            ("R2/201", "A"): 30,
            ("R2/201", "B"): 35,
        },  # fmt: skip
        ["A", "B"],
    )
    frame = table.frame.astype({"number": object})
    la_101 = (frame["old_la_code"] == "101") & frame["breakdown"].isin(["A", "B"])
    frame.loc[la_101, "number"] = "c"
    frame["number"] = frame["number"].astype(str)
    table.frame = frame
    with pytest.raises(DisclosureError) as caught:
        audit({"grid": table})
    message = str(caught.value)
    assert "2 problem(s)" in message  # A from the region, then B from LA 101's total
    assert "old_la_code=101, breakdown=A), column 'number' can be recovered" in message


@st.composite
def hierarchy_grids(draw: st.DrawFn) -> object:
    """Random LA x category counts (0-50) in 1-2 regions, with every total."""
    n_categories = draw(st.integers(2, 4))
    categories = [f"K{i}" for i in range(n_categories)]
    las_per_region = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    las = [f"R{r + 1}/{100 * (r + 1) + i}" for r, n in enumerate(las_per_region) for i in range(n)]
    small = st.integers(0, 50) | st.integers(0, 7)
    cells = {(la, c): draw(small) for la in las for c in categories}
    return grid_table(cells, categories)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchy_grids())
def test_protected_random_grids_publish_no_small_count_and_pass_the_audit(table: object) -> None:
    protected, summary = protect({"grid": table})
    out = protected["grid"].frame["number"]
    shown = out[out != "c"].astype(int)
    assert not ((shown >= 1) & (shown <= 5)).any()
    original = table.frame["number"].astype(int)
    assert (original[out == "c"] >= 0).all()
    # with the primary cells: no LP interval of one of them is narrower than 5
    report = audit(protected, summary.primary)
    assert report.suppressed_counts == int((out == "c").sum())


@st.composite
def crossed_grids(draw: st.DrawFn) -> object:
    """Random 2-way tables (rows x columns, 0-50) with row, column and grand totals."""
    n_rows, n_cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    body = np.array(
        [
            [draw(st.integers(0, 50) | st.integers(0, 6)) for _ in range(n_cols)]
            for _ in range(n_rows)
        ]
    )
    values: dict[tuple[str, str], object] = {("Total", "Total"): int(body.sum())}
    for j in range(n_cols):
        values[("Total", f"a{j}")] = int(body[:, j].sum())
    for i in range(n_rows):
        values[(f"s{i}", "Total")] = int(body[i].sum())
        for j in range(n_cols):
            values[(f"s{i}", f"a{j}")] = int(body[i, j])
    return crossed_table(values)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crossed_grids())
def test_protected_random_two_way_tables_pass_the_audit(table: object) -> None:
    protected, summary = protect({"crossed": table})
    out = protected["crossed"].frame["number"]
    shown = out[out != "c"].astype(int)
    assert not ((shown >= 1) & (shown <= 5)).any()
    audit(protected, summary.primary)
