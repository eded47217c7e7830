"""The main table, ``stability_measures``: cohort, number, percent and 95% Wilson interval.

Layout (kept to a sensible size for the package and the site):

* ``Total`` rows for every year, period (1y, 2y, 3y, 4y), measure valid for the period, and
  level (England, regions, LAs);
* characteristic breakdowns (every topic, every category, zero rows included) for 1y and 2y at
  national and regional level for every year, and at LA level for every year, period 1y, and
  the six headline measures (:data:`LA_BREAKDOWN_MEASURES`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.inputs.tables import InputTables
from pipeline.measures.catalogue import HEADLINE_MEASURES
from pipeline.measures.schema import CHARACTERISTICS, FLAGS, PERIODS, TOTAL
from pipeline.published import LEVEL_LA, Filter, Indicator, PublishedTable, percent_indicator

from .cohort_cells import (
    check_labels,
    flag_array,
    la_years,
    needs_sw_module,
    percent_columns,
    universe_positions,
    with_symbols,
    years_of,
)
from .rollup import LAS_WITH_DATA, add_ees_columns, group_numbers, roll_up, sort_rows

PLACEMENT_FLAGS = ["placement_1plus", "placement_2plus", "placement_4plus"]
#: Measures published for each period (long-term stability is a point-in-time measure).
PERIOD_MEASURES: dict[str, list[str]] = {
    "1y": list(FLAGS),
    "2y": [flag for flag in FLAGS if flag != "long_term_stable"],
    "3y": PLACEMENT_FLAGS,
    "4y": PLACEMENT_FLAGS,
}
BREAKDOWN_PERIODS = ["1y", "2y"]
#: Measures broken down by characteristic at LA level (every year, period 1y): the six DfE
#: headline measures shown on the LA pages.
LA_BREAKDOWN_MEASURES = list(HEADLINE_MEASURES)
INDICATORS = ["cohort", "number", "percent", "percent_lower_ci", "percent_upper_ci"]


def _topic_counts(
    children: pd.DataFrame, universe: pd.DataFrame, flags: list[str], breakdowns: bool
) -> pd.DataFrame:
    """Wide LA-level counts for the Total (and every breakdown), zero rows included.

    One row per universe LA-year (x category); columns ``cohort__<flag>``, ``number__<flag>``.
    Each grouping's sums are one sparse product: a 0/1 matrix (group x child) times the
    child x column matrix of 0/1 flags (integer arithmetic, exact).
    """
    names, values = flag_array(children, flags)
    row = universe_positions(children["LA"], children["YEAR"], universe)
    if (row < 0).any():
        raise ValueError("stability_measures: child rows for an LA-year outside the universe")
    groupings = [(TOTAL, [TOTAL], np.zeros(len(children), dtype=np.int64))]
    for column, (topic, categories) in (CHARACTERISTICS if breakdowns else {}).items():
        check_labels(children, column, categories)
        codes = pd.Categorical(children[column], categories=categories).codes
        groupings.append((topic, categories, codes.astype(np.int64)))
    parts = []
    for topic, categories, codes in groupings:
        size = len(categories)
        members = sparse.csc_matrix(
            (
                np.ones(len(children), dtype=np.int32),
                row * size + codes,
                np.arange(len(children) + 1),
            ),
            shape=(len(universe) * size, len(children)),
        )
        sums = np.asarray(members @ values, dtype=np.int64).reshape(len(universe) * size, -1)
        columns = {
            "LA": np.repeat(universe["LA"].to_numpy(), size),
            "YEAR": np.repeat(universe["YEAR"].to_numpy(), size),
            "sw_ok": np.repeat(universe["sw_ok"].to_numpy(), size),
            "breakdown_topic": topic,
            "breakdown": np.tile(np.array(categories, dtype=object), len(universe)),
        }
        columns |= {name: sums[:, j] for j, name in enumerate(names)}
        parts.append(pd.DataFrame(columns))
    return pd.concat(parts, ignore_index=True)


def _rolled_long(rolled: dict[str, pd.DataFrame], flags: list[str], period: str) -> pd.DataFrame:
    """Rows per measure from wide rolled-up counts (``rolled[flag]`` holds the flag's columns).

    LA breakdown rows are kept only where they are published (period 1y,
    :data:`LA_BREAKDOWN_MEASURES`).
    """
    keys = ["geographic_level", "region_code", "old_la_code", "YEAR"]
    parts: list[pd.DataFrame] = []
    for flag in flags:
        wide = rolled[flag]
        if period != "1y" or flag not in LA_BREAKDOWN_MEASURES:
            la_breakdown = (wide["geographic_level"] == LEVEL_LA) & (
                wide["breakdown_topic"] != TOTAL
            )
            wide = wide[~la_breakdown.to_numpy()]
        part = wide[keys].copy()
        part["period"] = PERIODS[period]
        part["measure"] = flag
        part["breakdown_topic"] = wide["breakdown_topic"]
        part["breakdown"] = wide["breakdown"]
        part["cohort"] = wide[f"cohort__{flag}"]
        part["number"] = wide[f"number__{flag}"]
        part[LAS_WITH_DATA] = wide[LAS_WITH_DATA]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _period_rows(children: pd.DataFrame, tables: InputTables, period: str) -> pd.DataFrame:
    """The rows of one period at every level (LA breakdowns only where they may be published).

    Counts are rolled up to regions and England in wide form (one column per flag), once for
    the flags every LA has and once, over the LAs that supplied the module, for the social
    worker and combined flags.
    """
    flags = PERIOD_MEASURES[period]
    breakdowns = period in BREAKDOWN_PERIODS
    columns = ["LA", "YEAR", *flags, *(CHARACTERISTICS if breakdowns else [])]
    rows = children.loc[(children["PERIOD"] == period).to_numpy(), columns]
    universe = la_years(tables, period, rows)
    if rows.empty or universe.empty:
        return pd.DataFrame()
    years_with_rows = years_of(rows)
    universe = universe[universe["YEAR"].isin(years_with_rows)].reset_index(drop=True)
    wide = _topic_counts(rows, universe, flags, breakdowns=breakdowns)
    keys = ["breakdown_topic", "breakdown"]
    rolled: dict[str, pd.DataFrame] = {}
    for needs_sw in (False, True):
        group = [flag for flag in flags if needs_sw_module(flag) == needs_sw]
        if not group:
            continue
        counts = [f"{kind}__{flag}" for flag in group for kind in ("cohort", "number")]
        frame = roll_up(wide, keys, counts, available="sw_ok" if needs_sw else None)
        rolled |= dict.fromkeys(group, frame)
    return _rolled_long(rolled, flags, period)


def stability_measures(children: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Build ``stability_measures`` from the child-level table (see the module docstring)."""
    parts = [_period_rows(children, tables, period) for period in PERIOD_MEASURES]
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    return _publish(frame)


def _publish(frame: pd.DataFrame) -> PublishedTable:
    not_available = (frame[LAS_WITH_DATA] == 0).to_numpy()
    empty = (frame["cohort"] == 0).to_numpy()
    stats = percent_columns(frame["number"], frame["cohort"])
    out = frame.drop(columns=[LAS_WITH_DATA])
    out["cohort"] = with_symbols(frame["cohort"], not_available)
    out["number"] = with_symbols(frame["number"], not_available)
    for column in ["percent", "percent_lower_ci", "percent_upper_ci"]:
        out[column] = with_symbols(stats[column], not_available, empty)
    out = add_ees_columns(out)
    topics = [TOTAL] + [topic for topic, _ in CHARACTERISTICS.values()]
    position = {(TOTAL, TOTAL): 0}
    for topic, categories in CHARACTERISTICS.values():
        position.update({(topic, item): i for i, item in enumerate(categories)})
    pair_numbers = group_numbers(out, ["breakdown_topic", "breakdown"])
    _, first = np.unique(pair_numbers, return_index=True)
    distinct = out[["breakdown_topic", "breakdown"]].iloc[first]
    pairs = pd.Series(list(zip(distinct["breakdown_topic"], distinct["breakdown"], strict=True)))
    out["_position"] = pairs.map(position).to_numpy()[pair_numbers]
    out = sort_rows(
        out,
        {
            "period": list(PERIODS.values()),
            "measure": list(FLAGS),
            "breakdown_topic": topics,
            "_position": range(max(position.values()) + 1),
        },
    ).drop(columns="_position")
    return PublishedTable(
        name="stability_measures",
        title="Placement, school and social worker stability of children looked after",
        description=DESCRIPTION,
        frame=out,
        filters=FILTERS,
        indicators=INDICATOR_META,
    )


DESCRIPTION = (
    "Children looked after at 31 March who had a change of placement, school or social worker, "
    "by period, measure and characteristic, for England, regions and local authorities. "
    "Each measure is counted on its own cohort: all children looked after (placement "
    "measures), children found in the school census (school measures), children with a social "
    "worker open at 31 March in an LA that supplied the social worker module (social worker "
    "measures), and children in both of those cohorts (combined measures). Where an LA did not "
    "supply the social worker module its social worker and combined measures show x (not "
    "available); regional and national figures for those measures cover only the LAs that "
    "supplied it, so a region's value is the sum over its LAs with data. Characteristic "
    "breakdowns are published for every year at national and regional level, and at LA level "
    "for the six headline measures during the year. Percentages whose cohort is 0 show z. Intervals are 95% Wilson score intervals. "
    "A figure whose earlier returns are not in the input (for example long-term stability "
    "without the two returns before the year) shows x; status says final, provisional (a later "
    "return, such as the next summer school census, can still change it) or not available, "
    "and status_note names the returns missing or awaited."
)

FILTERS = [
    Filter(
        "period",
        "Period",
        "The window the changes are counted over: one year, or two, three or four years "
        "ending on 31 March of the reporting year",
        additive=False,
    ),
    Filter(
        "measure",
        "Measure",
        "The stability measure (its code); see the measures dictionary for its definition",
        additive=False,
    ),
    Filter(
        "breakdown_topic",
        "Breakdown topic",
        "The child characteristic the figures are split by (Total for all children)",
        additive=False,
    ),
    Filter(
        "breakdown",
        "Breakdown",
        "The category of the characteristic; the categories of a topic add up to the Total",
        additive=True,
    ),
]

INDICATOR_META = [
    Indicator(
        "cohort",
        "Children in the cohort",
        kind="count",
        description="Children in the measure's cohort (the denominator of the percentage)",
    ),
    Indicator(
        "number",
        "Children with the change",
        kind="count",
        description="Children in the cohort for whom the measure is true",
    ),
    percent_indicator(
        "percent",
        "Percentage",
        "100 x number / cohort, full precision",
        dp=0,
    ),
    percent_indicator(
        "percent_lower_ci",
        "Percentage, lower 95% limit",
        "Lower end of the 95% Wilson score interval for the percentage",
    ),
    percent_indicator(
        "percent_upper_ci",
        "Percentage, upper 95% limit",
        "Upper end of the 95% Wilson score interval for the percentage",
    ),
]
