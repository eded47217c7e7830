"""The national overview page (``index.qmd``): summary, tiles, charts, links to every area."""

from __future__ import annotations

from html import escape
from pathlib import Path

import altair as alt
import pandas as pd

from pipeline.site.area_tables import NATIONAL
from pipeline.site.chart_specs import (
    funnel_plot,
    grouped_bars,
    stacked_shares,
    strip_plot,
    time_series,
)
from pipeline.site.display import cell_html, is_symbol, year_label
from pipeline.site.headline import headline_tiles, provisional_in, summary_sentences
from pipeline.site.html_blocks import html_table, raw_html, symbols_in
from pipeline.site.package import DURING_THE_YEAR, HEADLINE_MEASURES
from pipeline.site.page_common import AreaPages, PageFrame
from pipeline.site.pages_map import overview_map
from pipeline.site.pages_region import series_chart_rows, series_table_rows

OVERVIEW_BREAKDOWNS = ["Age at 31 March", "Time in care at 31 March", "Placement type at 31 March"]
BREAKDOWN_MEASURES = ["placement_2plus", "school_midyear", "sw_2plus"]
CASE_MIX_MEASURE = "placement_2plus"


class OverviewPage(AreaPages):
    """Generate the national overview."""

    template_name = "overview.qmd.j2"

    def generate(self) -> Path:
        """Write ``index.qmd`` and return its path."""
        p = self.package
        root = ""
        used: set[str] = set()
        latest = p.latest_year
        series = self.areas.series(None)
        context = {
            "title": "Stability Index: how often children in care move",
            "description": (
                "England's Stability Index for children in care: placement, school and "
                "social worker changes, nationally and for every local authority."
            ),
            "root": root,
            "header": self.frame.header(root),
            "year_label": year_label(latest),
            "latest_year": latest,
            "summary": summary_sentences(p, series),
            "tiles": headline_tiles(p, series, self.areas.headline_totals(None, latest), used),
            "time_series": self.trend(series, used),
            "spread": self.spread(used),
            "map": overview_map(p, root),
            "funnel": self.funnel(used),
            "breakdowns": self.breakdowns(used),
            "two_year": self.two_year(used),
            "consecutive": self.consecutive(used),
            "distribution": self.distribution(used),
            "regions": self.area_links(),
            "cite_box": self.frame.cite_box("National overview", ""),
            "scripts": PageFrame.scripts(root, charts=True),
        }
        return self.write("", context, used)

    def _figure(
        self,
        name: str,
        chart: alt.TopLevelMixin | dict,
        title: str,
        description: str,
        columns: list[str],
        rows: list[list[str]],
        data: pd.DataFrame,
        sortable: bool = False,
    ) -> str:
        return self.charts.figure(
            f"england/{name}",
            chart,
            title=title,
            description=description,
            table_columns=columns,
            table_rows=rows,
            data=data,
            root="",
            sortable=sortable,
        )

    def trend(self, series: pd.DataFrame, used: set[str]) -> str:
        """England's headline measures over time."""
        columns, rows = series_table_rows(self.package, series, used)
        data = series_chart_rows(self.package, series)
        title = "England: headline measures over time"
        description = (
            "Percentage of children in care in England with each headline measure, by year "
            "ending 31 March."
        )
        waiting = [
            self.package.label(m)
            for m in HEADLINE_MEASURES
            if provisional_in(series, m, self.package.latest_year)
        ]
        if waiting:
            description += (
                f" The {year_label(self.package.latest_year)} figures for "
                + ", ".join(waiting).lower()
                + " are provisional: they can change when the next return arrives."
            )
        chart = time_series(data, title, description)
        return self._figure("time-series", chart, title, description, columns, rows, data)

    def spread(self, used: set[str]) -> str:
        """Every LA's value of each headline measure (strip plot and table)."""
        p = self.package
        comparison = self.areas.la_comparison
        names = p.geography.set_index("old_la_code")
        pivot = comparison.pivot(index="old_la_code", columns="measure", values="percent")
        measures = [m for m in HEADLINE_MEASURES if m in pivot.columns]
        table_rows, chart_rows = [], []
        for index, la in enumerate(names.sort_values("la_name").itertuples()):
            if la.Index not in pivot.index:
                continue
            cells = [pivot.loc[la.Index, m] for m in measures]
            used |= symbols_in(cells)
            table_rows.append(
                [f'<a href="{la.page}index.html">{escape(la.la_name)}</a>']
                + [cell_html(c, "percent1", "package") for c in cells]
            )
            for measure, cell in zip(measures, cells, strict=True):
                if not is_symbol(cell):
                    chart_rows.append(
                        {
                            "la_name": la.la_name,
                            "series": p.label(measure),
                            "percent": float(cell),
                            "index": index,
                        }
                    )
        data = pd.DataFrame(chart_rows, columns=["la_name", "series", "percent", "index"])
        title = f"Local authorities, {year_label(p.latest_year)}: one point per local authority"
        description = (
            "Each point is one local authority's percentage for a headline measure; hover over "
            "a point with a mouse to see its name. The points cannot be reached with the "
            "keyboard: every local authority's figure is in the table below the chart and, "
            "sortable and ranked, on the rankings page. Local authorities whose value is "
            "suppressed or not available are not drawn."
        )
        return self._figure(
            "la-spread",
            strip_plot(data, title, description),
            title,
            description,
            ["Local authority", *[p.label(m) for m in measures]],
            table_rows,
            data.drop(columns="index"),
            sortable=True,
        )

    def funnel(self, used: set[str]) -> str:
        """Funnel plot of the case-mix ratios of placement moves."""
        p = self.package
        table = p.table("case_mix")
        rows = table[
            (table["time_period"] == p.latest_year)
            & (table["geographic_level"] != NATIONAL)
            & (table["measure"] == CASE_MIX_MEASURE)
        ].sort_values("la_name")
        cells = [
            "expected",
            "observed",
            "observed_expected_ratio",
            "ratio_lower_95",
            "ratio_upper_95",
            "ratio_lower_998",
            "ratio_upper_998",
        ]
        table_rows = []
        for row in rows.itertuples(index=False):
            used |= symbols_in([getattr(row, c) for c in cells])
            table_rows.append(
                [
                    escape(row.la_name),
                    cell_html(row.observed, "count", "package"),
                    cell_html(row.expected, "ratio", "package"),
                    cell_html(row.observed_expected_ratio, "ratio", "package"),
                    escape(row.case_mix_result),
                ]
            )
        plotted = rows[~rows[cells].map(is_symbol).any(axis=1)].sort_values("expected")
        plotted = plotted.assign(expected_number=plotted["expected"].astype(float)).sort_values(
            "expected_number"
        )
        data = pd.DataFrame(
            {
                "la_name": plotted["la_name"],
                "expected": plotted["expected_number"],
                "ratio": plotted["observed_expected_ratio"].astype(float),
                "result": plotted["case_mix_result"],
                "lower_95": plotted["ratio_lower_95"].astype(float),
                "upper_95": plotted["ratio_upper_95"].astype(float),
                "lower_998": plotted["ratio_lower_998"].astype(float),
                "upper_998": plotted["ratio_upper_998"].astype(float),
            }
        )
        label = p.label(CASE_MIX_MEASURE).lower()
        title = f"Case-mix funnel plot: {label}, {year_label(p.latest_year)}"
        description = (
            "Each point is a local authority: observed divided by expected number of children "
            f"with {label} (1 means as expected), against the expected number. Dashed lines are "
            "95% limits, solid lines 99.8% limits. Point shape and colour show the result."
        )
        return self._figure(
            "case-mix-funnel",
            funnel_plot(data, title, description),
            title,
            description,
            ["Local authority", "Observed", "Expected", "Observed ÷ expected", "Result"],
            table_rows,
            data,
        )

    def breakdowns(self, used: set[str]) -> list[str]:
        """Charts of the headline measures by age, time in care and placement type."""
        p = self.package
        rows = self.areas.stability_rows(None)
        rows = rows[
            (rows["time_period"] == p.latest_year)
            & (rows["period"] == DURING_THE_YEAR)
            & (rows["measure"].isin(BREAKDOWN_MEASURES))
        ]
        blocks = []
        for topic in OVERVIEW_BREAKDOWNS:
            part = rows[rows["breakdown_topic"] == topic]
            if part.empty:
                continue
            categories = list(dict.fromkeys(part["breakdown"]))
            pivot = part.pivot(index="breakdown", columns="measure", values="percent")
            measures = [m for m in BREAKDOWN_MEASURES if m in pivot.columns]
            table_rows, chart_rows = [], []
            for category in categories:
                cells = [pivot.loc[category, m] for m in measures]
                used |= symbols_in(cells)
                table_rows.append(
                    [escape(category)] + [cell_html(c, "percent", "package") for c in cells]
                )
                chart_rows += [
                    {"category": category, "series": p.label(m), "percent": float(c)}
                    for m, c in zip(measures, cells, strict=True)
                    if not is_symbol(c)
                ]
            title = f"England: {topic}, {year_label(p.latest_year)}"
            description = (
                f"Percentage of children in care in each group ({topic[0].lower()}{topic[1:]}) "
                "with each of: "
                + "; ".join(p.label(m).lower() for m in measures)
                + ". One panel per measure."
            )
            data = pd.DataFrame(chart_rows, columns=["category", "series", "percent"])
            slug = "".join(ch if ch.isalnum() else "-" for ch in topic.lower())
            blocks.append(
                f"### {topic}\n"
                + self._figure(
                    f"breakdown-{slug}",
                    grouped_bars(data, title, description),
                    title,
                    description,
                    [topic, *[p.label(m) for m in measures]],
                    table_rows,
                    data,
                )
            )
        return blocks

    def _national_latest(self, name: str) -> pd.DataFrame:
        table = self.package.table(name)
        return table[
            (table["geographic_level"] == NATIONAL)
            & (table["time_period"] == self.package.latest_year)
        ]

    def two_year(self, used: set[str]) -> str:
        """England's two-year split: when the changes happened."""
        latest = year_label(self.package.latest_year)
        return self._shares_figure(
            "two_year_split",
            ("area", "split", "{}"),
            ["Area", "When", "Children", "Percent"],
            f"England: when changes happened across the two years to {latest}",
            "For children in care in both years: the share with no change, a change in the "
            "first year only, the second year only, or both years.",
            used,
        )

    def consecutive(self, used: set[str]) -> str:
        """England's consecutive-years table with persistence ratios."""
        p = self.package
        rows = self._national_latest("consecutive_years")
        table_rows = []
        for row in rows.itertuples(index=False):
            cells = [
                row.cohort,
                row.number_both_years,
                row.percent_both_years,
                row.percent_again,
                row.percent_if_not_before,
                row.persistence_ratio,
            ]
            used |= symbols_in(cells)
            table_rows.append(
                [
                    escape(p.label(row.measure)),
                    cell_html(row.cohort, "count", "package"),
                    cell_html(row.number_both_years, "count", "package"),
                    cell_html(row.percent_both_years, "percent", "package"),
                    cell_html(row.percent_again, "percent", "package"),
                    cell_html(row.percent_if_not_before, "percent", "package"),
                    cell_html(row.persistence_ratio, "ratio", "package"),
                ]
            )
        table = html_table(
            f"England: the same change in consecutive years, {year_label(p.latest_year)}",
            [
                "Measure",
                "Children in care both years",
                "Children with it in both years",
                "Percent in both years",
                "Percent again after it the year before",
                "Percent if not the year before",
                "Persistence ratio",
            ],
            table_rows,
        )
        return (
            "The persistence ratio compares the chance of the change this year for children "
            "who had it the year before with the chance for children who did not: 2 means "
            "twice as likely.\n" + raw_html(table)
        )

    def distribution(self, used: set[str]) -> str:
        """Distribution of placement moves over one to four years."""
        return self._shares_figure(
            "placement_moves_distribution",
            ("period", "moves", "{} moves"),
            ["Period", "Placement moves", "Children", "Percent"],
            "England: number of placement moves over one to four years",
            "For each period, the share of children by their number of placement moves "
            "(0, 1, 2 to 3, 4, 5 or more).",
            used,
        )

    def _shares_figure(
        self,
        table: str,
        fields: tuple[str, str, str],
        columns: list[str],
        title: str,
        description: str,
        used: set[str],
    ) -> str:
        """The figure of a national table of shares (its latest year, without the Total
        parts): ``fields`` is ``(group column, part column, part label format)``; the chart is
        named after the table (``two-year-split``)."""
        group, part, part_label = fields
        rows = self._national_latest(table)
        table_rows, data = _shares(rows[rows[part] != "Total"], group, part, part_label, used)
        return self._figure(
            table.replace("_", "-"),
            stacked_shares(data, title, description),
            title,
            description,
            columns,
            table_rows,
            data,
        )

    def area_links(self) -> list[dict]:
        """Every region with its LAs, for the links at the bottom of the page."""
        p = self.package
        regions = []
        for region in p.regions.itertuples(index=False):
            las = p.geography[p.geography["region_code"] == region.region_code]
            regions.append(
                {
                    "name": region.region_name,
                    "href": f"region/{region.region_slug}/index.qmd",
                    # LA pages by address (.html): Quarto renders them in groups apart from
                    # this page, so it must not need them as inputs (quarto_renderer.py).
                    "las": [
                        {"name": la.la_name, "href": f"{la.page}index.html"}
                        for la in las.itertuples(index=False)
                    ],
                }
            )
        return regions


def _shares(
    rows: pd.DataFrame, group: str, part: str, part_label: str, used: set[str]
) -> tuple[list[list[str]], pd.DataFrame]:
    """Table rows (group, part, number, percent) and the chart data (``group``, ``part``
    labelled by ``part_label.format``, ``percent``; symbols left out) of a table of shares.
    Adds the symbols shown to ``used``."""
    table_rows, chart_rows = [], []
    for row in rows.itertuples(index=False):
        number, percent = row.number, row.percent
        used |= symbols_in([number, percent])
        table_rows.append(
            [
                escape(getattr(row, group)),
                escape(getattr(row, part)),
                cell_html(number, "count", "package"),
                cell_html(percent, "percent", "package"),
            ]
        )
        if not is_symbol(percent):
            chart_rows.append(
                {
                    "group": getattr(row, group),
                    "part": part_label.format(getattr(row, part)),
                    "percent": float(percent),
                }
            )
    return table_rows, pd.DataFrame(chart_rows, columns=["group", "part", "percent"])
