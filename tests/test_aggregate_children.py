"""Hand-made child-level tables and input tables for the aggregate tests (no tests here).

``child(...)`` gives one row of the child-level table of ``pipeline/measures/schema.py`` with
every column filled with a valid default; tests override what they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.measures.schema import (
    CHILD_LEVEL_COLUMNS,
    COUNT_COLUMNS,
    FLAGS,
    PREVIOUS_YEAR_FLAG_COLUMNS,
    SPLIT_COUNT_COLUMNS,
)

DEFAULT_LABELS = {
    "age_group": "10 to 15",
    "gender": "Male",
    "ethnicity_group": "White",
    "placement_type_group": "Foster care",
    "legal_status_group": "Care order",
    "time_in_care": "12 months or more",
    "age_at_entry_group": "5 to 11",
    "placement_location": "Inside the LA boundary",
    "sen_provision": "No SEN",
    "semh_need": "Other or no primary need",
    "uasc": "Not an unaccompanied asylum-seeking child",
    "school_phase": "Secondary",
    "school_census_match": "Matched",
    "sw_data_supplied": "Supplied",
}


def child(la: str, number: int, year: int = 2024, period: str = "1y", **values) -> dict:
    """One child-level row: every flag False, counts 0, in every cohort, default labels."""
    row: dict = {"LA": la, "CHILD": f"C{la}{number:05d}", "YEAR": year, "PERIOD": period}
    row.update({c: 0 for c in COUNT_COLUMNS + SPLIT_COUNT_COLUMNS})
    row.update({"in_school_cohort": True, "in_sw_cohort": True, "in_long_term_cohort": True})
    row.update({flag: False for flag in FLAGS})
    row.update({c: False for c in PREVIOUS_YEAR_FLAG_COLUMNS})
    row.update(DEFAULT_LABELS)
    unknown = set(values) - set(CHILD_LEVEL_COLUMNS)
    assert not unknown, unknown
    row.update(values)
    return row


def children_frame(rows: list[dict]) -> pd.DataFrame:
    """Type a list of ``child`` rows as the measures engine does (nullable dtypes)."""
    frame = pd.DataFrame(rows, columns=CHILD_LEVEL_COLUMNS)
    for column in COUNT_COLUMNS + SPLIT_COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in (
        list(FLAGS)
        + PREVIOUS_YEAR_FLAG_COLUMNS
        + [
            "in_school_cohort",
            "in_sw_cohort",
            "in_long_term_cohort",
        ]
    ):
        frame[column] = frame[column].astype("boolean")
    frame["YEAR"] = frame["YEAR"].astype("int64")
    return frame


def input_tables(
    la_years: list[tuple[str, int]],
    sw_supplied: set[tuple[str, int]] | None = None,
    la_context: pd.DataFrame | None = None,
) -> InputTables:
    """Input tables whose header holds one placeholder row per LA-year (all that aggregate reads)."""
    header = pd.DataFrame([{"LA": la, "YEAR": year, "CHILD": "X"} for la, year in la_years]).astype(
        {"LA": "string", "YEAR": "int64"}
    )
    empty = pd.DataFrame({"LA": pd.Series(dtype="string"), "YEAR": pd.Series(dtype="int64")})
    tables = InputTables(
        header=header,
        episodes=empty.copy(),
        social_workers=empty.copy(),
        school_census=empty.copy(),
        years=sorted({year for _, year in la_years}),
        sw_supplied=set(la_years) if sw_supplied is None else sw_supplied,
    )
    if la_context is not None:
        tables.la_context = la_context
    return tables


@dataclass
class Result:
    """Stands in for ``pipeline.measures.MeasuresResult`` (duck typed)."""

    children: pd.DataFrame
    events: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["LA", "CHILD", "YEAR", "event", "date", "reason", "rule", "midyear"]
        )
    )
    exclusions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "reason", "children"])
    )
