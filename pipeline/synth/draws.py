"""Small vectorised random draws shared by the synthetic modules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def choose(
    rng: np.random.Generator, options: int, probabilities: Sequence[float], size: int
) -> np.ndarray:
    """Draw ``size`` indices in ``range(options)`` with the given (normalised) probabilities."""
    weights = np.asarray(probabilities, dtype=float)
    if len(weights) != options:
        raise ValueError(f"{options} options but {len(weights)} probabilities")
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, rng.uniform(0, 1, size), side="right")


def choose_by_row(rng: np.random.Generator, probability_rows: np.ndarray) -> np.ndarray:
    """Draw one index per row of a 2-D probability table (rows need not be normalised)."""
    table = np.asarray(probability_rows, dtype=float)
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.uniform(0, 1, len(table))[:, None]
    return np.minimum((u > cumulative).sum(axis=1), table.shape[1] - 1)


def stream(seed: int, name: str) -> np.random.Generator:
    """Return an independent generator for one named part of the simulation."""
    key = [ord(ch) for ch in name]
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))
