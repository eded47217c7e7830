"""``build_tables``: every published table of docs/contracts.md section 3 except the derived."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.measures import MeasuresResult
from pipeline.published import PublishedTable

from .case_mix_tables import case_mix_tables
from .change_reasons import placement_change_reasons, social_worker_change_reasons
from .consecutive import consecutive_years
from .coverage import apply_coverage, source_years, with_status
from .data_quality import data_quality
from .distributions import SPLIT_MEASURES, placement_moves_distribution, two_year_split
from .neighbour_sets import DEFAULT_BASIS
from .neighbours import statistical_neighbours
from .stability import stability_measures

#: Child-level identifiers that aggregation drops on entry.
IDENTIFIER_COLUMNS = ["CHILD", "UPN", "DOB", "SW_ID", "HOME_POST", "PL_POST"]


def compact_children(children: pd.DataFrame) -> pd.DataFrame:
    """Drop the child identifier and store text columns as categories (fast to filter).

    Aggregation never needs ``CHILD``; dropping it first also keeps it out of every table.
    """
    frame = children.drop(columns=[c for c in IDENTIFIER_COLUMNS if c in children.columns])
    text = [
        c
        for c in frame.columns
        if pd.api.types.is_string_dtype(frame[c]) or pd.api.types.is_object_dtype(frame[c])
    ]
    frame = frame.astype({c: "category" for c in text})
    frame["YEAR"] = frame["YEAR"].astype("int64")
    return frame


def own_data_tables(
    children: pd.DataFrame, events: pd.DataFrame, tables: InputTables
) -> dict[str, PublishedTable]:
    """The tables any set of LAs can compute from its own children (``children``: the
    compacted child-level table; ``events``: the counted changes): stability measures, the
    two-year split, consecutive years, the distribution of moves and the reasons tables."""
    return {
        "stability_measures": apply_coverage(
            stability_measures(children, tables), source_years(tables)
        ),
        "two_year_split": with_status(
            two_year_split(children, tables),
            source_years(tables),
            "2y",
            column="area",
            codes=SPLIT_MEASURES,
        ),
        "consecutive_years": with_status(
            consecutive_years(children, tables), source_years(tables), "1y", previous=True
        ),
        "placement_moves_distribution": placement_moves_distribution(children, tables),
        "placement_change_reasons": placement_change_reasons(events, tables),
        "social_worker_change_reasons": social_worker_change_reasons(events, tables),
    }


def build_tables(
    result: MeasuresResult,
    tables: InputTables,
    report: ValidationReport | None = None,
    neighbours: str = DEFAULT_BASIS,
    release: Callable[[], None] | None = None,
) -> dict[str, PublishedTable]:
    """Aggregate the child-level measures into the published tables (before disclosure).

    ``result`` is a ``MeasuresResult`` (anything with ``children``, ``events`` and
    ``exclusions``), ``tables`` the ``InputTables`` it was computed from, ``report`` the
    ``ValidationReport`` (``None`` counts as no warnings), ``neighbours`` the basis of the
    statistical neighbours (``dfe``, ``dfe-2021`` or ``computed``). Counts are integers and percentages
    floats; ``x`` marks figures not available, ``z`` figures not applicable. ``release`` (if
    given) is called once the compact copy of the child-level table is made and
    ``result.children`` is no longer read (the build lets the measures' table go there).
    """
    children = compact_children(result.children)
    if release is not None:
        release()
    if children.empty:
        raise ValueError("build_tables: the child-level table is empty; nothing to publish")
    mix = case_mix_tables(children, tables)
    mix["case_mix"] = with_status(mix["case_mix"], source_years(tables), "1y")
    built = {
        **own_data_tables(children, result.events, tables),
        **mix,
        "statistical_neighbours": statistical_neighbours(
            tables, int(children["YEAR"].astype(int).max()), neighbours
        ),
        "data_quality": data_quality(children, result.exclusions, tables, report),
    }
    return built
