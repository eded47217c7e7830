"""The table sections of an LA page: breakdowns, two-year split and data quality."""

from __future__ import annotations

from html import escape

import pandas as pd

from pipeline.packaging.dictionary import published_category, published_topic
from pipeline.site.display import cell_html, year_label
from pipeline.site.html_blocks import html_table, raw_html, symbols_in
from pipeline.site.package import (
    DURING_THE_YEAR,
    HEADLINE_MEASURES,
    GeographyRow,
    PackageError,
    SitePackage,
    rows_of,
)

#: The columns that identify a row of an LA's ``stability_measures`` (with its ``LA``).
MEASURE_ROW_KEY = ["time_period", "period", "measure", "breakdown_topic", "breakdown"]
#: Breakdown topics shown on LA pages (others stay in the downloadable data).
LA_BREAKDOWN_TOPICS = [
    "Age at 31 March",
    "Time in care at 31 March",
    "Placement type at 31 March",
    "Age at entry to care",
    "Gender",
    "Placement location",
]


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


def breakdown_tables(package: SitePackage, extract: LaExtract, used: set[str]) -> list[str]:
    """One table per breakdown topic: cohort and the headline percentages."""
    p = package
    rows = extract.rows("stability_measures", [*MEASURE_ROW_KEY, "cohort", "percent"])
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
                [escape(published_category(topic, category)), cell_html(cells[0], "count")]
                + [cell_html(c, "percent") for c in cells[1:]]
            )
        # labelled as the downloadable files label them (EES data dictionary), e.g. "Sex"
        title = published_topic(topic)
        columns = [title, "Children"] + [p.label(m) for m in measures]
        blocks.append(
            f"### {title}\n"
            + raw_html(html_table(f"{title}, {year_label(p.latest_year)}", columns, table_rows))
        )
    return blocks


def two_year_table(package: SitePackage, extract: LaExtract, used: set[str]) -> str:
    """Changes across two years split into first year, second year, both."""
    p = package
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


#: The data quality figures shown on an LA page: column, label, kind, one line on what it means.
DATA_QUALITY_ROWS = [
    (
        "children_looked_after",
        "Children looked after at 31 March",
        "count",
        "Every child the local authority looked after on 31 March.",
    ),
    (
        "school_age_children",
        "Children of school age",
        "count",
        "Children of school age on 31 March: the group the school measures are about.",
    ),
    (
        "matched_to_school_census",
        "Matched to the school census",
        "count",
        "Children of school age found in the school census, so their school moves can be seen.",
    ),
    (
        "match_rate",
        "Match rate",
        "percent",
        "The share of children of school age found in the school census. School measures count "
        "only matched children, so a low rate makes them less complete.",
    ),
    (
        "sw_module_supplied",
        "Social worker data supplied",
        "text",
        "Whether the local authority sent the social worker module. Without it the social "
        "worker measures are shown as x (not available).",
    ),
    (
        "validation_warnings",
        "Validation warnings",
        "count",
        "Records with something unusual that the checks flagged but that the measures can "
        "still use (for example a recording quirk). Errors would stop the figures being "
        "published; warnings do not.",
    ),
]


def data_quality_table(package: SitePackage, extract: LaExtract, used: set[str]) -> str:
    """The LA's data quality figures for the latest year, each explained in one line."""
    p = package
    columns = DATA_QUALITY_ROWS
    rows = extract.rows("data_quality", ["time_period"] + [c for c, _, _, _ in columns])
    rows = rows[rows["time_period"] == p.latest_year]
    if rows.empty:
        return "No data quality figures are published for this local authority."
    row = rows.iloc[0]
    used |= symbols_in([row[c] for c, _, kind, _ in columns if kind != "text"])
    table_rows = [
        [escape(label), cell_html(row[c], kind), escape(meaning)]
        for c, label, kind, meaning in columns
    ]
    return raw_html(
        html_table(
            f"Data quality, {year_label(p.latest_year)}",
            ["Figure", "Value", "What it means"],
            table_rows,
            table_class="data-table explained",
        )
    )


#: How to read the per-LA files, with the pandas call that turns symbols into missing values.
READING_NOTE = (
    "<p><strong>How to read these files:</strong> each file is one table of the data package "
    "with only this local authority's rows, in the same tidy shape as the national file: one "
    "row per figure, one column per filter (such as <code>measure</code> or "
    "<code>breakdown</code>) and per indicator (such as <code>percent</code>), with "
    "<code>time_period_label</code> (the year as 2023-24) and <code>measure_label</code> "
    "(the measure in words) beside the codes. Cells that are not numbers hold a symbol "
    "(c, x, z, low, u; see the key above). In Python:</p>"
    '<pre tabindex="0"><code>import pandas as pd\n\n'
    "table = pd.read_csv(\n"
    '    "{example}",\n'
    '    na_values=["c", "x", "z", "low", "u"],\n'
    "    keep_default_na=False,\n"
    '    dtype={{"time_period": str, "old_la_code": str}},\n'
    ")</code></pre>"
)


def downloads_block(package: SitePackage, la: GeographyRow, root: str) -> str:
    """Links to the LA's tidy per-table CSVs and their zip, with how to read them.

    Falls back to the combined extract ``la/<old_la_code>.csv`` for a package without the
    tidy files (older versions).
    """
    base = f"{la.slug}-{la.new_la_code}"
    folder = package.folder / "la" / base
    href = f"{root}downloads/{package.version}/la/"
    if not folder.is_dir():
        return (
            f'<p><a class="download-link" href="{href}{la.old_la_code}.csv" download>'
            f"Download {escape(la.la_name)}'s data (CSV)</a>: every table in one file, with a "
            "<code>table_name</code> column saying which table each row comes from.</p>"
        )
    files = sorted(folder.glob(f"{base}-*.csv"))
    items = "".join(
        f'<li><a href="{href}{base}/{path.name}" download>{escape(path.name)}</a>: '
        f"{escape(path.stem.removeprefix(base + '-').replace('_', ' '))}</li>"
        for path in files
    )
    example = files[0].name if files else f"{base}-stability_measures.csv"
    return (
        f'<p><a class="download-link" href="{href}{base}/{base}.zip" download>'
        f"Download every table for {escape(la.la_name)} (zip of {len(files)} CSV files)</a>, "
        f"release {escape(package.version)}, or one table at a time:</p>"
        f'<ul class="download-list">{items}</ul>' + READING_NOTE.format(example=escape(example))
    )
