"""Cut the simulated histories into yearly SSDA903 returns and write them as CSV files.

The tables are the 903 tables as LAs export them (``header`` with ``MOTHER``/``MC_DOB``,
``episodes`` without a placement LA, ``uasc``, the social worker episodes), each with an ``LA``
column first so one file holds all of England. Each collection year's return holds what a real
one would: a header row for every child looked after at any time in the year, every episode open at any time in the year (an episode still open
at 31 March has blank ``DEC``, ``REC`` and ``REASON_PLACE_CHANGE`` even if it ends later), the
social worker episodes of LAs that supplied the module (every one with its ``SW_REASON``, as the
DfE's 2023-24 rule SW03 asks, an open one with blank ``SW_DEC``), and the school census rows of the
year's pupils. Dates are written ``dd/mm/yyyy``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.inputs.layout import SPECS
from pipeline.inputs.tables import SCHOOL_CENSUS_COLUMNS
from pipeline.logs import log
from pipeline.synth.areas import Areas
from pipeline.synth.children import Population
from pipeline.synth.dates import (
    DAYS_PER_YEAR,
    NO_DATE,
    anniversary,
    format_days,
    year_end,
    year_start,
)
from pipeline.synth.draws import runs_in_order, stable_order
from pipeline.synth.schools import CENSUS_TERMS, Schools
from pipeline.synth.social_workers import REASONS as SW_REASONS
from pipeline.synth.social_workers import worker_ids

#: The 903 tables as LAs export them (the DfE's SSDA903 guide; no UASC or PL_LA columns).
EXPORTED_HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EXPORTED_EPISODES = [c for c in SPECS["episodes"].columns if c != "PL_LA"]
UASC_COLUMNS = list(SPECS["uasc"].columns)
EXPORTED_SOCIAL_WORKERS = list(SPECS["social_workers"].columns)
UPN_UNKNOWN_SHARE = 0.015
UASC_WITHOUT_UPN_SHARE = 0.6
#: Rows joined into text at a time when writing a CSV file.
WRITE_SLICE_ROWS = 500_000
#: Days per block of the cached ``dd/mm/yyyy`` labels (about 22 years).
DATE_LABEL_BLOCK = 8192
#: Characters that make a CSV cell need quotes.
QUOTED_MARKS = (b",", b'"', b"\r", b"\n")
#: ``NCYEAR`` text of national curriculum years 0 (reception, ``R``) to 13.
NC_YEAR_LABELS = ["R", *(str(year) for year in range(1, 14))]


@dataclass(frozen=True)
class ChildIds:
    """Every simulated child's CHILD id as Arrow text (``text``) and as its numeric sort key
    (``key``: LA code + 6 digits, so numeric order is LA, CHILD order)."""

    text: pa.Array
    key: np.ndarray


def child_ids(population: Population, areas: Areas, rng: np.random.Generator) -> ChildIds:
    """CHILD ids: LA code + a 6-digit serial in random order, unique nationally."""
    children = population.children
    la = children["la"].to_numpy()
    shuffled = rng.permutation(len(children))
    serial = pd.Series(np.empty(len(children), dtype=np.int64))
    order = np.lexsort((shuffled, la))
    serial.iloc[order] = pd.Series(la[order]).groupby(la[order]).cumcount().to_numpy() + 1
    numbers = np.char.zfill(serial.to_numpy().astype(str), 6).astype(object)
    ids = areas.codes.astype(object)[la] + numbers
    return ChildIds(text=pa.array(ids, pa.large_string()), key=ids.astype(str).astype(np.int64))


def _taken(values: pa.Array | pd.Series | np.ndarray, rows: np.ndarray) -> pa.Array:
    """The cells of ``values`` at positions ``rows`` (blank text cells stay as they are)."""
    return pa.array(values).take(pa.array(rows, pa.int64()))


def _dates(days: np.ndarray) -> pa.Array:
    """Day numbers as ``dd/mm/yyyy`` Arrow text; :data:`NO_DATE` becomes a null (blank) cell."""
    days = np.asarray(days, dtype=np.int64)
    valid = days != NO_DATE
    if not valid.any():
        return pa.nulls(len(days), pa.large_string())
    low, high = int(days[valid].min()), int(days[valid].max())
    first = low // DATE_LABEL_BLOCK
    labels = _date_labels(first, high // DATE_LABEL_BLOCK)
    offset = first * DATE_LABEL_BLOCK
    return labels.take(pa.array(np.where(valid, days - offset, 0), mask=~valid))


@functools.lru_cache(maxsize=8)
def _date_labels(first_block: int, last_block: int) -> pa.Array:
    """``dd/mm/yyyy`` text of every day in blocks ``first_block`` to ``last_block`` of
    :data:`DATE_LABEL_BLOCK` days (made once and shared by every date column)."""
    begin, end = first_block * DATE_LABEL_BLOCK, (last_block + 1) * DATE_LABEL_BLOCK
    return pa.array(format_days(np.arange(begin, end)), pa.large_string())


def _blank_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` with a null (blank) cell where ``mask`` is true."""
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def overlaps_year(start: np.ndarray, end: np.ndarray, year: int) -> np.ndarray:
    """True for spells open at any time in collection year ``year`` (``end`` may be NO_DATE)."""
    return (start <= year_end(year)) & ((end == NO_DATE) | (end >= year_start(year)))


def year_children(episodes: pd.DataFrame, year: int) -> np.ndarray:
    """Indices of the children with an episode open at any time in ``year``."""
    touching = overlaps_year(episodes["start"].to_numpy(), episodes["end"].to_numpy(), year)
    child = episodes["child"].to_numpy()
    seen = np.zeros(int(child.max()) + 1 if len(child) else 0, dtype=bool)
    seen[child[touching]] = True
    return np.flatnonzero(seen)


def header_upns(
    population: Population,
    permanent: np.ndarray,
    children: np.ndarray,
    year: int,
    rng_draws: np.ndarray,
) -> np.ndarray:
    """UPN in ``year``'s header: ``UN1`` under 5, ``UN2``/``UN5`` for a few, else permanent."""
    table = population.children
    age = (year_end(year) - table["dob"].to_numpy()[children]) / DAYS_PER_YEAR
    draw = rng_draws[children]
    uasc = table["uasc"].to_numpy()[children]
    return np.select(
        [age < 5, uasc & (draw < UASC_WITHOUT_UPN_SHARE), draw < UPN_UNKNOWN_SHARE],
        ["UN1", "UN2", "UN5"],
        permanent[children],
    )


def header_table(
    population: Population,
    ids: ChildIds,
    areas: Areas,
    children: np.ndarray,
    upns: np.ndarray,
    mother: tuple[np.ndarray, np.ndarray],
) -> pa.Table:
    """The header return for one year (``mother``: the ``MOTHER`` and ``MC_DOB`` columns)."""
    table = population.children
    order = np.argsort(ids.key[children], kind="stable")
    rows = children[order]
    columns = {
        "LA": _taken(areas.codes, table["la"].to_numpy()[rows]),
        "CHILD": ids.text.take(rows),
        "SEX": _taken(table["sex"], rows),
        "DOB": _dates(table["dob"].to_numpy()[rows]),
        "ETHNIC": _taken(table["ethnic"], rows),
        "UPN": _taken(upns, order),
        "MOTHER": _taken(pd.Series(mother[0]), order),
        "MC_DOB": _taken(mother[1], order),
    }
    return pa.table({name: columns[name] for name in ["LA", *EXPORTED_HEADER]})


def uasc_table(
    population: Population, ids: ChildIds, areas: Areas, children: np.ndarray
) -> pa.Table:
    """The ``uasc`` table for one year: the year's unaccompanied asylum-seeking children, with
    ``DUC`` (the day that status ceases) their 18th birthday (on or before it: DfE rule 304)."""
    table = population.children
    chosen = children[table["uasc"].to_numpy()[children]]
    rows = chosen[np.argsort(ids.key[chosen], kind="stable")]
    dob = table["dob"].to_numpy()[rows]
    columns = {
        "LA": _taken(areas.codes, table["la"].to_numpy()[rows]),
        "CHILD": ids.text.take(rows),
        "SEX": _taken(table["sex"], rows),
        "DOB": _dates(dob),
        "DUC": _dates(anniversary(dob, 18)),
    }
    return pa.table({name: columns[name] for name in ["LA", *UASC_COLUMNS]})


def episode_order(episodes: pd.DataFrame, ids: ChildIds) -> np.ndarray:
    """Every episode's row in return order (CHILD, then start day; ties in row order), shared by
    the years: each year's rows are a subset in the same order. ``episodes`` sorted by child and
    start (as :func:`pipeline.synth.episodes.build_episodes` gives) only need each child's
    rows put in CHILD order."""
    child, start = episodes["child"].to_numpy(), episodes["start"].to_numpy()
    if _sorted_by(child, start):
        return runs_in_order(child, ids.key)
    return stable_order([ids.key[child], start])


def _sorted_by(group: np.ndarray, value: np.ndarray, strictly: bool = False) -> bool:
    """True if rows are in ascending order of ``group``, then of ``value`` (``strictly``: no
    two rows of a group with the same ``value``)."""
    same = group[1:] == group[:-1]
    later, earlier = value[1:][same], value[:-1][same]
    rising = np.all(later > earlier) if strictly else np.all(later >= earlier)
    return bool(np.all(group[1:] >= group[:-1]) and rising)


def episode_table(
    episodes: pd.DataFrame, ids: ChildIds, areas: Areas, year: int, order: np.ndarray
) -> pa.Table:
    """The episodes return for one year (open episodes have blank DEC, REC and reason;
    ``order``: :func:`episode_order` of ``episodes``)."""
    start, end = episodes["start"].to_numpy(), episodes["end"].to_numpy()
    child = episodes["child"].to_numpy()
    rows = order[overlaps_year(start, end, year)[order]]
    end = end[rows]
    still_open = (end == NO_DATE) | (end > year_end(year))
    columns = {
        "LA": _taken(areas.codes, episodes["la"].to_numpy()[rows]),
        "CHILD": ids.text.take(child[rows]),
        "DECOM": _dates(start[rows]),
        "DEC": _dates(np.where(still_open, NO_DATE, end)),
        "REC": _blank_where(still_open, _taken(episodes["REC"], rows)),
        "REASON_PLACE_CHANGE": _blank_where(
            still_open, _taken(episodes["REASON_PLACE_CHANGE"], rows)
        ),
    }
    names = ["LA", *EXPORTED_EPISODES]
    return pa.table({n: columns[n] if n in columns else _taken(episodes[n], rows) for n in names})


def social_worker_order(social: pd.DataFrame, ids: ChildIds) -> np.ndarray:
    """Every social worker episode's row in return order (CHILD, start day, worker; ties in row
    order), shared by the years. Rows sorted by child and start, no child starting two on one
    day (as :func:`pipeline.synth.social_workers.build_social_workers` gives), only need each
    child's rows put in CHILD order."""
    child, start = social["child"].to_numpy(), social["SW_DECOM"].to_numpy()
    if _sorted_by(child, start, strictly=True):
        return runs_in_order(child, ids.key)
    return stable_order([ids.key[child], start, social["worker"].to_numpy()])


def social_worker_table(
    social: pd.DataFrame,
    population: Population,
    ids: ChildIds,
    areas: Areas,
    children: np.ndarray,
    year: int,
    supplied: np.ndarray,
    order: np.ndarray,
) -> pa.Table:
    """The social worker episodes for one year: LAs that supplied them, children in the header
    (``order``: :func:`social_worker_order` of ``social``)."""
    start, end = social["SW_DECOM"].to_numpy(), social["SW_DEC"].to_numpy()
    child, la = social["child"].to_numpy(), social["la"].to_numpy()
    in_header = np.zeros(len(ids.key), dtype=bool)
    in_header[children] = True
    keep = overlaps_year(start, end, year) & in_header[child] & supplied[la]
    rows = order[keep[order]]
    worker = social["worker"].to_numpy()
    end = end[rows]
    still_open = (end == NO_DATE) | (end > year_end(year))
    columns = {
        "LA": _taken(areas.codes, la[rows]),
        "CHILD": ids.text.take(child[rows]),
        "DOB": _dates(population.children["dob"].to_numpy()[child[rows]]),
        "SW_ID": worker_ids(worker[rows]),
        "SW_DECOM": _dates(start[rows]),
        "SW_DEC": _dates(np.where(still_open, NO_DATE, end)),
        "SW_REASON": _taken(SW_REASONS, social["reason"].to_numpy()[rows]),
    }
    return pa.table({name: columns[name] for name in ["LA", *EXPORTED_SOCIAL_WORKERS]})


@dataclass(frozen=True)
class CensusOrder:
    """The census rows' return order shared by the years: every row of the census frame by LA
    code, UPN and census day (``rows``; ties in row order), and every child's permanent UPN as
    Arrow text (``upn``)."""

    rows: np.ndarray
    upn: pa.Array


def census_order(
    census: pd.DataFrame, population_la: np.ndarray, permanent: np.ndarray, areas: Areas
) -> CensusOrder:
    """The :class:`CensusOrder` of ``census`` (the rows of
    :func:`pipeline.synth.schools.census_rows`): one stable sort by the ranks of the LA code and
    UPN texts, which orders as sorting the texts (equal texts share a rank)."""
    upn = pa.array(permanent, pa.large_string())
    upn_rank = _text_ranks(upn)
    la_rank = _text_ranks(pa.array(areas.codes))
    child, day = census["child"].to_numpy(), census["CENSUS_DATE"].to_numpy()
    la = census["la"].to_numpy()
    one_la = bool(np.all(la == population_la[child]))
    if one_la and _sorted_by(child, day) and upn_rank.max(initial=0) == len(upn_rank):
        # Sorted by child and day, each child's rows in one LA under one UPN: the children's
        # runs put in LA code and UPN order.
        rank = la_rank[population_la] * len(upn_rank) + upn_rank
        return CensusOrder(rows=runs_in_order(child, rank), upn=upn)
    return CensusOrder(rows=stable_order([la_rank[la], upn_rank[child], day]), upn=upn)


def _text_ranks(values: pa.Array) -> np.ndarray:
    """Each text's rank in sorted order from 1 (byte order, which is code point order), equal
    texts sharing one."""
    return pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.int64)


def census_table(
    census: pd.DataFrame,
    population: Population,
    schools: Schools,
    order: CensusOrder,
    areas: Areas,
    year: int,
) -> pa.Table:
    """The school census rows matched to ``year``'s header UPNs (``census``: the rows of
    :func:`pipeline.synth.schools.census_rows`; ``order``: their :func:`census_order`)."""
    rows = order.rows[(census["YEAR"].to_numpy() == year)[order.rows]]
    child = census["child"].to_numpy()[rows]
    nc = census["nc"].to_numpy()[rows]
    school = census["school"].to_numpy()[rows]
    children = population.children
    columns = {
        "LA": _taken(areas.codes, census["la"].to_numpy()[rows]),
        "UPN": order.upn.take(child),
        "URN": pc.cast(pa.array(census["urn"].to_numpy()[rows]), pa.large_string()),
        "CENSUS_TERM": _taken(CENSUS_TERMS, census["term"].to_numpy()[rows]),
        "CENSUS_DATE": _dates(census["CENSUS_DATE"].to_numpy()[rows]),
        "ENTRY_DATE": _dates(census["ENTRY_DATE"].to_numpy()[rows]),
        "NCYEAR": _taken(NC_YEAR_LABELS, nc),
        "SEN_PROVISION": _taken(children["sen_provision"], child),
        "SEN_PRIMARY_NEED": _taken(children["sen_need"], child),
        "PHASE": _taken(schools.phase, school),
        "IS_PRU": _taken(["0", "1"], schools.is_pru[school].astype(np.int64)),
    }
    return pa.table({name: columns[name] for name in ["LA", *SCHOOL_CENSUS_COLUMNS]})


def write_csv(frame: pd.DataFrame | pa.Table, path: Path, quiet: bool = False) -> tuple[Path, int]:
    """Write one table as UTF-8 CSV (``\n`` line ends, quotes only where needed, blank cells
    empty) and log its row count (unless ``quiet``); return the path and row count. Cells
    holding no comma, quote or line break (all the synthetic tables' cells) are joined into
    lines by Arrow directly; a table with such a cell goes through DuckDB's writer, which
    quotes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(frame, pa.Table):
        columns = [_text_column(values) for values in frame.columns]
        names = frame.column_names
    else:
        columns = [_text_column(frame[name]) for name in frame.columns]
        names = [str(name) for name in frame.columns]
    if any(_needs_quotes(values) for values in [*columns, pa.array(names, pa.large_string())]):
        _write_quoted(pa.Table.from_arrays(columns, names=names), path)
    else:
        _write_plain(columns, names, path)
    if not quiet:
        log.info("synth: %s/%s %s rows", path.parent.name, path.name, f"{len(frame):,}")
    return path, len(frame)


def _text_column(column: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column as Arrow large text, an empty string as null (a blank cell)."""
    values = column if isinstance(column, pa.Array | pa.ChunkedArray) else pa.array(column)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.large_string())
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


def _needs_quotes(values: pa.Array) -> bool:
    """True if any cell holds a comma, a double quote or a line break (a scan of the text bytes,
    not a pattern match per cell)."""
    text = _text_bytes(values)
    return any(mark in text for mark in QUOTED_MARKS)


def _text_bytes(values: pa.Array) -> bytes:
    """The concatenated UTF-8 bytes of the cells of a large text array (nulls add nothing)."""
    if len(values) == 0 or values.buffers()[2] is None:
        return b""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset :]
    return memoryview(values.buffers()[2])[offsets[0] : offsets[len(values)]].tobytes()


def _write_plain(columns: list[pa.Array], names: list[str], path: Path) -> None:
    """Write cells that need no quotes: the header, then each row's cells joined by commas
    (nulls empty), in slices of rows so no text buffer outgrows Arrow's 32-bit offsets."""
    rows = len(columns[0]) if columns else 0
    with path.open("wb") as out:
        out.write((",".join(names) + "\n").encode("utf-8"))
        for begin in range(0, rows, WRITE_SLICE_ROWS):
            part = [values.slice(begin, WRITE_SLICE_ROWS) for values in columns]
            lines = pc.binary_join_element_wise(
                *part, _text(","), null_handling="replace", null_replacement=""
            )
            lines = pc.binary_join_element_wise(lines, _text("\n"), _text(""))
            out.write(_text_bytes(lines))


def _text(value: str) -> pa.Scalar:
    """``value`` as an Arrow large text scalar."""
    return pa.scalar(value, pa.large_string())


def _write_quoted(table: pa.Table, path: Path) -> None:
    """Write ``table`` with DuckDB's CSV writer (it quotes the cells that need it)."""
    connection = duckdb.connect()
    try:
        connection.execute("SET enable_progress_bar = false")
        connection.register("frame", table)
        connection.execute(f"COPY frame TO '{path.as_posix()}' (HEADER, DELIMITER ',')")
    finally:
        connection.close()
