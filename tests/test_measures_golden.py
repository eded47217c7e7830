"""Golden tests: hand-written episode histories with hand-computed measures.

Each ``tests/golden/*.yaml`` file is one case: the children's records (see
``test_measures_support.build_tables``), and under ``expect`` the rows of the child-level
table with the values worked out by hand in the file's comments (``null`` = ``<NA>``;
``absent: true`` = no such row). ``events`` and ``exclusions`` list rows that must be present.

To keep the suite fast, cases with the same collection years are computed together, each in
an LA of its own (cases cannot see each other: every measure is per LA and child).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_measures_support import build_tables

from pipeline.build import release_child_rows
from pipeline.geography import la_lookup
from pipeline.inputs.tables import InputTables
from pipeline.measures import MeasuresResult, compute_measures
from pipeline.measures.schema import CHILD_LEVEL_COLUMNS

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.yaml"))


def golden_groups() -> list[tuple[list[str], dict[str, dict], dict[str, str], InputTables]]:
    """The cases grouped by their collection years, each group in one ``InputTables``.

    Returns ``(names, cases, las, tables)`` per group: every case gets its pinned LA, or a
    spare LA of its own, so several cases share one set of tables without mixing.
    """
    cases = {path.stem: yaml.safe_load(path.read_text()) for path in CASES}
    pinned = {str(case["la"]) for case in cases.values() if "la" in case}
    spare = iter(code for code in sorted(la_lookup()) if code not in pinned)
    las = {name: str(case["la"]) if "la" in case else next(spare) for name, case in cases.items()}
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, case in cases.items():
        groups.setdefault(tuple(case["years"]), []).append(name)
    return [
        (names, cases, las, build_tables(*(cases[n] for n in names), las=[las[n] for n in names]))
        for names in groups.values()
    ]


@pytest.fixture(scope="module")
def golden_results() -> dict[str, tuple[str, dict, MeasuresResult]]:
    """Every case's LA, case dictionary and result, computed once per group of years."""
    results = {}
    for names, cases, las, tables in golden_groups():
        result = compute_measures(tables)
        for name in names:
            results[name] = (las[name], cases[name], result)
    return results


def _same(actual: object, expected: object) -> bool:
    """Compare a table cell with a YAML value (``None`` means missing)."""
    if expected is None:
        return actual is pd.NA or actual is None or pd.isna(actual)
    if actual is pd.NA or pd.isna(actual):
        return False
    if isinstance(expected, bool):
        return bool(actual) is expected
    return actual == expected


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_golden_case(path: Path, golden_results) -> None:
    la, case, result = golden_results[path.stem]
    children = result.children[result.children["LA"] == la]
    events = result.events[result.events["LA"] == la]
    exclusions = result.exclusions[result.exclusions["LA"] == la]
    assert list(children.columns) == CHILD_LEVEL_COLUMNS
    for row in case.get("expect", []):
        row = dict(row)
        key = (str(row.pop("child")), int(row.pop("year")), row.pop("period"))
        match = children[
            (children["CHILD"] == key[0])
            & (children["YEAR"] == key[1])
            & (children["PERIOD"] == key[2])
        ]
        if row.pop("absent", False):
            assert match.empty, f"{path.stem}: unexpected row {key}"
            continue
        assert len(match) == 1, f"{path.stem}: expected one row {key}, found {len(match)}"
        actual = match.iloc[0]
        wrong = {
            column: (actual[column], value)
            for column, value in row.items()
            if not _same(actual[column], value)
        }
        assert not wrong, f"{path.stem} {key}: (actual, expected) {wrong}"
    for event in case.get("events", []):
        event = dict(event)
        found = events[
            (events["CHILD"] == str(event.pop("child")))
            & (events["YEAR"] == int(event.pop("year")))
            & (events["date"] == pd.Timestamp(str(event.pop("date"))))
            & (events["event"] == event.pop("event"))
        ]
        assert len(found) == 1, f"{path.stem}: event not found once: {event}"
        wrong = {
            k: (found.iloc[0][k], v) for k, v in event.items() if not _same(found.iloc[0][k], v)
        }
        assert not wrong, f"{path.stem} event: (actual, expected) {wrong}"
    for exclusion in case.get("exclusions", []):
        found = exclusions[
            (exclusions["YEAR"] == int(exclusion["year"]))
            & (exclusions["reason"] == exclusion["reason"])
        ]
        children_counted = int(found["children"].sum()) if len(found) else 0
        assert children_counted == exclusion["children"], f"{path.stem}: {exclusion}"


def _assert_same_result(left: MeasuresResult, right: MeasuresResult) -> None:
    for name in ["children", "events", "exclusions"]:
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name), obj=name)


def test_one_la_per_batch_gives_the_same_result_as_all_at_once() -> None:
    for *_, tables in golden_groups():
        if tables.episodes["LA"].nunique() < 2:
            continue
        _assert_same_result(
            compute_measures(tables, batch_rows=1), compute_measures(tables, batch_rows=None)
        )


def test_census_rows_in_another_las_return_match_across_batches() -> None:
    """A pupil's census rows returned by a different LA still match, batch or not, and the
    unmatched census pupils are counted against the LA whose return holds them."""
    tables = max((tables for *_, tables in golden_groups()), key=lambda t: len(t.school_census))
    census = tables.school_census.copy()
    source = census["LA"].value_counts().index[0]
    other = next(la for la in sorted(tables.episodes["LA"].dropna().unique()) if la != source)
    moved = census.index[census["LA"] == source][::2]
    assert len(moved) > 0
    census.loc[moved, "LA"] = other
    tables.school_census = census
    batched = compute_measures(tables, batch_rows=1)
    _assert_same_result(batched, compute_measures(tables, batch_rows=None))
    assert batched.children["in_school_cohort"].fillna(False).any()


def test_inputs_released_during_the_measures_change_nothing() -> None:
    """The build empties the input frames while the measures run (``release``): called once,
    the frames are empty afterwards, and the result is the same as with the frames kept."""
    tables = next(t for *_, t in golden_groups() if t.episodes["LA"].nunique() >= 2)
    expected = compute_measures(tables, batch_rows=1)
    calls = []

    def release() -> None:
        calls.append(len(tables.episodes))
        release_child_rows(tables)

    released = compute_measures(tables, batch_rows=1, release=release)
    assert len(calls) == 1 and calls[0] > 0
    assert tables.episodes.empty and tables.school_census.empty
    _assert_same_result(released, expected)
