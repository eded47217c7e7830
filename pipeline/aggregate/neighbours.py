"""Statistical neighbours: the DfE's groups (default) or the 10 nearest LAs by distance.

By default each LA's neighbours are the DfE's children's services statistical neighbours
(:mod:`pipeline.aggregate.neighbour_sets`). With the ``computed`` basis they are the 10 most
similar LAs by standardised Euclidean distance:

Each numeric ``la_context`` indicator is standardised (z-score over the LAs in the table,
population standard deviation); an indicator that is the same for every LA carries no
information and is left out. Distance ties are broken by LA code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.published import LEVEL_LA, Filter, Indicator, PublishedTable

from .neighbour_sets import DEFAULT_BASIS, NeighbourSet, dfe_pairs, neighbour_set
from .rollup import _la_table, add_ees_columns, region_of, sort_rows

NEIGHBOURS = 10
COLUMNS = ["old_la_code", "neighbour_rank", "neighbour_old_la_code", "distance"]


def _standardised(la_context: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    if "LA_CODE" not in la_context.columns:
        raise ValueError("la_context: the column LA_CODE is missing")
    codes = la_context["LA_CODE"].astype(str).str.strip()
    duplicated = codes[codes.duplicated()]
    if len(duplicated):
        raise ValueError(f"la_context: LA_CODE repeated: {sorted(set(duplicated))}")
    indicators = la_context.drop(columns="LA_CODE")
    values = indicators.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & indicators.notna()
    missing = values.isna()
    if missing.to_numpy().any():
        row, col = np.argwhere(missing.to_numpy())[0]
        what = "is not a number" if bad.to_numpy()[row, col] else "is blank"
        raise ValueError(
            f"la_context: row {row + 2} (LA_CODE {codes.iloc[row]}), column "
            f"{indicators.columns[col]!r} {what}; every indicator needs a number"
        )
    matrix = values.to_numpy(dtype=float)
    spread = matrix.std(axis=0)
    keep = spread > 0
    z = (matrix[:, keep] - matrix[:, keep].mean(axis=0)) / spread[keep]
    return codes.tolist(), z


def nearest_neighbours(la_context: pd.DataFrame, k: int = NEIGHBOURS) -> pd.DataFrame:
    """Return each LA's ``k`` nearest other LAs.

    Columns ``old_la_code, neighbour_rank, neighbour_old_la_code, distance``, sorted by LA and
    rank. Empty when ``la_context`` has no rows. Raises ``ValueError`` for a missing or
    non-numeric indicator, a repeated LA code, or fewer than ``k + 1`` LAs.
    """
    if la_context.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "neighbour_rank" else object) for c in COLUMNS}
        ).astype({"distance": float})
    codes, z = _standardised(la_context)
    if len(codes) <= k:
        raise ValueError(f"la_context: {len(codes)} LAs, need at least {k + 1} for {k} neighbours")
    squared = (z**2).sum(axis=1)
    distance = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * z @ z.T, 0.0))
    np.fill_diagonal(distance, np.inf)
    code_array = np.array(codes)
    # lexsort: last key is primary -> distance (rounded so float noise cannot break ties), code.
    rounded = np.round(distance, 9)
    order = np.lexsort((np.broadcast_to(code_array, distance.shape), rounded), axis=1)[:, :k]
    rows = np.repeat(np.arange(len(codes)), k)
    columns = order.ravel()
    frame = pd.DataFrame(
        {
            "old_la_code": code_array[rows],
            "neighbour_rank": np.tile(np.arange(1, k + 1), len(codes)),
            "neighbour_old_la_code": code_array[columns],
            "distance": distance[rows, columns],
        }
    )
    return frame.sort_values(["old_la_code", "neighbour_rank"]).reset_index(drop=True)


def _pairs(tables: InputTables, basis: str) -> pd.DataFrame:
    """The neighbour pairs of a basis with ``closeness`` and ``distance`` (symbols when n/a)."""
    if basis == "computed":
        pairs = nearest_neighbours(tables.la_context)
        return pairs.assign(closeness="z", distance=pairs["distance"].astype(object))
    return dfe_pairs(basis).assign(distance="z")


def _description(chosen: NeighbourSet, empty: bool) -> str:
    if chosen.basis == "computed":
        text = (
            "For each local authority, the 10 most similar LAs, computed from the LA context "
            "indicators supplied with the inputs (la_context): each indicator is standardised "
            "(z-score across LAs) and LAs are ranked by Euclidean distance over the "
            "standardised indicators (smaller is more similar; ties go to the lower LA code). "
            "These are not the DfE's statistical neighbours; closeness is z (not applicable)."
        )
    else:
        text = (
            f"For each local authority, its 10 statistical neighbours in the {chosen.label} "
            f"(version {chosen.version}), in the DfE's order (rank 1 is the closest), with "
            "the DfE's closeness band (Extremely close, Very close, Close, Somewhat close, "
            f"Not close). Source: {chosen.path} (Open Government Licence v3.0). Distance is z "
            "(not applicable): the DfE publishes bands, not distances."
        )
    if empty:
        text += (
            " No neighbours are available for the LAs in the input, so this table is empty and "
            "comparisons with statistical neighbours are not available (x)."
        )
    return text


def statistical_neighbours(
    tables: InputTables,
    latest_year: int,
    basis: str = DEFAULT_BASIS,
) -> PublishedTable:
    """Publish the neighbours of every LA in the input (LA rows, latest year).

    ``basis`` is ``dfe`` (the DfE's current groups, the default), ``dfe-2021`` (the DfE's
    previous groups) or ``computed`` (from ``tables.la_context``); see
    :mod:`pipeline.aggregate.neighbour_sets`.
    """
    chosen = neighbour_set(basis)
    pairs = _pairs(tables, basis)
    pairs = pairs[pairs["old_la_code"].isin(tables.las)].reset_index(drop=True)
    region_of(pairs["old_la_code"])
    region_of(pairs["neighbour_old_la_code"])
    las = _la_table().set_index("old_la_code")
    frame = pd.DataFrame(
        {
            "geographic_level": LEVEL_LA,
            "region_code": "",
            "old_la_code": pairs["old_la_code"].to_numpy(dtype=object),
            "YEAR": latest_year,
            "neighbour_rank": pairs["neighbour_rank"].to_numpy(),
            "neighbour_old_la_code": pairs["neighbour_old_la_code"].to_numpy(dtype=object),
        }
    )
    frame["neighbour_new_la_code"] = frame["neighbour_old_la_code"].map(las["new_la_code"])
    frame["neighbour_la_name"] = frame["neighbour_old_la_code"].map(las["la_name"])
    frame["closeness"] = pairs["closeness"].to_numpy(dtype=object)
    frame["neighbour_set"] = chosen.label
    frame["distance"] = pairs["distance"].to_numpy(dtype=object)
    out = add_ees_columns(frame)
    out = sort_rows(out, {"neighbour_rank": list(range(1, NEIGHBOURS + 1))})
    return PublishedTable(
        name="statistical_neighbours",
        title="Statistical neighbours of each local authority",
        description=_description(chosen, pairs.empty),
        frame=out,
        filters=[
            Filter(
                "neighbour_rank",
                "Neighbour rank",
                "1 is the closest neighbour",
                additive=False,
            )
        ],
        indicators=[
            Indicator(
                "distance",
                "Distance",
                dp=2,
                kind="text",
                description="Euclidean distance over the standardised LA context indicators "
                "(computed neighbours only; z for the DfE's groups)",
                field_type="number",
            )
        ],
        extra_columns=[
            "neighbour_old_la_code",
            "neighbour_new_la_code",
            "neighbour_la_name",
            "closeness",
            "neighbour_set",
        ],
    )
