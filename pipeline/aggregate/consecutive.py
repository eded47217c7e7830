"""``consecutive_years``: the flag in both years and the persistence ratio (METHODS.md s.4).

Persistence ratio = P(flag in Y | flag in Y-1) / P(flag in Y | not in Y-1), with a 95%
interval on the log scale (Katz): se(log RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0), where ``a`` of
``n1`` children flagged in Y-1 are flagged again and ``c`` of ``n0`` children not flagged in Y-1
are flagged in Y.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.tables import InputTables
from pipeline.published import Filter, Indicator, PublishedTable, percent_indicator

from .cohort_cells import la_years, needs_sw_module, with_symbols, years_of
from .rollup import LAS_WITH_DATA, add_ees_columns, roll_up, sort_rows
from .wilson import Z_95

CONSECUTIVE_MEASURES = ["placement_2plus", "school_midyear", "school_any", "sw_2plus"]
COUNTS = ["cohort", "number_previous_year", "number_both_years", "number_not_before"]


def persistence_ratio(
    both: np.ndarray, previous: np.ndarray, new: np.ndarray, not_before: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the persistence ratio and its 95% Katz interval (nan where undefined).

    ``both`` of ``previous`` children flagged in Y-1 are flagged in Y; ``new`` of ``not_before``
    children not flagged in Y-1 are flagged in Y. Undefined when any of the four is 0.
    """
    a, n1, c, n0 = (np.asarray(v, dtype=float) for v in (both, previous, new, not_before))
    ok = (a > 0) & (n1 > 0) & (c > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a / n1) / (c / n0)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
        lower = np.exp(np.log(ratio) - Z_95 * se)
        upper = np.exp(np.log(ratio) + Z_95 * se)
    return tuple(np.where(ok, v, np.nan) for v in (ratio, lower, upper))  # type: ignore[return-value]


def consecutive_years(children: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Children of the two-year cohort with a headline flag in Y-1, in Y, or in both."""
    flags = [
        f"{measure}{suffix}"
        for measure in CONSECUTIVE_MEASURES
        for suffix in ("", "_previous_year")
    ]
    rows = children.loc[(children["PERIOD"] == "consecutive").to_numpy(), ["LA", "YEAR", *flags]]
    universe = la_years(tables, "consecutive", rows)
    universe = universe[universe["YEAR"].isin(years_of(rows))]
    keys = rows[["LA", "YEAR"]].astype({"LA": str, "YEAR": "int64"})
    parts = []
    for measure in CONSECUTIVE_MEASURES:
        now = rows[measure]
        before = rows[f"{measure}_previous_year"]
        known = (now.notna() & before.notna()).to_numpy()
        now_true = now.fillna(False).astype(bool).to_numpy() & known
        before_true = before.fillna(False).astype(bool).to_numpy() & known
        counts = keys.assign(
            cohort=known.astype("int64"),
            number_previous_year=before_true.astype("int64"),
            number_both_years=(now_true & before_true).astype("int64"),
            number_not_before=(now_true & ~before_true).astype("int64"),
        )
        summed = counts.groupby(["LA", "YEAR"], as_index=False)[COUNTS].sum()
        la_frame = universe.merge(summed, on=["LA", "YEAR"], how="left").fillna(
            {c: 0 for c in COUNTS}
        )
        la_frame["available"] = la_frame["sw_ok"] if needs_sw_module(measure) else True
        parts.append(la_frame.drop(columns="sw_ok").assign(measure=measure))
    la_frame = pd.concat(parts, ignore_index=True)
    la_frame[COUNTS] = la_frame[COUNTS].astype("int64")
    rolled = roll_up(la_frame, ["measure"], COUNTS, available="available")
    return _publish(rolled)


def _publish(rolled: pd.DataFrame) -> PublishedTable:
    x = (rolled[LAS_WITH_DATA] == 0).to_numpy()
    n = rolled["cohort"].to_numpy(dtype=float)
    n1 = rolled["number_previous_year"].to_numpy(dtype=float)
    a = rolled["number_both_years"].to_numpy(dtype=float)
    c = rolled["number_not_before"].to_numpy(dtype=float)
    n0 = n - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "percent_both_years": np.where(n > 0, 100 * a / n, np.nan),
            "percent_again": np.where(n1 > 0, 100 * a / n1, np.nan),
            "percent_if_not_before": np.where(n0 > 0, 100 * c / n0, np.nan),
        }
    ratio, lower, upper = persistence_ratio(a, n1, c, n0)
    values |= {
        "persistence_ratio": ratio,
        "persistence_ratio_lower_ci": lower,
        "persistence_ratio_upper_ci": upper,
    }
    out = rolled.drop(columns=[LAS_WITH_DATA])
    for column in COUNTS:
        out[column] = with_symbols(rolled[column], x)
    for column, array in values.items():
        out[column] = with_symbols(pd.Series(array, index=rolled.index), x, np.isnan(array))
    out = sort_rows(add_ees_columns(out), {"measure": CONSECUTIVE_MEASURES})
    out = out[[*out.columns[:11], *[i.name for i in INDICATORS]]]
    return PublishedTable(
        name="consecutive_years",
        title="Instability in consecutive years and the persistence ratio",
        description=(
            "Children looked after at 31 March who were also looked after in the previous "
            "year, by whether a headline measure was true in the previous year, this year, or "
            "both. The persistence ratio is how many times more likely a child is to have the "
            "change this year if they had it last year than if they did not, with a 95% "
            "interval (Katz, log scale); z where it cannot be computed (a zero count). Social "
            "worker measures need the module in both years (x otherwise; regional and national "
            "figures cover the LAs that supplied it)."
        ),
        frame=out,
        filters=[Filter("measure", "Measure", "The headline measure (its code)", additive=False)],
        indicators=INDICATORS,
    )


def _rate(name: str, label: str, description: str, numerator: str, denominator: str) -> Indicator:
    return Indicator(
        name,
        label,
        kind="rate",
        dp=2,
        description=description,
        numerator=numerator,
        denominator=denominator,
        field_type="number",
    )


def _percent(
    name: str, label: str, description: str, numerator: str, denominator: str
) -> Indicator:
    return percent_indicator(name, label, description, 0, numerator, denominator)


INDICATORS = [
    Indicator("cohort", "Children in the cohort", description="Children in the measure's "
              "cohort in both years (the two-year cohort)"),
    Indicator("number_previous_year", "Children with the change last year",
              description="Children with the measure true in the previous year"),
    Indicator("number_both_years", "Children with the change in both years",
              description="Children with the measure true in both years"),
    Indicator("number_not_before", "Children with the change this year only",
              description="Children with the measure true this year but not the year before"),
    _percent("percent_both_years", "Percentage with the change in both years",
             "100 x number_both_years / cohort", "number_both_years", "cohort"),
    _percent("percent_again", "Percentage with the change again",
             "Of children with the change last year, the percentage who had it again",
             "number_both_years", "number_previous_year"),
    _percent("percent_if_not_before", "Percentage with the change if not last year",
             "Of children without the change last year, the percentage who had it this year",
             "number_not_before", "cohort"),
    _rate("persistence_ratio", "Persistence ratio",
          "percent_again / percent_if_not_before", "number_both_years", "number_not_before"),
    _rate("persistence_ratio_lower_ci", "Persistence ratio, lower 95% limit",
          "Lower end of the 95% interval (Katz, log scale)", "number_both_years",
          "number_not_before"),
    _rate("persistence_ratio_upper_ci", "Persistence ratio, upper 95% limit",
          "Upper end of the 95% interval (Katz, log scale)", "number_both_years",
          "number_not_before"),
]  # fmt: skip
