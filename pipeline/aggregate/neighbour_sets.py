"""The DfE children's services statistical neighbour groups the project carries.

``pipeline/data/statistical_neighbours.csv`` holds each version of the DfE's groups (May 2025,
the current one, and April 2021, the previous one) exactly as DfE's Local Authority
Interactive Tool (LAIT) publishes them: for each LA its 10 neighbours by rank (1 is the
closest) with DfE's closeness band. See ``pipeline/data/SOURCES.md``.

A *basis* names where a build's neighbours come from: ``dfe`` (the current DfE version, the
default), ``dfe-2021`` (the previous DfE version) or ``computed`` (from the ``la_context``
indicators supplied with the inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

LAIT_COMMIT = "b3494e3d664dd68c9412e12f6a40c7bf975282d0"
LAIT_FILES = (
    "https://github.com/dfe-analytical-services/local-authority-interactive-tool/blob/"
    f"{LAIT_COMMIT}/01_data/02_prod/"
)
OGL = "OGL-UK-3.0"


@dataclass(frozen=True)
class NeighbourSet:
    """One basis for statistical neighbours: its label, version, date and source."""

    basis: str
    label: str
    version: str
    date: str
    path: str

    def source(self) -> dict[str, str]:
        """The entry for the data package's ``sources``."""
        entry = {"title": self.label, "path": self.path, "version": self.version}
        if self.basis != "computed":
            entry.update({"date": self.date, "license": OGL})
        return entry


SETS = {
    "dfe": NeighbourSet(
        "dfe",
        "DfE children's services statistical neighbours, May 2025",
        "2025-05",
        "2025-05-28",
        LAIT_FILES + "sn_may_2025.xlsx",
    ),
    "dfe-2021": NeighbourSet(
        "dfe-2021",
        "DfE children's services statistical neighbours, April 2021",
        "2021-04",
        "2021-04-01",
        LAIT_FILES + "sn_april_2021.xlsx",
    ),
    "computed": NeighbourSet(
        "computed",
        "Statistical neighbours computed from the LA context indicators supplied with the "
        "inputs (la_context.csv)",
        "computed",
        "",
        "https://stability-index.example.org/methodology/#statistical-neighbours",
    ),
}
BASES = tuple(SETS)
DEFAULT_BASIS = "dfe"


def neighbour_set(basis: str) -> NeighbourSet:
    """The :class:`NeighbourSet` of a basis; ``ValueError`` naming the choices otherwise."""
    if basis not in SETS:
        raise ValueError(f"neighbours {basis!r} is not one of {', '.join(BASES)}")
    return SETS[basis]


@cache
def _table() -> pd.DataFrame:
    with (
        resources.files("pipeline.data")
        .joinpath("statistical_neighbours.csv")
        .open(encoding="utf-8") as stream
    ):
        return pd.read_csv(stream, dtype=str, keep_default_na=False)


def dfe_pairs(basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """Every current LA's DfE neighbours in a version, by LA and rank.

    Columns ``old_la_code, neighbour_rank (int), neighbour_old_la_code, closeness``. Only the
    DfE's "current" section is used: its LAs are the children's services authorities of that
    version (the legacy section's predecessor LAs are left out, as DfE's tables do); an LA
    with no neighbours in that version (Cumberland and Westmorland and Furness in April 2021)
    has no rows.
    """
    chosen = neighbour_set(basis)
    if chosen.basis == "computed":
        raise ValueError("computed neighbours come from la_context, not from the DfE table")
    table = _table()
    rows = table[(table["version"] == chosen.version) & (table["section"] == "current")]
    frame = rows[["old_la_code", "neighbour_rank", "neighbour_old_la_code", "closeness"]]
    frame = frame.astype({"neighbour_rank": "int64"})
    return frame.sort_values(["old_la_code", "neighbour_rank"]).reset_index(drop=True)
