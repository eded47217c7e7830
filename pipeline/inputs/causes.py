"""One error per cause: a cell that cannot be read is reported once, not by every rule after it.

A date that cannot be parsed (``DATE_FORMAT``) becomes blank. Without this step every rule that
reads that cell would then report the blank too: "must not be blank" for a cell that is not
blank, ``REC_WITHOUT_DEC`` for an episode whose ``DEC`` is there but unreadable, an overlap with
the next episode. So, for each unreadable date:

* rules about the same row that read that column are dropped (:data:`ROW_RULES`);
* rules about the child's sequence of episodes or ages are dropped for that child in that LA
  (:data:`CHILD_RULES`), since the sequence cannot be checked without the date.

Year folders named by the year a return starts (``YEAR_FOLDER_START``) are one cause too: the
episode date rules of that folder (``DECOM_AFTER_YEAR`` and the rest) are dropped.
"""

from __future__ import annotations

import pandas as pd

#: rule -> the date columns it reads on its own row.
ROW_RULES: dict[str, set[str]] = {
    "MISSING_VALUE": set(),  # same column only (see below)
    "DEC_BEFORE_DECOM": {"DEC", "DECOM"},
    "DECOM_AFTER_YEAR": {"DECOM"},
    "DEC_AFTER_YEAR": {"DEC"},
    "DEC_BEFORE_YEAR": {"DEC"},
    "REC_WITHOUT_DEC": {"DEC"},
    "DEC_WITHOUT_REC": {"DEC"},
    "SW_DEC_BEFORE_SW_DECOM": {"SW_DEC", "SW_DECOM"},
    "SW_DECOM_AFTER_YEAR": {"SW_DECOM"},
    "SW_DEC_AFTER_YEAR": {"SW_DEC"},
    "CENSUS_DATE_OUTSIDE_YEAR": {"CENSUS_DATE"},
    "ENTRY_AFTER_CENSUS": {"ENTRY_DATE", "CENSUS_DATE"},
}
#: rules about a child's episodes as a whole, and the date columns they read.
CHILD_RULES: dict[str, set[str]] = {
    "EPISODES_OVERLAP": {"DECOM", "DEC"},
    "FIRST_EPISODE_RNE": {"DECOM", "DEC"},
    "DOB_AFTER_DECOM": {"DOB", "DECOM"},
    "AGED_18_AT_DECOM": {"DOB", "DECOM"},
    "SW_EPISODES_OVERLAP": {"SW_DECOM", "SW_DEC"},
}
#: rules that a return filed under its start year breaks on nearly every row.
YEAR_RULES = {
    "DECOM_AFTER_YEAR", "DEC_AFTER_YEAR", "DEC_BEFORE_YEAR", "SW_DECOM_AFTER_YEAR",
    "SW_DEC_AFTER_YEAR", "CENSUS_DATE_OUTSIDE_YEAR",
}  # fmt: skip


def one_error_per_cause(problems: pd.DataFrame) -> pd.DataFrame:
    """Drop the problems that follow from an unreadable date or a misnamed year folder."""
    if problems.empty:
        return problems
    keep = pd.Series(True, index=problems.index)
    bad = problems[problems["rule"] == "DATE_FORMAT"]
    if not bad.empty:
        keep &= ~_same_row(problems, bad) & ~_same_child(problems, bad)
    misnamed = problems.loc[problems["rule"] == "YEAR_FOLDER_START", "YEAR"].dropna()
    if not misnamed.empty:
        keep &= ~(problems["rule"].isin(YEAR_RULES) & problems["YEAR"].isin(set(misnamed)))
    return problems[keep.to_numpy()].reset_index(drop=True)


def _same_row(problems: pd.DataFrame, bad: pd.DataFrame) -> pd.Series:
    cells = set(zip(bad["file"], bad["row"], bad["column"], strict=True))
    rows: dict[tuple, set[str]] = {}
    for file, row, column in cells:
        rows.setdefault((file, row), set()).add(column)
    drop = []
    for file, row, column, rule in zip(
        problems["file"], problems["row"], problems["column"], problems["rule"], strict=True
    ):
        unread = rows.get((file, row))
        if unread is None or rule not in ROW_RULES:
            drop.append(False)
        elif rule == "MISSING_VALUE":
            drop.append(column in unread)
        else:
            drop.append(bool(ROW_RULES[rule] & unread))
    return pd.Series(drop, index=problems.index)


def _same_child(problems: pd.DataFrame, bad: pd.DataFrame) -> pd.Series:
    unread: dict[tuple, set[str]] = {}
    for la, child, column in zip(bad["LA"], bad["child"], bad["column"], strict=True):
        if not pd.isna(child):
            unread.setdefault((la, child), set()).add(column)
    drop = [
        rule in CHILD_RULES and bool(CHILD_RULES[rule] & unread.get((la, child), set()))
        for la, child, rule in zip(problems["LA"], problems["child"], problems["rule"], strict=True)
    ]
    return pd.Series(drop, index=problems.index)
