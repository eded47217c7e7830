"""Property tests: invariants of the child-level table on random episode histories."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_measures_support import build_tables

from pipeline.measures import compute_measures

YEARS = [2022, 2023, 2024]
FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2024, 3, 31)
CENSUS_DATES = [
    dt.date(2021, 5, 20),
    dt.date(2021, 10, 7),
    dt.date(2022, 1, 20),
    dt.date(2022, 5, 19),
    dt.date(2022, 10, 6),
    dt.date(2023, 1, 19),
    dt.date(2023, 5, 18),
    dt.date(2023, 10, 5),
    dt.date(2024, 1, 18),
]

days = st.integers(min_value=1, max_value=400)


@st.composite
def episode_histories(draw: st.DrawFn) -> list[dict]:
    """A child's episodes: contiguous changes (X1) and gaps out of care, last one maybe open."""
    start = FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 1800)))
    episodes = []
    rne = "S"
    for _ in range(draw(st.integers(1, 7))):
        if start > LAST_DAY:
            break
        episode = {
            "decom": start.isoformat(),
            "rne": rne,
            "ls": draw(st.sampled_from(["C2", "C2", "C1", "V2", "E1", "V3"])),
            "place": draw(st.sampled_from(["U1", "U4", "R1", "T1", "A3", "A4", "P1", "H5"])),
            "urn": draw(st.sampled_from(["SC1", "SC2", "SC3"])),
            "reason": draw(st.sampled_from(["CARPL", "CHILD", "PLACE", None])),
        }
        episodes.append(episode)
        end = start + dt.timedelta(days=draw(days))
        leaves = draw(st.integers(0, 5)) == 0
        episode["dec"] = end.isoformat()
        episode["rec"] = "E13" if leaves else "X1"
        if leaves:
            start = end + dt.timedelta(days=draw(days))
            rne = "S"
        else:
            start = end
            rne = draw(st.sampled_from(["P", "P", "B", "T", "U", "L"]))
    if episodes and draw(st.booleans()):
        episodes[-1]["dec"] = None
        episodes[-1]["rec"] = None
    return episodes


@st.composite
def social_worker_histories(draw: st.DrawFn) -> list[dict]:
    """Contiguous social worker episodes, with the odd cover episode and duplicate."""
    start = FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 1500)))
    workers = []
    for _ in range(draw(st.integers(0, 6))):
        end = start + dt.timedelta(days=draw(days))
        workers.append(
            {
                "id": draw(st.sampled_from(["W1", "W2", "W3", "W4"])),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": draw(st.sampled_from(["TSPROC", "MANAGE", "LEFTRL"])),
                "copies": draw(st.sampled_from([1, 1, 2])),
            }
        )
        start = end
    if workers and draw(st.booleans()):
        workers[-1]["end"] = None
    return workers


@st.composite
def census_histories(draw: st.DrawFn) -> list[dict]:
    """Termly census rows at a few schools with entry dates on or before the census."""
    rows = []
    for census_date in CENSUS_DATES:
        if draw(st.integers(0, 3)) == 0:
            continue
        entry = census_date - dt.timedelta(days=draw(st.integers(0, 500)))
        rows.append(
            {
                "urn": draw(st.sampled_from(["100", "200", "300"])),
                "date": census_date.isoformat(),
                "entry": entry.isoformat(),
                "phase": draw(st.sampled_from(["PR", "SE"])),
            }
        )
    return rows


@st.composite
def cases(draw: st.DrawFn) -> dict:
    """A case of a few random children in LA 886 over 2022-2024."""
    children = {}
    for number in range(draw(st.integers(1, 6))):
        children[f"C{number}"] = {
            "dob": (dt.date(2004, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6500)))),
            "episodes": draw(episode_histories()),
            "social_workers": draw(social_worker_histories()),
            "census": draw(census_histories()),
        }
    return {
        "years": YEARS,
        "sw_supplied": draw(st.sampled_from([YEARS, [2024], []])),
        "children": children,
        "links": [["300", "200"]] if draw(st.booleans()) else [],
    }


def _at_least(counts: pd.Series, n: int) -> pd.Series:
    """The flag a count implies (``<NA>`` stays ``<NA>``)."""
    return (counts >= n).astype("boolean")


def _check_invariants(case: dict) -> None:
    result = compute_measures(build_tables(case))
    children = result.children
    assert not children.duplicated(["LA", "CHILD", "YEAR", "PERIOD"]).any()
    counts = [
        "placement_moves",
        "school_moves",
        "school_midyear_moves",
        "sw_changes",
        "sw_changes_excl_tsproc",
    ]
    for column in counts:
        assert (children[column].dropna() >= 0).all(), column
    assert children["placement_moves"].notna().all()
    # Counts <NA> exactly outside their cohort.
    assert (children["school_moves"].isna() == ~children["in_school_cohort"]).all()
    assert (children["sw_changes"].isna() == ~children["in_sw_cohort"]).all()
    # Flags follow counts.
    flag_rules = {
        "placement_1plus": ("placement_moves", 1),
        "placement_2plus": ("placement_moves", 2),
        "placement_4plus": ("placement_moves", 4),
        "school_any": ("school_moves", 1),
        "school_midyear": ("school_midyear_moves", 1),
        "sw_1plus": ("sw_changes", 1),
        "sw_2plus": ("sw_changes", 2),
        "sw_2plus_excl_tsproc": ("sw_changes_excl_tsproc", 2),
    }
    for flag, (count, n) in flag_rules.items():
        assert children[flag].equals(_at_least(children[count], n).rename(flag)), flag
    assert (children["school_midyear_moves"] <= children["school_moves"]).dropna().all()
    assert (children["sw_changes_excl_tsproc"] <= children["sw_changes"]).dropna().all()
    # Combined flags: complete cases only; no_change is the negation of any_change.
    complete = children["in_school_cohort"] & children["in_sw_cohort"]
    assert (children["any_change"].isna() == ~complete).all()
    both = children[complete]
    assert (both["no_change"] == ~both["any_change"]).all()
    assert (both["multiple_any"] <= both["any_change"]).all()
    assert (both["all_three_high"] <= both["all_three"]).all()
    # Two-year split adds up; the second year holds at least the one-year count.
    two = children[children["PERIOD"] == "2y"]
    for total in ["placement_moves", "school_moves", "sw_changes"]:
        parts = two[f"{total}_first_year"] + two[f"{total}_second_year"]
        assert (parts == two[total]).dropna().all(), total
        assert (two[f"{total}_first_year"].dropna() >= 0).all()
        assert (two[f"{total}_second_year"].dropna() >= 0).all()
    index = ["LA", "CHILD", "YEAR"]
    one = children[children["PERIOD"] == "1y"].set_index(index)
    two_year = two.set_index(index)
    joined = two_year.join(one[["placement_moves"]], how="inner", suffixes=("", "_1y"))
    assert (joined["placement_moves_second_year"] >= joined["placement_moves_1y"]).all()
    assert len(joined) == len(two_year)  # C2(Y) is a subset of C(Y)
    # School moves and social worker changes are counted by their own dates only, so the
    # two-year period's first year equals the one-year count of Y-1 wherever both are known.
    previous = one.reset_index().assign(YEAR=lambda f: f["YEAR"] + 1).set_index(index)
    for total in ["school_moves", "sw_changes"]:
        pairs = two_year[[f"{total}_first_year"]].join(previous[[total]], how="inner").dropna()
        assert (pairs[f"{total}_first_year"] == pairs[total]).all(), total
    # Events reconcile with the one-year counts.
    counted = result.events[result.events["counted"] & (result.events["event"] == "placement_move")]
    per_child = counted.groupby(["LA", "CHILD", "YEAR"]).size()
    expected = one["placement_moves"][one["placement_moves"] > 0]
    assert per_child.sort_index().astype("int64").to_dict() == expected.astype("int64").to_dict()
    # Previous-year flags only in the consecutive period.
    consecutive = children["PERIOD"] == "consecutive"
    assert children.loc[~consecutive, "placement_2plus_previous_year"].isna().all()
    assert children.loc[consecutive, "placement_2plus_previous_year"].notna().all()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_measures_invariants_hold_on_random_histories(case: dict) -> None:
    _check_invariants(case)
