"""The rankings page (``rankings/index.qmd``): every LA by every headline measure.

One sortable table per headline measure (rank, region, percentage to one decimal place, 95%
interval, quartile band, children), a region filter, and the CSV of every row. Without
JavaScript the tables are shown in rank order; the site script adds the sort buttons' action
and the filter.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from pipeline.site.area_tables import LOCAL, AreaTables
from pipeline.site.charts import CHART_FOLDER
from pipeline.site.display import cell_html, is_symbol, year_label
from pipeline.site.html_blocks import raw_html, symbol_key, symbols_in, table_note
from pipeline.site.package import HEADLINE_MEASURES, ONE_YEAR_TOTALS, TOTAL, SitePackage
from pipeline.site.page_common import PageFrame, templates, write_page
from pipeline.site.tiles import BANDS

PAGE_PATH = "rankings/"
CSV_NAME = "rankings.csv"
#: Columns of a rankings table: heading, sort type, kind of cell.
COLUMNS = [
    ("Local authority", "text"),
    ("Rank", "number"),
    ("Region", "text"),
    ("Percent", "number"),
    ("95% interval", "number"),
    ("Quartile band", "text"),
    ("Children", "number"),
]
CSV_COLUMNS = [
    "time_period",
    "measure",
    "measure_label",
    "old_la_code",
    "new_la_code",
    "la_name",
    "region_name",
    "percent",
    "percent_lower_ci",
    "percent_upper_ci",
    "cohort",
    "rank_among_las",
    "las_ranked",
    "quartile_band",
]


def ranking_rows(package: SitePackage, areas: AreaTables) -> pd.DataFrame:
    """Every LA and headline measure of the latest year, with interval and cohort, by rank."""
    latest = package.latest_year
    comparison = areas.la_comparison
    comparison = comparison[comparison["measure"].isin(HEADLINE_MEASURES)]
    totals = package.table_where("stability_measures", ONE_YEAR_TOTALS)
    totals = totals[
        (totals["geographic_level"] == LOCAL)
        & (totals["time_period"] == latest)
        & (totals["breakdown_topic"] == TOTAL)
    ]
    totals = totals[["old_la_code", "measure", "percent_lower_ci", "percent_upper_ci", "cohort"]]
    rows = comparison.merge(totals, on=["old_la_code", "measure"], how="left").fillna("x")
    rows = rows.assign(measure_label=rows["measure"].map(package.label))
    order = rows["rank_among_las"].map(lambda c: 10**6 if is_symbol(c) else int(c))
    return rows.assign(order=order).sort_values(["measure", "order", "la_name"])


def ranking_table(package: SitePackage, rows: pd.DataFrame, pages: dict[str, str]) -> str:
    """One measure's table: a row per LA with ``data-region`` for the filter."""
    label = package.label(rows["measure"].iloc[0])
    caption = f"{label}: every local authority, {year_label(package.latest_year)}"
    head = "".join(
        f'<th scope="col" data-sort-type="{kind}"><button type="button" class="sort-button">'
        f"{escape(name)}</button></th>"
        for name, kind in COLUMNS
    )
    body = []
    for row in rows.itertuples(index=False):
        band = row.quartile_band
        band_title = f' title="{escape(BANDS[band])}"' if band in BANDS else ""
        interval = (
            f"{cell_html(row.percent_lower_ci, 'percent1', 'package')} to "
            f"{cell_html(row.percent_upper_ci, 'percent1', 'package')}"
        )
        body.append(
            f'<tr data-region="{escape(row.region_name)}">'
            f'<th scope="row"><a href="../{pages[row.old_la_code]}index.html">'
            f"{escape(row.la_name)}</a></th>"
            f"<td>{cell_html(row.rank_among_las, 'count', 'package')}</td>"
            f'<td class="text">{escape(row.region_name)}</td>'
            f"<td>{cell_html(row.percent, 'percent1', 'package')}</td>"
            f"<td>{interval}</td>"
            f'<td class="text"><span{band_title}>{cell_html(band, "text", "package")}</span></td>'
            f"<td>{cell_html(row.cohort, 'count', 'package')}</td></tr>"
        )
    return (
        f'<div class="table-wrap" tabindex="0" role="region" data-pagefind-ignore '
        f'aria-label="{escape(caption)}">'
        f'<table class="data-table sortable"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        + table_note([body])
    )


def region_filter(package: SitePackage) -> str:
    """The region filter and the status line the site script updates."""
    options = "".join(
        f'<option value="{escape(name)}">{escape(name)}</option>'
        for name in package.regions["region_name"]
    )
    return (
        '<div class="rankings-controls" data-needs-script hidden>'
        '<label for="rankings-region">Show local authorities in</label> '
        f'<select id="rankings-region"><option value="">All regions</option>{options}</select>'
        '<p class="rankings-status" role="status" aria-live="polite"></p></div>'
    )


def generate_rankings(package: SitePackage, areas: AreaTables, site_dir: Path) -> Path:
    """Write ``rankings/index.qmd`` and the CSV behind it; return the page's path."""
    rows = ranking_rows(package, areas)
    csv_path = site_dir / CHART_FOLDER / CSV_NAME
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    rows.assign(time_period=package.latest_year)[CSV_COLUMNS].to_csv(csv_path, index=False)
    pages = dict(zip(package.geography["old_la_code"], package.geography["page"], strict=True))
    used: set[str] = set()
    sections = []
    for measure in HEADLINE_MEASURES:
        part = rows[rows["measure"] == measure]
        if part.empty:
            continue
        used |= symbols_in(list(part["percent"]) + list(part["rank_among_las"]))
        sections.append(
            {
                "anchor": measure.replace("_", "-"),
                "label": package.label(measure),
                "ranked": int(part["las_ranked"].iloc[0])
                if part["las_ranked"].iloc[0].isdigit()
                else 0,
                "table": raw_html(ranking_table(package, part, pages)),
            }
        )
    root = "../"
    frame = PageFrame(package)
    context = {
        "title": "Rankings: every local authority by each headline measure",
        "description": (
            "Every local authority in England ranked on each headline measure of the "
            "stability of children in care, with 95% intervals and quartile bands."
        ),
        "root": root,
        "header": frame.header(root),
        "year_label": year_label(package.latest_year),
        "latest_year": package.latest_year,
        "controls": raw_html(region_filter(package)),
        "sections": sections,
        "csv_href": f"{root}{CHART_FOLDER}/{CSV_NAME}",
        "symbol_key": raw_html(symbol_key(used)) if used else "",
        "cite_box": frame.cite_box("Rankings", PAGE_PATH),
        "scripts": PageFrame.scripts(root, charts=False),
    }
    template = templates().get_template("rankings.qmd.j2")
    return write_page(site_dir / PAGE_PATH / "index.qmd", template.render(**context))
