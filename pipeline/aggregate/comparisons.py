"""Tables derived after disclosure control from published cells only.

``time_series`` (every one-year Total measure with the change on last year) and
``la_comparison`` (each LA against its region, England and its statistical neighbours, with
its rank and quartile band). Both read the protected tables (string cells: numbers as text or
symbols) and never see an unpublished value: a suppressed percentage gives ``c`` (or is left out
of an average or ranking), a figure not available gives ``x``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.measures.catalogue import HEADLINE_MEASURES, HIGHER_IS_BETTER
from pipeline.measures.schema import FLAGS, PERIODS, TOTAL
from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    Filter,
    Indicator,
    PublishedTable,
    percent_indicator,
)
from pipeline.symbols import CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE

from .coverage import STATUS_INDICATORS
from .rollup import sort_rows

BANDS = "ABCD"
AREA_KEYS = ["geographic_level", "region_code", "old_la_code", "measure"]


def format_number(values: np.ndarray) -> np.ndarray:
    """Format floats as text with 6 decimal places (the package's precision)."""
    return np.array([f"{v:.6f}" for v in values], dtype=object)


def _numeric(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(cells.where(~cells.isin(list(_SYMBOLS)), None), errors="coerce")


_SYMBOLS = {CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, "low", "u", ""}


def _one_year_totals(protected: dict[str, PublishedTable]) -> pd.DataFrame:
    frame = protected["stability_measures"].frame
    keep = (frame["period"] == PERIODS["1y"]) & (frame["breakdown_topic"] == TOTAL)
    return frame[keep].astype({c: str for c in ["cohort", "number", "percent"]})


def _change(now: pd.Series, before: pd.Series | None) -> pd.Series:
    """Change in percentage points, or the symbol the published cells call for."""
    if before is None:
        return pd.Series(NOT_APPLICABLE, index=now.index, dtype=object)
    a, b = _numeric(now), _numeric(before)
    out = pd.Series(CONFIDENTIAL, index=now.index, dtype=object)
    both = a.notna() & b.notna()
    out[both] = format_number((a - b)[both].to_numpy())
    out[(now == NOT_AVAILABLE) | (before == NOT_AVAILABLE)] = NOT_AVAILABLE
    out[before.isna()] = NOT_APPLICABLE
    return out


def time_series(protected: dict[str, PublishedTable]) -> PublishedTable:
    """Every one-year Total measure for every year, with the change on the previous year."""
    totals = _one_year_totals(protected)
    # The coverage status (final, provisional, not available) of stability_measures, if any.
    status = [c for c in ("status", "status_note") if c in totals.columns]
    columns = [*EES_TIME_GEOGRAPHY_COLUMNS, "measure", "cohort", "number", "percent"]
    frame = totals[columns + status]
    previous = frame[[*AREA_KEYS, "time_period", "percent"]].copy()
    previous["time_period"] = (previous["time_period"].astype(int) + 1).astype(str)
    previous = previous.rename(columns={"percent": "percent_previous_year"})
    frame = frame.merge(previous, on=[*AREA_KEYS, "time_period"], how="left")
    years = sorted(frame["time_period"].astype(int).unique())
    first_year = frame["time_period"].astype(int) == (years[0] if years else 0)
    change = _change(frame["percent"], frame["percent_previous_year"])
    # A missing earlier year (the first year, or an LA new to the data) is not applicable.
    frame["percent_previous_year"] = frame["percent_previous_year"].fillna(NOT_APPLICABLE)
    frame["change_percentage_points"] = change.where(~first_year, NOT_APPLICABLE)
    frame = sort_rows(frame, {"measure": list(FLAGS)})
    frame = frame[[c for c in frame.columns if c not in status] + status]
    return PublishedTable(
        name="time_series",
        title="Stability measures over time",
        description=(
            "Every measure during the year (all children) for every year, with the "
            "percentage the year before and the change in percentage points, computed from the "
            "published figures only: c where either year's percentage is suppressed, x where "
            "either is not available, z for the first year."
        ),
        frame=frame,
        filters=[Filter("measure", "Measure", "The stability measure (its code)", additive=False)],
        indicators=[
            Indicator("cohort", "Children in the cohort", description="As in stability_measures"),
            Indicator("number", "Children with the change", description="As published"),
            percent_indicator(
                "percent",
                "Percentage",
                "As published in stability_measures",
            ),
            # A copy of last year's published cell: it follows last year's suppression, not
            # this year's, so it is text to disclosure control (never suppressed on its own).
            Indicator(
                "percent_previous_year",
                "Percentage last year",
                unit="%",
                dp=1,
                kind="text",
                description="Last year's published percentage (c, x or z where not published)",
                field_type="number",
            ),
            _derived(
                "change_percentage_points",
                "Change on last year",
                "pp",
                "Percentage minus last year's percentage (published values)",
            ),
            *[i for i in STATUS_INDICATORS if i.name in status],
        ],
    )


def _derived(name: str, label: str, unit: str, description: str, dp: int = 1) -> Indicator:
    return Indicator(
        name, label, unit=unit, dp=dp, kind="rate", description=description, field_type="number"
    )


def _ranks(values: pd.Series, measure: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank 1 = most stable among published values (polarity by measure); and counts."""
    key = values.where(~measure.isin(HIGHER_IS_BETTER), -values)
    rank = key.groupby(measure).rank(method="min")
    ranked = values.notna().groupby(measure).transform("sum")
    return rank, ranked


def la_comparison(protected: dict[str, PublishedTable]) -> PublishedTable:
    """Each LA's headline percentages against its region, England and its neighbours."""
    totals = _one_year_totals(protected)
    latest = str(totals["time_period"].astype(int).max())
    totals = totals[(totals["time_period"] == latest) & totals["measure"].isin(HEADLINE_MEASURES)]
    level = totals["geographic_level"]
    las = totals[level == LEVEL_LA].copy()
    region = totals[level == LEVEL_REGIONAL].set_index(["region_code", "measure"])["percent"]
    england = totals[level == LEVEL_NATIONAL].set_index("measure")["percent"]
    las["region_percent"] = (
        pd.Series(list(zip(las["region_code"], las["measure"], strict=True)), index=las.index)
        .map(region)
        .fillna(NOT_AVAILABLE)
    )
    las["england_percent"] = las["measure"].map(england).fillna(NOT_AVAILABLE)
    value = _numeric(las["percent"])
    rank, ranked = _ranks(value, las["measure"])
    symbol = las["percent"].where(value.isna(), None)
    las["rank_among_las"] = _int_or_symbol(rank, symbol)
    las["las_ranked"] = ranked.astype(int).astype(str)
    band = np.floor((rank - 1) * 4 / ranked).clip(0, 3)
    las["quartile_band"] = [
        BANDS[int(b)] if b == b else s for b, s in zip(band, symbol, strict=True)
    ]
    las = _with_neighbours(las, value, protected.get("statistical_neighbours"))
    # The LA figure's coverage status (final, provisional, not available), as in time_series.
    status = [c for c in ("status", "status_note") if c in las.columns]
    columns = [*EES_TIME_GEOGRAPHY_COLUMNS, *LA_COMPARISON_COLUMNS, *status]
    frame = sort_rows(las[columns], {"measure": HEADLINE_MEASURES})
    return PublishedTable(
        name="la_comparison",
        title="Local authorities compared with their region, England and neighbours",
        description=LA_COMPARISON_DESCRIPTION,
        frame=frame,
        filters=[Filter("measure", "Measure", "The headline measure (its code)", additive=False)],
        extra_columns=["neighbour_set"],
        indicators=[*LA_COMPARISON_INDICATORS, *[i for i in STATUS_INDICATORS if i.name in status]],
    )


def _int_or_symbol(rank: pd.Series, symbol: pd.Series) -> list[str]:
    return [str(int(r)) if r == r else s for r, s in zip(rank, symbol, strict=True)]


def _with_neighbours(
    las: pd.DataFrame, value: pd.Series, neighbours: PublishedTable | None
) -> pd.DataFrame:
    """Add the neighbour average, how many neighbours had data and the rank among them."""
    las = las.assign(_value=value.to_numpy())
    pairs = (
        neighbours.frame[["old_la_code", "neighbour_old_la_code"]].astype(str)
        if neighbours is not None and len(neighbours.frame)
        else pd.DataFrame(columns=["old_la_code", "neighbour_old_la_code"], dtype=str)
    )
    values = las[["old_la_code", "measure", "_value"]]
    linked = pairs.merge(
        values.rename(columns={"old_la_code": "neighbour_old_la_code", "_value": "_n"}),
        on="neighbour_old_la_code",
    ).merge(values, on=["old_la_code", "measure"])
    linked = linked[linked["_n"].notna()]
    better = np.where(
        linked["measure"].isin(HIGHER_IS_BETTER),
        linked["_n"] > linked["_value"],
        linked["_n"] < linked["_value"],
    )
    linked = linked.assign(_better=better & linked["_value"].notna())
    summary = linked.groupby(["old_la_code", "measure"]).agg(
        _mean=("_n", "mean"), _count=("_n", "size"), _better=("_better", "sum")
    )
    las = las.join(summary, on=["old_la_code", "measure"])
    las["neighbour_set"] = _neighbour_set(las, neighbours)
    count = las["_count"].fillna(0).astype(int)
    las["neighbours_with_data"] = count.astype(str)
    mean = las["_mean"].to_numpy(dtype=float)
    las["neighbour_average_percent"] = np.where(
        count > 0, format_number(np.nan_to_num(mean)), NOT_AVAILABLE
    )
    own = las["percent"].where(las["_value"].isna(), None)
    rank = (las["_better"].fillna(0) + 1).where(las["_value"].notna() & (count > 0))
    symbol = own.where(own.notna(), NOT_AVAILABLE)
    las["rank_among_neighbours"] = _int_or_symbol(rank, symbol)
    return las.drop(columns=["_value", "_mean", "_count", "_better"])


def _neighbour_set(las: pd.DataFrame, neighbours: PublishedTable | None) -> pd.Series:
    """Which statistical neighbours each LA's row used (x when it has none)."""
    if neighbours is None or not len(neighbours.frame):
        return pd.Series(NOT_AVAILABLE, index=las.index)
    frame = neighbours.frame
    if "neighbour_set" not in frame.columns:
        return pd.Series(NOT_AVAILABLE, index=las.index)
    label = frame.drop_duplicates("old_la_code").set_index("old_la_code")["neighbour_set"]
    return las["old_la_code"].map(label).fillna(NOT_AVAILABLE)


def derive_comparisons(protected: dict[str, PublishedTable]) -> dict[str, PublishedTable]:
    """Return ``time_series`` and ``la_comparison`` computed from the protected tables."""
    return {"time_series": time_series(protected), "la_comparison": la_comparison(protected)}


LA_COMPARISON_DESCRIPTION = (
    "For the latest year, each local authority's headline percentages (during the year, all "
    "children) next to its region, England and the average of its statistical neighbours, "
    "all taken from the published figures: a neighbour whose figure is suppressed or not "
    "available is left out of the average (neighbours_with_data says how many were used; x "
    "when none, or when no statistical neighbours are published); neighbour_set names the "
    "neighbours used (the DfE's statistical neighbours and their version, or neighbours "
    "computed from the LA context indicators), as in the statistical_neighbours table. Ranks put the most stable "
    "LA first (lowest percentage, except for no change and long-term stability where the "
    "highest is most stable) among the LAs with a published figure; quartile band A is the "
    "most stable quarter, D the least. An LA whose own figure is suppressed (c) or not "
    "available (x) is not ranked."
)

LA_COMPARISON_INDICATORS = [
    _derived("percent", "Percentage", "%", "The LA's published percentage"),
    _derived("region_percent", "Region percentage", "%", "The LA's region"),
    _derived("england_percent", "England percentage", "%", "England"),
    _derived(
        "neighbour_average_percent",
        "Statistical neighbours' average",
        "%",
        "Mean of the published percentages of the LA's statistical neighbours",
    ),
    Indicator(
        "neighbours_with_data",
        "Neighbours with data",
        kind="text",
        description="How many neighbours' percentages went into the average",
    ),
    Indicator(
        "rank_among_las",
        "Rank among LAs",
        kind="text",
        description="1 = most stable among LAs with a published figure",
    ),
    Indicator(
        "las_ranked",
        "LAs ranked",
        kind="text",
        description="Number of LAs with a published figure",
    ),
    Indicator(
        "quartile_band",
        "Quartile band",
        kind="text",
        description="A = most stable quarter of LAs ... D = least stable quarter",
        field_type="string",
    ),
    Indicator(
        "rank_among_neighbours",
        "Rank among neighbours",
        kind="text",
        description="1 = most stable among the LA and its neighbours with a published figure",
    ),
]

#: The columns of ``la_comparison`` after the EES time and geography columns: the ``measure``
#: filter, then every indicator in published order (for readers such as the LA pages).
LA_COMPARISON_COLUMNS = [
    "measure",
    "neighbour_set",
    *(indicator.name for indicator in LA_COMPARISON_INDICATORS),
]
