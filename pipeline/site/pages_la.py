"""The 153 local authority pages (``la/<new_la_code>-<slug>/index.qmd``).

Every figure about the LA comes from its own extract ``la/<old_la_code>.csv``; figures about
its neighbours come from the package's ``la_comparison`` table.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path

import pandas as pd

from pipeline.packaging.background import BackgroundWrite
from pipeline.site.api import VersionWriter
from pipeline.site.area_figures import (
    TOTAL_COLUMNS,
    la_figures,
    provisional_reason,
    totals_by_year,
)
from pipeline.site.area_tables import AreaTables
from pipeline.site.chart_specs import compared_bars, time_series
from pipeline.site.charts import ChartWriter, SpecTemplates
from pipeline.site.display import (
    case_mix_words,
    cell_html,
    is_symbol,
    year_label,
)
from pipeline.site.headline import PROVISIONAL_MARK
from pipeline.site.html_blocks import raw_html, symbols_in
from pipeline.site.la_tables import (
    LaExtract,
    breakdown_tables,
    data_quality_table,
    downloads_block,
    two_year_table,
)
from pipeline.site.package import HEADLINE_MEASURES, GeographyRow, SitePackage
from pipeline.site.page_common import AreaPages, PageFrame
from pipeline.site.tiles import (
    change_words,
    interval_line,
    last_year_row,
    rank_words,
    term,
    tile,
)

COMPARISON_COLUMNS = [
    "measure",
    "neighbour_set",
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


#: The share of the LA pages written in a forked process (the other process has the rest of
#: the site to write meanwhile).
FORKED_SHARE = 0.55
#: The chart designs every LA page draws (see :class:`~pipeline.site.charts.SpecTemplates`).
LA_CHART_DESIGNS = ("la-time-series", "la-neighbours")


class LocalAuthorityPages(AreaPages):
    """Generate the LA pages of one package."""

    template_name = "la.qmd.j2"

    def __init__(
        self, package: SitePackage, areas: AreaTables, site_dir: Path, charts: ChartWriter
    ) -> None:
        super().__init__(package, areas, site_dir, charts)
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

    @contextmanager
    def generate_with(self, api: VersionWriter) -> Iterator[list[Path]]:
        """Write every LA page and, from the same read of its extract, its API document;
        give the pages' paths, and wait for all of them on leaving the ``with`` block.

        The LAs are taken in order until both chart designs are built (the first LA, as a
        rule); the rest is split in two runs of LAs. The second run (:data:`FORKED_SHARE` of
        them) is written in a forked process (:mod:`pipeline.packaging.background`), which
        hands its charts back to be rendered here, while this process writes the first run and
        then goes on with the caller's other pages inside the block. Each LA's files are the bytes the
        one-by-one order writes: a design is built from the first LA that draws it and never
        changes after.
        """
        las = list(self.package.geography.itertuples(index=False))
        done = 0
        while done < len(las) and not self.specs.has(LA_CHART_DESIGNS):
            self._page_and_document(las[done], api)
            done += 1
        middle = len(las) - round((len(las) - done) * FORKED_SHARE)
        handle, name = tempfile.mkstemp(prefix="la-charts-", suffix=".pickle")
        os.close(handle)
        charts = Path(name)
        try:
            with BackgroundWrite(self._pages_and_documents, las[middle:], api, charts) as second:
                self._pages_and_documents(las[done:middle], api)
                yield [self.site_dir / la.page / "index.qmd" for la in las]
                second.wait()
            self.charts.take_over(charts)
        finally:
            charts.unlink(missing_ok=True)

    def _page_and_document(self, la: GeographyRow, api: VersionWriter) -> None:
        # One read of the LA's extract serves its page and its API document.
        extract = LaExtract(self.package.la_extract(la.old_la_code))
        self.page(la, extract)
        api.write_la(la.old_la_code, extract)

    def _pages_and_documents(
        self, las: list[GeographyRow], api: VersionWriter, charts: Path | None = None
    ) -> None:
        """Write the LAs' pages and API documents; hand the charts queued meanwhile over in
        ``charts`` when given (a forked writer: :meth:`ChartWriter.hand_over`)."""
        queued = self.charts.queued
        for la in las:
            self._page_and_document(la, api)
        if charts is not None:
            self.charts.hand_over(charts, queued)

    def page(self, la: GeographyRow, extract: LaExtract | None = None) -> Path:
        """Write the page of one LA (from ``extract`` when the caller has read it)."""
        p = self.package
        root = "../../"
        if extract is None:
            extract = LaExtract(p.la_extract(la.old_la_code))
        used: set[str] = set()
        latest = p.latest_year
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
            "downloads": downloads_block(p, la, root),
            "key_points": self.frame.key_points(
                la.la_name,
                la_figures(self.areas, extract, la.region_code, la.region_name, latest),
                la.la_name,
                la.page,
            ),
            "tiles": self.tiles(extract, la, root, used),
            "case_mix": self.case_mix(extract, root, used),
            "time_series": self.time_series(extract, la, root, used),
            "neighbours": self.neighbours(extract, la, root, used),
            "breakdowns": breakdown_tables(p, extract, used),
            "two_year": two_year_table(p, extract, used),
            "data_quality": data_quality_table(p, extract, used),
            "cite_box": self.frame.cite_box(la.la_name, la.page),
            "scripts": PageFrame.scripts(root, charts=True),
        }
        return self.write(la.page, context, used)

    # -- sections ---------------------------------------------------------------------------
    def tiles(self, extract: LaExtract, la: GeographyRow, root: str, used: set[str]) -> str:
        """Headline tiles: value and interval, last year, change, region, England, rank."""
        p = self.package
        latest = p.latest_year
        comparison = extract.rows("la_comparison", ["time_period", *COMPARISON_COLUMNS])
        comparison = (
            comparison[comparison["time_period"] == latest].set_index("measure").to_dict("index")
        )
        totals = totals_by_year(extract.rows("stability_measures", TOTAL_COLUMNS))
        series = extract.rows(
            "time_series",
            ["time_period", "measure", "percent_previous_year", "change_percentage_points"],
        )
        years = {int(year) for year in series["time_period"].unique()}
        series = series[series["time_period"] == latest].set_index("measure").to_dict("index")
        items = []
        for measure in HEADLINE_MEASURES:
            if measure not in comparison:
                continue
            row = comparison[measure]
            total = totals.get((latest, measure))
            change = series.get(
                measure, {"percent_previous_year": "z", "change_percentage_points": "z"}
            )
            cells = [row["percent"], row["region_percent"], row["england_percent"]]
            cells += [change["percent_previous_year"], change["change_percentage_points"]]
            interval = ""
            if total is not None:
                interval = interval_line(
                    total["percent_lower_ci"],
                    total["percent_upper_ci"],
                    total["number"],
                    total["cohort"],
                    "la",
                    root,
                )
                cells += [total[c] for c in ("percent_lower_ci", "percent_upper_ci", "number")]
            used |= symbols_in(cells + [row["rank_among_las"], row["quartile_band"]])
            polarity = measure in p.higher_is_better
            waits = provisional_reason(measure, latest, years)
            change_shown = change_words(change["change_percentage_points"], "la", polarity, root)
            if waits:
                change_shown = escape(
                    f"Not compared: provisional, it can still change with {waits}"
                )
            rows = [
                last_year_row(change["percent_previous_year"], latest, "la"),
                ("Change since last year", change_shown),
                (escape(la.region_name), cell_html(row["region_percent"], "percent")),
                ("England", cell_html(row["england_percent"], "percent")),
                (
                    f"{term(root, 'neighbours', 'Statistical neighbours')} (average)",
                    cell_html(row["neighbour_average_percent"], "percent"),
                ),
                (
                    term(root, "rank", "Rank among local authorities"),
                    rank_words(
                        row["rank_among_las"], row["las_ranked"], row["quartile_band"], root
                    ),
                ),
            ]
            value = cell_html(row["percent"], "percent") + (PROVISIONAL_MARK if waits else "")
            items.append(tile(p.label(measure), value, interval, rows))
        sets = {row["neighbour_set"] for row in comparison.values()} - {"x", ""}
        note = (
            f'<p class="tile-note">The neighbour average uses the '
            f"{self.neighbour_set_html(sorted(sets)[0])}; the "
            '<a href="#neighbours">neighbours and how close each is</a> are listed below.</p>'
            if sets
            else ""
        )
        return raw_html('<ul class="tiles" data-pagefind-ignore>' + "".join(items) + "</ul>" + note)

    def neighbour_set_html(self, label: str) -> str:
        """The neighbour set's name, linked to its source when the package's sources list it."""
        sources = self.package.descriptor.get("sources") or []
        for source in sources:
            if source.get("title") == label and source.get("path"):
                version = source.get("version", "")
                shown = (
                    f"{label} (version {version})" if version and version not in label else label
                )
                return f'<a href="{escape(source["path"], quote=True)}">{escape(shown)}</a>'
        return escape(label)

    def case_mix(self, extract: LaExtract, root: str, used: set[str]) -> str:
        """The case-mix result of each measure, in plain words (expected as whole children)."""
        p = self.package
        rows = extract.rows("case_mix", ["time_period", *CASE_MIX_COLUMNS])
        rows = rows[rows["time_period"] == p.latest_year]
        if rows.empty:
            return "The case-mix model has no result for this local authority."
        items = []
        for row in rows.itertuples(index=False):
            used |= symbols_in([row.observed, row.expected, row.observed_expected_ratio])
            expected = cell_html(row.expected, "whole")
            ratio = (
                f"{cell_html(row.observed_expected_ratio, 'ratio')} times the "
                f"{term(root, 'expected', 'expected number')}"
                if not is_symbol(row.observed_expected_ratio)
                else "no ratio " + cell_html(row.observed_expected_ratio, "ratio")
            )
            items.append(
                f"<li><strong>{escape(p.label(row.measure))}</strong>: "
                f"{cell_html(row.observed, 'count')} children, where {expected} would be "
                f"expected given their characteristics ({ratio}). "
                f"Result: <em>{escape(case_mix_words(row.case_mix_result))}</em>.</li>"
            )
        return raw_html('<ul class="case-mix">' + "".join(items) + "</ul>")

    def time_series(self, extract: LaExtract, la: GeographyRow, root: str, used: set[str]) -> str:
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
            by_year = pivot.loc[measure].to_dict()
            cells = [by_year.get(y, "z") for y in years]
            used |= symbols_in(cells)
            held = {int(y) for y in years}
            marks = [
                PROVISIONAL_MARK if provisional_reason(measure, y, held) else "" for y in years
            ]
            table_rows.append(
                [escape(p.label(measure))]
                + [cell_html(c, "percent") + m for c, m in zip(cells, marks, strict=True)]
            )
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
            LA_CHART_DESIGNS[0],
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

    def neighbours(self, extract: LaExtract, la: GeographyRow, root: str, used: set[str]) -> str:
        """The LA against its statistical neighbours: chart (placement moves) and table."""
        p = self.package
        neighbours = extract.rows(
            "statistical_neighbours",
            [
                "time_period",
                "neighbour_rank",
                "neighbour_old_la_code",
                "neighbour_la_name",
                "closeness",
                "neighbour_set",
            ],
        )
        if neighbours.empty:
            return "No statistical neighbours are published for this local authority."
        neighbours = neighbours.assign(rank=neighbours["neighbour_rank"].astype(int))
        neighbours = neighbours.sort_values("rank")
        closeness = dict(
            zip(neighbours["neighbour_old_la_code"], neighbours["closeness"], strict=True)
        )
        intro = self.neighbours_intro(la, neighbours["neighbour_set"].iloc[0])
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
            close = "" if source == "la" else closeness.get(code, "z")
            shown = "" if source == "la" else cell_html(close, "text")
            table_rows.append([label, shown] + [cell_html(c, "percent", source) for c in cells])
        label = p.label("placement_2plus")
        title = f"{la.la_name} and its statistical neighbours: {label.lower()}"
        description = (
            f"Percentage of children with {label.lower()} in {year_label(p.latest_year)} in "
            f"{la.la_name} and each of its statistical neighbours (closest first; "
            f"{neighbours['neighbour_set'].iloc[0]})."
        )
        data = pd.DataFrame(chart_rows, columns=["area", "role", "percent"])
        spec = self.specs.spec(
            LA_CHART_DESIGNS[1],
            lambda d, t, s: compared_bars(d, t, s, roles=["This LA", "Statistical neighbour"]),
            data,
            title,
            description,
        )
        figure = self.charts.figure(
            f"la/{la.old_la_code}-neighbours",
            spec,
            title=title,
            description=description,
            table_columns=["Local authority", "Closeness", *[p.label(m) for m in measures]],
            table_rows=table_rows,
            data=data,
            root=root,
        )
        return raw_html(intro) + "\n\n" + figure

    def neighbours_intro(self, la: GeographyRow, label: str) -> str:
        """Which neighbours these are (the DfE's version and source, or computed) and why."""
        if label.startswith("DfE"):
            return (
                f"<p>These are {escape(la.la_name)}'s 10 statistical neighbours in the "
                f"{self.neighbour_set_html(label)}, closest first, with the DfE's closeness "
                "band for each. The DfE groups local authorities with similar populations "
                "and circumstances so that each can compare itself with areas like it.</p>"
            )
        return (
            f"<p>These neighbours were {escape(label[0].lower() + label[1:])}: the 10 local "
            f"authorities most like {escape(la.la_name)} on those indicators (they are not "
            "the DfE's statistical neighbours).</p>"
        )
