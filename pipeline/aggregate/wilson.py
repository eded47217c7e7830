"""Wilson score intervals for percentages (METHODS.md section 6)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: The normal quantile for a two-sided 95% interval.
Z_95 = 1.959964


def wilson_interval(
    number: npt.ArrayLike, cohort: npt.ArrayLike, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval for ``number`` out of ``cohort``, in percent (0 to 100).

    Works element-wise on arrays (or scalars). Where ``cohort`` is 0 the interval is undefined
    and both bounds are ``nan``. Raises ``ValueError`` if a number is negative or larger than
    its cohort.
    """
    x = np.asarray(number, dtype=float)
    n = np.asarray(cohort, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("wilson_interval: every number must lie between 0 and its cohort")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2 = z * z
        denominator = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denominator
        half_width = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
        lower = np.clip(centre - half_width, 0.0, 1.0) * 100.0
        upper = np.clip(centre + half_width, 0.0, 1.0) * 100.0
    empty = n == 0
    lower = np.where(empty, np.nan, lower)
    upper = np.where(empty, np.nan, upper)
    # Exact ends: no child has the flag -> 0; every child has it -> 100 (no rounding noise).
    lower = np.where(~empty & (x == 0), 0.0, lower)
    upper = np.where(~empty & (x == n), 100.0, upper)
    return lower, upper
