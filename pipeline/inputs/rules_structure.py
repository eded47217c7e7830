"""Rules about files, columns, keys and the links between tables.

The reader (:mod:`pipeline.inputs.reading`, :mod:`pipeline.inputs.loading`) reports the
file-level rules; the checks below report the rest.

| rule | severity | what it catches |
|---|---|---|
| ``NO_INPUT`` | error | input folder missing, or no ``<year>`` folders in it |
| ``YEAR_FOLDER`` | error | a folder of the input that is not a 4-digit collection year (``2021-22``) |
| ``LA_FOLDER`` | error | a folder inside a year folder whose name is not an LA code |
| ``TABLE_TWICE`` | error | two files of one folder hold the same 903 table |
| ``MISSING_FILE`` | error | a year lacks ``header.csv`` or ``episodes.csv`` |
| ``UNREADABLE_FILE`` | error | a file is empty or is not CSV |
| ``BAD_ROW`` | error | a line has the wrong number of fields (the line is not used) |
| ``LINE_NUMBERS`` | warning | a quoted value spans lines, so row numbers are approximate |
| ``ENCODING`` | warning | the file is not UTF-8; it was read as Windows-1252 |
| ``MISSING_COLUMN`` | error | a required column is absent |
| ``DUPLICATE_COLUMN`` | error | two columns mean the same (e.g. ``DECOM`` and ``decom``) |
| ``UNUSED_COLUMN`` | warning | a column the index does not use (it is ignored) |
| ``UNUSED_FILE`` | warning | a file or folder outside the layout (it is ignored) |
| ``MANIFEST`` | error | ``manifest.json`` is not valid JSON of the expected shape |
| ``LA_NOT_GIVEN`` | error | no ``LA`` column and no ``--la`` option |
| ``LA_UNKNOWN`` | error | an LA code that is not one of the 153 English LAs |
| ``LA_MISMATCH`` | error | the ``LA`` column disagrees with ``--la`` |
| ``DATE_FORMAT`` | error | a date that is not ``dd/mm/yyyy`` or ``yyyy-mm-dd``, or does not exist |
| ``MISSING_VALUE`` | error | a blank cell where a value is required (keys, dates, codes) |
| ``DUPLICATE_HEADER`` | error | the same ``CHILD`` twice in one header file |
| ``DUPLICATE_EPISODE`` | error | the same ``CHILD`` + ``DECOM`` twice in one episodes file |
| ``DUPLICATE_SW_EPISODE`` | warning | the same ``CHILD`` + ``SW_ID`` + ``SW_DECOM`` twice (the measures drop copies) |
| ``EPISODE_WITHOUT_HEADER`` | error | episodes of a child with no header row that year |
| ``HEADER_WITHOUT_EPISODE`` | warning | a header row of a child with no episode that year |
| ``SW_WITHOUT_HEADER`` | warning | social worker rows of a child with no header row that year |
| ``LINK_BLANK`` | error | a blank URN in ``school_links.csv`` |
| ``CONTEXT_NOT_NUMBER`` | error | a non-numeric indicator in ``la_context.csv`` |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.keys import (
    NAT,
    child_year_keys,
    dates,
    group_starts,
    is_in,
    shared_codes,
    sort_rows,
)
from pipeline.inputs.problems import found, rules_of
from pipeline.inputs.raw import RawInputs
from pipeline.inputs.spec import SPEC_LINK

RULES = rules_of("rules_structure", spec_link=SPEC_LINK)

#: Columns that must not be blank, per table.
REQUIRED_VALUES: dict[str, list[str]] = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "PLACE"],
    "social_workers": ["CHILD", "SW_ID", "SW_DECOM"],
    "school_census": ["URN", "CENSUS_DATE", "ENTRY_DATE"],
}

#: Natural keys that must be unique within one file: table -> (columns, rule).
UNIQUE_KEYS: dict[str, tuple[list[str], str]] = {
    "header": (["CHILD"], "DUPLICATE_HEADER"),
    "episodes": (["CHILD", "DECOM"], "DUPLICATE_EPISODE"),
    "social_workers": (["CHILD", "SW_ID", "SW_DECOM"], "DUPLICATE_SW_EPISODE"),
}


def check_missing_values(raw: RawInputs) -> list[pd.DataFrame]:
    """Blank required cells (``MISSING_VALUE``), skipping columns a file lacked altogether."""
    out = []
    for table, columns in REQUIRED_VALUES.items():
        frame = raw[table]
        for column in columns:
            blank = frame[column].isna() & raw.has_column(table, column)
            out.append(
                found(frame[blank], rule="MISSING_VALUE", column=column, files=raw.files_of(table))
            )
    return out


def _key_part(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """One key column as integers (dates as nanoseconds, text as codes), and where it is set."""
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        values = dates(frame[column])
        return values, values != NAT
    codes = shared_codes([frame[column]])[0]
    return codes, codes >= 0


def check_duplicate_keys(raw: RawInputs) -> list[pd.DataFrame]:
    """Keys repeated within one file: every repeat after the first (in file order) is reported.

    A file is one ``LA, YEAR``; rows with a blank ``LA`` or key column are not compared.
    """
    out = []
    keys = child_year_keys(raw)
    for table, (key, rule) in UNIQUE_KEYS.items():
        frame = raw[table]
        parts, present = [keys[table]], keys[table] >= 0
        for column in key[1:]:
            values, given = _key_part(frame, column)
            parts.append(values)
            present &= given
        ordered = sort_rows(np.flatnonzero(present), *parts, frame["ROW"].to_numpy())
        repeated = np.sort(ordered[~group_starts(ordered, *parts)])
        out.append(
            found(frame.iloc[repeated], rule=rule, column=key[-1], files=raw.files_of(table))
        )
    return out


def check_header_links(raw: RawInputs) -> list[pd.DataFrame]:
    """Episodes and social worker rows need a header row in the same LA and year, and back.

    A row with a blank ``LA`` or ``CHILD`` is not reported here (it has its own problem).
    """
    keys = child_year_keys(raw)
    header, episodes, workers = keys["header"], keys["episodes"], keys["social_workers"]
    links = [
        ("episodes", episodes, header, "EPISODE_WITHOUT_HEADER"),
        ("header", header, episodes, "HEADER_WITHOUT_EPISODE"),
        ("social_workers", workers, header, "SW_WITHOUT_HEADER"),
    ]
    return [
        found(
            raw[table][(rows >= 0) & ~is_in(rows, others)],
            rule=rule,
            column="CHILD",
            files=raw.files_of(table),
        )
        for table, rows, others, rule in links
    ]


CHECKS = [check_missing_values, check_duplicate_keys, check_header_links]
