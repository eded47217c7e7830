"""Statistical neighbours: standardised Euclidean distance, 10 nearest, ties by LA code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_aggregate_children import input_tables

from pipeline.aggregate import nearest_neighbours
from pipeline.aggregate.neighbours import statistical_neighbours
from pipeline.geography import local_authorities


@pytest.fixture(scope="module")
def context() -> pd.DataFrame:
    codes = local_authorities()["old_la_code"].tolist()[:40]
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "LA_CODE": codes,
            "deprivation": rng.normal(30, 8, len(codes)),
            "population": rng.normal(200_000, 50_000, len(codes)),
            "constant": 1.0,
        }
    )


def test_exactly_ten_others_never_itself(context: pd.DataFrame) -> None:
    pairs = nearest_neighbours(context)
    assert (pairs.groupby("old_la_code").size() == 10).all()
    assert not (pairs["old_la_code"] == pairs["neighbour_old_la_code"]).any()
    assert (
        pairs.groupby("old_la_code")["distance"].apply(lambda d: d.is_monotonic_increasing)
    ).all()


def test_distance_is_standardised_euclidean_and_symmetric(context: pd.DataFrame) -> None:
    pairs = nearest_neighbours(context, k=len(context) - 1)
    values = context[["deprivation", "population"]]
    z = (values - values.mean()) / values.std(ddof=0)
    z.index = context["LA_CODE"]
    first = pairs.iloc[0]
    hand = np.sqrt(
        ((z.loc[first["old_la_code"]] - z.loc[first["neighbour_old_la_code"]]) ** 2).sum()
    )
    assert first["distance"] == pytest.approx(hand)
    forward = pairs.set_index(["old_la_code", "neighbour_old_la_code"])["distance"]
    backward = pairs.set_index(["neighbour_old_la_code", "old_la_code"])["distance"]
    backward.index.names = forward.index.names
    assert np.allclose(forward.sort_index(), backward.sort_index())


def test_ties_go_to_the_lower_code() -> None:
    # 300 is 1 unit from both 301 and 302 (and from nothing nearer): rank 1 is the lower code.
    frame = pd.DataFrame({"LA_CODE": ["300", "302", "301", "303"], "a": [0.0, 1.0, -1.0, 5.0]})
    pairs = nearest_neighbours(frame, k=2)
    first = pairs[pairs["old_la_code"] == "300"]
    assert list(first["neighbour_old_la_code"]) == ["301", "302"]


def test_bad_context_is_a_clear_error(context: pd.DataFrame) -> None:
    broken = context.copy()
    broken.loc[3, "deprivation"] = np.nan
    with pytest.raises(ValueError, match=r"row 5 .*'deprivation' is blank"):
        nearest_neighbours(broken)
    with pytest.raises(ValueError, match="need at least 11"):
        nearest_neighbours(context.head(5))


def test_published_computed_table_and_empty_context(context: pd.DataFrame) -> None:
    las = context["LA_CODE"].tolist()[:3]
    tables = input_tables([(la, 2024) for la in las], la_context=context)
    table = statistical_neighbours(tables, 2024, "computed")
    assert len(table.frame) == 30
    assert set(table.frame["old_la_code"]) == set(las)
    assert table.frame["neighbour_la_name"].str.len().gt(0).all()
    # Computed neighbours say so, carry distances and no DfE closeness band.
    assert set(table.frame["neighbour_set"]) == {
        "Statistical neighbours computed from the LA context indicators supplied with the "
        "inputs (la_context.csv)"
    }
    assert set(table.frame["closeness"]) == {"z"}
    assert table.frame["distance"].astype(float).gt(0).all()
    assert "computed from the LA context" in table.description
    assert "not the DfE's" in table.description
    empty = statistical_neighbours(input_tables([(las[0], 2024)]), 2024, "computed")
    assert empty.frame.empty and "empty" in empty.description
