"""The overview summary never states a change that comes from a provisional figure."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pipeline.site.headline import provisional_in, summary_sentences


def _series() -> pd.DataFrame:
    rows = []
    for measure, now, before in (
        ("placement_2plus", "11.4", "10.9"),
        ("school_midyear", "9.8", "12.3"),
    ):
        for year, pct, prev in (("2023", before, "x"), ("2024", now, before)):
            rows.append(
                {
                    "measure": measure,
                    "time_period": year,
                    "percent": pct,
                    "percent_previous_year": prev,
                }
            )
    return pd.DataFrame(rows)  # fmt: skip


def test_latest_school_figure_is_provisional_and_not_compared() -> None:
    series = _series()
    # The package holds 2023 and 2024: 2024's school moves wait for the 2025 return.
    assert "summer school census of 2024" in provisional_in(series, "school_midyear", "2024")
    assert provisional_in(series, "school_midyear", "2023") == ""
    assert provisional_in(series, "placement_2plus", "2024") == ""
    placement, school = summary_sentences(SimpleNamespace(latest_year="2024"), series)
    # A final figure is compared with last year; the provisional one is not.
    assert placement.endswith("the same as in 2022-23.")
    assert "provisional" not in placement
    assert "This figure is provisional and is not compared with last year" in school
    assert "2022-23" not in school and "down" not in school
