"""``--exclude-invalid``: leave out the children with an error, and go on with the rest.

Without the option any error stops the run (nothing is written). With it, every child with at
least one error-level problem is left out of every table, in every year, for that LA; the run
goes on with the other children. Errors that belong to no child (a missing file or column, a
misnamed folder, an unknown LA) still stop the run, since no child can be left out to fix them;
so do errors whose LA is not known. A line with the wrong number of fields (``BAD_ROW``) was
already left out when read, so it does not stop the run.

The children left out are counted by rule in the log, the validation report, the LA report and
the data quality table; their IDs are written only to the ``--explain`` file (internal).
"""

from __future__ import annotations

import pandas as pd

from pipeline.frames import empty_frame
from pipeline.inputs.problems import ERROR
from pipeline.inputs.raw import RawInputs

#: Errors without a child that need not stop a run with ``--exclude-invalid``.
PASSABLE_WITHOUT_CHILD = {"BAD_ROW"}
EXCLUDED_COLUMNS = ["LA", "YEAR", "CHILD", "rule"]


def empty_excluded() -> pd.DataFrame:
    """An ``LA, YEAR, CHILD, rule`` frame with no rows."""
    return empty_frame({"LA": "string", "YEAR": "int64", "CHILD": "string", "rule": "string"})


def blocking_errors(problems: pd.DataFrame) -> pd.DataFrame:
    """The errors that no exclusion of children can get past."""
    errors = problems[problems["severity"] == ERROR]
    no_child = errors["child"].isna() | errors["LA"].isna()
    return errors[no_child & ~errors["rule"].isin(PASSABLE_WITHOUT_CHILD)]


def children_with_errors(problems: pd.DataFrame) -> pd.DataFrame:
    """``LA, YEAR, CHILD, rule``: one row per child, year and rule of an error."""
    errors = problems[(problems["severity"] == ERROR) & problems["child"].notna()]
    errors = errors[errors["LA"].notna() & errors["YEAR"].notna()]
    if errors.empty:
        return empty_excluded()
    frame = pd.DataFrame(
        {
            "LA": errors["LA"].astype("string"),
            "YEAR": errors["YEAR"].astype("int64"),
            "CHILD": errors["child"].astype("string"),
            "rule": errors["rule"].astype("string"),
        }
    ).drop_duplicates()
    return frame.sort_values(EXCLUDED_COLUMNS).reset_index(drop=True)


def drop_children(raw: RawInputs, excluded: pd.DataFrame) -> None:
    """Remove every row of the excluded children (by ``LA`` and ``CHILD``) from ``raw``."""
    if excluded.empty:
        return
    keys = pd.MultiIndex.from_frame(excluded[["LA", "CHILD"]].drop_duplicates().astype(object))
    for table, frame in raw.tables.items():
        if "CHILD" not in frame.columns or frame.empty:
            continue
        rows = pd.MultiIndex.from_frame(frame[["LA", "CHILD"]].astype(object)).isin(keys)
        if rows.any():
            raw.tables[table] = frame[~rows].reset_index(drop=True)
    raw.cache.clear()  # keys computed on the tables before


def excluded_by_rule(excluded: pd.DataFrame) -> pd.DataFrame:
    """``rule, children``: distinct children left out for each rule (a child may count twice)."""
    counts = excluded.drop_duplicates(["LA", "CHILD", "rule"]).groupby("rule").size()
    return (
        counts.rename("children")
        .reset_index()
        .sort_values(["children", "rule"], ascending=[False, True])
    )


def excluded_per_la_year(excluded: pd.DataFrame, header: pd.DataFrame) -> pd.DataFrame:
    """``LA, YEAR, children``: excluded children with a header row in each LA-year's return."""
    children = excluded[["LA", "CHILD"]].drop_duplicates()
    rows = header[["LA", "YEAR", "CHILD"]].merge(children, on=["LA", "CHILD"])
    counts = rows.drop_duplicates().groupby(["LA", "YEAR"]).size().rename("children")
    return counts.reset_index()
