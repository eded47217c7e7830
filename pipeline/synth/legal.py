"""Legal status (``LS``) at entry to care and its changes during a period of care.

Children enter under police protection or an emergency order (``L1``-``L3``) that becomes an
interim care order (``C1``) or section 20 accommodation (``V2``) within the legal limit of each
status (the Children Act 1989 limits checked by the DfE's SSDA903 rules 361-363: police
protection at most 72 hours, an emergency protection order at most 21 days, a child assessment
order at most 7 days); interim care orders become full care orders (``C2``) after care
proceedings; some ``V2`` children move to ``C1``. Youth justice statuses: ``J2`` (PACE transfer,
at most 21 days, rule 364) always becomes ``V2`` within the limit; ``J1``/``J3`` mostly do.
Placement orders (``E1``) are set with the placement for adoption (see
:mod:`pipeline.synth.episodes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synth.dates import DAYS_PER_YEAR
from pipeline.synth.draws import choose

ENTRY_STATUSES = ["V2", "C1", "C2", "L1", "L2", "L3", "J1", "J2", "J3"]
ENTRY_PROBABILITIES_UNDER_10 = [0.40, 0.42, 0.06, 0.05, 0.065, 0.005, 0.0, 0.0, 0.0]
ENTRY_PROBABILITIES_10_PLUS = [0.52, 0.27, 0.04, 0.06, 0.04, 0.005, 0.015, 0.04, 0.01]
MAX_STEPS = 3
#: Longest stay (days from DECOM to the change) under each short-lived status: police protection
#: (``L1``) 72 hours, emergency protection order (``L2``) and PACE transfer (``J2``) 21 days,
#: child assessment order (``L3``) 7 days; the changes are drawn well inside these limits.
STATUS_LIMIT_DAYS = {"L1": 3, "L2": 21, "L3": 7, "J2": 21}
EMERGENCY = ["L1", "L2", "L3"]


def entry_status(age_days: np.ndarray, uasc: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw the legal status each period of care starts with."""
    n = len(age_days)
    young = choose(rng, len(ENTRY_STATUSES), ENTRY_PROBABILITIES_UNDER_10, n)
    older = choose(rng, len(ENTRY_STATUSES), ENTRY_PROBABILITIES_10_PLUS, n)
    index = np.where(age_days < 10 * DAYS_PER_YEAR, young, older)
    status = np.array(ENTRY_STATUSES)[index]
    return np.where(uasc, "V2", status)


def status_changes(
    period: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    status: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return the legal status changes inside each period: ``period, day, new_status``.

    Changes fall strictly between the period's first and last day.
    """
    rows = []
    current, when = status.copy(), start.copy()
    for _ in range(MAX_STEPS):
        n = len(current)
        u = rng.uniform(0, 1, n)
        emergency = np.isin(current, EMERGENCY)
        pace = current == "J2"
        justice = np.isin(current, ["J1", "J3"])
        accommodated = current == "V2"
        interim = current == "C1"
        new = np.select(
            [emergency, pace, justice & (u < 0.5), accommodated & (u < 0.2), interim & (u < 0.85)],
            [np.where(u < 0.6, "C1", "V2"), "V2", "V2", "C1", "C2"],
            "",
        )
        delay = np.select(
            [
                current == "L1",
                current == "L2",
                current == "L3",
                pace,
                justice,
                accommodated,
                interim,
            ],
            [
                rng.integers(1, 3, n),
                rng.integers(1, 15, n),
                rng.integers(1, 7, n),
                rng.integers(1, 15, n),
                rng.integers(20, 150, n),
                30 + np.floor(rng.exponential(150.0, n)).astype(np.int64),
                np.floor(rng.gamma(6.0, 45.0, n)).astype(np.int64),
            ],
            0,
        )
        when = when + delay
        changes = (new != "") & (when < end) & (delay > 0)
        rows.append(
            pd.DataFrame(
                {"period": period[changes], "day": when[changes], "new_status": new[changes]}
            )
        )
        period, start, end = period[changes], start[changes], end[changes]
        current, when = new[changes], when[changes]
        if len(period) == 0:
            break
    return pd.concat(rows, ignore_index=True)
