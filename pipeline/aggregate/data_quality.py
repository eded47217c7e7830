"""``data_quality``: cohort sizes, exclusions, school census match and validation warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.logs import log
from pipeline.published import LEVEL_LA, Indicator, PublishedTable, percent_indicator

from .cohort_cells import la_years, with_symbols
from .rollup import LAS_WITH_DATA, add_ees_columns, group_numbers, roll_up, sort_rows

EXCLUSION_COLUMNS = {
    "Short breaks only": "excluded_short_breaks_only",
    "Aged 18 or over at 31 March": "excluded_aged_18_or_over",
}
COUNTS = [
    "cohort",
    "excluded_short_breaks_only",
    "excluded_aged_18_or_over",
    "school_age_children",
    "matched_to_school_census",
    "children_aged_5_to_15",
    "matched_aged_5_to_15",
    "validation_warnings",
    "excluded_with_errors",
    "ended_not_in_return",
]


def _per_la_year(frame: pd.DataFrame, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sum each of ``values`` (one entry per row of ``frame``) per ``LA, YEAR`` (as int64)."""
    numbers = group_numbers(frame, ["LA", "YEAR"])
    _, first = np.unique(numbers, return_index=True)
    sums = {
        column: np.bincount(numbers, weights=array, minlength=len(first)).astype("int64")
        for column, array in values.items()
    }
    return pd.DataFrame(
        {
            "LA": frame["LA"].iloc[first].astype(str).to_numpy(),
            "YEAR": frame["YEAR"].iloc[first].astype("int64").to_numpy(),
            **sums,
        }
    )


def _exclusions(exclusions: pd.DataFrame) -> pd.DataFrame:
    known = exclusions["reason"].isin(list(EXCLUSION_COLUMNS))
    if (~known).any():
        log.info(
            "data_quality: exclusion reasons not published as columns (not cohort exclusions): %s",
            sorted(set(exclusions.loc[~known, "reason"].astype(str))),
        )
    rows = exclusions[known]
    values = {
        column: np.where(rows["reason"] == reason, rows["children"].astype("int64"), 0)
        for reason, column in EXCLUSION_COLUMNS.items()
    }
    return _per_la_year(rows, values)


def _input_counts(tables: InputTables) -> pd.DataFrame:
    """``LA, YEAR``: children left out with errors, and open episodes the return left out."""
    excluded = getattr(tables, "excluded_per_la_year", None)
    ended = getattr(tables, "ended_not_in_return", None)
    keys = ["LA", "YEAR"]
    frames = []
    if excluded is not None and len(excluded):
        frames.append(excluded.rename(columns={"children": "excluded_with_errors"}))
    if ended is not None and len(ended):
        counts = ended.drop_duplicates([*keys, "CHILD"]).groupby(keys).size()
        frames.append(counts.rename("ended_not_in_return").reset_index())
    out = pd.DataFrame({"LA": pd.Series(dtype=str), "YEAR": pd.Series(dtype="int64")})
    for frame in frames:
        frame = frame.astype({"LA": str, "YEAR": "int64"})
        out = out.merge(frame, on=keys, how="outer")
    for column in ("excluded_with_errors", "ended_not_in_return"):
        if column not in out.columns:
            out[column] = pd.Series(dtype="int64")
    return out[[*keys, "excluded_with_errors", "ended_not_in_return"]]


def data_quality(
    children: pd.DataFrame,
    exclusions: pd.DataFrame,
    tables: InputTables,
    report: ValidationReport | None = None,
) -> PublishedTable:
    """One row per area and year: who is in the cohorts and how well the data matched.

    ``children`` is the child-level table, ``exclusions`` the measures step's ``LA, YEAR,
    reason, children`` frame.
    """
    columns = ["LA", "YEAR", "school_census_match", "age_group", "in_sw_cohort"]
    children = children.loc[(children["PERIOD"] == "1y").to_numpy(), columns]
    universe = la_years(tables, "1y", children)
    match = children["school_census_match"]
    aged_5_to_15 = children["age_group"].isin(["5 to 9", "10 to 15"]).to_numpy()
    matched = (match == "Matched").to_numpy()
    counts = _per_la_year(
        children,
        {
            "cohort": np.ones(len(children), "int64"),
            "school_age_children": match.isin(["Matched", "Not matched"]).to_numpy("int64"),
            "matched_to_school_census": matched.astype("int64"),
            "children_aged_5_to_15": aged_5_to_15.astype("int64"),
            "matched_aged_5_to_15": (matched & aged_5_to_15).astype("int64"),
            "sw_cohort": children["in_sw_cohort"].fillna(False).astype(bool).to_numpy("int64"),
        },
    )
    frame = universe.merge(counts, on=["LA", "YEAR"], how="left")
    frame = frame.merge(_exclusions(exclusions), on=["LA", "YEAR"], how="left")
    if report is not None:
        warnings = report.warnings_by_la_year()
        warnings = warnings.astype({"LA": str, "YEAR": "int64"})
        frame = frame.merge(warnings[["LA", "YEAR", "warnings"]], on=["LA", "YEAR"], how="left")
        frame = frame.rename(columns={"warnings": "validation_warnings"})
    else:
        frame["validation_warnings"] = 0
    frame = frame.merge(_input_counts(tables), on=["LA", "YEAR"], how="left")
    frame = frame.fillna({c: 0 for c in [*COUNTS, "sw_cohort"]})
    frame[[*COUNTS, "sw_cohort"]] = frame[[*COUNTS, "sw_cohort"]].astype("int64")
    rolled = roll_up(frame.drop(columns="sw_ok"), [], COUNTS)
    sw = roll_up(frame[["LA", "YEAR", "sw_cohort", "sw_ok"]], [], ["sw_cohort"], available="sw_ok")
    keys = ["geographic_level", "region_code", "old_la_code", "YEAR"]
    rolled = rolled.drop(columns=LAS_WITH_DATA).merge(sw, on=keys)
    return _publish(rolled)


def _publish(rolled: pd.DataFrame) -> PublishedTable:
    is_la = (rolled["geographic_level"] == LEVEL_LA).to_numpy()
    supplied_las = rolled[LAS_WITH_DATA].to_numpy()
    out = rolled[["geographic_level", "region_code", "old_la_code", "YEAR"]].copy()
    out["children_looked_after"] = (
        rolled["cohort"] + rolled["excluded_short_breaks_only"] + rolled["excluded_aged_18_or_over"]
    )
    for column in COUNTS[1:5]:
        out[column] = rolled[column]
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, num, den in [
            ("match_rate", "matched_to_school_census", "school_age_children"),
            ("match_rate_age_5_to_15", "matched_aged_5_to_15", "children_aged_5_to_15"),
        ]:
            d = rolled[den].to_numpy(float)
            rate = np.where(d > 0, 100 * rolled[num].to_numpy(float) / d, np.nan)
            out[name] = with_symbols(pd.Series(rate, index=rolled.index), None, d == 0)
    out["children_aged_5_to_15"] = rolled["children_aged_5_to_15"]
    out["matched_aged_5_to_15"] = rolled["matched_aged_5_to_15"]
    out["sw_module_supplied"] = np.where(
        is_la, np.where(supplied_las > 0, "Yes", "No"), supplied_las.astype(str)
    ).astype(object)
    out["sw_cohort"] = with_symbols(rolled["sw_cohort"], supplied_las == 0)
    out["validation_warnings"] = rolled["validation_warnings"]
    out["excluded_with_errors"] = rolled["excluded_with_errors"]
    out["ended_not_in_return"] = rolled["ended_not_in_return"]
    out = sort_rows(add_ees_columns(out), {})
    out = out[[*out.columns[:10], *[i.name for i in INDICATORS]]]
    return PublishedTable(
        name="data_quality",
        title="Data quality: cohorts, exclusions and matching",
        description=(
            "For each area and year: children looked after at 31 March, children left out of "
            "the index (short breaks only; aged 18 or over), children of school age (5 or "
            "over) and how many were found in the school census, whether the social worker "
            "module was supplied (Yes/No for an LA; the number of LAs that supplied it for a "
            "region or England), the social worker cohort (x where the module was not "
            "supplied; higher levels cover the LAs that supplied it), the number of "
            "validation warnings raised when the inputs were read, children left out because "
            "their records had errors, and children whose open episode the year's return left "
            "out."
        ),
        frame=out,
        filters=[],
        indicators=INDICATORS,
    )


def _count(name: str, label: str, description: str) -> Indicator:
    return Indicator(name, label, kind="count", description=description)


def _rate(name: str, label: str, description: str, numerator: str, denominator: str) -> Indicator:
    return percent_indicator(name, label, description, 1, numerator, denominator)


INDICATORS = [
    _count(
        "children_looked_after",
        "Children looked after at 31 March",
        "Children in the year cohort plus the children left out below",
    ),
    _count(
        "excluded_short_breaks_only",
        "Left out: short breaks only",
        "Children whose episodes in the year were all short breaks (legal status V3 or V4)",
    ),
    _count(
        "excluded_aged_18_or_over",
        "Left out: aged 18 or over",
        "Children aged 18 or over at 31 March",
    ),
    _count(
        "school_age_children",
        "Children of school age",
        "Children in the year cohort aged 5 or over at 31 March",
    ),
    _count(
        "matched_to_school_census",
        "Found in the school census",
        "Children of school age found by UPN in a termly census in the year",
    ),
    _rate(
        "match_rate",
        "Match rate",
        "100 x found in the school census / children of school age",
        "matched_to_school_census",
        "school_age_children",
    ),
    _rate(
        "match_rate_age_5_to_15",
        "Match rate, ages 5 to 15",
        "100 x children aged 5 to 15 found / children aged 5 to 15",
        "matched_aged_5_to_15",
        "children_aged_5_to_15",
    ),
    _count("children_aged_5_to_15", "Children aged 5 to 15", "Children aged 5 to 15 at 31 March"),
    _count(
        "matched_aged_5_to_15",
        "Children aged 5 to 15 found in the school census",
        "Children aged 5 to 15 at 31 March found by UPN in a termly census in the year",
    ),
    Indicator(
        "sw_module_supplied",
        "Social worker module supplied",
        kind="text",
        description="LA: Yes or No; region and England: the number of LAs that supplied it",
        field_type="string",
    ),
    _count(
        "sw_cohort",
        "Children in the social worker cohort",
        "Children with a social worker episode open at 31 March",
    ),
    _count(
        "validation_warnings",
        "Validation warnings",
        "Warnings raised when the input files were read (problems that did not stop the build)",
    ),
    _count(
        "excluded_with_errors",
        "Left out: records with errors",
        "Children of the year's return left out of every measure because their records had an "
        "error (only when the build was run with --exclude-invalid)",
    ),
    _count(
        "ended_not_in_return",
        "Episodes ended: not in the year's return",
        "Children with an episode open at the end of the previous return that this year's "
        "return left out; the episode is taken to have ended at the end of the previous year",
    ),
]
