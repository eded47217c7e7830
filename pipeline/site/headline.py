"""Headline tiles and the plain-English summary for England and the regions."""

from __future__ import annotations

from html import escape

import pandas as pd

from pipeline.site.area_figures import provisional_reason
from pipeline.site.display import (
    cell_html,
    change_phrase,
    is_symbol,
    one_in_n,
    percent_text,
    year_label,
)
from pipeline.site.html_blocks import raw_html, symbols_in
from pipeline.site.package import HEADLINE_MEASURES, SitePackage
from pipeline.site.tiles import change_words, interval_line, last_year_row, tile

#: How each headline measure reads in a sentence: "<N in M children in care (x%) ...>".
SENTENCES = {
    "placement_2plus": "children in care ({pct}) had two or more placement moves in {year}",
    "school_midyear": "children in care at school ({pct}) had a mid-year school move in {year}",
    "sw_2plus": "children in care ({pct}) had two or more changes of social worker in {year}",
    "multiple_any": (
        "children in care ({pct}) had multiple changes of placement, school or social worker "
        "in {year}"
    ),
    "no_change": (
        "children in care ({pct}) had no change of placement, school or social worker in {year}"
    ),
    "long_term_stable": (
        "children in long-term care ({pct}) had lived with the same carer for two years or "
        "more in {year}"
    ),
}


def provisional_in(series: pd.DataFrame, measure: str, year: str) -> str:
    """The later returns a figure of ``year`` in ``series`` waits for ('' when final).

    The package holds the years of ``series``; the rule is the measures catalogue's
    (``pipeline.site.area_figures.provisional_reason``).
    """
    years = {int(y) for y in series["time_period"].unique()}
    return provisional_reason(measure, str(year), years)


PROVISIONAL_MARK = ' <span class="provisional">(provisional)</span>'


def sparkline(values: list[tuple[str, str]]) -> str:
    """A small inline SVG line of a measure's percentages over the years (decorative).

    ``values`` are ``(year, cell)``; symbols leave a gap. The numbers themselves are in the
    tile and the time series table, so the sparkline is hidden from screen readers.
    """
    numbers = [float(c) for _, c in values if not is_symbol(c)]
    if len(numbers) < 2:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    width, height, pad = 120, 32, 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = []
    for index, (_, cell) in enumerate(values):
        if is_symbol(cell):
            continue
        x = pad + index * step
        y = pad + (height - 2 * pad) * (1 - (float(cell) - low) / span)
        points.append(f"{x:.1f},{y:.1f}")
    last_x, last_y = points[-1].split(",")
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} '
        f'{height}" aria-hidden="true" focusable="false">'
        f'<polyline fill="none" stroke="#0072B2" stroke-width="2" points="{" ".join(points)}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="3" fill="#0072B2"/></svg>'
    )


def headline_tiles(
    package: SitePackage,
    series: pd.DataFrame,
    totals: pd.DataFrame,
    used: set[str],
    comparison_label: str | None = None,
    comparison: pd.DataFrame | None = None,
    root: str = "",
) -> str:
    """Tiles for England or a region: value, interval, last year, change in words, sparkline.

    ``series`` are the area's ``time_series`` rows; ``totals`` its latest one-year Total rows
    indexed by measure; ``comparison`` optional rows of another area (England) to show too.
    """
    latest = package.latest_year
    items = []
    for measure in HEADLINE_MEASURES:
        rows = series[series["measure"] == measure].sort_values("time_period")
        now = rows[rows["time_period"] == latest]
        if now.empty:
            continue
        row = now.iloc[0]
        used |= symbols_in(
            [row["percent"], row["percent_previous_year"], row["change_percentage_points"]]
        )
        interval = ""
        if measure in totals.index:
            total = totals.loc[measure]
            interval = interval_line(
                total["percent_lower_ci"],
                total["percent_upper_ci"],
                row["number"],
                row["cohort"],
                "package",
                root,
            )
        polarity = measure in package.higher_is_better
        waits = provisional_in(series, measure, latest)
        change = change_words(row["change_percentage_points"], "package", polarity, root)
        if waits:
            change = escape(f"Not compared: provisional, it can still change with {waits}")
        shown = [
            last_year_row(row["percent_previous_year"], latest, "package"),
            ("Change since last year", change),
        ]
        if comparison is not None and comparison_label and measure in comparison.index:
            shown.append(
                (
                    escape(comparison_label),
                    cell_html(comparison.loc[measure, "percent"], "percent", "package"),
                )
            )
        spark = sparkline(list(zip(rows["time_period"], rows["percent"], strict=True)))
        value = cell_html(row["percent"], "percent", "package") + (
            PROVISIONAL_MARK if waits else ""
        )
        items.append(tile(package.label(measure), value, interval + spark, shown))
    return raw_html('<ul class="tiles" data-pagefind-ignore>' + "".join(items) + "</ul>")


def summary_sentences(package: SitePackage, series: pd.DataFrame) -> list[str]:
    """Plain-English sentences from the latest headline percentages and the year before.

    E.g. "About 1 in 10 children in care (10%) had two or more placement moves in 2023-24,
    the same as in 2022-23." A provisional figure is said to be provisional, with no change.
    """
    latest = package.latest_year
    previous = str(int(latest) - 1)
    sentences = []
    for measure in HEADLINE_MEASURES:
        rows = series[(series["measure"] == measure) & (series["time_period"] == latest)]
        if rows.empty or is_symbol(rows.iloc[0]["percent"]):
            continue
        row = rows.iloc[0]
        text = SENTENCES.get(measure, "children in care ({pct}) had " + measure + " in {year}")
        body = text.format(pct=percent_text(row["percent"]), year=year_label(latest))
        change = change_phrase(row["percent"], row["percent_previous_year"], previous)
        sentence = f"{one_in_n(row['percent'])} {body}"
        waits = provisional_in(series, measure, latest)
        if waits:
            # A provisional figure is not compared with last year's (like with like).
            sentences.append(
                f"{sentence}. This figure is provisional and is not compared with last year: "
                f"it can still change with {waits}."
            )
            continue
        sentences.append(sentence + (f", {change}." if change else "."))
    return sentences
