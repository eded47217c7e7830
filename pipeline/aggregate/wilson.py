"""Wilson score intervals for percentages (METHODS.md section 6), from statsmodels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

#: The normal quantile of a two-sided 95% interval, as the project has always published it
#: (also used for the funnel limits and the persistence-ratio intervals).
Z_95 = 1.959964
#: The significance level whose two-sided quantile is exactly :data:`Z_95`.
ALPHA_95 = float(2 * norm.sf(Z_95))


def wilson_interval(
    number: npt.ArrayLike, cohort: npt.ArrayLike, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval for ``number`` out of ``cohort``, in percent (0 to 100).

    statsmodels' ``proportion_confint(method="wilson")``, element-wise on arrays (or scalars).
    Where ``cohort`` is 0 the interval is undefined and both bounds are ``nan``. Raises
    ``ValueError`` if a number is negative or larger than its cohort.
    """
    x = np.asarray(number, dtype=float)
    n = np.asarray(cohort, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("wilson_interval: every number must lie between 0 and its cohort")
    empty = n == 0
    alpha = ALPHA_95 if z == Z_95 else float(2 * norm.sf(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = proportion_confint(x, np.where(empty, 1.0, n), alpha=alpha, method="wilson")
    lower = np.where(empty, np.nan, np.clip(low, 0.0, 1.0) * 100.0)
    upper = np.where(empty, np.nan, np.clip(high, 0.0, 1.0) * 100.0)
    # Exact ends: no child has the flag -> 0; every child has it -> 100 (no rounding noise).
    lower = np.where(~empty & (x == 0), 0.0, lower)
    upper = np.where(~empty & (x == n), 100.0, upper)
    return lower, upper
