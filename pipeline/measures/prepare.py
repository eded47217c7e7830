"""Load the normalised input tables into DuckDB and de-duplicate them.

The same episode appears in the return of every year it touches, so every table is reduced to
one row per natural key, keeping the row from the latest collection year (METHODS.md section 1;
``InputTables`` docstring). Short-break episodes (``LS`` ``V3``/``V4``) are split off here
because METHODS.md section 3 rule 3 drops them "before anything else".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.inputs.tables import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    SCHOOL_CENSUS_COLUMNS,
    SCHOOL_LINK_COLUMNS,
    SHORT_BREAK_LS,
    SOCIAL_WORKER_COLUMNS,
    TEMPORARY_PLACE,
    InputTables,
)

log = logging.getLogger(__name__)

#: A UPN that identifies a pupil: a check letter then 11 digits and a digit or letter.
#: Placeholder codes (``UN1``-``UN10``) never match the school census.
UPN_PATTERN = r"^[A-Z][0-9]{11}[0-9A-Z]$"


def sql_list(codes: set[str]) -> str:
    """Render a set of codes as a SQL list literal, e.g. ``('V3', 'V4')``."""
    return "(" + ", ".join(f"'{code}'" for code in sorted(codes)) + ")"


def _with_columns(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """Return ``frame`` as Arrow, restricted to ``LA, YEAR`` + ``columns`` (absent ones blank).

    DuckDB scans Arrow tables faster than pandas frames with text columns.
    """
    missing = [column for column in ["LA", "YEAR", *columns] if column not in frame.columns]
    if missing:
        frame = frame.assign(**{column: pd.NA for column in missing}).astype(
            {column: "string" for column in missing}
        )
    return pa.Table.from_pandas(frame[["LA", "YEAR", *columns]], preserve_index=False)


def canonical_school_urns(links: pd.DataFrame) -> pd.DataFrame:
    """Map every linked URN to one identifier for its group of linked schools.

    ``school_links`` says a school (``URN``) took over from ``PREDECESSOR_URN`` (academy
    conversion, merger). Schools joined by links, directly or through other schools, are one
    school: the groups are the connected components of the graph whose edges are the links, so
    a merger with two predecessors joins all three schools, and a chain of conversions is one
    group. Every URN of a group maps to the group's smallest URN (for a chain numbered in
    order, its first school), so a pupil "moving" between linked schools has not moved
    (METHODS.md section 3). Returns ``URN, CANONICAL_URN`` for every URN that appears in a link.
    """
    links = links.dropna(subset=["URN", "PREDECESSOR_URN"])
    successor = links["URN"].astype(str).to_numpy()
    predecessor = links["PREDECESSOR_URN"].astype(str).to_numpy()
    urns, codes = np.unique(np.concatenate([successor, predecessor]), return_inverse=True)
    edges = len(successor)
    graph = coo_matrix(
        (np.ones(edges, dtype=np.int8), (codes[:edges], codes[edges:])),
        shape=(len(urns), len(urns)),
    )
    _, component = connected_components(graph, directed=False)
    # ``urns`` is sorted, so the first URN met in each component is its smallest.
    first_of_component = pd.Series(np.arange(len(urns))).groupby(component).transform("min")
    canonical = urns[first_of_component.to_numpy()]
    return pd.DataFrame(
        {
            "URN": pd.array(urns, dtype="string"),
            "CANONICAL_URN": pd.array(canonical, dtype="string"),
        }
    )


@dataclass
class ArrowInputs:
    """The input tables as Arrow, converted once and shared by every batch of LAs."""

    header: pa.Table
    episodes: pa.Table
    social_workers: pa.Table
    school_census: pa.Table
    links: pd.DataFrame
    years: pd.DataFrame
    sw_supplied: pd.DataFrame

    @classmethod
    def from_tables(cls, tables: InputTables) -> ArrowInputs:
        """Convert ``tables`` (see :class:`InputTables`) to the form DuckDB scans fastest."""
        links = tables.school_links
        if links is None or links.empty:
            links = pd.DataFrame(columns=SCHOOL_LINK_COLUMNS, dtype="string")
        # The collection years of the run; tables built without ``years`` use the episodes'.
        years = sorted({int(year) for year in tables.years})
        if not years and not tables.episodes.empty:
            years = sorted({int(year) for year in tables.episodes["YEAR"].unique()})
        supplied = pd.DataFrame(sorted(tables.sw_supplied), columns=["LA", "YEAR"]).astype(
            {"LA": "string", "YEAR": "int64"}
        )
        return cls(
            header=_with_columns(tables.header, HEADER_COLUMNS),
            episodes=_with_columns(tables.episodes, EPISODE_COLUMNS),
            social_workers=_with_columns(tables.social_workers, SOCIAL_WORKER_COLUMNS),
            school_census=_with_columns(tables.school_census, SCHOOL_CENSUS_COLUMNS),
            links=canonical_school_urns(links),
            years=pd.DataFrame({"YEAR": pd.Series(years, dtype="int64")}),
            sw_supplied=supplied,
        )


def _batch_numbers(la: pa.ChunkedArray | pa.Array, batch_of: dict[str, int]) -> np.ndarray:
    """Batch number of every row from its LA code (-1: LA in no batch, or blank)."""
    codes = list(batch_of)
    position = pc.index_in(la, value_set=pa.array(codes, pa.string()))
    lookup = np.append(np.array([batch_of[code] for code in codes], dtype=np.int64), -1)
    return lookup[position.fill_null(len(codes)).to_numpy(zero_copy_only=False)]


def _rows_by_batch(batch: np.ndarray, count: int) -> list[np.ndarray]:
    """Row positions of each batch ``0 .. count-1``, in row order."""
    order = np.argsort(batch, kind="stable")
    bounds = np.searchsorted(batch[order], np.arange(count + 1))
    return [order[bounds[b] : bounds[b + 1]] for b in range(count)]


def split_into_batches(inputs: ArrowInputs, batches: list[list[str]]) -> list[ArrowInputs]:
    """The input rows :func:`load_tables` needs for each batch of LAs, in batch order.

    The header, episode and social worker rows of the batch's LAs, and every census row of
    each UPN found in those headers or in the batch's own census rows (so a pupil's census
    rows returned by another LA go with the pupil). The rows are found once for all batches,
    so each batch costs time in proportion to its own size. Each table of ``inputs`` is
    emptied once it is split (``inputs`` keeps its schemas, links and years), so the input
    rows are never held twice over.
    """
    batch_of = {la: number for number, las in enumerate(batches) for la in las}
    count = len(batches)
    header_batches = _batch_numbers(inputs.header.column("LA"), batch_of)
    census_rows = _census_rows_by_batch(inputs, header_batches, batch_of, count)
    parts: dict[str, list[pa.Table]] = {}
    for name in ["header", "episodes", "social_workers", "school_census"]:
        table: pa.Table = getattr(inputs, name)
        if name == "school_census":
            rows = census_rows
        else:
            numbers = (
                header_batches if name == "header" else _batch_numbers(table.column("LA"), batch_of)
            )
            rows = _rows_by_batch(numbers, count)
        parts[name] = [table.take(rows[number]) for number in range(count)]
        setattr(inputs, name, table.schema.empty_table())
        del table
    return [
        replace(inputs, **{name: tables[number] for name, tables in parts.items()})
        for number in range(count)
    ]


def _census_rows_by_batch(
    inputs: ArrowInputs, header_batches: np.ndarray, batch_of: dict[str, int], count: int
) -> list[np.ndarray]:
    """Census row positions of each batch: every row of a UPN found in the batch's headers
    (``header_batches``: the batch of each header row) or in the batch's own census rows."""
    census = inputs.school_census
    census_upns = census.column("UPN").to_pandas()
    upn_batches = pd.concat(
        [
            pd.DataFrame({"UPN": inputs.header.column("UPN").to_pandas(), "batch": header_batches}),
            pd.DataFrame(
                {"UPN": census_upns, "batch": _batch_numbers(census.column("LA"), batch_of)}
            ),
        ]
    )
    upn_batches = upn_batches[(upn_batches["batch"] >= 0) & upn_batches["UPN"].notna()]
    census_rows = pd.DataFrame({"UPN": census_upns, "row": np.arange(census.num_rows)}).merge(
        upn_batches.drop_duplicates(), on="UPN"
    )
    by_batch = census_rows.groupby("batch")["row"].apply(np.sort).to_dict()
    empty = np.array([], dtype=np.int64)
    return [by_batch.get(number, empty) for number in range(count)]


def load_tables(
    tables: InputTables | ArrowInputs, las: list[str] | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB database holding the de-duplicated input tables.

    ``las``: the LAs of a batch, with ``tables`` holding only that batch's rows
    (:func:`split_into_batches`; the measures are computed in batches of LAs to bound memory);
    None for every LA, with ``tables`` holding every row. Every measure is per LA and child,
    except that a pupil's census rows may sit in any LA's return: the batch's census rows are
    *every* census row of each UPN that appears in its LAs' headers or census rows, so matching
    and de-duplicating census rows give what they give over all LAs. ``batch_las`` holds the
    batch's LA keys (for the count of unmatched census pupils, which is per LA of the return).

    ``LA`` and ``CHILD`` become integer keys (``la_keys``, ``child_keys``) in Arrow, before
    DuckDB reads the rows (:func:`_register_inputs`). Tables created:
    ``header`` (one row per LA x CHILD, latest year), ``episodes_all`` (one row
    per LA x CHILD x DECOM, latest year; ``ended_by_absence`` marks open episodes ended by
    :func:`load_tables`'s rule below), ``episodes`` (the same without short breaks),
    ``sw_episodes_raw`` (one row per LA x CHILD x SW_ID x SW_DECOM, latest year), ``census``
    (one row per UPN x CENSUS_DATE x URN with a pupil UPN, plus ``CANONICAL_URN``), ``years``
    and ``sw_supplied``. ``threads``: DuckDB's threads for this database (None: one per core).

    An episode still open in its latest return is treated as ended on 1 April after that
    return (the first day of the next collection year, so it is not open at any later 31
    March) when a later return of the same LA has no header row for the child: the child has
    left that LA's care and the episode was never closed (:func:`ended_by_absence` counts them).
    The reader has already ended the open episodes that the LA's next return leaves out, even
    when it keeps the child's header row (``pipeline.inputs.derive.end_absent_episodes``); this
    rule still covers a later return after a gap in the LA's years.
    """
    if not isinstance(tables, ArrowInputs):
        tables = ArrowInputs.from_tables(tables)
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    _register_inputs(con, tables, las)
    _create_header_tables(con)
    _create_episode_tables(con)
    _create_social_worker_and_census_tables(con)
    con.execute(
        "CREATE TABLE batch_las AS SELECT l.LA FROM la_keys l"
        + ("" if las is None else " WHERE l.la_code IN (SELECT LA FROM batch_in)")
    )
    return con


def _register_inputs(
    con: duckdb.DuckDBPyConnection, tables: ArrowInputs, las: list[str] | None
) -> None:
    """The input tables as views with integer ``LA`` and ``CHILD`` keys (``tables`` already
    hold only the batch's rows, see :func:`split_into_batches`), the tables ``la_keys`` and
    ``child_keys`` (:func:`_la_keys`, :func:`_child_keys`), and ``batch_in``, the batch's LA
    codes."""
    supplied = pa.Table.from_pandas(tables.sw_supplied, preserve_index=False)
    with_children = [tables.header, tables.episodes, tables.social_workers]
    la_codes, la_keys = _la_keys([*with_children, tables.school_census, supplied])
    children, child_keys = _child_keys(with_children, la_codes)
    header, episodes, social_workers = (
        _keyed(table, la_codes, child) for table, child in zip(with_children, children, strict=True)
    )
    con.register("batch_in", pd.DataFrame({"LA": pd.Series(las or [], dtype="string")}))
    con.register("header_in", header)
    con.register("episodes_in", episodes)
    con.register("sw_in", social_workers)
    con.register("census_in", _keyed(tables.school_census, la_codes))
    con.register("links_in", tables.links)
    con.register("years_in", tables.years)
    con.register("sw_supplied_in", _keyed(supplied, la_codes))
    con.register("la_keys_in", la_keys)
    con.register("child_keys_in", child_keys)
    con.execute(
        "CREATE TABLE la_keys AS SELECT * FROM la_keys_in;"
        "CREATE TABLE child_keys AS SELECT * FROM child_keys_in;"
    )


def _sorted_codes(columns: list[pa.ChunkedArray]) -> pa.Array:
    """The distinct codes of ``columns`` (blanks left out), sorted (byte order, as DuckDB's)."""
    chunks = [chunk for column in columns for chunk in column.cast(pa.string()).chunks]
    codes = pc.unique(pa.chunked_array(chunks, pa.string()))
    codes = codes.drop_null()
    return codes.take(pc.sort_indices(codes))


def _la_keys(tables: list[pa.Table]) -> tuple[pa.Array, pa.Table]:
    """The batch's LA codes in order and ``la_keys`` (``la_code, LA``): key 1, 2, ... in the
    codes' order, over every LA found in ``tables``."""
    codes = _sorted_codes([table.column("LA") for table in tables])
    keys = pa.array(np.arange(1, len(codes) + 1, dtype=np.int32))
    return codes, pa.table({"la_code": codes, "LA": keys})


def _pair_numbers(table: pa.Table, la_codes: pa.Array, child_codes: pa.Array) -> pa.Array:
    """One int64 per row, ordering the rows' ``(LA, CHILD)`` as their codes order (blank:
    null): the LA's position in ``la_codes`` times 2**32 plus the child's in ``child_codes``."""
    la = pc.index_in(table.column("LA").cast(pa.string()), value_set=la_codes)
    child = pc.index_in(table.column("CHILD").cast(pa.string()), value_set=child_codes)
    return pc.add(pc.multiply(la.cast(pa.int64()), 1 << 32), child.cast(pa.int64()))


def _child_keys(tables: list[pa.Table], la_codes: pa.Array) -> tuple[list[pa.Array], pa.Table]:
    """The ``CHILD`` key of every row of each of ``tables`` (int64; blank when the LA or child
    code is blank), and ``child_keys`` (``LA, child_code, CHILD``): key 1, 2, ... in the order
    of ``(LA code, CHILD code)`` over every child of ``tables``, unique over all LAs.

    Keys are made in Arrow from the input rows, before DuckDB reads them, so every partition
    and join in SQL runs on integers from the start.
    """
    child_codes = _sorted_codes([table.column("CHILD") for table in tables])
    numbers = [_pair_numbers(table, la_codes, child_codes) for table in tables]
    every = pa.chunked_array([chunk for row in numbers for chunk in row.chunks], pa.int64())
    pairs = np.unique(every.drop_null().to_numpy())
    keys = pa.table(
        {
            "LA": pa.array((pairs >> 32) + 1, pa.int32()),
            "child_code": child_codes.take(pa.array(pairs & 0xFFFFFFFF)),
            "CHILD": pa.array(np.arange(1, len(pairs) + 1, dtype=np.int64)),
        }
    )
    value_set = pa.array(pairs, pa.int64())
    rows = [pc.add(pc.index_in(row, value_set=value_set).cast(pa.int64()), 1) for row in numbers]
    return rows, keys


def _keyed(table: pa.Table, la_codes: pa.Array, child: pa.Array | None = None) -> pa.Table:
    """``table`` with its ``LA`` codes replaced by their keys (int32, :func:`_la_keys`; blank
    for a blank code) and, if given, its ``CHILD`` codes by ``child`` (:func:`_child_keys`)."""
    if child is not None:
        table = table.set_column(table.schema.get_field_index("CHILD"), "CHILD", child)
    la = pc.add(pc.index_in(table.column("LA").cast(pa.string()), value_set=la_codes), 1)
    return table.set_column(table.schema.get_field_index("LA"), "LA", la.cast(pa.int32()))


def _create_header_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``years``, ``sw_supplied`` and ``header`` (one row per LA x CHILD, latest year)."""
    con.execute(
        """
        CREATE TABLE years AS SELECT CAST(YEAR AS INTEGER) AS YEAR FROM years_in;
        CREATE TABLE sw_supplied AS
            SELECT DISTINCT LA, CAST(YEAR AS INTEGER) AS YEAR
            FROM sw_supplied_in WHERE LA IS NOT NULL;
        CREATE TABLE header AS
            SELECT LA, CHILD,
                   CAST(SEX AS VARCHAR) AS SEX, CAST(DOB AS DATE) AS DOB,
                   CAST(ETHNIC AS VARCHAR) AS ETHNIC, CAST(UPN AS VARCHAR) AS UPN,
                   CAST(UASC AS VARCHAR) AS UASC
            FROM header_in
            WHERE CHILD IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY LA, CHILD ORDER BY YEAR DESC) = 1;
        """
    )


def _create_episode_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``episodes_all``: one row per LA x CHILD x DECOM (latest year), open episodes of a
    child absent from a later return of the LA ended on 1 April after their return."""
    short_breaks = sql_list(SHORT_BREAK_LS)
    con.execute(
        f"""
        CREATE TABLE episodes_latest AS
            SELECT LA, CHILD, CAST(YEAR AS INTEGER) AS return_year,
                   CAST(DECOM AS DATE) AS DECOM, CAST(DEC AS DATE) AS DEC,
                   CAST(RNE AS VARCHAR) AS RNE, CAST(LS AS VARCHAR) AS LS,
                   CAST(PLACE AS VARCHAR) AS PLACE, CAST(REC AS VARCHAR) AS REC,
                   CAST(REASON_PLACE_CHANGE AS VARCHAR) AS REASON_PLACE_CHANGE,
                   CAST(PL_POST AS VARCHAR) AS PL_POST, CAST(URN AS VARCHAR) AS URN,
                   CAST(PL_LA AS VARCHAR) AS PL_LA,
                   coalesce(LS IN {short_breaks}, false) AS short_break
            FROM episodes_in
            WHERE DECOM IS NOT NULL AND CHILD IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY LA, CHILD, DECOM ORDER BY YEAR DESC) = 1;
        CREATE TABLE la_returns AS
            SELECT DISTINCT LA, CAST(YEAR AS INTEGER) AS YEAR FROM header_in
            UNION SELECT DISTINCT LA, CAST(YEAR AS INTEGER) FROM episodes_in;
        CREATE TABLE left_returns AS
            SELECT DISTINCT e.LA, e.CHILD, e.DECOM
            FROM episodes_latest e
            JOIN la_returns r ON r.LA = e.LA AND r.YEAR > e.return_year
            WHERE e.DEC IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM header_in h
                  WHERE h.LA = e.LA AND h.CHILD = e.CHILD AND CAST(h.YEAR AS INTEGER) = r.YEAR);
        CREATE TABLE episodes_all AS
            SELECT e.* EXCLUDE (return_year, DEC),
                   CASE WHEN g.DECOM IS NULL THEN e.DEC
                        ELSE make_date(e.return_year, 4, 1) END AS DEC,
                   g.DECOM IS NOT NULL AS ended_by_absence
            FROM episodes_latest e LEFT JOIN left_returns g USING (LA, CHILD, DECOM);
        DROP TABLE episodes_latest;
        DROP TABLE left_returns;
        CREATE TABLE episodes AS
            SELECT * EXCLUDE (short_break, ended_by_absence) FROM episodes_all
            WHERE NOT short_break;
        """
    )


def _create_social_worker_and_census_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``sw_episodes_raw`` (one row per LA x CHILD x SW_ID x SW_DECOM, latest year) and
    ``census`` (one row per UPN x CENSUS_DATE x URN with a pupil UPN, plus ``CANONICAL_URN``)."""
    con.execute(
        f"""
        CREATE TABLE sw_episodes_raw AS
            SELECT LA, CHILD, CAST(SW_ID AS VARCHAR) AS SW_ID, CAST(SW_DECOM AS DATE) AS SW_DECOM,
                   CAST(SW_DEC AS DATE) AS SW_DEC, CAST(SW_REASON AS VARCHAR) AS SW_REASON
            FROM sw_in
            WHERE SW_DECOM IS NOT NULL AND SW_ID IS NOT NULL AND CHILD IS NOT NULL
            QUALIFY row_number() OVER (
                PARTITION BY LA, CHILD, SW_ID, SW_DECOM ORDER BY YEAR DESC) = 1;
        CREATE TABLE census AS
            SELECT * FROM (
            SELECT c.LA, CAST(c.YEAR AS INTEGER) AS YEAR,
                   CAST(c.UPN AS VARCHAR) AS UPN, CAST(c.URN AS VARCHAR) AS URN,
                   coalesce(l.CANONICAL_URN, CAST(c.URN AS VARCHAR)) AS CANONICAL_URN,
                   CAST(c.CENSUS_DATE AS DATE) AS CENSUS_DATE,
                   CAST(c.ENTRY_DATE AS DATE) AS ENTRY_DATE,
                   CAST(c.SEN_PROVISION AS VARCHAR) AS SEN_PROVISION,
                   CAST(c.SEN_PRIMARY_NEED AS VARCHAR) AS SEN_PRIMARY_NEED,
                   CAST(c.PHASE AS VARCHAR) AS PHASE
            FROM census_in c LEFT JOIN links_in l ON CAST(c.URN AS VARCHAR) = l.URN
            WHERE regexp_full_match(CAST(c.UPN AS VARCHAR), '{UPN_PATTERN}')
                  AND c.CENSUS_DATE IS NOT NULL AND c.URN IS NOT NULL
            QUALIFY row_number() OVER (
                PARTITION BY c.UPN, c.CENSUS_DATE, c.URN ORDER BY c.YEAR DESC) = 1)
            WHERE LA IS NOT NULL;
        """
    )


def ended_by_absence(con: duckdb.DuckDBPyConnection) -> int:
    """How many open episodes :func:`load_tables` treated as ended (child left the returns)."""
    row = con.execute("SELECT count(*) FROM episodes_all WHERE ended_by_absence").fetchone()
    return int(row[0]) if row else 0


def with_codes_sql(query: str, child: bool = True) -> str:
    """Wrap ``query`` (with integer ``LA`` and ``CHILD`` keys) so it returns the text codes."""
    if not child:
        return f"""
            SELECT l.la_code AS LA, q.* EXCLUDE (LA)
            FROM ({query}) q JOIN la_keys l ON l.LA = q.LA
        """
    return f"""
        SELECT l.la_code AS LA, k.child_code AS CHILD, q.* EXCLUDE (LA, CHILD)
        FROM ({query}) q JOIN la_keys l ON l.LA = q.LA JOIN child_keys k ON k.CHILD = q.CHILD
    """


TEMPORARY_PLACE_SQL = sql_list(TEMPORARY_PLACE)
