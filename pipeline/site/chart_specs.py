"""Altair chart specifications for the site (data in, Vega-Lite spec out).

Each function takes a small tidy frame of numbers already read from package cells (symbols
removed by the caller, which shows them in the chart's table instead) and returns an Altair
chart. Colours come from a colour-blind-safe palette whose colours all have at least 3:1
contrast with white; every series also differs by point shape or line dash, so colour is never
the only cue.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

#: Colour-blind-safe colours (Okabe-Ito and Tol based, darkened for contrast on white).
PALETTE = ["#0072B2", "#D55E00", "#007A5E", "#AA3377", "#333333", "#8A6D00"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3]]
FONT = "Arial, Helvetica, sans-serif"
RATIO_TITLE = "Observed ÷ expected (1 = as expected)"


def _configure(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    return (
        chart.properties(description=description)
        .configure(font=FONT)
        .configure_axis(labelColor="#1a1a1a", titleColor="#1a1a1a", labelFontSize=12)
        .configure_legend(labelColor="#1a1a1a", titleColor="#1a1a1a", labelLimit=0)
        .configure_title(color="#1a1a1a", fontSize=14, anchor="start")
        .configure_view(stroke=None)
    )


def time_series(
    frame: pd.DataFrame, title: str, description: str, series: list[str] | None = None
) -> alt.TopLevelMixin:
    """Lines over years: columns ``year`` (label), ``series``, ``percent``.

    ``series`` fixes the colour, shape and dash of each series (default: those in ``frame``),
    so the same measure looks the same on every page.
    """
    series = series or list(dict.fromkeys(frame["series"]))
    colour = alt.Color(
        "series:N",
        title=None,
        sort=series,
        scale=alt.Scale(domain=series, range=PALETTE[: len(series)]),
        legend=alt.Legend(orient="bottom", columns=1, labelLimit=0),
    )
    base = alt.Chart(frame).encode(
        x=alt.X("year:O", title="Year ending 31 March", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", title="Percentage of children"),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title="Measure"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("percent:Q", title="Percent", format=".1f"),
        ],
    )
    lines = base.mark_line(strokeWidth=2).encode(
        strokeDash=alt.StrokeDash(
            "series:N", sort=series, scale=alt.Scale(domain=series, range=DASHES), legend=None
        )
    )
    points = base.mark_point(filled=True, size=60).encode(
        shape=alt.Shape(
            "series:N", sort=series, scale=alt.Scale(domain=series, range=SHAPES), legend=None
        )
    )
    chart = (lines + points).properties(title=title, width="container", height=260)
    return _configure(chart, description)


def strip_plot(frame: pd.DataFrame, title: str, description: str) -> alt.TopLevelMixin:
    """One dot per LA per measure: columns ``la_name``, ``series``, ``percent``.

    One colour only: the measure is named on the vertical axis.
    """
    chart = (
        alt.Chart(frame)
        .mark_point(filled=False, size=50, color=PALETTE[0], strokeWidth=1.5)
        .encode(
            x=alt.X("percent:Q", title="Percentage of children in the LA"),
            y=alt.Y("series:N", title=None, sort=list(dict.fromkeys(frame["series"]))),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=[
                alt.Tooltip("la_name:N", title="Local authority"),
                alt.Tooltip("series:N", title="Measure"),
                alt.Tooltip("percent:Q", title="Percent", format=".1f"),
            ],
        )
        .transform_calculate(jitter="(datum.index % 7) / 9 + 0.15")
        .properties(title=title, width="container", height=alt.Step(60))
    )
    return _configure(chart, description)


def funnel_plot(frame: pd.DataFrame, title: str, description: str) -> alt.TopLevelMixin:
    """Observed/expected ratio against expected number, with the published funnel limits.

    Columns: ``la_name``, ``expected``, ``ratio``, ``result``, ``lower_95``, ``upper_95``,
    ``lower_998``, ``upper_998`` (limits are the published per-LA cells, drawn in order of
    expected number).
    """
    results = sorted(frame["result"].unique())
    base = alt.Chart(frame).encode(x=alt.X("expected:Q", title="Expected number of children"))
    limits = []
    for column, dash in [("lower_95", [4, 3]), ("upper_95", [4, 3]), ("lower_998", [1, 0])]:
        limits.append(
            base.mark_line(color="#595959", strokeDash=dash, strokeWidth=1).encode(
                y=alt.Y(f"{column}:Q", title=RATIO_TITLE)
            )
        )
    limits.append(base.mark_line(color="#595959", strokeWidth=1).encode(y=alt.Y("upper_998:Q")))
    points = base.mark_point(filled=True, size=45, opacity=0.9).encode(
        y=alt.Y("ratio:Q", title=RATIO_TITLE),
        color=alt.Color(
            "result:N",
            title="Case-mix result",
            scale=alt.Scale(domain=results, range=PALETTE[: len(results)]),
            legend=alt.Legend(orient="bottom", columns=1),
        ),
        shape=alt.Shape("result:N", scale=alt.Scale(domain=results, range=SHAPES[: len(results)])),
        tooltip=[
            alt.Tooltip("la_name:N", title="Local authority"),
            alt.Tooltip("expected:Q", title="Expected", format=".1f"),
            alt.Tooltip("ratio:Q", title="Observed ÷ expected", format=".2f"),
            alt.Tooltip("result:N", title="Result"),
        ],
    )
    chart = alt.layer(*limits, points).properties(title=title, width="container", height=300)
    return _configure(chart, description)


def grouped_bars(frame: pd.DataFrame, title: str, description: str) -> alt.TopLevelMixin:
    """Horizontal bars, one panel per series: columns ``category``, ``series``, ``percent``.

    Each panel is titled with its measure and each bar labelled on its axis, so no colour
    is needed to tell them apart.
    """
    tooltip = [("category", "Group"), ("series", "Measure")]
    return _panels_of_bars(frame, "category", "series", tooltip, title, description)


def stacked_shares(frame: pd.DataFrame, title: str, description: str) -> alt.TopLevelMixin:
    """Shares of each group's children by part: columns ``group``, ``part``, ``percent``.

    Drawn as labelled bars in one panel per group (parts on the axis, in display order), so
    the parts are told apart by their labels, not by colour.
    """
    tooltip = [("group", "Group"), ("part", "Part")]
    return _panels_of_bars(frame, "part", "group", tooltip, title, description)


def _panels_of_bars(
    frame: pd.DataFrame,
    bar: str,
    panel: str,
    tooltip: list[tuple[str, str]],
    title: str,
    description: str,
) -> alt.TopLevelMixin:
    """Horizontal ``percent`` bars labelled by column ``bar``, one panel per value of column
    ``panel`` (both in order of appearance); ``tooltip`` is ``(column, title)`` of the text
    fields shown before the percent."""
    chart = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y(f"{bar}:N", title=None, sort=list(dict.fromkeys(frame[bar]))),
            x=alt.X("percent:Q", title="Percentage of children"),
            tooltip=[
                *(alt.Tooltip(f"{column}:N", title=name) for column, name in tooltip),
                alt.Tooltip("percent:Q", title="Percent", format=".1f"),
            ],
        )
        .properties(width=180, height=alt.Step(18))
        .facet(
            column=alt.Column(
                f"{panel}:N",
                sort=list(dict.fromkeys(frame[panel])),
                title=None,
                header=alt.Header(labelFontSize=12),
            )
        )
        .properties(title=title)
    )
    return _configure(chart, description)


def compared_bars(
    frame: pd.DataFrame, title: str, description: str, roles: list[str] | None = None
) -> alt.TopLevelMixin:
    """One bar per area: columns ``area``, ``role`` (``This LA``/``Neighbour``/...), ``percent``.

    The LA itself is named "(this LA)" in its label as well as coloured differently.
    """
    roles = roles or list(dict.fromkeys(frame["role"]))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title=None, sort=list(frame["area"])),
            x=alt.X("percent:Q", title="Percentage of children"),
            color=alt.Color(
                "role:N",
                title=None,
                sort=roles,
                scale=alt.Scale(domain=roles, range=PALETTE[: len(roles)]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("percent:Q", title="Percent", format=".1f"),
            ],
        )
        .properties(title=title, width="container", height=alt.Step(20))
    )
    return _configure(chart, description)
