"""Rules about codes: every coded cell must hold a code of its list for the collection year.

The lists, their years and their sources are in :mod:`pipeline.inputs.code_lists`. Codes are
compared after trimming and upper-casing, so ``p`` and `` P `` are both ``P``. A blank is not an
unknown code (blank required cells are ``MISSING_VALUE``).

| rule | severity | what it catches |
|---|---|---|
| ``CODE_<COLUMN>`` | error (``CIN``: warning, not used by the measures) | a code in no year's list |
| ``CODE_NOT_THIS_YEAR`` | warning | a code of the list of other years (or of episodes starting before a date), not of this row's year |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.code_lists import CODE_LISTS, CodeList
from pipeline.inputs.problems import ERROR, WARNING, Rule, found, rules_of
from pipeline.inputs.raw import RawInputs
from pipeline.inputs.spec import SPEC_LINK

#: Columns whose unknown codes are warnings: the measures do not read them.
WARNING_COLUMNS = {"CIN"}
_EXAMPLES = {
    "SEX": "1 or 2 (M, F or U from 2025)", "ETHNIC": "an ethnicity code such as WBRI",
    "UASC": "0 or 1", "RNE": "S, L, P, T, U or B", "LS": "a legal status such as C2 or V2",
    "CIN": "N1 to N8", "PLACE": "a placement type such as U1", "PLACE_PROVIDER": "PR0 to PR5",
    "REC": "X1 or an E code such as E13", "REASON_PLACE_CHANGE": "a reason such as CARPL",
    "SW_REASON": "a reason such as MANAGE", "CENSUS_TERM": "AUTUMN, SPRING or SUMMER",
    "SEN_PROVISION": "N, K or E", "PHASE": "a phase code such as PR or SE",
}  # fmt: skip

RULES = [
    *(
        Rule(
            f"CODE_{codes.column}",
            WARNING if codes.column in WARNING_COLUMNS else ERROR,
            f"Unknown {codes.column} code: use {_EXAMPLES[codes.column]} (every code, with "
            f"its years: {SPEC_LINK}).",
        )
        for codes in CODE_LISTS
    ),
    *rules_of("rules_codes", spec_link=SPEC_LINK),
]


def _out_of_window(frame: pd.DataFrame, codes: CodeList) -> tuple[pd.Series, pd.Series]:
    """Rows holding a code outside its years or dates, and the text naming the valid years."""
    values = frame[codes.column]
    bad = pd.Series(False, index=frame.index)
    text = pd.Series(pd.NA, index=frame.index, dtype="string")
    for code in codes.windowed():
        rows = (values == code.code).fillna(False).to_numpy(dtype=bool)
        if not rows.any():
            continue
        years = frame["YEAR"].to_numpy()
        valid_years = [year for year in np.unique(years[rows]) if code.valid_in(int(year))]
        outside = rows & ~np.isin(years, valid_years)
        if code.until is not None and "DECOM" in frame.columns:
            outside |= rows & (frame["DECOM"] > pd.Timestamp(code.until)).to_numpy(dtype=bool)
        bad |= outside
        text[outside] = f"{code.code} (valid {code.years_text()})"
    return bad, text


def check_codes(raw: RawInputs) -> list[pd.DataFrame]:
    """Codes in no list (``CODE_<COLUMN>``) and codes of other years (``CODE_NOT_THIS_YEAR``)."""
    out = []
    for codes in CODE_LISTS:
        frame = raw[codes.table]
        files = raw.files_of(codes.table)
        values = frame[codes.column]
        unknown = values.notna() & ~values.isin(codes.all_codes)
        out.append(found(frame[unknown], rule=f"CODE_{codes.column}", column=codes.column,
                         files=files))  # fmt: skip
        if codes.windowed():
            bad, text = _out_of_window(frame, codes)
            out.append(found(frame[bad], rule="CODE_NOT_THIS_YEAR", column=codes.column,
                             files=files, value=text[bad]))  # fmt: skip
    return out


CHECKS = [check_codes]
