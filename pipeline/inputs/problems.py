"""Validation rules and the rows of problems they find.

A :class:`Rule` is an id, a severity and a plain-English message saying what is wrong and how
to fix it. The rules are a table of rows, ``pipeline/data/validation_rules.csv`` (one row a rule:
its id, the ``rules_*`` module that checks it, its severity and message), read by
:func:`rules_of`. Checks return *problem frames*: DataFrames with the columns of
:data:`PROBLEM_COLUMNS` (``message`` and ``severity`` are filled in from the rule later).

Severity follows the DfE's own SSDA903 validation: an **error** means the published figures
would be wrong (or could not be computed) if the row were used; a **warning** flags something
that is probably a recording quirk and that the measures handle (or that affects one child's
match to another data set only).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal

import pandas as pd

from pipeline.frames import empty_frame

ERROR: Final = "error"
WARNING: Final = "warning"
Severity = Literal["error", "warning"]

#: Columns of :attr:`ValidationReport.problems` (the contract's columns, then LA and YEAR).
PROBLEM_COLUMNS = [
    "file",
    "row",
    "column",
    "value",
    "rule",
    "message",
    "severity",
    "child",
    "LA",
    "YEAR",
]


@dataclass(frozen=True)
class Rule:
    """One validation rule: ``id`` (short, stable), ``severity`` and ``message`` (what and how to fix)."""

    id: str
    severity: Severity
    message: str


#: The table of rules (``pipeline/data``): rule, module, severity, message.
RULES_FILE = "validation_rules.csv"
_SEVERITIES: dict[str, Severity] = {ERROR: ERROR, WARNING: WARNING}


@cache
def _rule_rows() -> tuple[dict[str, str], ...]:
    with resources.files("pipeline.data").joinpath(RULES_FILE).open(encoding="utf-8") as file:
        return tuple(csv.DictReader(file))


def rules_of(module: str, **values: object) -> list[Rule]:
    """The rules that module ``module`` (e.g. ``rules_episodes``) checks, in the table's order.

    ``values`` fill the ``{name}`` placeholders of the messages (such as ``spec_link``). A
    severity other than ``error`` or ``warning``, or a module with no rules, is an error.
    """
    rules = []
    for row in _rule_rows():
        if row["module"] != module:
            continue
        severity = _SEVERITIES.get(row["severity"])
        if severity is None:
            raise ValueError(f"{RULES_FILE}: {row['rule']} has severity {row['severity']!r}")
        rules.append(Rule(row["rule"], severity, row["message"].format(**values)))
    if not rules:
        raise ValueError(f"{RULES_FILE}: no rules for module {module!r}")
    return rules


def empty_found() -> pd.DataFrame:
    """Return a problem frame with no rows."""
    return _EMPTY.copy()


_EMPTY = empty_frame(
    {
        "file": "string",
        "row": "Int64",
        "column": "string",
        "value": "string",
        "rule": "string",
        "child": "string",
        "LA": "string",
        "YEAR": "Int64",
    }
)


def as_text(values: pd.Series) -> pd.Series:
    """Render cell values for the report: dates as ``yyyy-mm-dd``, blanks as ``<NA>``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    return values.astype("string")


def found(
    rows: pd.DataFrame,
    *,
    rule: str,
    column: str,
    files: dict[int, str],
    value: pd.Series | str | None = None,
) -> pd.DataFrame:
    """Build a problem frame for ``rows`` (a slice of a normalised table) breaking ``rule``.

    ``files`` maps each ``YEAR`` to the file path (relative to the input folder) the table's
    rows of that year came from; ``value`` defaults to the rows' ``column`` values.
    """
    if rows.empty:
        return empty_found()
    if value is None:
        value = as_text(rows[column]) if column in rows.columns else pd.NA
    elif isinstance(value, pd.Series):
        value = as_text(value)
    child = rows["CHILD"].astype("string") if "CHILD" in rows.columns else pd.NA
    year = rows["YEAR"].astype("Int64")
    frame = pd.DataFrame(
        {
            "file": file_names(rows, files),
            "row": rows["ROW"].astype("Int64"),
            "column": column,
            "value": value,
            "rule": rule,
            "child": child,
            "LA": rows["LA"].astype("string"),
            "YEAR": year,
        },
        index=rows.index,
    )
    return frame.astype({"column": "string", "value": "string", "rule": "string"}).reset_index(
        drop=True
    )


def file_names(rows: pd.DataFrame, files: dict) -> pd.Series:
    """The file each of ``rows`` came from.

    ``files`` maps ``YEAR`` to a path (one file per year) and/or ``(LA, YEAR)`` to a path (one
    file per LA folder and year); the ``(LA, YEAR)`` entry wins where both exist.
    """
    by_year = {key: path for key, path in files.items() if not isinstance(key, tuple)}
    names = rows["YEAR"].astype("Int64").map(by_year).astype("string")
    by_la_year = {key: path for key, path in files.items() if isinstance(key, tuple)}
    if by_la_year:
        keys = pd.MultiIndex.from_arrays([rows["LA"].astype(object), rows["YEAR"].astype(int)])
        lookup = pd.Series(by_la_year, dtype="string")
        lookup.index = pd.MultiIndex.from_tuples(list(by_la_year))
        joined = pd.Series(lookup.reindex(keys).to_numpy(), index=rows.index, dtype="string")
        names = joined.fillna(names)
    return names


def found_in_file(
    file: str,
    *,
    rule: str,
    column: str | None = None,
    value: str | None = None,
    row: int | None = None,
    la: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Build a one-row problem frame about a whole file (or one of its lines)."""
    frame = pd.DataFrame(
        {
            "file": [file],
            "row": pd.array([row], dtype="Int64"),
            "column": [column],
            "value": [value],
            "rule": [rule],
            "child": [None],
            "LA": [la],
            "YEAR": pd.array([year], dtype="Int64"),
        }
    )
    return frame.astype(
        {"file": "string", "column": "string", "value": "string", "rule": "string"}
    ).astype({"child": "string", "LA": "string"})


def found_in_rows(
    file: str, rows: pd.Series, *, rule: str, column: str, values: pd.Series | None = None
) -> pd.DataFrame:
    """Build a problem frame for lines ``rows`` of a file with no LA/YEAR (top-level files)."""
    if rows.empty:
        return empty_found()
    frame = empty_found().reindex(range(len(rows)))
    frame["file"] = file
    frame["row"] = pd.array(rows.to_numpy(), dtype="Int64")
    frame["column"] = column
    frame["rule"] = rule
    if values is not None:
        frame["value"] = pd.array(values.to_numpy(), dtype="string")
    return frame.astype({"file": "string", "column": "string", "rule": "string"})


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate problem frames (an empty frame when there are none)."""
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return empty_found()
    return pd.concat(frames, ignore_index=True)
