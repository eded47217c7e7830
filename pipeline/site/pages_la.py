"""The 153 local authority pages (``la/<new_la_code>-<slug>/index.qmd``).

Every figure about the LA comes from its own extract ``la/<old_la_code>.csv``; figures about
its neighbours come from the package's ``la_comparison`` table.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from pipeline.site.chart_specs import compared_bars, time_series
from pipeline.site.charts import ChartWriter, SpecTemplates
from pipeline.site.display import (
    cell_html,
    is_symbol,
    year_label,
)
from pipeline.site.html_blocks import html_table, raw_html, symbol_key, symbols_in
from pipeline.site.package import (
    DURING_THE_YEAR,
    HEADLINE_MEASURES,
    TOTAL,
    PackageError,
    SitePackage,
    rows_of,
)
from pipeline.site.page_common import PageFrame, templates, write_page


class LaExtract:
    """A per-LA extract split by ``table_name`` once (pages look tables up many times)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.tables = {name: part for name, part in frame.groupby("table_name", sort=False)}

    def rows(self, table_name: str, columns: list[str]) -> pd.DataFrame:
        """The rows of one table restricted to ``columns`` (see :func:`rows_of`)."""
        part = self.tables.get(table_name)
        if part is None:
            return rows_of(self.frame.iloc[0:0], table_name, columns)
        missing = [c for c in columns if c not in part]
        if missing:
            raise PackageError(f"LA extract: table {table_name!r} lacks columns {missing}")
        return part[columns]


GEO = ["time_period", "old_la_code", "new_la_code", "la_name", "region_name"]
COMPARISON_COLUMNS = [
    "measure",
    "percent",
    "region_percent",
    "england_percent",
    "neighbour_average_percent",
    "neighbours_with_data",
    "rank_among_las",
    "las_ranked",
    "quartile_band",
    "rank_among_neighbours",
]
CASE_MIX_COLUMNS = [
    "measure",
    "cohort",
    "observed",
    "expected",
    "observed_expected_ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "case_mix_result",
]
#: Breakdown topics shown on LA pages (others stay in the downloadable data).
LA_BREAKDOWN_TOPICS = [
    "Age at 31 March",
    "Time in care at 31 March",
    "Placement type at 31 March",
    "Age at entry to care",
    "Gender",
    "Placement location",
]


class LocalAuthorityPages:
    """Generate the LA pages of one package."""

    def __init__(self, package: SitePackage, site_dir: Path, charts: ChartWriter) -> None:
        self.package = package
        self.site_dir = site_dir
        self.charts = charts
        self.frame = PageFrame(package)
        self.template = templates().get_template("la.qmd.j2")
        self.specs = SpecTemplates()
        self.series_labels = [package.label(m) for m in HEADLINE_MEASURES]
        comparison = package.table("la_comparison")
        latest = comparison[comparison["time_period"] == package.latest_year]
        self.all_percent: dict[tuple[str, str], str] = dict(
            zip(
                zip(latest["old_la_code"], latest["measure"], strict=True),
                latest["percent"],
                strict=True,
            )
        )
        self.pages = dict(
            zip(package.geography["old_la_code"], package.geography["page"], strict=True)
        )

    def generate(self) -> list[Path]:
        """Write every LA page and return the paths."""
        return [self.page(row) for row in self.package.geography.itertuples(index=False)]

    def page(self, la) -> Path:  # noqa: ANN001 - a geography row
        """Write the page of one LA."""
        p = self.package
        root = "../../"
        extract = LaExtract(p.la_extract(la.old_la_code))
        used: set[str] = set()
        latest = p.latest_year
        download = f"{root}downloads/{p.version}/la/{la.old_la_code}.csv"
        context = {
            "title": f"{la.la_name}: stability of children in care",
            "description": (
                f"Placement, school and social worker stability of children in care in "
                f"{la.la_name}, compared with {la.region_name}, England and similar areas."
            ),
            "page_path": la.page,
            "root": root,
            "header": self.frame.header(root),
            "la_name": la.la_name,
            "region_name": la.region_name,
            "region_slug": la.region_slug,
            "year_label": year_label(latest),
            "latest_year": latest,
            "version": p.version,
            "download_href": download,
            "tiles": self.tiles(extract, la, used),
            "case_mix": self.case_mix(extract, used),
            "time_series": self.time_series(extract, la, root, used),
            "neighbours": self.neighbours(extract, la, root, used),
            "breakdowns": self.breakdowns(extract, used),
            "two_year": self.two_year(extract, used),
            "data_quality": self.data_quality(extract, used),
            "cite_box": self.frame.cite_box(la.la_name, la.page),
            "scripts": PageFrame.scripts(root, charts=True),
        }
        context["symbol_key"] = raw_html(symbol_key(used)) if used else ""
        path = self.site_dir / la.page / "index.qmd"
        return write_page(path, self.template.render(**context))

    # -- sections ---------------------------------------------------------------------------
    def tiles(self, extract: LaExtract, la, used: set[str]) -> str:  # noqa: ANN001
        """Headline tiles: LA value and interval, region, England, neighbours, change, rank."""
        p = self.package
        latest = p.latest_year
        comparison = extract.rows("la_comparison", ["time_period", *COMPARISON_COLUMNS])
        comparison = (
            comparison[comparison["time_period"] == latest].set_index("measure").to_dict("index")
        )
        measures = extract.rows(
            "stability_measures",
            [
                "time_period",
                "period",
                "measure",
                "breakdown_topic",
                "breakdown",
                "cohort",
                "number",
                "percent_lower_ci",
                "percent_upper_ci",
            ],
        )
        totals = measures[
            (measures["time_period"] == latest)
            & (measures["period"] == DURING_THE_YEAR)
            & (measures["breakdown_topic"] == TOTAL)
            & (measures["breakdown"] == TOTAL)
        ]
        totals = totals.set_index("measure").to_dict("index")
        series = extract.rows("time_series", ["time_period", "measure", "change_percentage_points"])
        series = series[series["time_period"] == latest]
        change = dict(zip(series["measure"], series["change_percentage_points"], strict=True))
        items = []
        for measure in HEADLINE_MEASURES:
            if measure not in comparison:
                continue
            row = comparison[measure]
            total = totals.get(measure)
            cells = [row["percent"], row["region_percent"], row["england_percent"]]
            interval = ""
            if total is not None:
                low, high = total["percent_lower_ci"], total["percent_upper_ci"]
                cells += [low, high, total["number"], total["cohort"]]
                interval = (
                    f'<p class="tile-interval">95% interval: {cell_html(low, "percent")} to '
                    f"{cell_html(high, 'percent')} ({cell_html(total['number'], 'count')} of "
                    f"{cell_html(total['cohort'], 'count')} children)</p>"
                )
            change_cell = change.get(measure, "z")
            cells.append(change_cell)
            used |= symbols_in(cells + [row["rank_among_las"], row["quartile_band"]])
            rank = (
                f"{cell_html(row['rank_among_las'], 'count')} of "
                f"{cell_html(row['las_ranked'], 'count')} (quartile band "
                f"{cell_html(row['quartile_band'], 'text')})"
                if not is_symbol(row["rank_among_las"])
                else cell_html(row["rank_among_las"], "count")
            )
            items.append(
                '<li class="tile">'
                f"<h3>{escape(p.label(measure))}</h3>"
                f'<p class="tile-value">{cell_html(row["percent"], "percent")}</p>'
                f"{interval}<dl>"
                f"<dt>{escape(la.region_name)}</dt>"
                f"<dd>{cell_html(row['region_percent'], 'percent')}</dd>"
                f"<dt>England</dt><dd>{cell_html(row['england_percent'], 'percent')}</dd>"
                "<dt>Statistical neighbours (average)</dt>"
                f"<dd>{cell_html(row['neighbour_average_percent'], 'percent')}</dd>"
                "<dt>Change since last year</dt>"
                f"<dd>{cell_html(change_cell, 'points')}</dd>"
                f"<dt>Rank among local authorities</dt><dd>{rank}</dd></dl></li>"
            )
        return raw_html('<ul class="tiles">' + "".join(items) + "</ul>")

    def case_mix(self, extract: LaExtract, used: set[str]) -> str:
        """The case-mix result of each measure, in plain words."""
        p = self.package
        rows = extract.rows("case_mix", ["time_period", *CASE_MIX_COLUMNS])
        rows = rows[rows["time_period"] == p.latest_year]
        if rows.empty:
            return "The case-mix model has no result for this local authority."
        items = []
        for row in rows.itertuples(index=False):
            used |= symbols_in([row.observed, row.expected, row.observed_expected_ratio])
            result = row.case_mix_result or "No result"
            items.append(
                f"<li><strong>{escape(p.label(row.measure))}</strong>: "
                f"{cell_html(row.observed, 'count')} children, where "
                f"{cell_html(row.expected, 'ratio', 'la')} would be expected given their "
                f"characteristics (observed ÷ expected "
                f"{cell_html(row.observed_expected_ratio, 'ratio')}). "
                f"Result: <em>{escape(result.lower() if result else result)}</em>.</li>"
            )
        return raw_html('<ul class="case-mix">' + "".join(items) + "</ul>")

    def time_series(self, extract: LaExtract, la, root: str, used: set[str]) -> str:  # noqa: ANN001
        """The LA's headline measures over the years: chart and table."""
        p = self.package
        rows = extract.rows("time_series", ["time_period", "measure", "percent"])
        rows = rows[rows["measure"].isin(HEADLINE_MEASURES)]
        if rows.empty:
            return "There is no time series for this local authority."
        years = sorted(rows["time_period"].unique())
        pivot = rows.pivot(index="measure", columns="time_period", values="percent")
        measures = [m for m in HEADLINE_MEASURES if m in pivot.index]
        table_rows = []
        for measure in measures:
            cells = [pivot.loc[measure].get(y, "z") for y in years]
            used |= symbols_in(cells)
            table_rows.append([escape(p.label(measure))] + [cell_html(c, "percent") for c in cells])
        plotted = rows[~rows["percent"].map(is_symbol)]
        data = pd.DataFrame(
            {
                "year": plotted["time_period"].map(year_label),
                "series": plotted["measure"].map(p.label),
                "percent": plotted["percent"].astype(float),
            }
        )
        title = f"{la.la_name}: headline measures over time"
        description = (
            f"Percentage of children in care in {la.la_name} with each headline measure, "
            f"{year_label(years[0])} to {year_label(years[-1])}. Suppressed or unavailable "
            "values are not drawn."
        )
        spec = self.specs.spec(
            "la-time-series",
            lambda d, t, s: time_series(d, t, s, series=self.series_labels),
            data,
            title,
            description,
        )
        return self.charts.figure(
            f"la/{la.old_la_code}-time-series",
            spec,
            title=title,
            description=description,
            table_columns=["Measure", *[year_label(y) for y in years]],
            table_rows=table_rows,
            data=data,
            root=root,
        )

    def neighbours(self, extract: LaExtract, la, root: str, used: set[str]) -> str:  # noqa: ANN001
        """The LA against its statistical neighbours: chart (placement moves) and table."""
        p = self.package
        neighbours = extract.rows(
            "statistical_neighbours",
            ["time_period", "neighbour_rank", "neighbour_old_la_code", "neighbour_la_name"],
        )
        if neighbours.empty:
            return "No statistical neighbours are published for this local authority."
        neighbours = neighbours.assign(rank=neighbours["neighbour_rank"].astype(int))
        neighbours = neighbours.sort_values("rank")
        areas = [(la.old_la_code, f"{la.la_name} (this LA)", "la")] + [
            (n.neighbour_old_la_code, n.neighbour_la_name, "package")
            for n in neighbours.itertuples(index=False)
        ]
        measures = [m for m in HEADLINE_MEASURES]
        table_rows, chart_rows = [], []
        for code, name, source in areas:
            cells = []
            for measure in measures:
                cell = self.all_percent.get((code, measure), "x")
                cells.append(cell)
                if measure == "placement_2plus" and not is_symbol(cell):
                    chart_rows.append(
                        {
                            "area": name,
                            "role": "This LA" if source == "la" else "Statistical neighbour",
                            "percent": float(cell),
                        }
                    )
            used |= symbols_in(cells)
            page = self.pages.get(code)
            label = (
                f'<a href="{root}{page}index.html">{escape(name)}</a>'
                if page and source != "la"
                else escape(name)
            )
            table_rows.append([label] + [cell_html(c, "percent", source) for c in cells])
        label = p.label("placement_2plus")
        title = f"{la.la_name} and its statistical neighbours: {label.lower()}"
        description = (
            f"Percentage of children with {label.lower()} in {year_label(p.latest_year)} in "
            f"{la.la_name} and each of its statistical neighbours (closest first)."
        )
        data = pd.DataFrame(chart_rows, columns=["area", "role", "percent"])
        spec = self.specs.spec(
            "la-neighbours",
            lambda d, t, s: compared_bars(d, t, s, roles=["This LA", "Statistical neighbour"]),
            data,
            title,
            description,
        )
        return self.charts.figure(
            f"la/{la.old_la_code}-neighbours",
            spec,
            title=title,
            description=description,
            table_columns=["Local authority", *[p.label(m) for m in measures]],
            table_rows=table_rows,
            data=data,
            root=root,
        )

    def breakdowns(self, extract: LaExtract, used: set[str]) -> list[str]:
        """One table per breakdown topic: cohort and the headline percentages."""
        p = self.package
        rows = extract.rows(
            "stability_measures",
            [
                "time_period",
                "period",
                "measure",
                "breakdown_topic",
                "breakdown",
                "cohort",
                "percent",
            ],
        )
        rows = rows[
            (rows["time_period"] == p.latest_year)
            & (rows["period"] == DURING_THE_YEAR)
            & (rows["measure"].isin(HEADLINE_MEASURES))
        ]
        blocks = []
        measures = [m for m in HEADLINE_MEASURES if m in set(rows["measure"])]
        percent: dict[tuple[str, str, str], str] = {}
        cohort: dict[tuple[str, str], str] = {}
        categories: dict[str, list[str]] = {}
        for topic, category, measure, n, pct in zip(
            rows["breakdown_topic"],
            rows["breakdown"],
            rows["measure"],
            rows["cohort"],
            rows["percent"],
            strict=True,
        ):
            percent[(topic, category, measure)] = pct
            if measure == measures[0]:
                cohort[(topic, category)] = n
            categories.setdefault(topic, [])
            if category not in categories[topic]:
                categories[topic].append(category)
        for topic in LA_BREAKDOWN_TOPICS:
            if topic not in categories:
                continue
            table_rows = []
            for category in categories[topic]:
                cells = [cohort.get((topic, category), "z")] + [
                    percent.get((topic, category, m), "z") for m in measures
                ]
                used |= symbols_in(cells)
                table_rows.append(
                    [escape(category), cell_html(cells[0], "count")]
                    + [cell_html(c, "percent") for c in cells[1:]]
                )
            columns = [topic, f"Children ({p.label(measures[0]).lower()} cohort)"] + [
                p.label(m) for m in measures
            ]
            blocks.append(
                f"### {topic}\n"
                + raw_html(html_table(f"{topic}, {year_label(p.latest_year)}", columns, table_rows))
            )
        return blocks

    def two_year(self, extract: LaExtract, used: set[str]) -> str:
        """Changes across two years split into first year, second year, both."""
        p = self.package
        rows = extract.rows("two_year_split", ["time_period", "area", "split", "number", "percent"])
        rows = rows[rows["time_period"] == p.latest_year]
        if rows.empty:
            return "No two-year figures are published for this local authority."
        table_rows = []
        for row in rows.itertuples(index=False):
            used |= symbols_in([row.number, row.percent])
            table_rows.append(
                [
                    escape(row.area),
                    escape(row.split),
                    cell_html(row.number, "count"),
                    cell_html(row.percent, "percent"),
                ]
            )
        return (
            "Children in care in both years, by when their changes happened "
            f"(the two years ending 31 March {p.latest_year}).\n"
            + raw_html(
                html_table(
                    f"Changes across the two years to {year_label(p.latest_year)}",
                    ["Area", "When", "Children", "Percent"],
                    table_rows,
                )
            )
        )

    def data_quality(self, extract: LaExtract, used: set[str]) -> str:
        """The LA's data quality figures for the latest year."""
        p = self.package
        columns = [
            ("children_looked_after", "Children looked after at 31 March", "count"),
            ("school_age_children", "Children of school age", "count"),
            ("matched_to_school_census", "Matched to the school census", "count"),
            ("match_rate", "Match rate", "percent"),
            ("sw_module_supplied", "Social worker data supplied", "text"),
            ("validation_warnings", "Validation warnings", "count"),
        ]
        rows = extract.rows("data_quality", ["time_period"] + [c for c, _, _ in columns])
        rows = rows[rows["time_period"] == p.latest_year]
        if rows.empty:
            return "No data quality figures are published for this local authority."
        row = rows.iloc[0]
        used |= symbols_in([row[c] for c, _, kind in columns if kind != "text"])
        table_rows = [[escape(label), cell_html(row[c], kind)] for c, label, kind in columns]
        return raw_html(
            html_table(
                f"Data quality, {year_label(p.latest_year)}", ["Figure", "Value"], table_rows
            )
        )
