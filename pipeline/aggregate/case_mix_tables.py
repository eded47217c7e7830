"""Publish ``case_mix`` (LA and National rows) and ``case_mix_coefficients`` (National)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, Filter, Indicator, PublishedTable

from .case_mix import CASE_MIX_MEASURES, case_mix_frames, funnel, overdispersion
from .cohort_cells import with_symbols
from .rollup import add_ees_columns, sort_rows

RATIO_COLUMNS = [
    "observed_expected_ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "ratio_lower_998",
    "ratio_upper_998",
]


def _with_funnel(frame: pd.DataFrame) -> pd.DataFrame:
    """Add phi, the ratio, its limits and the result, per year and measure."""
    parts = []
    for _, group in frame.groupby(["YEAR", "measure"], sort=False):
        usable = (
            group["available"] & (group["expected"] > 0) & (group["geographic_level"] == LEVEL_LA)
        )
        z = (group["observed"] - group["expected"]) / np.sqrt(group["variance"])
        phi = overdispersion(z[usable].to_numpy(dtype=float))
        limits = funnel(group["observed"], group["expected"], group["variance"], phi)
        parts.append(pd.concat([group.reset_index(drop=True), limits], axis=1).assign(phi=phi))
    return pd.concat(parts, ignore_index=True)


def case_mix_tables(children: pd.DataFrame, tables: InputTables) -> dict[str, PublishedTable]:
    """Fit the models and return ``{"case_mix": ..., "case_mix_coefficients": ...}``."""
    la_frame, coefficients = case_mix_frames(children, tables)
    la_frame = la_frame.rename(columns={"LA": "old_la_code"})
    la_frame["geographic_level"] = LEVEL_LA
    la_frame["region_code"] = ""
    counted = la_frame[la_frame["available"]]
    national = counted.groupby(["YEAR", "measure"], as_index=False)[
        ["cohort", "observed", "expected", "variance"]
    ].sum()
    keys = la_frame[["YEAR", "measure"]].drop_duplicates()
    national = keys.merge(national, on=["YEAR", "measure"], how="left")
    national["available"] = national["cohort"].notna()
    national = national.fillna({"cohort": 0, "observed": 0, "expected": 0.0, "variance": 0.0})
    national = national.assign(geographic_level=LEVEL_NATIONAL, region_code="", old_la_code="")
    frame = _with_funnel(pd.concat([national, la_frame], ignore_index=True))
    x = ~frame["available"].to_numpy(dtype=bool)
    no_expectation = (frame["expected"] <= 0).to_numpy()
    out = frame[["geographic_level", "region_code", "old_la_code", "YEAR", "measure"]].copy()
    out["cohort"] = with_symbols(frame["cohort"].astype("int64"), x)
    out["observed"] = with_symbols(frame["observed"].astype("int64"), x)
    out["expected"] = with_symbols(frame["expected"], x, no_expectation)
    for column in RATIO_COLUMNS:
        out[column] = with_symbols(frame[column], x, no_expectation)
    out["case_mix_result"] = with_symbols(frame["case_mix_result"], x, no_expectation)
    out = sort_rows(add_ees_columns(out), {"measure": CASE_MIX_MEASURES})
    return {
        "case_mix": PublishedTable(
            name="case_mix",
            title="Case-mix adjusted comparison: observed against expected",
            description=CASE_MIX_DESCRIPTION,
            frame=out,
            filters=[MEASURE_FILTER],
            indicators=CASE_MIX_INDICATORS,
        ),
        "case_mix_coefficients": _coefficients_table(coefficients),
    }


def _coefficients_table(coefficients: pd.DataFrame) -> PublishedTable:
    columns = ["odds_ratio", "odds_ratio_lower_ci", "odds_ratio_upper_ci", "p_value"]
    if coefficients.empty:
        coefficients = pd.DataFrame(
            columns=["YEAR", "measure", "term", "reference_category", *columns]
        )
    frame = coefficients.assign(geographic_level=LEVEL_NATIONAL, region_code="", old_la_code="")
    frame = frame[
        ["geographic_level", "region_code", "old_la_code", "YEAR", "measure", "term"]
        + columns
        + ["reference_category"]
    ]
    terms = list(dict.fromkeys(frame["term"]))
    out = (
        sort_rows(add_ees_columns(frame), {"measure": CASE_MIX_MEASURES, "term": terms})
        if len(frame)
        else add_ees_columns(frame)
    )
    return PublishedTable(
        name="case_mix_coefficients",
        title="Case-mix model: odds ratios",
        description=(
            "The logistic regression behind the case-mix comparison, one model per year and "
            "measure, fitted on every child in England whose measure is known. Each term is a "
            "characteristic's category compared with the reference category (the largest "
            "category; categories with fewer than 10 children are counted with the "
            "reference). Odds ratios above 1 mean a higher chance of the change, other "
            "characteristics being equal; the intercept is the odds for a child in every "
            "reference category. Intervals are 95% (Wald)."
        ),
        frame=out,
        filters=[
            MEASURE_FILTER,
            Filter("term", "Model term", "Intercept or characteristic: category", additive=False),
        ],
        indicators=[
            _number("odds_ratio", "Odds ratio", "exp(coefficient)"),
            _number("odds_ratio_lower_ci", "Odds ratio, lower 95% limit", "Wald interval"),
            _number("odds_ratio_upper_ci", "Odds ratio, upper 95% limit", "Wald interval"),
            _number("p_value", "p-value", "Two-sided Wald test that the odds ratio is 1", dp=4),
            Indicator(
                "reference_category",
                "Reference category",
                kind="text",
                description="The category the term is compared with",
                field_type="string",
            ),
        ],
    )


def _number(name: str, label: str, description: str, dp: int = 2, **kwargs) -> Indicator:
    return Indicator(
        name, label, dp=dp, kind="text", description=description, field_type="number", **kwargs
    )


MEASURE_FILTER = Filter("measure", "Measure", "The headline measure (its code)", additive=False)

CASE_MIX_DESCRIPTION = (
    "For each local authority, the number of children with each headline measure compared with "
    "the number expected given its children's characteristics (age, age at entry to care, "
    "gender, ethnicity, legal status, placement type, time in care, unaccompanied asylum-seeking "
    "status and SEMH need), from a logistic regression fitted on all of England for the year. "
    "The result says whether the LA lies outside the 95% or 99.8% funnel limits around 1; the "
    "limits allow for overdispersion between LAs (Spiegelhalter's method) when present. "
    "Social worker and combined measures cover LAs that supplied the social worker module "
    "(x for the others); the National row covers the same LAs."
)

CASE_MIX_INDICATORS = [
    Indicator("cohort", "Children in the cohort", description="Children whose measure is known"),
    Indicator("observed", "Observed", description="Children with the measure"),
    Indicator(
        "expected",
        "Expected",
        dp=1,
        kind="rate",
        description="Sum of the children's fitted probabilities",
        field_type="number",
    ),
    Indicator(
        "observed_expected_ratio",
        "Observed / expected",
        dp=2,
        kind="rate",
        description="Observed divided by expected (1 = as expected)",
        numerator="observed",
        field_type="number",
    ),
    *[
        Indicator(
            name,
            label,
            dp=2,
            kind="rate",
            description="Funnel limit for the ratio",
            field_type="number",
        )
        for name, label in [
            ("ratio_lower_95", "Lower 95% limit"),
            ("ratio_upper_95", "Upper 95% limit"),
            ("ratio_lower_998", "Lower 99.8% limit"),
            ("ratio_upper_998", "Upper 99.8% limit"),
        ]
    ],
    Indicator(
        "case_mix_result",
        "Case-mix result",
        kind="text",
        description="Significantly higher / lower than expected, or as expected",
        field_type="string",
    ),
]
