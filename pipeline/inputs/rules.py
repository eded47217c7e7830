"""The one list of validation rules and checks, gathered from the ``rules_*`` modules.

Each ``rules_*`` module documents its rules in a table in its docstring, reads them (``RULES``)
from the rules table ``pipeline/data/validation_rules.csv`` and defines its checks in ``CHECKS``. A check takes the :class:`~pipeline.inputs.raw.RawInputs`
and returns problem frames (:func:`pipeline.inputs.problems.found`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from pipeline.inputs import (
    rules_census,
    rules_codes,
    rules_episodes,
    rules_social_workers,
    rules_structure,
    rules_years,
)
from pipeline.inputs.keys import child_year_keys
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
    """Run every registered check on ``raw`` and return the problem frames they found.

    The checks only read ``raw`` and spend their time in numpy and pyarrow, which let other
    threads run, so they run in threads (one per core); the frames come back in check order.
    The keys they share are computed first.
    """
    child_year_keys(raw)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = list(pool.map(lambda check: check(raw), CHECKS))
    return [frame for frames in found for frame in frames]
