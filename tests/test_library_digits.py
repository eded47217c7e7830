"""The library versions of the case-mix fit and the Wilson interval publish the same digits.

The project used to fit the case-mix model by its own Newton-Raphson iteration and to compute
Wilson intervals by the closed formula; both now come from statsmodels. The previous
implementations are kept here, compactly, as oracles: every value the package publishes (six
decimal places) must be the same text as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.aggregate.case_mix import (
    CASE_MIX_CHARACTERISTICS,
    _one_hot,
    characteristic_codes,
    fit_model,
    model_terms,
)
from pipeline.aggregate.wilson import Z_95, wilson_interval
from pipeline.disclosure.formatting import format_decimals
from pipeline.measures.schema import CHARACTERISTICS


def _newton_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The previous fit: Newton-Raphson on the log-likelihood until the step is below 1e-8."""
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(y.mean() / (1 - y.mean()))
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ beta)))
        information = x.T @ (x * (p * (1 - p))[:, None])
        step = np.linalg.solve(information, x.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    p = 1 / (1 + np.exp(-(x @ beta)))
    se = np.sqrt(np.diag(np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))))
    return beta, se


def _closed_form_wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The previous interval: the Wilson score formula with z = 1.959964, in percent."""
    p = x / n
    z2 = Z_95 * Z_95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lower = np.where(x == 0, 0.0, np.clip(centre - half, 0, 1) * 100)
    upper = np.where(x == n, 100.0, np.clip(centre + half, 0, 1) * 100)
    return lower, upper


def _children(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {name: rng.choice(CHARACTERISTICS[name][1], rows) for name in CASE_MIX_CHARACTERISTICS}
    )
    risk = -1.6 + 0.5 * (frame["gender"] == "Male") + 0.8 * (frame["age_group"] == "10 to 15")
    frame["placement_2plus"] = rng.random(rows) < 1 / (1 + np.exp(-risk))
    return frame


def test_case_mix_fit_publishes_the_same_digits_as_the_newton_fit() -> None:
    for seed in (21, 22):
        frame = _children(6000, seed)
        y = frame["placement_2plus"].to_numpy()
        fitted, coefficients = fit_model(frame, "placement_2plus")
        codes = characteristic_codes(frame)
        columns, _, _ = model_terms(codes, y)
        x = _one_hot(codes, columns, len(frame))
        beta, se = _newton_logistic(x, y.astype(float))
        before = {
            "odds_ratio": np.exp(beta),
            "odds_ratio_lower_ci": np.exp(beta - Z_95 * se),
            "odds_ratio_upper_ci": np.exp(beta + Z_95 * se),
        }
        for column, values in before.items():
            now = format_decimals(coefficients[column].to_numpy())
            assert list(now) == list(format_decimals(values)), column
        expected_before = 1 / (1 + np.exp(-(x @ beta)))
        groups = np.arange(len(frame)) % 40  # 40 "LAs": expected numbers as published
        now = np.bincount(groups, weights=fitted)
        then = np.bincount(groups, weights=expected_before)
        assert list(format_decimals(now)) == list(format_decimals(then))


def test_wilson_interval_publishes_the_same_digits_as_the_formula() -> None:
    small = [(x, n) for n in range(1, 201) for x in range(n + 1)]
    rng = np.random.default_rng(3)
    cohorts = rng.integers(1, 90_000, 20_000)
    large = list(zip(rng.integers(0, cohorts + 1), cohorts, strict=True))
    x, n = (np.array(values, dtype=float) for values in zip(*(small + large), strict=True))
    for now, then in zip(wilson_interval(x, n), _closed_form_wilson(x, n), strict=True):
        assert list(format_decimals(now)) == list(format_decimals(then))
