"""The map pages: a hex map of every LA for each headline measure, one page per year.

``map/index.qmd`` shows the latest year, ``map/<year>/index.qmd`` each earlier one; every page
holds one map per headline measure, a table alternative of each and links to the other years.
``map/map-data.csv`` holds every figure drawn (every headline measure and year), with the
band and the hexagon of each LA. Figures are the one-year, all-children percentages of the
package's ``time_series`` table, as published (a symbol stays a symbol).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path

import pandas as pd

from pipeline.site.display import SYMBOL_MEANINGS, cell_html, is_symbol, percent_text, year_label
from pipeline.site.hexmap import HexCell, hex_svg, legend_html, load_layout, quartile_bands
from pipeline.site.html_blocks import html_table, raw_html
from pipeline.site.package import SitePackage
from pipeline.site.page_common import PageFrame, write_page

MAP_FOLDER = "map"
MAP_CSV = "map-data.csv"
CSV_COLUMNS = [
    "measure", "time_period", "old_la_code", "new_la_code", "la_name", "region_name",
    "percent", "quartile_band", "hex_col", "hex_row",
]  # fmt: skip


@dataclass
class MapData:
    """Every headline figure of every LA and year, with its quartile band and its hexagon."""

    package: SitePackage

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per measure, year and LA (the columns of :data:`CSV_COLUMNS`, plus ``page``)."""
        package = self.package
        series = package.table("time_series")
        las = series[
            (series["geographic_level"] == "Local authority")
            & series["measure"].isin(package.headline_measures)
        ]
        geography = package.geography.set_index("new_la_code")
        layout = load_layout().set_index("new_la_code")
        frame = las[["measure", "time_period", "old_la_code", "new_la_code", "percent"]].copy()
        frame["la_name"] = frame["new_la_code"].map(geography["la_name"])
        frame["region_name"] = frame["new_la_code"].map(geography["region_name"])
        frame["page"] = frame["new_la_code"].map(geography["page"])
        frame["hex_col"] = frame["new_la_code"].map(layout["col"])
        frame["hex_row"] = frame["new_la_code"].map(layout["row"])
        missing = frame.loc[frame["hex_col"].isna(), "new_la_code"].unique()
        if len(missing):
            raise ValueError(f"hex_layout.csv: no hexagon for LA(s) {', '.join(missing)}")
        bands = []
        for (measure, _year), rows in frame.groupby(["measure", "time_period"], sort=False):
            better = measure in package.higher_is_better
            bands.append(quartile_bands(rows["percent"], better))
        frame["quartile_band"] = pd.concat(bands) if bands else ""
        order = {m: i for i, m in enumerate(package.headline_measures)}
        frame = frame.assign(_order=frame["measure"].map(order))
        frame = frame.sort_values(["_order", "time_period", "la_name"]).drop(columns="_order")
        return frame.astype({"hex_col": int, "hex_row": int}).reset_index(drop=True)

    @property
    def years(self) -> list[str]:
        """The years with figures, oldest first."""
        return sorted(self.frame["time_period"].unique())

    def cells(self, measure: str, year: str, root: str) -> list[HexCell]:
        """The hexagons of one map; links are relative to ``root`` (the site root)."""
        rows = self.frame[(self.frame["measure"] == measure) & (self.frame["time_period"] == year)]
        return [
            HexCell(
                new_la_code=row["new_la_code"],
                la_name=row["la_name"],
                col=int(row["hex_col"]),
                row=int(row["hex_row"]),
                href=f"{root}{row['page']}",
                shown=percent_text(row["percent"]),
                band=row["quartile_band"],
                symbol=row["percent"].strip() if is_symbol(row["percent"]) else "",
                region_name=row["region_name"],
            )
            for row in rows.to_dict("records")
        ]

    def write_csv(self, path: Path) -> Path:
        """Write every drawn figure as CSV (the map's data download)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame[CSV_COLUMNS].to_csv(path, index=False, lineterminator="\n")
        return path


def polarity_sentence(package: SitePackage, measure: str) -> str:
    """Which way is more stable for a measure, in plain English."""
    if measure in package.higher_is_better:
        return "A higher percentage means more stability, so band A holds the highest figures."
    return "A lower percentage means more stability, so band A holds the lowest figures."


def measure_section(data: MapData, measure: str, year: str, root: str, level: int = 2) -> str:
    """One measure's map, key and table alternative, as HTML (heading at ``level``)."""
    package = data.package
    label = package.label(measure)
    key = f"{measure}-{year}"
    cells = data.cells(measure, year, root)
    title = f"Map of England's local authorities: {label}, {year_label(year)}"
    svg = hex_svg(cells, title, SYMBOL_MEANINGS, key)
    rows = data.frame[(data.frame["measure"] == measure) & (data.frame["time_period"] == year)]
    table_rows = [
        [
            f'<a href="{escape(root + r["page"])}">{escape(r["la_name"])}</a>',
            escape(r["region_name"]),
            cell_html(r["percent"], "percent", "package"),
            escape(r["quartile_band"] or "none"),
        ]
        for r in rows.sort_values("la_name").to_dict("records")
    ]
    table = html_table(
        f"{label}, {year_label(year)}: every local authority",
        ["Local authority", "Region", "Percentage", "Band"],
        table_rows,
    )
    return (
        f'<section class="map-section" aria-labelledby="h-{key}">'
        f'<h{level} id="h-{key}">{escape(label)}</h{level}>'
        f"<p>{escape(polarity_sentence(package, measure))} Select a hexagon to open the "
        "local authority's page.</p>"
        f'<figure class="hexmap-figure">{svg}<figcaption>{escape(title)}. Each hexagon is one '
        "local authority, all the same size; they are grouped by region, roughly where the "
        "regions are, and in alphabetical order within each region.</figcaption></figure>"
        f"{legend_html()}"
        f"<details><summary>Show the map as a table</summary>{table}</details></section>"
    )


def year_links(years: list[str], current: str, latest: str, root: str) -> str:
    """Links to the map of every year (the current one marked, not linked)."""
    items = []
    for year in reversed(years):
        href = f"{root}{MAP_FOLDER}/" + ("" if year == latest else f"{year}/")
        if year == current:
            items.append(f'<li><span aria-current="page">{year_label(year)}</span></li>')
        else:
            items.append(f'<li><a href="{href}">{year_label(year)}</a></li>')
    return f'<nav class="map-years" aria-label="Map years"><ul>{"".join(items)}</ul></nav>'


def map_page_text(data: MapData, year: str, root: str) -> str:
    """The ``.qmd`` text of the map page of one year."""
    package = data.package
    latest = data.years[-1]
    path = f"{MAP_FOLDER}/" + ("" if year == latest else f"{year}/")
    title = f"Map of local authorities, {year_label(year)}"
    intro = (
        "<p>How each local authority compares with the others on the headline measures, "
        f"for the year ending 31 March {year}. Each local authority is placed in one of four "
        "bands (quarters) of the local authorities with a published figure, from A (most "
        "stable) to D (least stable). Hatched hexagons have no figure: it is suppressed to "
        "protect children's confidentiality or not available. Differences between "
        "neighbouring bands are often small and within the margin of error: see each "
        "local authority's page for its confidence interval.</p>"
        f'<p><a href="{root}{MAP_FOLDER}/{MAP_CSV}" download>Download the data of every map '
        "(CSV)</a>: every headline measure, year and local authority, with its band.</p>"
    )
    sections = "".join(measure_section(data, m, year, root) for m in package.headline_measures)
    frame = PageFrame(package)
    body = frame.header(root) + intro + year_links(data.years, year, latest, root)
    sections += frame.cite_box(title, path)
    return (
        "---\n"
        f'title: "{title}"\n'
        f"description: \"Hex map of England's {len(package.geography)} local authorities for "
        f'each headline measure, {year_label(year)}."\n'
        f'page-path: "{path}"\n'
        "---\n" + raw_html(body + sections)
    )


def map_pages(package: SitePackage, site_dir: Path) -> list[Path]:
    """Write ``map/index.qmd`` (latest year), ``map/<year>/index.qmd`` and the map's CSV."""
    data = MapData(package)
    folder = Path(site_dir) / MAP_FOLDER
    data.write_csv(folder / MAP_CSV)
    pages = []
    latest = data.years[-1]
    for year in data.years:
        if year == latest:
            pages.append(write_page(folder / "index.qmd", map_page_text(data, year, "../")))
        else:
            text = map_page_text(data, year, "../../")
            pages.append(write_page(folder / year / "index.qmd", text))
    return pages


def overview_map(package: SitePackage, root: str = "") -> str:
    """The map of the first headline measure in the latest year, for the overview page."""
    data = MapData(package)
    measure, year = package.headline_measures[0], data.years[-1]
    section = measure_section(data, measure, year, root, level=3)
    more = (
        f'<p><a href="{root}{MAP_FOLDER}/">Maps of every headline measure</a> and of earlier '
        f'years, and <a href="{root}compare/">compare any local authorities</a>.</p>'
    )
    return raw_html(section + more)
