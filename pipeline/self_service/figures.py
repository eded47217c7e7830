"""The LA's own tables and headline figures, and who was counted (METHODS.md sections 2 and 6).

The self-service run aggregates one LA's data with the same functions as the national build.
Rows for the region and England computed from one LA's data alone only repeat the LA, so every
figure shown in the report is taken from the LA's own rows.
"""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate.all_tables import compact_children, own_data_tables
from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.measures import MeasuresResult
from pipeline.measures.catalogue import HEADLINE_MEASURES
from pipeline.measures.schema import FLAGS, PERIODS
from pipeline.published import LEVEL_LA, PublishedTable

#: The columns of a figure: the same names as the published ``stability_measures`` table.
FIGURE_COLUMNS = ["number", "cohort", "percent", "percent_lower_ci", "percent_upper_ci"]
ONE_YEAR = PERIODS["1y"]


def la_tables(result: MeasuresResult, tables: InputTables) -> dict[str, PublishedTable]:
    """The tables of ``pipeline.aggregate.build_tables`` that make sense for one LA's data.

    The same aggregation functions as ``build_tables``, without the tables that need every LA
    in England (the case-mix model is fitted on all of England's children and cannot be fitted
    on one LA's; the statistical neighbours come from the published package) and without the
    data quality table (the report explains exclusions from ``MeasuresResult.exclusions`` and
    the validation report directly).
    """
    children = compact_children(result.children)
    if children.empty:
        raise ValueError("no child was looked after at 31 March in any year of the inputs")
    return own_data_tables(children, result.events, tables)


def only_la_rows(tables: dict[str, PublishedTable], la: str) -> dict[str, PublishedTable]:
    """Copies of ``tables`` keeping only the rows of LA ``la`` (region and England dropped)."""
    kept = {}
    for name, table in tables.items():
        frame = table.frame
        if table.ees:
            frame = frame[
                (frame["geographic_level"] == LEVEL_LA) & (frame["old_la_code"].astype(str) == la)
            ]
        kept[name] = PublishedTable(
            name=table.name,
            title=table.title,
            description=table.description,
            frame=frame.reset_index(drop=True),
            filters=table.filters,
            indicators=table.indicators,
            extra_columns=table.extra_columns,
            ees=table.ees,
        )
    return kept


def headline_figures(stability: pd.DataFrame, la: str) -> pd.DataFrame:
    """The LA's one-year, whole-cohort figure for each headline measure and year.

    ``stability`` is a ``stability_measures`` frame (numbers before disclosure, strings with
    symbols after). Returns ``year, measure, label`` and :data:`FIGURE_COLUMNS` (cells as they
    are in ``stability``), plus ``status`` and ``status_note`` when ``stability`` has them
    (``pipeline.aggregate.coverage``), ordered by year then :data:`HEADLINE_MEASURES`.
    """
    rows = stability[
        (stability["geographic_level"] == LEVEL_LA)
        & (stability["old_la_code"].astype(str) == la)
        & (stability["period"] == ONE_YEAR)
        & (stability["breakdown_topic"] == "Total")
        & (stability["breakdown"] == "Total")
        & stability["measure"].isin(HEADLINE_MEASURES)
    ]
    figures = rows.assign(
        year=rows["time_period"].astype(int),
        label=rows["measure"].map(lambda code: FLAGS[code][0]),
        order=rows["measure"].map(HEADLINE_MEASURES.index),
    )
    figures = figures.sort_values(["year", "order"])
    status = [c for c in ("status", "status_note") if c in figures.columns]
    return figures[["year", "measure", "label", *FIGURE_COLUMNS, *status]].reset_index(drop=True)


def cohort_summary(figures: pd.DataFrame) -> pd.DataFrame:
    """Children in each cohort per year, from the cohorts of the headline figures.

    ``figures`` is :func:`headline_figures`' output, so after disclosure control the cohorts are
    the protected cells. Columns ``year, children_in_cohort, school_cohort,
    social_worker_cohort, long_term_cohort`` (the cohorts of ``placement_2plus``,
    ``school_midyear``, ``sw_2plus`` and ``long_term_stable``).
    """
    columns = {
        "placement_2plus": "children_in_cohort",
        "school_midyear": "school_cohort",
        "sw_2plus": "social_worker_cohort",
        "long_term_stable": "long_term_cohort",
    }
    rows = figures[figures["measure"].isin(list(columns))]
    table = rows.pivot(index="year", columns="measure", values="cohort").rename(columns=columns)
    table = table.reindex(columns=list(columns.values()))
    table.columns.name = None
    return table.reset_index()


def suppress_small_counts(frame: pd.DataFrame, count: str, group: str) -> pd.DataFrame:
    """Counts of 1 to 5 shown as ``c``; where a group has exactly one, its next smallest too.

    The rule of METHODS.md section 7 for counts shown outside the published tables (children
    left out of a cohort, rows with a warning), so that no suppressed count can be recovered
    by subtraction within a year. Returns a copy with ``count`` as text.
    """
    values = frame[count].astype("int64")
    small = values.between(1, 5)
    alone = small.groupby(frame[group]).transform("sum") == 1
    candidates = values.where(~small & alone & (values > 0))
    smallest = candidates.groupby(frame[group]).transform("min")
    secondary = candidates.notna() & (candidates == smallest)
    first = secondary & ~secondary.groupby(frame[group]).cumsum().gt(1)
    shown = values.map("{:,}".format).where(~(small | first), "c")
    return frame.assign(**{count: shown})


def exclusion_summary(result: MeasuresResult, la: str) -> pd.DataFrame:
    """Children left out of a cohort per year and why (from ``MeasuresResult.exclusions``)."""
    exclusions = result.exclusions
    rows = exclusions[exclusions["LA"].astype(str) == la]
    rows = rows.rename(columns={"YEAR": "year"})[["year", "reason", "children"]]
    return rows.sort_values(["year", "reason"]).reset_index(drop=True)


def input_exclusions(tables: InputTables, la: str) -> pd.DataFrame:
    """Children the reader left out (``--exclude-invalid``, by rule) or whose open episode the
    year's return left out (so not looked after at its 31 March): ``year, reason, children``."""
    excluded = tables.excluded_children
    excluded = excluded[excluded["LA"].astype(str) == la]
    rows = [
        {"year": int(year), "reason": f"Left out: error {rule} (--exclude-invalid)",
         "children": int(group["CHILD"].nunique())}
        for (year, rule), group in excluded.groupby(["YEAR", "rule"])
    ]  # fmt: skip
    ended = tables.ended_not_in_return
    ended = ended[ended["LA"].astype(str) == la]
    rows += [
        {"year": int(year), "reason": "Open episode not in this year's return: ended at the "
         "end of the previous year", "children": int(group["CHILD"].nunique())}
        for year, group in ended.groupby("YEAR")
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["year", "reason", "children"])


def rows_read(report: ValidationReport) -> pd.DataFrame:
    """Rows read per input file (``file, rows_read``), in file order."""
    return report.rows[["file", "rows_read"]].sort_values("file").reset_index(drop=True)


def missing_year_tables(tables: InputTables) -> pd.DataFrame:
    """Years whose return lacks the school census or the social worker module.

    Columns ``year, table, consequence``; the report lists them so a reader knows which
    figures are not available (``x``) or rest on an unmatched school cohort.
    """
    la_years = {int(year) for year in tables.years}
    census_years = set(tables.school_census["YEAR"].dropna().astype(int))
    sw_years = {int(year) for _, year in tables.sw_supplied}
    rows = []
    for year in sorted(la_years):
        if year not in census_years:
            rows.append(
                {
                    "year": year,
                    "table": "School census",
                    "consequence": "No child can be matched to a school, so the school cohort "
                    "is empty: school moves and the combined measures cannot be measured (z).",
                }
            )
        if year not in sw_years:
            rows.append(
                {
                    "year": year,
                    "table": "Social worker module",
                    "consequence": "Social worker changes and the combined measures are not "
                    "available (x) for this year.",
                }
            )
    return pd.DataFrame(rows, columns=["year", "table", "consequence"])
