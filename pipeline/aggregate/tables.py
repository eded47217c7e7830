"""``build_tables``: every published table of docs/contracts.md section 3 except the derived."""

from __future__ import annotations

from pipeline.published import PublishedTable

from .case_mix_tables import case_mix_tables
from .consecutive import consecutive_years
from .data_quality import data_quality
from .distributions import placement_moves_distribution, two_year_split
from .neighbours import statistical_neighbours
from .reasons import placement_change_reasons, social_worker_change_reasons
from .stability import stability_measures


def build_tables(result, tables, report=None) -> dict[str, PublishedTable]:  # noqa: ANN001
    """Aggregate the child-level measures into the published tables (before disclosure).

    ``result`` is a ``MeasuresResult`` (anything with ``children``, ``events`` and
    ``exclusions``), ``tables`` the ``InputTables`` it was computed from, ``report`` the
    ``ValidationReport`` (``None`` counts as no warnings). Counts are integers and percentages
    floats; ``x`` marks figures not available, ``z`` figures not applicable.
    """
    children = result.children
    if children.empty:
        raise ValueError("build_tables: the child-level table is empty; nothing to publish")
    built = {
        "stability_measures": stability_measures(children, tables),
        "two_year_split": two_year_split(children, tables),
        "consecutive_years": consecutive_years(children, tables),
        "placement_moves_distribution": placement_moves_distribution(children, tables),
        "placement_change_reasons": placement_change_reasons(result.events, tables),
        "social_worker_change_reasons": social_worker_change_reasons(result.events, tables),
        **case_mix_tables(children, tables),
        "statistical_neighbours": statistical_neighbours(
            tables, int(children["YEAR"].astype(int).max())
        ),
        "data_quality": data_quality(result, tables, report),
    }
    return built
