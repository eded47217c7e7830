"""The measures step: ``InputTables`` -> child-level table, events and exclusions."""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.arrow_memory import numpy_small_pages, system_allocator
from pipeline.inputs.tables import InputTables
from pipeline.measures import cohorts, placement_moves, school_moves, social_worker_changes
from pipeline.measures.characteristics import create_child_characteristics
from pipeline.measures.periods import child_level_sql, create_child_windows, create_window_counts
from pipeline.measures.prepare import (
    ArrowInputs,
    ended_by_absence,
    load_tables,
    split_into_batches,
)
from pipeline.measures.schema import CHILD_LEVEL_COLUMNS, PERIODS

log = logging.getLogger(__name__)
T = TypeVar("T")

EVENT_COLUMNS = ["LA", "CHILD", "YEAR", "event", "date", "reason", "rule", "midyear", "counted"]
EXCLUSION_COLUMNS = ["LA", "YEAR", "reason", "children"]

_ARROW_TO_PANDAS = {
    pa.int64(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
}


@dataclass
class MeasuresResult:
    """What the measures step hands to aggregation (docs/contracts.md sections 2 and 6).

    Attributes:
        children: one row per ``LA x CHILD x YEAR x PERIOD`` with ``CHILD_LEVEL_COLUMNS``,
            sorted by LA, YEAR, PERIOD (in ``PERIODS`` order) and CHILD. Never published.
        events: placement moves, school moves and social worker changes dated in year Y of
            children in ``C(Y)`` (school and social worker events: of children in those
            cohorts), counted or not (``counted``), with the ``rule`` that decided.
        exclusions: ``LA, YEAR, reason, children``: children looked after at 31 March left out
            of ``C(Y)``, school-age children not matched to the census, and census pupils not
            matched to a child.
    """

    children: pd.DataFrame
    events: pd.DataFrame
    exclusions: pd.DataFrame


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert an Arrow table to pandas with nullable dtypes (Int64, boolean, string)."""
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


def _stack(parts: list[pa.Table]) -> pd.DataFrame:
    """Stack the batches' Arrow tables (in batch order) into one pandas frame.

    Column by column, each Arrow column dropped once converted, so the numbers and flags are
    not held twice at once; dictionary-encoded text (:func:`_fetch_with_codes`) is decoded
    here, one column at a time.
    """
    table = pa.concat_tables(parts)
    parts.clear()
    columns: dict[str, pd.Series] = {}
    for name in list(table.column_names):
        column = table.column(name)
        table = table.drop_columns([name])
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.large_string())
        columns[name] = _to_pandas(pa.table({name: column}))[name]
        del column
        pa.default_memory_pool().release_unused()
    frame = pd.DataFrame(columns, copy=False)
    frame["YEAR"] = frame["YEAR"].astype("int64")
    return frame


def _codes(con: duckdb.DuckDBPyConnection, query: str) -> pa.Array:
    """The single text column of ``query`` as one Arrow string array."""
    return con.sql(query).to_arrow_table().column(0).combine_chunks().cast(pa.string())


def _fetch_with_codes(
    con: duckdb.DuckDBPyConnection, query: str, order: list[tuple[str, str]]
) -> pa.Table:
    """Run ``query`` (integer ``LA``/``CHILD`` keys), sort it by ``order`` and return it with
    the text codes put back.

    Sorting happens in Arrow on the integer keys (``order``: ``(column, "ascending")`` pairs;
    keys follow the codes' order, so sorting by keys sorts by codes): an ``ORDER BY`` of the
    wide rows in DuckDB needs several times the memory. Text columns other than ``CHILD``
    (labels, periods, LA codes) come back dictionary-encoded, so the sort moves small integers
    and the batches wait in little memory (:func:`_stack` decodes them); ``CHILD`` codes are
    put back with ``take`` on the array of codes, so no Python string is made per row.
    """
    table = con.sql(query).to_arrow_table()
    rows = pc.sort_indices(table, sort_keys=order)
    for index, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(index, field.name, pc.dictionary_encode(table.column(index)))
    table = _own_dictionaries(table.take(rows))
    la_codes = _codes(con, "SELECT la_code FROM la_keys ORDER BY LA")
    child_codes = _codes(con, "SELECT child_code FROM child_keys ORDER BY CHILD")
    la_keys = pc.subtract(table.column("LA").cast(pa.int32()), 1).combine_chunks()
    la = pa.DictionaryArray.from_arrays(la_keys, la_codes)
    table = table.set_column(table.schema.get_field_index("LA"), "LA", la)
    child_keys = pc.subtract(table.column("CHILD").cast(pa.int64()), 1)
    child = pc.take(child_codes, child_keys)
    return table.set_column(table.schema.get_field_index("CHILD"), "CHILD", child)


def _own_dictionaries(table: pa.Table) -> pa.Table:
    """``table`` with each dictionary column's dictionary copied into memory of its own.

    ``take`` keeps the dictionary of the array it took from; for labels that DuckDB exported
    as dictionaries (``ENUM`` types), that array would keep DuckDB's whole exported result in
    memory until the batches are stacked.
    """
    for index, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            chunks = [
                pa.DictionaryArray.from_arrays(
                    chunk.indices, pa.array(chunk.dictionary.to_pylist(), field.type.value_type)
                )
                for chunk in table.column(index).chunks
            ]
            table = table.set_column(index, field.name, pa.chunked_array(chunks, field.type))
    return table


#: Batches computed at the same time (at most one per core).
PARALLEL_BATCHES = 2

#: Episode rows per batch of LAs. DuckDB's working memory grows with the batch, not with
#: England (about 1 GB above the inputs at scale 1, two batches at a time; all at once it
#: was 3 GB above). Smaller batches cost time: each has ~40 statements to run.
DEFAULT_BATCH_ROWS = 100_000


def la_batches(tables: InputTables, batch_rows: int = DEFAULT_BATCH_ROWS) -> list[list[str]]:
    """Split the LAs, in code order, into runs of about ``batch_rows`` episode rows each.

    Every LA found in any input table is in one batch (an LA with census rows and no episodes
    still gets its count of unmatched pupils). LAs are never split (every measure is per LA
    and child), and the runs follow the codes' order, so results computed batch by batch and
    stacked are in LA order.
    """
    frames = [tables.header, tables.episodes, tables.social_workers, tables.school_census]
    codes = sorted({str(la) for frame in frames for la in frame["LA"].dropna().unique()})
    if not codes:
        return [[]]
    sizes = tables.episodes["LA"].value_counts(dropna=True)
    batches: list[list[str]] = [[]]
    rows = 0
    for la in codes:
        count = int(sizes.get(la, 0))
        if batches[-1] and rows + count > batch_rows:
            batches.append([])
            rows = 0
        batches[-1].append(la)
        rows += count
    return batches


def _measure_batch(
    inputs: ArrowInputs, las: list[str] | None, threads: int | None = None
) -> tuple[pa.Table, pa.Table, pd.DataFrame, int]:
    """Every measure for the LAs ``las`` (None: all): children, events, exclusions, and the
    number of open episodes treated as ended. ``threads``: DuckDB threads (None: all cores)."""
    con = load_tables(inputs, las, threads)
    try:
        cohorts.create_year_dates(con)
        cohorts.create_periods_of_care(con)
        cohorts.create_year_cohort(con)
        cohorts.create_looked_after_in_year(con)
        cohorts.create_school_cohort(con)
        social_worker_changes.create_social_worker_episodes(con)
        social_worker_changes.create_social_worker_changes(con)
        cohorts.create_social_worker_cohort(con)
        placement_moves.create_placement_episode_rules(con)
        placement_moves.create_current_carer_start(con)
        school_moves.create_school_enrolments(con)
        create_child_characteristics(con)
        create_child_windows(con)
        create_window_counts(con)

        ranks = " ".join(f"WHEN '{code}' THEN {rank}" for rank, code in enumerate(PERIODS))
        children = _fetch_with_codes(
            con,
            f"SELECT {', '.join(CHILD_LEVEL_COLUMNS)}, CASE PERIOD {ranks} END AS period_rank "
            f"FROM ({child_level_sql()})",
            [(key, "ascending") for key in ["LA", "YEAR", "period_rank", "CHILD"]],
        ).drop_columns(["period_rank"])
        events_sql = " UNION ALL ".join(
            [
                placement_moves.placement_events_sql(),
                school_moves.school_events_sql(),
                social_worker_changes.social_worker_events_sql(),
            ]
        )
        events = _fetch_with_codes(
            con,
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM ({events_sql})",
            [(key, "ascending") for key in ["LA", "YEAR", "CHILD", "date", "event", "rule"]],
        )
        exclusions = cohorts.exclusions_frame(con)
        ended = ended_by_absence(con)
    finally:
        con.close()
    return children, events, exclusions, ended


def _in_parallel(function: Callable[..., T], items: Iterable[tuple]) -> Iterator[T]:
    """``function(*item)`` for each item, two (one per core) at a time, results in order.

    DuckDB releases the GIL, and a batch's many small statements leave a core idle, so two
    batches side by side use the machine. At most ``workers`` batches (and their input slices,
    made lazily by ``items``) are in memory at once.
    """
    workers = max(1, min(os.cpu_count() or 1, PARALLEL_BATCHES))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[T]] = deque()
        for item in items:
            pending.append(pool.submit(function, *item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _drain(items: list[T]) -> Iterator[T]:
    """Yield the items of ``items`` in order, removing each from the list as it is yielded
    (so the list no longer holds an item, e.g. a batch's input rows, once it is handed out)."""
    items.reverse()
    while items:
        yield items.pop()


def compute_measures(
    tables: InputTables,
    batch_rows: int | None = DEFAULT_BATCH_ROWS,
    release: Callable[[], None] | None = None,
) -> MeasuresResult:
    """Compute every child-level measure of METHODS.md sections 2 to 4 for every year.

    Steps (each one SQL table over all LAs and years of a batch at once): de-duplicate the
    returns, clean the social worker episodes, build the cohorts, classify every placement
    episode, school enrolment and social worker episode, count them over each child's period
    windows, derive the flags and attach the characteristics.

    LAs are processed in batches of about ``batch_rows`` episode rows (None: all at once), so
    memory stays bounded at any scale; the result does not depend on the batches.
    ``release`` (if given) is called once the columns the measures read are held as Arrow
    and ``tables`` is no longer read (the build empties the child-level frames there); the
    Arrow inputs are then split into batches table by table, each table let go once split, and
    each batch's rows are let go once the batch is computed, so the inputs shrink as the
    results grow.
    """
    with system_allocator(), numpy_small_pages():
        return _compute_measures(tables, batch_rows, release)


def _compute_measures(
    tables: InputTables, batch_rows: int | None, release: Callable[[], None] | None
) -> MeasuresResult:
    """:func:`compute_measures`, with Arrow's memory from the C library's allocator (as when
    the inputs are read, ``pipeline.inputs.loading``: mimalloc's fresh 2 MB huge pages cost
    several times the system time to fault in on this kind of machine) and NumPy's large
    arrays in small pages (:func:`pipeline.arrow_memory.numpy_small_pages`)."""
    inputs = ArrowInputs.from_tables(tables)
    batches = None if batch_rows is None else la_batches(tables, batch_rows)
    if release is not None:
        release()  # ``inputs`` now holds the only reference to the columns the measures read
    work: list[tuple[ArrowInputs, list[str] | None]]
    if batches is None:
        work = [(inputs, None)]
    else:
        work = list(zip(split_into_batches(inputs, batches), batches, strict=True))
    del inputs
    children_parts, event_parts, exclusion_parts = [], [], []
    ended = 0
    # Batches side by side share the cores: one DuckDB thread each (measured at scale 1:
    # 10.7 s against 13 s with every batch using every core).
    threads = None if batch_rows is None else max(1, (os.cpu_count() or 1) // PARALLEL_BATCHES)
    measure = partial(_measure_batch, threads=threads)
    for children, events, exclusions, ended_here in _in_parallel(measure, _drain(work)):
        children_parts.append(children)
        event_parts.append(events)
        exclusion_parts.append(exclusions)
        ended += ended_here
    if ended:
        log.warning(
            "measures: %d open episodes missing from a later return of their LA (child not in "
            "that return) were treated as ended on 1 April after their latest return",
            ended,
        )
    children = _stack(children_parts)
    events = _stack(event_parts)
    events["date"] = pd.to_datetime(events["date"]).astype("datetime64[ns]")
    exclusions = (
        pd.concat(exclusion_parts, ignore_index=True)
        .astype({"LA": "string", "YEAR": "int64", "reason": "string", "children": "int64"})
        .sort_values(["LA", "YEAR", "reason"], kind="stable")
        .reset_index(drop=True)
    )
    log.info(
        "measures: %d child-period rows, %d events, %d exclusion rows",
        len(children),
        len(events),
        len(exclusions),
    )
    return MeasuresResult(children=children, events=events, exclusions=exclusions)
