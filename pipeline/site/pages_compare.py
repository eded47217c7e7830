"""The comparison page (``compare/index.qmd``): any LAs, a measure and years, chart and table.

Without JavaScript the page shows a plain table of the default view: one LA and its
statistical neighbours, the first headline measure, every year. With JavaScript
(``assets/compare.js``, bundled with the site) a form lets the reader choose any LAs, a
headline measure and a range of years; the figures come from the versioned JSON API
(``api/v1/<version>/headline.json``) and the choice lives in the address, e.g.
``compare/?la=886,887&m=placement_2plus&from=2021&to=2024``, so a link reproduces the view.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from pipeline.site.api import API_ROOT, HeadlineFigures, neighbours_of
from pipeline.site.display import cell_html, year_label
from pipeline.site.html_blocks import html_table, raw_html
from pipeline.site.package import SitePackage
from pipeline.site.page_common import PageFrame, write_page

COMPARE_FOLDER = "compare"
#: The LA shown by default when the package has it (else the first LA by name).
DEFAULT_LA = "886"


def default_las(package: SitePackage) -> list[dict]:
    """The default LA and its statistical neighbours (geography rows, nearest first)."""
    geography = package.geography
    chosen = geography[geography["old_la_code"] == DEFAULT_LA]
    if chosen.empty:
        chosen = geography.sort_values("la_name").head(1)
    first = chosen.iloc[0].to_dict()
    by_code = geography.set_index("new_la_code")
    rows = [first]
    for neighbour in neighbours_of(package).get(first["new_la_code"], []):
        if neighbour["new_la_code"] in by_code.index:
            rows.append(by_code.loc[neighbour["new_la_code"]].to_dict() | neighbour)
    return rows


def static_table(package: SitePackage, figures: HeadlineFigures, las: list[dict]) -> str:
    """The default view as a plain table: LAs (then England) by year, percentages as published."""
    measure = figures.measures[0]
    years = figures.years
    intervals = figures.la_intervals
    rows = []
    for la in las:
        cells = [escape(la["la_name"])]
        for year in years:
            found = intervals.get((la["new_la_code"], measure, year))
            cells.append(cell_html(found[2], "percent", "package") if found else "")
        rows.append(cells)
    england = [escape("England")] + [
        cell_html(figures.england.get(("", measure, year), ""), "percent", "package")
        for year in years
    ]
    rows.append(england)
    caption = (
        f"{package.label(measure)}: {las[0]['la_name']} and its statistical neighbours, "
        "and England, by year"
    )
    return html_table(caption, ["Area", *[year_label(y) for y in years]], rows)


def compare_form(figures: HeadlineFigures, package: SitePackage) -> str:
    """The form (hidden until the script runs): LAs, measure, first and last year."""
    regions: dict[str, list[str]] = {}
    for la in package.geography.sort_values(["region_name", "la_name"]).to_dict("records"):
        option = f'<option value="{la["old_la_code"]}">{escape(la["la_name"])}</option>'
        regions.setdefault(la["region_name"], []).append(option)
    groups = "".join(
        f'<optgroup label="{escape(region)}">{"".join(options)}</optgroup>'
        for region, options in regions.items()
    )
    measures = "".join(
        f'<option value="{m}">{escape(package.label(m))}</option>' for m in figures.measures
    )
    years = "".join(f'<option value="{y}">{year_label(y)}</option>' for y in figures.years)
    return (
        '<form id="compare-form" class="compare-form" method="get" hidden>'
        '<div class="compare-field"><label for="compare-la">Local authorities</label>'
        '<p class="hint" id="compare-la-hint">Choose one or more: hold Ctrl (Cmd on a Mac) '
        "to choose several, or use Shift and the arrow keys.</p>"
        '<select id="compare-la" name="la" multiple size="10" '
        f'aria-describedby="compare-la-hint">{groups}</select></div>'
        '<div class="compare-field"><label for="compare-measure">Measure</label>'
        f'<select id="compare-measure" name="m">{measures}</select></div>'
        '<div class="compare-field"><label for="compare-from">From</label>'
        f'<select id="compare-from" name="from">{years}</select>'
        '<label for="compare-to">to</label>'
        f'<select id="compare-to" name="to">{years}</select></div>'
        '<button type="submit">Show the comparison</button>'
        '<button type="button" id="compare-neighbours">Add the statistical neighbours of '
        "the first chosen LA</button></form>"
    )


def compare_page(package: SitePackage, site_dir: Path) -> Path:
    """Write ``compare/index.qmd``: the static default table and the interactive parts."""
    figures = HeadlineFigures(package)
    las = default_las(package)
    root = "../"
    intro = (
        "<p>Compare local authorities with each other and with England on a headline "
        "measure, year by year. By default the page shows "
        f"{escape(las[0]['la_name'])} and its statistical neighbours (the local authorities "
        "most like it). Choose any local authorities, a measure and years below: the address "
        "of the page changes with your choice, so you can bookmark or share the view.</p>"
        '<p class="no-script-note" id="compare-static-note">The table below shows the default '
        "view. To choose other local authorities, turn on JavaScript, or use each local "
        f'authority\'s page and the <a href="{root}map/">map</a>.</p>'
    )
    app = (
        f'<div id="compare-app" data-api="{root}{API_ROOT}/" data-version="{package.version}" '
        f'data-default-la="{las[0]["old_la_code"]}" '
        f'data-default-measure="{figures.measures[0]}">'
        f"{compare_form(figures, package)}"
        '<p id="compare-status" class="compare-status" role="status" aria-live="polite"></p>'
        '<div id="compare-chart" class="compare-chart"></div>'
        f'<div id="compare-table">{static_table(package, figures, las)}</div></div>'
    )
    frame = PageFrame(package)
    body = (
        frame.header(root) + intro + app + frame.cite_box("Compare local authorities", "compare/")
    )
    text = (
        "---\n"
        'title: "Compare local authorities"\n'
        'description: "Compare any local authorities with each other and with England on a '
        'headline measure of the Stability Index, year by year."\n'
        f'page-path: "{COMPARE_FOLDER}/"\n'
        "---\n" + raw_html(body + f'<script src="{root}assets/compare.js" defer></script>')
    )
    return write_page(Path(site_dir) / COMPARE_FOLDER / "index.qmd", text)
