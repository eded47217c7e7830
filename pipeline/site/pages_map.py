"""The map pages: a hex map of every LA, one page per headline measure and year.

``map/index.qmd`` lists the maps; ``map/<measure>/index.qmd`` is the map of a headline measure
in the latest year and ``map/<measure>/<year>/index.qmd`` in each earlier year. Each page holds
one map, its key, its table alternative and links to the other measures and years, so that a
page stays light with either renderer (a page with every measure weighed 1.4 MB with Quarto's
libraries). ``map/map-data.csv`` holds every figure drawn (every headline measure and year),
with the band and the hexagon of each LA. Figures are the one-year, all-children percentages
of the package's ``time_series`` table, as published (a symbol stays a symbol).
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
#: The id of the table alternative on a map page (a link to it opens its disclosure).
MAP_TABLE_ID = "map-table"
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


def map_path(measure: str, year: str, latest: str) -> str:
    """The address of a map page from the site root (``map/<measure>/`` for the latest year)."""
    return f"{MAP_FOLDER}/{measure}/" + ("" if year == latest else f"{year}/")


def map_table(data: MapData, measure: str, year: str, root: str) -> str:
    """The table alternative of one map: every LA with its region, figure and band."""
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
    return html_table(
        f"{data.package.label(measure)}, {year_label(year)}: every local authority",
        ["Local authority", "Region", "Percentage", "Band"],
        table_rows,
    )


def measure_section(
    data: MapData, measure: str, year: str, root: str, level: int = 2, table: str = "details"
) -> str:
    """One measure's map and key as HTML (heading at ``level``), with its table alternative.

    ``table`` is ``"details"`` (the table in a disclosure below the map) or the address of the
    page that holds it (the overview links to the map page rather than repeat the table).
    """
    package = data.package
    label = package.label(measure)
    key = f"{measure}-{year}"
    title = f"Map of England's local authorities: {label}, {year_label(year)}"
    svg = hex_svg(data.cells(measure, year, root), title, SYMBOL_MEANINGS, key)
    if table == "details":
        alternative = (
            "<details><summary>Show the map as a table</summary>"
            f'<div id="{MAP_TABLE_ID}">{map_table(data, measure, year, root)}</div></details>'
        )
    else:
        alternative = f'<p><a href="{escape(table)}">The same figures as a table</a>.</p>'
    return (
        f'<section class="map-section" aria-labelledby="h-{key}">'
        f'<h{level} id="h-{key}">{escape(label)}, {year_label(year)}</h{level}>'
        f"<p>{escape(polarity_sentence(package, measure))} Select a hexagon to open the "
        "local authority's page.</p>"
        f'<figure class="hexmap-figure">{svg}<figcaption>{escape(title)}. Each hexagon is one '
        "local authority, all the same size; they are grouped by region, roughly where the "
        "regions are, and in alphabetical order within each region.</figcaption></figure>"
        f"{legend_html()}{alternative}</section>"
    )


def map_links(data: MapData, measure: str, year: str, root: str) -> str:
    """Links to the same year's map of every other measure and to this measure's other years."""
    package, latest = data.package, data.years[-1]

    def item(href: str, text: str, current: bool) -> str:
        if current:
            return f'<li><span aria-current="page">{escape(text)}</span></li>'
        return f'<li><a href="{root}{href}">{escape(text)}</a></li>'

    measures = "".join(
        item(map_path(m, year, latest), package.label(m), m == measure)
        for m in package.headline_measures
    )
    years = "".join(
        item(map_path(measure, y, latest), year_label(y), y == year) for y in reversed(data.years)
    )
    return (
        '<nav class="map-measures" aria-label="Maps of the other measures">'
        f"<p>Measure, {year_label(year)}:</p><ul>{measures}</ul></nav>"
        '<nav class="map-years" aria-label="Map years">'
        f"<p>Year, {escape(package.label(measure))}:</p><ul>{years}</ul></nav>"
    )


def map_intro(root: str) -> str:
    """What the bands and the hatching mean, with the link to the data of every map."""
    return (
        "<p>Each local authority is placed in one of four bands (quarters) of the local "
        "authorities with a published figure, from A (most stable) to D (least stable). "
        "Hatched hexagons have no figure: it is suppressed to protect children's "
        "confidentiality or not available. Differences between neighbouring bands are often "
        "small and within the margin of error: see each local authority's page for its "
        "confidence interval.</p>"
        f'<p><a href="{root}{MAP_FOLDER}/{MAP_CSV}" download>Download the data of every map '
        "(CSV)</a>: every headline measure, year and local authority, with its band.</p>"
    )


def front_matter(title: str, description: str, path: str) -> str:
    """The front matter of a map page."""
    return f'---\ntitle: "{title}"\ndescription: "{description}"\npage-path: "{path}"\n---\n'


def map_page_text(data: MapData, measure: str, year: str) -> str:
    """The ``.qmd`` text of the map of one measure and year."""
    package = data.package
    path = map_path(measure, year, data.years[-1])
    root = "../" * path.count("/")
    label = package.label(measure)
    title = f"Map of local authorities: {label}, {year_label(year)}"
    frame = PageFrame(package)
    body = (
        frame.header(root)
        + f"<p>How each local authority compares with the others on {escape(label.lower())}, "
        f"for the year ending 31 March {year}.</p>"
        + map_intro(root)
        + map_links(data, measure, year, root)
        + measure_section(data, measure, year, root)
        + frame.cite_box(title, path)
    )
    description = (
        f"Hex map of England's {len(package.geography)} local authorities: {label}, "
        f"{year_label(year)}."
    )
    return front_matter(title, description, path) + raw_html(body)


def index_page_text(data: MapData) -> str:
    """The ``.qmd`` text of ``map/``: what the maps show and a link to every one."""
    package, latest, root = data.package, data.years[-1], "../"
    title = "Maps of local authorities"
    items = []
    for measure in package.headline_measures:
        label = escape(package.label(measure))
        years = ", ".join(
            f'<a href="{root}{map_path(measure, y, latest)}">{year_label(y)}</a>'
            for y in reversed(data.years[:-1])
        )
        items.append(
            f'<li><a href="{root}{map_path(measure, latest, latest)}">{label}, '
            f"{year_label(latest)}</a>. {escape(polarity_sentence(package, measure))}"
            + (f" Earlier years: {years}." if years else "")
            + "</li>"
        )
    frame = PageFrame(package)
    body = (
        frame.header(root)
        + "<p>A hex map shows how each local authority compares with the others on a headline "
        "measure in one year. Every local authority is one hexagon of the same size, so a "
        "small London borough is as easy to see as a large county; each hexagon links to the "
        "local authority's page, and each map has the same figures as a table.</p>"
        + map_intro(root)
        + f'<h2 id="maps">The maps</h2><ul class="map-index">{"".join(items)}</ul>'
        + f'<p>To follow local authorities over the years, <a href="{root}compare/">compare '
        "them</a>.</p>" + frame.cite_box(title, f"{MAP_FOLDER}/")
    )
    description = (
        f"Hex maps of England's {len(package.geography)} local authorities for each headline "
        "measure and year."
    )
    return front_matter(title, description, f"{MAP_FOLDER}/") + raw_html(body)


def map_pages(package: SitePackage, site_dir: Path) -> list[Path]:
    """Write ``map/index.qmd``, ``map/<measure>[/<year>]/index.qmd`` and the map's CSV."""
    data = MapData(package)
    site_dir = Path(site_dir)
    data.write_csv(site_dir / MAP_FOLDER / MAP_CSV)
    pages = [write_page(site_dir / MAP_FOLDER / "index.qmd", index_page_text(data))]
    latest = data.years[-1]
    for measure in package.headline_measures:
        for year in data.years:
            path = site_dir / map_path(measure, year, latest) / "index.qmd"
            pages.append(write_page(path, map_page_text(data, measure, year)))
    return pages


def overview_map(package: SitePackage, root: str = "") -> str:
    """The map of the first headline measure in the latest year, for the overview page.

    The table alternative is a link to the map's own page (which holds it), to keep the
    overview light.
    """
    data = MapData(package)
    measure, latest = package.headline_measures[0], data.years[-1]
    page = f"{root}{map_path(measure, latest, latest)}"
    section = measure_section(data, measure, latest, root, level=3, table=f"{page}#{MAP_TABLE_ID}")
    more = (
        f'<p><a href="{root}{MAP_FOLDER}/">Maps of every headline measure and year</a>, and '
        f'<a href="{root}compare/">compare any local authorities</a>.</p>'
    )
    return raw_html(section + more)
