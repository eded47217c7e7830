"""The one list of validation rules and checks, gathered from the ``rules_*`` modules.

Each ``rules_*`` module documents its rules in a table in its docstring, defines them in
``RULES`` and its checks in ``CHECKS``. A check takes the :class:`~pipeline.inputs.raw.RawInputs`
and returns problem frames (:func:`pipeline.inputs.problems.found`).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.inputs import (
    rules_census,
    rules_codes,
    rules_episodes,
    rules_social_workers,
    rules_structure,
    rules_years,
)
from pipeline.inputs.problems import Rule
from pipeline.inputs.raw import RawInputs

Check = Callable[[RawInputs], list[pd.DataFrame]]

_MODULES = [
    rules_structure,
    rules_years,
    rules_codes,
    rules_episodes,
    rules_social_workers,
    rules_census,
]

#: Every rule, by id.
RULES: dict[str, Rule] = {rule.id: rule for module in _MODULES for rule in module.RULES}
#: Every check, in the order they run.
CHECKS: list[Check] = [check for module in _MODULES for check in module.CHECKS]


def run_checks(raw: RawInputs) -> list[pd.DataFrame]:
    """Run every registered check on ``raw`` and return the problem frames they found."""
    out: list[pd.DataFrame] = []
    for check in CHECKS:
        out.extend(check(raw))
        raw.close()  # DuckDB keeps the memory of its last query until its connection closes
    return out
