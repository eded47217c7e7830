"""The measures step's contract: columns, types, order, errors and de-duplication."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from numpy._core.multiarray import _set_madvise_hugepage
from test_measures_support import build_tables

from pipeline.measures import MeasuresInputError, compute_measures
from pipeline.measures.prepare import canonical_school_urns, load_tables
from pipeline.measures.schema import (
    CHARACTERISTICS,
    CHILD_LEVEL_COLUMNS,
    COUNT_COLUMNS,
    FLAGS,
    PERIODS,
    SPLIT_COUNT_COLUMNS,
)

STEADY_CHILD = {"dob": "2012-06-01", "episodes": [{"decom": "2020-01-01", "rne": "S"}]}


def test_empty_input_gives_empty_tables_with_the_contract_columns() -> None:
    result = compute_measures(build_tables({"years": [2024], "children": {}}))
    assert list(result.children.columns) == CHILD_LEVEL_COLUMNS
    assert result.children.empty
    assert list(result.events.columns) == [
        "LA", "CHILD", "YEAR", "event", "date", "reason", "rule", "midyear", "counted",
    ]  # fmt: skip
    assert list(result.exclusions.columns) == ["LA", "YEAR", "reason", "children"]


def test_column_types_follow_the_schema() -> None:
    case = {"years": [2023, 2024], "children": {"C1": STEADY_CHILD}}
    children = compute_measures(build_tables(case)).children
    for column in COUNT_COLUMNS + SPLIT_COUNT_COLUMNS:
        assert children[column].dtype == "Int64", column
    for column in list(FLAGS) + ["in_school_cohort", "in_sw_cohort", "in_long_term_cohort"]:
        assert children[column].dtype == "boolean", column
    for column, (_, labels) in CHARACTERISTICS.items():
        assert children[column].dtype == "string", column
        assert children[column].isin(labels).all(), column
    assert children["YEAR"].dtype == "int64"


def test_rows_are_sorted_by_la_year_period_order_and_child() -> None:
    case = {"years": [2023, 2024], "children": {"C2": STEADY_CHILD, "C1": STEADY_CHILD}}
    tables = build_tables(case, case, las=["886", "202"])
    children = compute_measures(tables).children
    rank = {period: n for n, period in enumerate(PERIODS)}
    keys = list(
        zip(
            children["LA"],
            children["YEAR"],
            children["PERIOD"].map(rank),
            children["CHILD"],
            strict=True,
        )
    )
    assert keys == sorted(keys)
    assert set(children["PERIOD"]) == {"1y", "2y", "consecutive"}
    # The same child identifier in two LAs is two children.
    assert len(children[(children["CHILD"] == "C1") & (children["PERIOD"] == "1y")]) == 4


def test_unknown_codes_stop_the_run_naming_row_and_column() -> None:
    child = {"dob": "2012-06-01", "sex": "9", "episodes": [{"decom": "2020-01-01", "place": "Q9"}]}
    with pytest.raises(MeasuresInputError) as error:
        compute_measures(build_tables({"years": [2024], "children": {"C7": child}}))
    message = str(error.value)
    assert "header: LA 886, CHILD C7" in message and "SEX '9'" in message
    assert "episode starting 01/01/2020" in message and "PLACE 'Q9'" in message


def test_census_row_repeated_in_two_returns_is_not_a_move() -> None:
    child = {
        "dob": "2012-06-01",
        "upn": "A123456789012",
        "episodes": [{"decom": "2020-01-01"}],
        "census": [
            {"urn": "100", "date": "2023-10-05", "entry": "2019-09-04"},
            {"urn": "200", "date": "2024-01-18", "entry": "2023-11-06"},
        ],
    }
    tables = build_tables({"years": [2024], "children": {"C1": child}})
    repeated = tables.school_census.assign(YEAR=2023)
    tables.school_census = pd.concat([tables.school_census, repeated], ignore_index=True)
    children = compute_measures(tables).children
    assert children.loc[children["PERIOD"] == "1y", "school_moves"].tolist() == [1]


def test_events_belong_to_children_in_the_year_cohort() -> None:
    left = {
        "dob": "2012-06-01",
        "episodes": [
            {"decom": "2020-01-01", "dec": "2023-06-01", "rec": "X1"},
            {"decom": "2023-06-01", "rne": "P", "urn": "SC2", "dec": "2023-12-01", "rec": "E13"},
        ],
    }
    result = compute_measures(build_tables({"years": [2024], "children": {"C1": left}}))
    assert result.children.empty
    assert result.events.empty


def test_school_links_follow_chains_to_the_first_school() -> None:
    links = pd.DataFrame(
        {"URN": ["300", "200", "900", "800"], "PREDECESSOR_URN": ["200", "100", "800", "900"]},
        dtype="string",
    )
    canonical = canonical_school_urns(links).set_index("URN")["CANONICAL_URN"].to_dict()
    assert canonical["300"] == "100" and canonical["200"] == "100" and canonical["100"] == "100"
    # A cycle (bad links) ends without hanging; both schools map inside the cycle.
    assert {canonical["900"], canonical["800"]} <= {"800", "900"}
    assert canonical["900"] == canonical["800"]


def test_school_links_join_every_predecessor_of_a_merger() -> None:
    # 300 took over from 100 and 200; 500 later took over from 300; 700 is unrelated.
    links = pd.DataFrame(
        {"URN": ["300", "300", "500", "700"], "PREDECESSOR_URN": ["200", "100", "300", "600"]},
        dtype="string",
    )
    canonical = canonical_school_urns(links).set_index("URN")["CANONICAL_URN"].to_dict()
    assert {canonical[urn] for urn in ["100", "200", "300", "500"]} == {"100"}
    assert canonical["700"] == canonical["600"] == "600"


def test_reader_output_flows_through_the_measures() -> None:
    """The inputs engineer's small valid fixture, read by the real reader, gives measures."""
    from pathlib import Path

    from pipeline.inputs.loading import load

    folder = Path(__file__).parent / "fixtures" / "inputs" / "valid"
    if not folder.is_dir():
        pytest.skip("reader fixture not present")
    tables, report = load(folder)
    assert tables is not None, report.to_text()
    result = compute_measures(tables)
    one_year = result.children[result.children["PERIOD"] == "1y"]
    assert not one_year.empty
    assert set(one_year["YEAR"]) <= set(tables.years)
    counted = result.events[result.events["counted"]]
    assert set(counted["event"]) <= {"placement_move", "school_move", "sw_change"}


def test_measures_use_the_system_allocator_and_small_pages_and_give_both_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.measures import engine

    before = pa.default_memory_pool().backend_name
    huge_before = _set_madvise_hugepage(True)
    seen: list[tuple[str, bool]] = []
    measure_batch = engine._measure_batch

    def recording(*args: object, **kwargs: object) -> object:
        huge = _set_madvise_hugepage(False)
        _set_madvise_hugepage(huge)
        seen.append((pa.default_memory_pool().backend_name, huge))
        return measure_batch(*args, **kwargs)

    monkeypatch.setattr(engine, "_measure_batch", recording)
    try:
        result = compute_measures(build_tables({"years": [2024], "children": {"C1": STEADY_CHILD}}))
        huge_after = _set_madvise_hugepage(huge_before)
    finally:
        _set_madvise_hugepage(huge_before)
    assert len(result.children) == 1
    assert seen == [("system", False)] and pa.default_memory_pool().backend_name == before
    assert huge_after is True


def test_integer_keys_follow_the_codes_order_and_are_unique_over_las() -> None:
    """``C10`` sorts before ``C2`` (byte order, as the outputs are sorted); the same child code
    in two LAs gets two keys; every working table holds the keys of its rows' codes."""
    case = {"years": [2024], "children": {"C2": STEADY_CHILD, "C10": STEADY_CHILD}}
    tables = build_tables(case, case, las=["887", "886"])
    con = load_tables(tables)
    try:
        assert con.sql("SELECT la_code, LA FROM la_keys ORDER BY LA").fetchall() == [
            ("886", 1),
            ("887", 2),
        ]
        assert con.sql(
            "SELECT LA, child_code, CHILD FROM child_keys ORDER BY CHILD"
        ).fetchall() == [
            (1, "C10", 1),
            (1, "C2", 2),
            (2, "C10", 3),
            (2, "C2", 4),
        ]
        for table in ["header", "episodes_all", "episodes"]:
            pairs = con.sql(
                f"""SELECT l.la_code, k.child_code FROM {table} t
                JOIN la_keys l ON l.LA = t.LA JOIN child_keys k ON k.CHILD = t.CHILD
                WHERE k.LA = t.LA ORDER BY ALL"""
            ).fetchall()
            assert pairs == [("886", "C10"), ("886", "C2"), ("887", "C10"), ("887", "C2")]
        supplied = "SELECT l.la_code, s.YEAR FROM sw_supplied s JOIN la_keys l USING (LA)"
        assert sorted(con.sql(supplied).fetchall()) == [("886", 2024), ("887", 2024)]
    finally:
        con.close()
