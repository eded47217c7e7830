"""Case-mix model: recovers a known odds ratio and flags an LA with a true excess."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_aggregate_children import child, children_frame, input_tables

from pipeline.aggregate.case_mix import funnel, overdispersion
from pipeline.aggregate.case_mix_tables import case_mix_tables
from pipeline.geography import local_authorities

LAS = local_authorities()["old_la_code"].tolist()[:30]
EXCESS_LA = LAS[4]
PER_LA = 300


@pytest.fixture(scope="module")
def tables() -> dict:
    """30 LAs x 300 children. Baseline odds 0.1; age 16+ triples the odds (OR 3); female
    has no effect; in one LA every child's odds are doubled (a true excess)."""
    rng = np.random.default_rng(2018)
    n = len(LAS) * PER_LA
    template = children_frame([child(LAS[0], 0)])
    frame = template.loc[np.zeros(n, int)].reset_index(drop=True)
    frame["LA"] = np.repeat(LAS, PER_LA)
    frame["CHILD"] = [f"C{i}" for i in range(n)]
    older = rng.random(n) < 0.3
    frame["age_group"] = np.where(older, "16 and over", "10 to 15")
    frame["gender"] = np.where(rng.random(n) < 0.5, "Female", "Male")
    odds = 0.1 * np.where(older, 3.0, 1.0) * np.where(frame["LA"] == EXCESS_LA, 2.0, 1.0)
    flag = rng.random(n) < odds / (1 + odds)
    frame["placement_2plus"] = pd.array(flag, dtype="boolean")
    inputs = input_tables([(la, 2024) for la in LAS])
    return case_mix_tables(frame, inputs)


def test_recovers_the_odds_ratio(tables: dict) -> None:
    coefficients = tables["case_mix_coefficients"].frame
    rows = coefficients[coefficients["measure"] == "placement_2plus"].set_index("term")
    older = rows.loc["Age at 31 March: 16 and over"]
    assert older["odds_ratio"] == pytest.approx(3.0, rel=0.15)
    assert older["odds_ratio_lower_ci"] < 3.0 < older["odds_ratio_upper_ci"]
    assert older["p_value"] < 1e-6
    assert older["reference_category"] == "10 to 15"  # the largest age group
    gender = rows[rows.index.str.startswith("Gender: ")]
    assert len(gender) == 1 and gender["p_value"].iloc[0] > 0.001  # no true effect
    assert rows.loc["Intercept", "reference_category"] == "All reference categories"


def test_flags_the_la_with_a_true_excess(tables: dict) -> None:
    frame = tables["case_mix"].frame
    placement = frame[frame["measure"] == "placement_2plus"]
    la = placement[placement["old_la_code"] == EXCESS_LA].iloc[0]
    assert la["case_mix_result"].startswith("Significantly higher than expected")
    assert la["observed_expected_ratio"] > 1.3  # true ratio about 1.7 (odds doubled at p 0.1-0.2)
    flagged = placement[placement["case_mix_result"] != "As expected"]
    assert len(flagged) <= 4  # the excess LA plus at most a few chance findings
    national = placement[placement["geographic_level"] == "National"].iloc[0]
    assert national["observed_expected_ratio"] == pytest.approx(1.0)
    assert national["cohort"] == len(LAS) * PER_LA
    # Expected = sum of fitted probabilities, so over England it equals observed.
    assert national["expected"] == pytest.approx(national["observed"])


def test_social_worker_measure_without_module_is_x(tables: dict) -> None:
    frame = tables["case_mix"].frame
    sw = frame[frame["measure"] == "sw_2plus"]
    # every child's sw_2plus is False, so there is nothing to model: not available
    assert (sw["case_mix_result"] == "x").all()


def test_funnel_limits_hand_worked() -> None:
    # expected 100, variance 90: sd = 9.4868; 95% limits 100 +/- 18.594 -> ratio 0.814..1.186
    out = funnel(np.array([130.0, 100.0, 75.0]), np.array([100.0] * 3), np.array([90.0] * 3), 1.0)
    assert out["ratio_upper_95"].iloc[0] == pytest.approx(1 + 1.959964 * np.sqrt(90) / 100)
    assert out["ratio_upper_998"].iloc[0] == pytest.approx(1 + 3.090232 * np.sqrt(90) / 100)
    assert list(out["case_mix_result"]) == [
        "Significantly higher than expected (99.8% limits)",  # 130 > 100 + 29.3
        "As expected",
        "Significantly lower than expected (95% limits)",  # 75 < 81.4 but > 70.7
    ]


def test_overdispersion_is_at_least_one_and_grows_with_spread() -> None:
    rng = np.random.default_rng(1)
    assert overdispersion(rng.normal(0, 0.5, 200)) == 1.0
    assert overdispersion(rng.normal(0, 2.0, 200)) == pytest.approx(4 * 0.68, rel=0.3)


def test_quasi_separation_falls_back_to_a_finite_ridge_fit() -> None:
    """A combination of categories where every child has the flag has no maximum likelihood
    fit (statsmodels warns of separation); the fit must still finish with finite estimates."""
    from pipeline.aggregate.case_mix import RIDGE, logistic_regression

    rng = np.random.default_rng(7)
    a = rng.integers(0, 2, 400)
    b = rng.integers(0, 2, 400)
    y = rng.random(400) < 0.3
    y[(a == 1) & (b == 1)] = True  # quasi-complete separation in the a*b cell
    x = np.column_stack([np.ones(400), a, b, a * b]).astype(float)
    beta, se, fitted = logistic_regression(x, y)
    assert np.all(np.isfinite(beta)) and np.all(np.isfinite(se))
    assert fitted[(a == 1) & (b == 1)].min() > 0.99
    assert np.array_equal(beta, logistic_regression(x, y, ridge=RIDGE)[0])


def _random_children(rows: int, seed: int) -> pd.DataFrame:
    from pipeline.aggregate.case_mix import CASE_MIX_CHARACTERISTICS
    from pipeline.measures.schema import CHARACTERISTICS

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {name: rng.choice(CHARACTERISTICS[name][1], rows) for name in CASE_MIX_CHARACTERISTICS}
    )
    frame["placement_2plus"] = rng.random(rows) < 0.2 + 0.2 * (frame["gender"] == "Male")
    return frame


def test_patterns_from_codes_equal_the_patterns_of_the_design_matrix() -> None:
    from pipeline.aggregate.case_mix import (
        _patterns,
        _patterns_from_codes,
        characteristic_codes,
        design_matrix,
        model_terms,
    )

    frame = _random_children(3000, 11)
    y = frame["placement_2plus"].to_numpy()
    codes = characteristic_codes(frame)
    columns, terms, references = model_terms(codes, y)
    x, matrix_terms, matrix_references = design_matrix(frame, "placement_2plus")
    assert (terms, references) == (matrix_terms, matrix_references)
    assert x.shape[1] == len(columns) + 1
    patterns, inverse = _patterns_from_codes(codes, columns)
    expected_patterns, expected_inverse = _patterns(x)
    assert np.array_equal(patterns, expected_patterns)
    assert np.array_equal(inverse, expected_inverse)


def test_fit_model_equals_the_fit_on_the_design_matrix() -> None:
    from pipeline.aggregate.case_mix import design_matrix, fit_model, logistic_regression

    frame = _random_children(3000, 12)
    fitted, coefficients = fit_model(frame, "placement_2plus")
    x, terms, _ = design_matrix(frame, "placement_2plus")
    beta, _, expected = logistic_regression(x, frame["placement_2plus"].to_numpy())
    assert np.array_equal(fitted, expected)
    assert coefficients["term"].tolist() == terms
    assert np.array_equal(coefficients["odds_ratio"].to_numpy(), np.exp(beta))


def test_independent_columns_drop_each_column_the_earlier_ones_make() -> None:
    from pipeline.aggregate.case_mix import independent_columns

    x = np.array(
        [
            [1, 1, 0, 1, 0],
            [1, 0, 1, 0, 1],
            [1, 1, 0, 1, 1],
            [1, 0, 1, 0, 0],
        ],
        dtype=float,
    )
    # column 2 = column 0 - column 1; column 3 = column 1; column 4 is new
    assert independent_columns(x) == [0, 1, 4]
    assert independent_columns(x[:, [0, 4]]) == [0, 1]


def test_an_aliased_category_is_left_out_without_a_rank_warning() -> None:
    """Every child placed for adoption is on a placement order and the reverse: the placement
    type's term repeats the legal status's column. It is left out before fitting (no
    statsmodels rank warning), the legal status term carries the effect of both, and every
    child's expected probability is the one of the fit with both columns."""
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    from pipeline.aggregate.case_mix import (
        _one_hot,
        characteristic_codes,
        design_matrix,
        fit_model,
        model_terms,
    )

    frame = _random_children(4000, 13)
    order = frame["legal_status_group"] == "Placement or freeing order"
    frame.loc[order, "placement_type_group"] = "Placed for adoption"
    frame.loc[
        ~order & (frame["placement_type_group"] == "Placed for adoption"), "placement_type_group"
    ] = "Foster care"
    y = frame["placement_2plus"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularMatrixWarning)
        fitted, coefficients = fit_model(frame, "placement_2plus")
    terms = coefficients["term"].tolist()
    legal = "Legal status at 31 March: Placement or freeing order"
    adoption = "Placement type at 31 March: Placed for adoption"
    assert legal in terms and adoption not in terms
    assert design_matrix(frame, "placement_2plus")[1] == terms

    codes = characteristic_codes(frame)
    columns, all_terms, _ = model_terms(codes, y)
    assert adoption in all_terms  # aliased, not too small or without children with the flag
    x = _one_hot(codes, columns, len(frame))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)
        both = sm.GLM(y.astype(float), x, family=sm.families.Binomial()).fit(tol=1e-12)
    assert np.allclose(fitted, both.fittedvalues, rtol=0, atol=1e-9)
    position = dict(zip(all_terms, range(len(all_terms)), strict=True))
    combined = both.params[position[legal]] + both.params[position[adoption]]
    odds_ratio = coefficients.set_index("term").loc[legal, "odds_ratio"]
    assert np.log(odds_ratio) == pytest.approx(combined, abs=1e-8)
