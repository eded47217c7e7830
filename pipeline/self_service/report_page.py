"""The LA report: one self-contained, accessible HTML page (inline CSS, no scripts or requests).

The page shows aggregate figures only: no child-level identifier is ever passed to the
template (validation warnings are summarised by rule, without rows or children).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jinja2
import pandas as pd

from pipeline.aggregate.coverage import PROVISIONAL, UNAVAILABLE
from pipeline.inputs.problems import WARNING
from pipeline.inputs.report import ValidationReport
from pipeline.packaging.reader import DataPackage
from pipeline.self_service.figures import suppress_small_counts

INTERNAL_BANNER = "For internal use: figures are not suppressed; do not publish."


@dataclass
class ReportInputs:
    """Everything the report shows (all aggregate; see the module docstring).

    ``figures`` comes from :func:`pipeline.self_service.figures.headline_figures`,
    ``comparison`` from :func:`pipeline.self_service.comparison.compare_with_package` (or
    ``None`` without a package), the other frames from the ``figures`` module's summaries.
    """

    la_code: str
    la_name: str
    region_name: str
    internal: bool
    figures: pd.DataFrame
    comparison: pd.DataFrame | None
    package: DataPackage | None
    cohorts: pd.DataFrame
    exclusions: pd.DataFrame
    missing_tables: pd.DataFrame
    files: pd.DataFrame
    validation: ValidationReport


def report_title(la_name: str, internal: bool) -> str:
    """The page title; an internal report says so in the title itself."""
    title = f"Stability Index: {la_name}'s own figures"
    return f"{title} - INTERNAL, NOT SUPPRESSED" if internal else title


def format_count(cell: object) -> str:
    """A count for display (``1,234``); symbols, blanks and formatted text as they are."""
    number = _number(cell)
    return f"{number:,.0f}" if number is not None else _symbol(cell)


def format_percent(cell: object) -> str:
    """A percentage with one decimal place (``12.3%``); symbols and blanks as they are."""
    number = _number(cell)
    return f"{number:.1f}%" if number is not None else _symbol(cell)


def format_interval(lower: object, upper: object) -> str:
    """A 95% interval ``10.2% to 15.3%``; a symbol when either end is not a number."""
    low, high = _number(lower), _number(upper)
    if low is None or high is None:
        return _symbol(lower if low is None else upper)
    return f"{low:.1f}% to {high:.1f}%"


def _number(cell: object) -> float | None:
    """The cell as a float, or None for a symbol, a blank or NaN."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    try:
        value = float(str(cell))
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _symbol(cell: object) -> str:
    """A symbol cell as text (blank for missing)."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell is pd.NA:
        return ""
    return str(cell).strip()


def _headline_years(inputs: ReportInputs) -> list[dict]:
    """One table per year: the LA's figures and, with a package, the comparators."""
    figures = inputs.figures
    if inputs.comparison is not None:
        figures = figures.merge(inputs.comparison, on=["year", "measure"], how="left")
    years = []
    for year, rows in figures.groupby("year", sort=True):
        shown = []
        notes = []
        for row in rows.to_dict("records"):
            status = row.get("status", "final")
            if status in (PROVISIONAL, UNAVAILABLE):
                notes.append(f"{row['label']}: {row['status_note']}")
            entry = {
                "label": row["label"],
                "number": format_count(row["number"]),
                "cohort": format_count(row["cohort"]),
                "percent": format_percent(row["percent"])
                + (" (provisional)" if status == PROVISIONAL else ""),
                "interval": format_interval(row["percent_lower_ci"], row["percent_upper_ci"]),
            }
            if inputs.comparison is not None:
                with_data = int(row["neighbours_with_data"])
                average = format_percent(row["neighbour_average_percent"])
                entry |= {
                    "la_published": format_percent(row["la_published_percent"]),
                    "region": format_percent(row["region_percent"]),
                    "england": format_percent(row["england_percent"]),
                    "neighbours": f"{average} ({with_data} with data)" if with_data else "",
                }
            shown.append(entry)
        label = f"{int(year) - 1}-{str(year)[-2:]} (collection year {year})"
        years.append({"label": label, "rows": shown, "notes": notes})
    return years


def _warnings(report: ValidationReport, internal: bool) -> list[dict]:
    """Validation warnings counted by rule, with the rule's message (no rows, no children).

    In a report for publication, counts of 1 to 5 rows are suppressed like any small count.
    """
    problems = report.problems[report.problems["severity"] == WARNING]
    grouped = problems.groupby(["rule", "message"]).size().rename("rows").reset_index()
    if not internal:
        grouped = suppress_small_counts(grouped.assign(group=0), "rows", "group")
    return grouped.to_dict("records")


def _formatted(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows of ``frame`` as dicts with ``columns`` formatted as counts."""
    return frame.assign(**{c: frame[c].map(format_count) for c in columns}).to_dict("records")


def neighbour_summary(package: DataPackage, la: str) -> dict | None:
    """The LA's neighbours in the package: which set (and its source), names and closeness.

    ``None`` when the package publishes no neighbours for the LA. ``href`` is the source's
    address from the package's ``sources`` (blank when it lists none for the set).
    """
    neighbours = package.table("statistical_neighbours")
    rows = neighbours[neighbours["old_la_code"] == la]
    if rows.empty:
        return None
    rows = rows.assign(rank=rows["neighbour_rank"].astype(int)).sort_values("rank")
    label = str(rows["neighbour_set"].iloc[0]) if "neighbour_set" in rows else ""
    closeness = rows["closeness"] if "closeness" in rows else pd.Series("", index=rows.index)
    source: dict = next(
        (s for s in package.descriptor.get("sources") or [] if s.get("title") == label and label),
        {},
    )
    return {
        "label": label or "statistical neighbours",
        "href": source.get("path", ""),
        "version": source.get("version", ""),
        "members": [
            {"name": name, "closeness": "" if close in ("z", "x") else close}
            for name, close in zip(rows["neighbour_la_name"], closeness, strict=True)
        ],
    }


def render_report(inputs: ReportInputs) -> str:
    """Render the report page (HTML text)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.self_service", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    template = environment.get_template("report.html.j2")
    package = None
    if inputs.package is not None:
        package = {
            "citation": inputs.package.citation(),
            "synthetic": inputs.package.synthetic,
            "neighbours": neighbour_summary(inputs.package, inputs.la_code),
        }
    files = inputs.files
    return template.render(
        title=report_title(inputs.la_name, inputs.internal),
        banner=INTERNAL_BANNER,
        internal=inputs.internal,
        la_code=inputs.la_code,
        la_name=inputs.la_name,
        region_name=inputs.region_name,
        years=sorted(int(y) for y in inputs.figures["year"].unique()),
        package=package,
        headline_years=_headline_years(inputs),
        cohorts=_formatted(inputs.cohorts, list(inputs.cohorts.columns[1:])),
        exclusions=_formatted(inputs.exclusions, ["children"]),
        missing_tables=inputs.missing_tables.to_dict("records"),
        files=files.to_dict("records"),
        files_total=len(files),
        rows_total=f"{int(files['rows_read'].sum()):,}" if len(files) else "0",
        warnings=_warnings(inputs.validation, inputs.internal),
        unused_rows=inputs.validation.exclusions.to_dict("records"),
    )
