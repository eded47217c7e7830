"""History coverage and provisional figures in ``stability_measures`` (METHODS.md sections 2-4).

The measures catalogue (``pipeline.measures.catalogue``) says which returns each measure x
period x year needs. This module applies it to the aggregated table:

* a figure whose earlier returns are absent from the input (for its LA, or for any LA at
  regional and national level) is **not available**: its cohort, number, percentage and
  interval become ``x`` and ``status`` is ``not available``;
* a figure still waiting for a later return (e.g. the next summer school census) is
  **provisional**: ``status`` is ``provisional``;
* every other figure is ``final``.

``status_note`` names what is missing or awaited (``Need.describe``; ``z`` for a final figure). Which years each source
is present for is recorded by :func:`record_source_years` before the build empties the
child-level input frames.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.measures.catalogue import (
    EPISODES,
    PERIODS,
    SCHOOL_CENSUS,
    SOCIAL_WORKERS,
    missing_history,
    provisional_needs,
)
from pipeline.published import LEVEL_LA, Indicator, PublishedTable
from pipeline.symbols import NOT_APPLICABLE, NOT_AVAILABLE

from .rollup import group_numbers

#: ``LA -> source -> collection years``; the key ``None`` holds the years of any LA.
SourceYears = dict[str | None, dict[str, frozenset[int]]]

FINAL = "final"
PROVISIONAL = "provisional"
UNAVAILABLE = "not available"
#: The indicators a missing history turns into ``x``.
MASKED = ["cohort", "number", "percent", "percent_lower_ci", "percent_upper_ci"]
_LABEL_TO_PERIOD = {label: code for code, label in PERIODS.items()}

STATUS_INDICATORS = [
    Indicator(
        "status",
        "Status",
        kind="text",
        description=(
            "final; provisional (a later return can still change the figure, see status_note); "
            "or not available (an earlier return the figure needs is not in the input, so the "
            "figures show x)"
        ),
        field_type="string",
    ),
    Indicator(
        "status_note",
        "Status note",
        kind="text",
        description=(
            "The returns a provisional or not available figure is missing (z for a final figure)"
        ),
        field_type="string",
    ),
]


def _pairs(frame: pd.DataFrame) -> set[tuple[str, int]]:
    if frame is None or frame.empty or "LA" not in frame or "YEAR" not in frame:
        return set()
    distinct = frame[["LA", "YEAR"]].dropna().drop_duplicates()
    return {(str(la), int(year)) for la, year in zip(distinct["LA"], distinct["YEAR"], strict=True)}


def source_years(tables: InputTables) -> SourceYears:
    """Which collection years each source (episodes, school census, social workers) holds,
    per LA and for any LA. Uses the years recorded by :func:`record_source_years` if any."""
    recorded = getattr(tables, "source_years", None)
    if recorded:
        return recorded
    pairs = {
        EPISODES: _pairs(tables.header),
        SCHOOL_CENSUS: _pairs(tables.school_census),
        SOCIAL_WORKERS: {(str(la), int(year)) for la, year in tables.sw_supplied},
    }
    out: SourceYears = {None: {s: frozenset(y for _, y in p) for s, p in pairs.items()}}
    for source, found in pairs.items():
        for la, year in found:
            out.setdefault(la, {s: frozenset() for s in pairs})
            out[la] = {**out[la], source: out[la][source] | {year}}
    return out


def record_source_years(tables: InputTables) -> None:
    """Record :func:`source_years` on ``tables`` (call before emptying its child-level frames)."""
    tables.source_years = source_years(tables)


def status_of(
    code: str, period: str, year: int, available: Mapping[str, Collection[int]]
) -> tuple[str, str]:
    """``(status, note)`` of one figure (see the module docstring)."""
    missing = missing_history(code, period, year, available)
    if missing:
        return UNAVAILABLE, "Not available: needs " + "; ".join(n.describe(year) for n in missing)
    later = provisional_needs(code, period, year, available)
    if later:
        return PROVISIONAL, "Provisional: waits for " + "; ".join(n.describe(year) for n in later)
    return FINAL, NOT_APPLICABLE


def apply_coverage(table: PublishedTable, years: SourceYears) -> PublishedTable:
    """``table`` (``stability_measures`` before disclosure) with ``x`` for figures lacking
    their history and the ``status`` and ``status_note`` columns."""
    frame = table.frame.copy()
    sources, keys = _status_keys(frame, frame["measure"].astype(str).to_numpy(), years)
    keys["period"] = frame["period"].astype(str).to_numpy()

    def status(source: int, code: str, year: int, period: str) -> tuple[str, str]:
        return status_of(code, _LABEL_TO_PERIOD.get(period, period), year, sources[source])

    return _with_status(table, frame, _row_statuses(keys, status), MASKED)


def _status_keys(
    frame: pd.DataFrame, measure: np.ndarray, years: SourceYears
) -> tuple[list[Mapping[str, Collection[int]]], pd.DataFrame]:
    """The distinct source years of the rows, and ``source`` (the position of the row's source
    years in that list), ``measure`` and ``year`` of each row.

    An LA row has its LA's source years (every LA's when not recorded), a regional or national
    row every LA's. Most LAs have every return, so a status is worked out for few sets of
    source years rather than for every LA.
    """
    national = years.get(None, {})
    is_la = (frame["geographic_level"] == LEVEL_LA).to_numpy()
    la = pd.Series(frame["old_la_code"].astype(str).to_numpy()).where(is_la, "")
    codes, distinct_las = pd.factorize(la)
    sources: list[Mapping[str, Collection[int]]] = []
    position: dict[tuple, int] = {}
    source_of_la = np.empty(len(distinct_las), dtype=np.int64)
    for i, la_code in enumerate(distinct_las):
        available = years.get(la_code, national) if la_code else national
        signature = tuple(sorted((s, frozenset(y)) for s, y in available.items()))
        if signature not in position:
            position[signature] = len(sources)
            sources.append(available)
        source_of_la[i] = position[signature]
    keys = pd.DataFrame(
        {
            "source": source_of_la[codes],
            "measure": measure,
            "year": frame["time_period"].astype(int).to_numpy(),
        }
    )
    return sources, keys


def _row_statuses(
    keys: pd.DataFrame, status: Callable[..., tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """``(status, note)`` arrays, one item per row of ``keys``: ``status(*key)`` worked out
    once per distinct row of ``keys`` (its columns, in order, are the arguments)."""
    numbers = group_numbers(keys, list(keys.columns))
    _, first = np.unique(numbers, return_index=True)
    found = [status(*key) for key in keys.iloc[first].itertuples(index=False)]
    # Groups are numbered in order of first appearance: ``found[k]`` is group ``k``'s.
    statuses = np.array([s for s, _ in found], dtype=object)
    notes = np.array([n for _, n in found], dtype=object)
    return statuses[numbers], notes[numbers]


def _with_status(
    table: PublishedTable,
    frame: pd.DataFrame,
    result: tuple[np.ndarray, np.ndarray],
    masked: Collection[str],
) -> PublishedTable:
    """``table`` with ``frame``, where the columns ``masked`` of rows whose status (``result``:
    the status and the note of each row) is not available become ``x``, and the ``status``
    and ``status_note`` columns and indicators."""
    statuses, notes = result
    unavailable = statuses == UNAVAILABLE
    for column in masked:
        values = frame[column].astype(object)
        values[unavailable] = NOT_AVAILABLE
        frame[column] = values
    frame["status"] = statuses
    frame["status_note"] = notes
    indicators = [i for i in table.indicators if i.name not in {"status", "status_note"}]
    return PublishedTable(
        name=table.name,
        title=table.title,
        description=table.description,
        frame=frame,
        filters=table.filters,
        indicators=indicators + STATUS_INDICATORS,
        extra_columns=table.extra_columns,
        ees=table.ees,
    )


_SEVERITY = {FINAL: 0, PROVISIONAL: 1, UNAVAILABLE: 2}


def _row_status(
    code: str, period: str, year: int, available: Mapping[str, Collection[int]], previous: bool
) -> tuple[str, str]:
    """:func:`status_of` of the row's year; with ``previous``, the worse of it and the year
    before's (a row that also counts last year's figure)."""
    found = [status_of(code, period, year, available)]
    if previous:
        found.append(status_of(code, period, year - 1, available))
    worst = max(found, key=lambda pair: _SEVERITY[pair[0]])
    if worst[0] == FINAL:
        return worst
    notes = list(dict.fromkeys(note for status, note in found if status == worst[0]))
    return worst[0], notes[0] if len(notes) == 1 else notes[0] + "; " + notes[1].split(": ", 1)[1]


def with_status(
    table: PublishedTable,
    years: SourceYears,
    period: str,
    *,
    previous: bool = False,
    column: str = "measure",
    codes: Mapping[str, str] | None = None,
) -> PublishedTable:
    """``table`` (a ``measure`` column of catalogue codes, figures of ``period``) with the
    ``status`` and ``status_note`` of each row's measure-year, as :func:`apply_coverage` gives
    ``stability_measures``; with ``previous`` a row also uses the year before; with ``codes``
    the measure code of each value of ``column`` (e.g. ``two_year_split``'s area of change).
    The figures of a row not available become ``x``."""
    frame = table.frame.copy()
    measure = frame[column].astype(str)
    if codes is not None:
        measure = measure.map(codes)
    sources, keys = _status_keys(frame, measure.to_numpy(), years)

    def status(source: int, code: str, year: int) -> tuple[str, str]:
        return _row_status(code, period, year, sources[source], previous)

    result = _row_statuses(keys, status)
    masked = [
        i.name
        for i in table.indicators
        if i.name in frame.columns and i.name not in {"status", "status_note"}
    ]
    return _with_status(table, frame, result, masked)
