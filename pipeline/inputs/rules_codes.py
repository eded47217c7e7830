"""Rules about codes: every coded cell must hold a code of the SSDA903 (or census) list.

Codes are compared after trimming and upper-casing, so ``p`` and `` P `` are both ``P``. A
blank is not an unknown code (blank required cells are ``MISSING_VALUE``).

| rule | severity | column (table) |
|---|---|---|
| ``CODE_SEX`` | error | ``SEX`` (header): 1 or 2 |
| ``CODE_ETHNIC`` | error | ``ETHNIC`` (header) |
| ``CODE_UASC`` | error | ``UASC`` (header): 0 or 1 |
| ``CODE_RNE`` | error | ``RNE`` (episodes) |
| ``CODE_LS`` | error | ``LS`` (episodes) |
| ``CODE_CIN`` | warning | ``CIN`` (episodes; not used by the measures) |
| ``CODE_PLACE`` | error | ``PLACE`` (episodes) |
| ``CODE_PLACE_PROVIDER`` | error | ``PLACE_PROVIDER`` (episodes) |
| ``CODE_REC`` | error | ``REC`` (episodes) |
| ``CODE_REASON_PLACE_CHANGE`` | error | ``REASON_PLACE_CHANGE`` (episodes) |
| ``CODE_SW_REASON`` | error | ``SW_REASON`` (social workers) |
| ``CODE_CENSUS_TERM`` | error | ``CENSUS_TERM`` (school census) |
| ``CODE_SEN_PROVISION`` | error | ``SEN_PROVISION`` (school census) |
| ``CODE_PHASE`` | error | ``PHASE`` (school census) |
"""

from __future__ import annotations

import pandas as pd

from pipeline.inputs import tables as codes
from pipeline.inputs.problems import ERROR, WARNING, Rule, Severity, found
from pipeline.inputs.raw import RawInputs

#: (table, column) -> (allowed codes, severity, plain-English name of the list).
CODE_LISTS: dict[tuple[str, str], tuple[set[str], Severity, str]] = {
    ("header", "SEX"): (codes.SEX_CODES, ERROR, "1 (male) or 2 (female)"),
    ("header", "ETHNIC"): (codes.ETHNIC_CODES, ERROR, "an SSDA903 ethnicity code such as WBRI"),
    ("header", "UASC"): ({"0", "1"}, ERROR, "0 or 1"),
    ("episodes", "RNE"): (codes.RNE_CODES, ERROR, "S, L, P, T, U or B"),
    ("episodes", "LS"): (codes.LS_CODES, ERROR, "an SSDA903 legal status such as C2 or V2"),
    ("episodes", "CIN"): (codes.CIN_CODES, WARNING, "N1 to N8"),
    ("episodes", "PLACE"): (codes.PLACE_CODES, ERROR, "an SSDA903 placement type such as U1"),
    ("episodes", "PLACE_PROVIDER"): (codes.PLACE_PROVIDER_CODES, ERROR, "PR0 to PR5"),
    ("episodes", "REC"): (codes.REC_CODES, ERROR, "X1 or an E code such as E13"),
    ("episodes", "REASON_PLACE_CHANGE"): (
        codes.REASON_PLACE_CHANGE_CODES,
        ERROR,
        "a reason code such as CARPL or LAREQ",
    ),
    ("social_workers", "SW_REASON"): (
        codes.SW_REASON_CODES,
        ERROR,
        "a reason code such as MANAGE or LEFTRL",
    ),
    ("school_census", "CENSUS_TERM"): (codes.CENSUS_TERMS, ERROR, "AUTUMN, SPRING or SUMMER"),
    ("school_census", "SEN_PROVISION"): (codes.SEN_PROVISION_CODES, ERROR, "N, K or E"),
    ("school_census", "PHASE"): (codes.PHASE_CODES, ERROR, "a phase code such as PR or SE"),
}

RULES = [
    Rule(
        f"CODE_{column}",
        severity,
        f"Unknown {column} code: use {description}.",
    )
    for (_, column), (_, severity, description) in CODE_LISTS.items()
]


def check_codes(raw: RawInputs) -> list[pd.DataFrame]:
    """Cells holding a code outside their list (``CODE_<COLUMN>``)."""
    out = []
    for (table, column), (allowed, _, _) in CODE_LISTS.items():
        frame = raw[table]
        values = frame[column]
        unknown = values.notna() & ~values.isin(allowed)
        out.append(
            found(frame[unknown], rule=f"CODE_{column}", column=column, files=raw.files_of(table))
        )
    return out


CHECKS = [check_codes]
