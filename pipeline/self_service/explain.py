"""The ``--explain`` table: every placement episode behind a child's 2+ placement moves.

For internal use only: the table holds ``CHILD`` so the analyst can find each child in their
own case-management system and reconcile the count. It is never part of the report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.measures import MeasuresResult

EXPLAIN_COLUMNS = [
    "CHILD",
    "YEAR",
    "DECOM",
    "RNE",
    "PLACE",
    "counted",
    "rule",
    "reason_for_move",
]
#: The first line of the file: what it holds and that it must not leave the LA.
EXPLAIN_NOTE = (
    "# INTERNAL USE ONLY - this file holds CHILD identifiers so that placement moves can be "
    "reconciled with the case-management system. Do not publish or share it. One row per "
    "placement episode starting in the year of each child with 2 or more placement moves; "
    "counted = Yes when the episode is a placement move; counted = Left out for a child left "
    "out by --exclude-invalid, with the rule it broke."
)


def explain_placement_moves(result: MeasuresResult, tables: InputTables) -> pd.DataFrame:
    """Every placement episode considered for children with 2+ placement moves in a year.

    One row per episode starting in year ``YEAR`` (from ``result.events``, counted or not, with
    the ``rule`` that decided and, for a counted move, the ``REASON_PLACE_CHANGE`` recorded on
    the episode it ended), with the episode's ``RNE`` and ``PLACE`` from the inputs (the latest
    return's copy of an episode repeated across years). Columns :data:`EXPLAIN_COLUMNS`,
    sorted by child, year and date.
    """
    events = result.events
    placements = events[events["event"] == "placement_move"]
    counted = placements[placements["counted"].fillna(False).astype(bool)]
    moves = counted.groupby(["LA", "CHILD", "YEAR"]).size().rename("moves").reset_index()
    unstable = moves[moves["moves"] >= 2][["LA", "CHILD", "YEAR"]]
    rows = placements.merge(unstable, on=["LA", "CHILD", "YEAR"], how="inner")

    episodes = tables.episodes.sort_values("YEAR", kind="stable")
    episodes = episodes.drop_duplicates(["LA", "CHILD", "DECOM"], keep="last")
    episodes = episodes[["LA", "CHILD", "DECOM", "RNE", "PLACE"]]
    rows = rows.rename(columns={"date": "DECOM", "reason": "reason_for_move"}).merge(
        episodes, on=["LA", "CHILD", "DECOM"], how="left", validate="many_to_one"
    )
    rows["counted"] = rows["counted"].map({True: "Yes", False: "No"})
    rows = rows.sort_values(["CHILD", "YEAR", "DECOM"]).reset_index(drop=True)
    return rows[EXPLAIN_COLUMNS]


def explain_excluded(tables: InputTables) -> pd.DataFrame:
    """One row per child and rule left out by ``--exclude-invalid`` (``counted`` = Left out)."""
    excluded = tables.excluded_children
    return pd.DataFrame(
        {
            "CHILD": excluded["CHILD"].astype(str),
            "YEAR": excluded["YEAR"],
            "DECOM": pd.Series(pd.NaT, index=excluded.index, dtype="datetime64[ns]"),
            "RNE": None,
            "PLACE": None,
            "counted": "Left out",
            "rule": "error " + excluded["rule"].astype(str) + " (--exclude-invalid)",
            "reason_for_move": None,
        },
        columns=EXPLAIN_COLUMNS,
    )


def write_explain(table: pd.DataFrame, path: Path) -> Path:
    """Write the explain table to ``path`` (CSV) under the internal-use note line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = table.assign(DECOM=table["DECOM"].dt.strftime("%d/%m/%Y"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(EXPLAIN_NOTE + "\n")
        out.to_csv(handle, index=False, lineterminator="\n")
    return path
