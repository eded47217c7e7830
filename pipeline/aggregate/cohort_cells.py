"""Cohorts, availability and symbol-filled indicator cells shared by the table builders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.measures.schema import FLAGS, PERIODS
from pipeline.symbols import NOT_APPLICABLE, NOT_AVAILABLE

from .wilson import wilson_interval

#: Years a period's window covers, counting back from the collection year.
PERIOD_YEARS: dict[str, int] = {"1y": 1, "2y": 2, "consecutive": 2, "3y": 3, "4y": 4}
#: Flag cohorts that need the social worker module (so ``x`` where it was not supplied).
SW_COHORTS = {"social_worker", "complete_case"}


def needs_sw_module(measure: str) -> bool:
    """True when a flag is defined on the social worker or complete-case cohort."""
    return FLAGS[measure][1] in SW_COHORTS


def distinct_la_years(frame: pd.DataFrame, dropna: bool) -> set[tuple[str, int]]:
    """The distinct ``(LA as text, YEAR as int)`` pairs of a frame, found on integer codes.

    With ``dropna`` rows missing either key are left out; otherwise a missing LA is ``"nan"``.
    """
    la_codes, la_values = pd.factorize(frame["LA"], use_na_sentinel=dropna)
    year_codes, year_values = pd.factorize(frame["YEAR"], use_na_sentinel=dropna)
    width = max(len(year_values), 1)
    combined = la_codes.astype(np.int64) * width + year_codes
    if dropna:
        combined = combined[(la_codes >= 0) & (year_codes >= 0)]
    pairs = np.flatnonzero(np.bincount(combined, minlength=len(la_values) * width))
    las = np.asarray(la_values, dtype=object)
    years = np.asarray(year_values, dtype=object)
    return {(str(las[pair // width]), int(years[pair % width])) for pair in pairs.tolist()}


def years_of(rows: pd.DataFrame) -> list[int]:
    """The distinct collection years of ``rows`` (its ``YEAR`` column), as sorted ints."""
    return sorted(int(year) for year in pd.unique(rows["YEAR"].to_numpy()))


def la_years(tables: InputTables, period: str, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return ``LA, YEAR`` pairs for which a period is published, plus ``sw_ok``.

    An LA-year is in the period's universe when the LA's input holds every year of the window
    (``Y``, ``Y-1``, ... for the period's length), or when ``rows`` (child-level rows or events
    of the period) hold it, so nothing counted is ever left out. ``sw_ok`` is True when the LA
    supplied the social worker module for every year of the window.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {list(PERIODS)}")
    have = distinct_la_years(tables.header, dropna=True)
    supplied = {(str(la), int(year)) for la, year in tables.sw_supplied}
    length = PERIOD_YEARS[period]
    pairs = {(la, year) for la, year in have if all((la, year - k) in have for k in range(length))}
    if rows is not None and len(rows):
        pairs |= distinct_la_years(rows, dropna=False)
    ordered = sorted(pairs)
    sw_ok = [all((la, year - k) in supplied for k in range(length)) for la, year in ordered]
    return pd.DataFrame(
        {
            "LA": pd.Series([la for la, _ in ordered], dtype=object),
            "YEAR": pd.Series([year for _, year in ordered], dtype="int64"),
            "sw_ok": pd.Series(sw_ok, dtype=bool),
        }
    )


def universe_positions(la: pd.Series, year: pd.Series, universe: pd.DataFrame) -> np.ndarray:
    """Return each row's position in ``universe`` (its ``LA, YEAR`` pair), -1 when absent.

    ``la`` and ``year`` are the rows' keys (any text or categorical dtype for ``la``). The
    lookup works on the distinct LAs and years only, so it stays fast on a million rows.
    """
    la_codes, la_values = pd.factorize(la)
    year_codes, year_values = pd.factorize(year.to_numpy(dtype="int64"))
    pairs = pd.MultiIndex.from_product(
        [pd.Index(np.asarray(la_values, dtype=object)).astype(str), year_values]
    )
    known = pd.MultiIndex.from_arrays(
        [universe["LA"].astype(str).to_numpy(), universe["YEAR"].astype("int64").to_numpy()]
    )
    lookup = known.get_indexer(pairs)
    positions = lookup[la_codes * len(year_values) + year_codes]
    positions[(la_codes < 0) | (year_codes < 0)] = -1
    return positions


def percent_columns(number: pd.Series, cohort: pd.Series) -> pd.DataFrame:
    """Return ``percent``, ``percent_lower_ci``, ``percent_upper_ci`` (nan where cohort is 0)."""
    n = cohort.to_numpy(dtype=float)
    x = number.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(n > 0, 100.0 * x / n, np.nan)
    lower, upper = wilson_interval(x, n)
    return pd.DataFrame(
        {"percent": percent, "percent_lower_ci": lower, "percent_upper_ci": upper},
        index=number.index,
    )


def with_symbols(
    values: pd.Series,
    not_available: pd.Series | np.ndarray | None = None,
    not_applicable: pd.Series | np.ndarray | None = None,
) -> pd.Series:
    """Put ``x`` where ``not_available`` and ``z`` where ``not_applicable`` (``x`` wins).

    Returns the series unchanged (numeric dtype) when no cell needs a symbol; otherwise an
    ``object`` series of Python ints/floats and symbol strings.
    """
    x_mask = np.zeros(len(values), bool) if not_available is None else np.asarray(not_available)
    z_mask = np.zeros(len(values), bool) if not_applicable is None else np.asarray(not_applicable)
    z_mask = z_mask & ~x_mask
    if not x_mask.any() and not z_mask.any():
        return values
    cells = values.astype(object)
    cells[z_mask] = NOT_APPLICABLE
    cells[x_mask] = NOT_AVAILABLE
    return cells


def flag_matrices(children: pd.DataFrame, flags: list[str]) -> pd.DataFrame:
    """Return ``cohort__<flag>`` (flag not NA) and ``number__<flag>`` (flag True) as int32."""
    columns: dict[str, np.ndarray] = {}
    for flag in flags:
        values = children[flag]
        columns[f"cohort__{flag}"] = values.notna().to_numpy(dtype="int32")
        columns[f"number__{flag}"] = values.fillna(False).astype(bool).to_numpy(dtype="int32")
    return pd.DataFrame(columns, index=children.index)


def flag_array(children: pd.DataFrame, flags: list[str]) -> tuple[list[str], np.ndarray]:
    """The columns of :func:`flag_matrices` as one C-ordered int32 array, with their names.

    Row-major so that a sparse (group x child) matrix can multiply it without a copy. Each
    column is first written as a contiguous row of the transpose (writing a column of a
    row-major array touches a cache line per child), then the whole is laid out row-major once.
    """
    names = [f"{kind}__{flag}" for flag in flags for kind in ("cohort", "number")]
    columns = np.empty((len(names), len(children)), dtype=np.int32)
    for j, flag in enumerate(flags):
        values = children[flag]
        columns[2 * j] = values.notna().to_numpy()
        columns[2 * j + 1] = values.to_numpy(dtype=bool, na_value=False)
    return names, np.ascontiguousarray(columns.T)


def check_labels(children: pd.DataFrame, column: str, allowed: list[str]) -> None:
    """Raise ``ValueError`` naming the column and values when a label is outside ``allowed``."""
    values = children[column]
    bad = values[~values.isin(allowed)]
    if len(bad):
        examples = sorted(set(bad.astype(str)))[:5]
        raise ValueError(
            f"child-level table, column {column!r}: {len(bad)} rows hold labels outside "
            f"pipeline.measures.schema ({examples}); every child needs one of {allowed}"
        )
