"""The 9 region pages (``region/<slug>/index.qmd``)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from pipeline.site.area_figures import region_figures
from pipeline.site.chart_specs import compared_bars, time_series
from pipeline.site.display import cell_html, is_symbol, year_label
from pipeline.site.headline import PROVISIONAL_MARK, headline_tiles, provisional_in
from pipeline.site.html_blocks import symbols_in
from pipeline.site.package import HEADLINE_MEASURES, RegionRow, SitePackage
from pipeline.site.page_common import AreaPages, PageFrame


def series_chart_rows(package: SitePackage, series: pd.DataFrame) -> pd.DataFrame:
    """Chart data of an area's headline time series (symbols left out)."""
    rows = series[series["measure"].isin(HEADLINE_MEASURES) & ~series["percent"].map(is_symbol)]
    order = {m: i for i, m in enumerate(HEADLINE_MEASURES)}
    rows = rows.assign(order=rows["measure"].map(order)).sort_values(["order", "time_period"])
    return pd.DataFrame(
        {
            "year": rows["time_period"].map(year_label),
            "series": rows["measure"].map(package.label),
            "percent": rows["percent"].astype(float),
        }
    )


def series_table_rows(
    package: SitePackage, series: pd.DataFrame, used: set[str]
) -> tuple[list[str], list[list[str]]]:
    """Columns and HTML rows of an area's headline time series table."""
    years = sorted(series["time_period"].unique())
    pivot = series.pivot(index="measure", columns="time_period", values="percent")
    rows = []
    for measure in HEADLINE_MEASURES:
        if measure not in pivot.index:
            continue
        cells = [pivot.loc[measure].get(y, "z") for y in years]
        used |= symbols_in(cells)
        marks = [PROVISIONAL_MARK if provisional_in(series, measure, y) else "" for y in years]
        rows.append(
            [escape(package.label(measure))]
            + [cell_html(c, "percent", "package") + m for c, m in zip(cells, marks, strict=True)]
        )
    return ["Measure", *[year_label(y) for y in years]], rows


class RegionPages(AreaPages):
    """Generate the region pages of one package."""

    template_name = "region.qmd.j2"

    def generate(self) -> list[Path]:
        """Write every region page and return the paths."""
        return [self.page(region) for region in self.package.regions.itertuples(index=False)]

    def page(self, region: RegionRow) -> Path:
        """Write the page of one region."""
        p = self.package
        root = "../../"
        used: set[str] = set()
        latest = p.latest_year
        page_path = f"region/{region.region_slug}/"
        series = self.areas.series(region.region_code)
        england = self.areas.series(None)
        england_latest = england[england["time_period"] == latest].set_index("measure")
        tiles = headline_tiles(
            p,
            series,
            self.areas.headline_totals(region.region_code, latest),
            used,
            comparison_label="England",
            comparison=england_latest,
            root=root,
        )
        columns, table_rows = series_table_rows(p, series, used)
        data = series_chart_rows(p, series)
        title = f"{region.region_name}: headline measures over time"
        description = (
            f"Percentage of children in care in {region.region_name} with each headline "
            "measure, by year ending 31 March."
        )
        chart = self.charts.figure(
            f"region/{region.region_slug}-time-series",
            time_series(data, title, description),
            title=title,
            description=description,
            table_columns=columns,
            table_rows=table_rows,
            data=data,
            root=root,
        )
        las = p.geography[p.geography["region_code"] == region.region_code]
        context = {
            "title": f"{region.region_name}: stability of children in care",
            "description": (
                f"Placement, school and social worker stability of children in care in "
                f"{region.region_name} and its local authorities."
            ),
            "page_path": page_path,
            "root": root,
            "header": self.frame.header(root),
            "region_name": region.region_name,
            "la_count": len(las),
            "year_label": year_label(latest),
            "latest_year": latest,
            "key_points": self.frame.key_points(
                region.region_name,
                region_figures(self.areas, region.region_code, latest),
                region.region_name,
                page_path,
            ),
            "tiles": tiles,
            "time_series": chart,
            "las": self.la_section(region, las, root, used),
            "cite_box": self.frame.cite_box(region.region_name, page_path),
            "scripts": PageFrame.scripts(root, charts=True),
        }
        return self.write(page_path, context, used)

    def la_section(self, region: RegionRow, las: pd.DataFrame, root: str, used: set[str]) -> str:
        """Chart (placement moves) and table (every headline measure) of the region's LAs."""
        p = self.package
        comparison = self.areas.la_comparison.set_index(["old_la_code", "measure"])
        table_rows, chart_rows = [], []
        for la in las.itertuples(index=False):
            cells = [
                comparison.loc[(la.old_la_code, m), "percent"]
                if (la.old_la_code, m) in comparison.index
                else "x"
                for m in HEADLINE_MEASURES
            ]
            used |= symbols_in(cells)
            table_rows.append(
                [f'<a href="{root}{la.page}index.html">{escape(la.la_name)}</a>']
                + [cell_html(c, "percent", "package") for c in cells]
            )
            if not is_symbol(cells[0]):
                chart_rows.append(
                    {"area": la.la_name, "role": "Local authority", "percent": float(cells[0])}
                )
        label = p.label("placement_2plus")
        title = f"Local authorities in {region.region_name}: {label.lower()}"
        description = (
            f"Percentage of children in care with {label.lower()} in "
            f"{year_label(p.latest_year)}, for each local authority in {region.region_name}."
        )
        data = pd.DataFrame(chart_rows, columns=["area", "role", "percent"])
        return self.charts.figure(
            f"region/{region.region_slug}-las",
            compared_bars(data, title, description),
            title=title,
            description=description,
            table_columns=["Local authority", *[p.label(m) for m in HEADLINE_MEASURES]],
            table_rows=table_rows,
            data=data,
            root=root,
        )
