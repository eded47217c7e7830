"""Case-mix adjustment (METHODS.md section 6): observed against expected per LA.

For each collection year and headline flag, a logistic regression (statsmodels' binomial GLM,
logit link, fitted on the distinct covariate patterns) of the flag on child
characteristics is fitted on every child in England whose flag is known (period ``1y``). Each
characteristic is one-hot coded against a reference category, the largest category in that
year's fitting sample; categories with fewer than ``MIN_CATEGORY_CHILDREN`` children, or where
every child or none has the flag, are merged into the reference so that a handful of children
cannot drive a coefficient (or be identified by it) and every coefficient can be estimated.
A term whose column is a linear combination of the columns before it (the same children as
another characteristic's category, e.g. every child on a placement order placed for adoption)
is aliased: it is left out too, its children counted with its reference, and the term before it
carries the effect (as R's ``glm`` does with aliased terms).

Expected number for an LA = sum of its children's fitted probabilities; its variance under the
model = sum p(1 - p). Funnel limits for the observed number are expected +/- z * sd, with
z = 1.96 (95%) and 3.09 (99.8%), shown as limits for the ratio observed / expected. Real LAs
differ for reasons the model cannot see, so when the LAs' z-scores are over-dispersed the sd is
inflated by sqrt(phi), phi being the mean of the squared z-scores winsorised at the 10th and
90th percentiles (Spiegelhalter, Statistics in Medicine 2005); phi is never taken below 1.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import erfc
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
from threadpoolctl import threadpool_limits

from pipeline.inputs.tables import InputTables
from pipeline.measures.schema import CHARACTERISTICS

from .cohort_cells import la_years, needs_sw_module, universe_positions, years_of

CASE_MIX_MEASURES = ["placement_2plus", "school_midyear", "sw_2plus", "multiple_any"]
CASE_MIX_CHARACTERISTICS = [
    "age_group",
    "age_at_entry_group",
    "gender",
    "ethnicity_group",
    "legal_status_group",
    "placement_type_group",
    "time_in_care",
    "uasc",
    "semh_need",
]
MIN_CATEGORY_CHILDREN = 10
Z_95 = 1.959964
Z_998 = 3.090232
HIGHER_998 = "Significantly higher than expected (99.8% limits)"
HIGHER_95 = "Significantly higher than expected (95% limits)"
AS_EXPECTED = "As expected"
LOWER_95 = "Significantly lower than expected (95% limits)"
LOWER_998 = "Significantly lower than expected (99.8% limits)"
INTERCEPT = "Intercept"
INTERCEPT_REFERENCE = "All reference categories"


def characteristic_codes(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Category number of each child for every case-mix characteristic (-1 when not listed)."""
    return {
        name: pd.Categorical(frame[name], categories=CHARACTERISTICS[name][1]).codes.astype(
            np.int64
        )
        for name in CASE_MIX_CHARACTERISTICS
    }


def model_terms(
    codes: dict[str, np.ndarray], y: np.ndarray
) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """The one-hot terms of the model: ``(characteristic, category number)`` of each column
    after the intercept, the term labels and the reference category of each term (intercept
    included). The rules are those of :func:`design_matrix`."""
    columns: list[tuple[str, int]] = []
    terms = [INTERCEPT]
    references = [INTERCEPT_REFERENCE]
    for name in CASE_MIX_CHARACTERISTICS:
        topic, categories = CHARACTERISTICS[name]
        known = codes[name] >= 0
        sizes = np.bincount(codes[name][known], minlength=len(categories))
        flagged = np.bincount(codes[name][known & y], minlength=len(categories))
        present = [i for i in range(len(categories)) if sizes[i] > 0]
        if len(present) < 2:
            continue
        reference = max(present, key=lambda i: (sizes[i], -i))
        for i in present:
            if i == reference or sizes[i] < MIN_CATEGORY_CHILDREN or flagged[i] in (0, sizes[i]):
                continue
            columns.append((name, i))
            terms.append(f"{topic}: {categories[i]}")
            references.append(categories[reference])
    return columns, terms, references


def _one_hot(codes: dict[str, np.ndarray], columns: list[tuple[str, int]], rows: int) -> np.ndarray:
    """The design matrix: an intercept then one 0/1 column per term."""
    return np.column_stack(
        [np.ones(rows)] + [(codes[name] == i).astype(float) for name, i in columns]
    )


def design_matrix(frame: pd.DataFrame, flag: str) -> tuple[np.ndarray, list[str], list[str]]:
    """One-hot design matrix (with intercept) over the case-mix characteristics.

    Returns ``(X, term labels, reference category of each term)``. The reference of each
    characteristic is its largest category; a category with fewer than
    ``MIN_CATEGORY_CHILDREN`` children, or in which every child or no child has ``flag`` (so
    its odds ratio cannot be estimated), is counted with the reference. A characteristic with
    fewer than two usable categories is left out.
    """
    y = frame[flag].astype(bool).to_numpy()
    codes = characteristic_codes(frame)
    columns, terms, references = model_terms(codes, y)
    x = _one_hot(codes, columns, len(frame))
    keep = independent_columns(_patterns(x)[0])
    if len(keep) < x.shape[1]:
        x, terms, references = x[:, keep], [terms[i] for i in keep], [references[i] for i in keep]
    return x, terms, references


#: A column is aliased when its distance to the span of the columns before it is at most this
#: fraction of its length (R's ``glm`` uses the same tolerance in its QR decomposition).
ALIAS_TOLERANCE = 1e-7


def independent_columns(x: np.ndarray) -> list[int]:
    """The columns of ``x`` that are not linear combinations of the columns before them.

    Columns are tried in order: a QR decomposition without pivoting puts on the diagonal of
    ``R`` each column's distance to the span of the earlier ones; the first column at (about)
    zero distance is dropped and the rest decomposed again, until none is.
    """
    keep = list(range(x.shape[1]))
    while True:
        kept = x[:, keep]
        distance = np.zeros(len(keep))  # past the number of rows, a column adds nothing
        diagonal = np.abs(np.diag(np.linalg.qr(kept, mode="r")))
        distance[: len(diagonal)] = diagonal
        aliased = np.flatnonzero(distance <= ALIAS_TOLERANCE * np.linalg.norm(kept, axis=0))
        if len(aliased) == 0:
            return keep
        del keep[aliased[0]]


def _patterns_from_codes(
    codes: dict[str, np.ndarray], columns: list[tuple[str, int]]
) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_patterns` of the design matrix, computed from the category numbers.

    Gives the same patterns (same order) and pattern numbers without building the matrix;
    None when there are too many terms for one 64-bit key (then build the matrix).
    """
    if len(columns) > 62:
        return None
    rows = len(next(iter(codes.values())))
    keys = np.zeros(rows, dtype=np.int64)
    for name in dict.fromkeys(name for name, _ in columns):
        # One bit per term of this characteristic; the extra last slot is for code -1.
        bits = np.zeros(len(CHARACTERISTICS[name][1]) + 1, dtype=np.int64)
        for j, (term_name, i) in enumerate(columns):
            if term_name == name:
                bits[i] = np.left_shift(np.int64(1), np.int64(j))
        keys += bits[codes[name]]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    patterns = _one_hot(
        {name: values[first] for name, values in codes.items()}, columns, len(first)
    )
    return patterns, inverse.ravel()


def _patterns(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a 0/1 design matrix and each row's pattern number."""
    indicators = x[:, 1:].astype(bool)
    if indicators.shape[1] <= 62:
        weights = np.left_shift(np.int64(1), np.arange(indicators.shape[1], dtype=np.int64))
        keys = indicators.astype(np.int64) @ weights
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return x[first], inverse.ravel()
    patterns, inverse = np.unique(x, axis=0, return_inverse=True)
    return patterns, inverse.ravel()


#: Ridge penalty on the non-intercept coefficients, used only when the maximum likelihood fit
#: does not exist (quasi-separation: a combination of categories in which every child, or none,
#: has the flag). Negligible beside the information of tens of thousands of children, it keeps
#: the estimates finite.
RIDGE = 1e-3


def logistic_regression(
    x: np.ndarray, y: np.ndarray, ridge: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit a logistic regression; return ``(beta, se, fitted p of each row)``.

    Rows with the same covariate pattern are collapsed first (every predictor is a 0/1
    indicator) and the binomial GLM is fitted on the patterns (see :func:`_fit_patterns`).
    """
    patterns, inverse = _patterns(x)
    return _fit_patterns(patterns, inverse, y, ridge)


def _fit_patterns(
    patterns: np.ndarray, inverse: np.ndarray, y: np.ndarray, ridge: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Binomial GLM (logit link, statsmodels' IRLS) on distinct covariate patterns.

    ``inverse`` gives each child's pattern. With ``ridge`` 0 this is the maximum likelihood
    fit; when statsmodels reports separation (its ``PerfectSeparationWarning``) or the fit does
    not converge, the fit is redone with the :data:`RIDGE` penalty (:func:`_ridge_fit`).
    """
    trials = np.bincount(inverse, minlength=len(patterns)).astype(float)
    successes = np.bincount(inverse, weights=y.astype(float), minlength=len(patterns))
    # One BLAS thread: the model's rank check and the IRLS solves are small, and on a shared
    # machine OpenBLAS's thread per core mostly waits (measured on 18,798 patterns under load:
    # 0.5 s on one thread against 2.9 s with the default threads).
    with threadpool_limits(limits=1, user_api="blas"):
        model = sm.GLM(
            np.column_stack([successes, trials - successes]),
            patterns,
            family=sm.families.Binomial(),
        )
        return _glm_or_ridge(model, trials, inverse, ridge)


def _glm_or_ridge(
    model: sm.GLM, trials: np.ndarray, inverse: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The maximum likelihood fit, or the ridge fit when asked or when there is separation."""
    if ridge > 0:
        return _ridge_fit(model, trials, inverse, ridge)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on the way to separation
        warnings.simplefilter("ignore", ConvergenceWarning)  # handled below: ridge fit
        try:
            result = model.fit(tol=1e-12)
        except (PerfectSeparationWarning, np.linalg.LinAlgError):
            return _ridge_fit(model, trials, inverse, RIDGE)
    # An odds ratio limit that overflows is the mark of (quasi-)separation too.
    upper = np.abs(result.params) + Z_95 * result.bse
    if not result.converged or not np.all(np.isfinite(upper) & (upper < np.log(1e300))):
        return _ridge_fit(model, trials, inverse, RIDGE)
    return result.params, result.bse, result.fittedvalues[inverse]


def _ridge_fit(
    model: sm.GLM, trials: np.ndarray, inverse: np.ndarray, ridge: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fit maximising log-likelihood - ridge/2 * |beta|^2 (intercept not penalised).

    statsmodels' elastic net with no L1 part divides the log-likelihood by the number of
    patterns, hence ``alpha = ridge / patterns``. Standard errors come from the penalised
    information matrix (statsmodels gives none for a regularised fit).
    """
    patterns = model.exog
    alpha = np.full(patterns.shape[1], ridge / len(patterns))
    alpha[0] = 0.0
    beta = model.fit_regularized(alpha=alpha, L1_wt=0.0, cnvrg_tol=1e-12).params
    p = 1.0 / (1.0 + np.exp(-(patterns @ beta)))
    penalty = np.diag(alpha * len(patterns))
    information = patterns.T @ (patterns * (trials * p * (1 - p))[:, None]) + penalty
    se = np.sqrt(np.diag(np.linalg.pinv(information)))
    return beta, se, p[inverse]


def fit_model(frame: pd.DataFrame, flag: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Fit the logistic model of ``flag`` and return ``(fitted probabilities, coefficients)``.

    ``coefficients`` has ``term, reference_category, odds_ratio, odds_ratio_lower_ci,
    odds_ratio_upper_ci, p_value`` (95% Wald intervals, two-sided Wald p-values). ``frame``
    must hold only children whose flag is known.
    """
    return fit_codes(characteristic_codes(frame), frame[flag].astype(bool).to_numpy())


def fit_codes(codes: dict[str, np.ndarray], y: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """:func:`fit_model` from :func:`characteristic_codes` and the flag ``y`` of each child."""
    columns, terms, references = model_terms(codes, y)
    collapsed = _patterns_from_codes(codes, columns)
    patterns, inverse = collapsed or _patterns(_one_hot(codes, columns, len(y)))
    keep = independent_columns(patterns)
    if len(keep) < patterns.shape[1]:  # (a copy of the same matrix may round differently)
        patterns = patterns[:, keep]
        terms, references = [terms[i] for i in keep], [references[i] for i in keep]
    beta, se, fitted = _fit_patterns(patterns, inverse, y)
    coefficients = pd.DataFrame(
        {
            "term": terms,
            "reference_category": references,
            "odds_ratio": np.exp(beta),
            "odds_ratio_lower_ci": np.exp(beta - Z_95 * se),
            "odds_ratio_upper_ci": np.exp(beta + Z_95 * se),
            "p_value": erfc(np.abs(beta / se) / np.sqrt(2.0)),
        }
    )
    return fitted, coefficients


def overdispersion(z_scores: np.ndarray) -> float:
    """Winsorised overdispersion factor phi (at least 1) from the LAs' z-scores."""
    z = z_scores[np.isfinite(z_scores)]
    if len(z) < 10:
        return 1.0
    low, high = np.percentile(z, [10, 90])
    return max(1.0, float(np.mean(np.clip(z, low, high) ** 2)))


def funnel(
    observed: np.ndarray, expected: np.ndarray, variance: np.ndarray, phi: float
) -> pd.DataFrame:
    """Ratio, funnel limits for the ratio and the result text for each area."""
    o, e, v = (np.asarray(a, dtype=float) for a in (observed, expected, variance))
    sd = np.sqrt(v * phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "observed_expected_ratio": o / e,
                "ratio_lower_95": np.maximum(0.0, 1 - Z_95 * sd / e),
                "ratio_upper_95": 1 + Z_95 * sd / e,
                "ratio_lower_998": np.maximum(0.0, 1 - Z_998 * sd / e),
                "ratio_upper_998": 1 + Z_998 * sd / e,
            }
        )
    result = np.select(
        [o > e + Z_998 * sd, o > e + Z_95 * sd, o < e - Z_998 * sd, o < e - Z_95 * sd],
        [HIGHER_998, HIGHER_95, LOWER_998, LOWER_95],
        AS_EXPECTED,
    )
    out["case_mix_result"] = pd.Series(result, dtype=object).where(e > 0, None)
    return out


def case_mix_frames(
    children: pd.DataFrame, tables: InputTables
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(LA-level frame, coefficient frame)`` for every year and case-mix measure.

    The LA frame has ``LA, YEAR, measure, available, cohort, observed, expected, variance``
    (LA-years whose flag is not available have ``available`` False); the coefficient frame has
    ``YEAR, measure`` plus the columns of :func:`fit_model`.
    """
    columns = ["LA", "YEAR", *CASE_MIX_MEASURES, *CASE_MIX_CHARACTERISTICS]
    rows = children.loc[(children["PERIOD"] == "1y").to_numpy(), columns]
    universe = la_years(tables, "1y", rows)
    # Everything below works on arrays over the 1y rows, computed once.
    position = universe_positions(rows["LA"], rows["YEAR"], universe)
    years = rows["YEAR"].to_numpy(dtype="int64")
    sw_ok = universe["sw_ok"].to_numpy(dtype=bool)[position]
    codes = characteristic_codes(rows)
    la_parts, coefficient_parts = [], []
    for year in years_of(rows):
        in_year = years == year
        year_universe = universe[universe["YEAR"] == year]
        for measure in CASE_MIX_MEASURES:
            flag = rows[measure]
            in_sample = in_year & ~flag.isna().to_numpy()
            if needs_sw_module(measure):
                in_sample &= sw_ok
            sample = np.flatnonzero(in_sample)
            y = flag.to_numpy(dtype=bool, na_value=False)[sample]
            base = year_universe[["LA", "YEAR"]].assign(measure=measure)
            base["available"] = year_universe["sw_ok"] if needs_sw_module(measure) else True
            if len(sample) == 0 or y.all() or not y.any():
                base["available"] = False
                la_parts.append(base.reset_index(drop=True))
                continue
            fitted, coefficients = fit_codes({k: v[sample] for k, v in codes.items()}, y)
            coefficient_parts.append(coefficients.assign(YEAR=year, measure=measure))
            per_la = (
                pd.DataFrame(
                    {
                        "position": position[sample],
                        "cohort": 1,
                        "observed": y.astype("int64"),
                        "expected": fitted,
                        "variance": fitted * (1 - fitted),
                    }
                )
                .groupby("position")
                .sum()
            )
            la_parts.append(
                pd.concat([base, per_la.reindex(year_universe.index)], axis=1).reset_index(
                    drop=True
                )
            )
    la_frame = pd.concat(la_parts, ignore_index=True)
    for column in ["cohort", "observed"]:
        la_frame[column] = la_frame[column].fillna(0).astype("int64")
    la_frame[["expected", "variance"]] = la_frame[["expected", "variance"]].fillna(0.0)
    coefficients = (
        pd.concat(coefficient_parts, ignore_index=True) if coefficient_parts else pd.DataFrame()
    )
    return la_frame, coefficients
