"""Rules about the school census and the UPN that links a child to it.

A UPN is 13 characters: a check letter then 12 digits, the letter computed by the DfE's
modulus-23 rule (digits 2 to 13 weighted 2 to 13, the remainder indexing
``ABCDEFGHJKLMNPQRTUVWXYZ``); a child without one has ``UN1`` to ``UN10``. A bad UPN is a
warning: the child simply cannot be matched to the census.

| rule | severity | what it catches |
|---|---|---|
| ``UPN_FORMAT`` | warning | a header or census UPN that is not a valid UPN or ``UN1``-``UN10`` (census: also blank) |
| ``CENSUS_DATE_OUTSIDE_YEAR`` | error | a census more than 183 days outside the collection year |
| ``ENTRY_AFTER_CENSUS`` | error | the pupil joined the school (``ENTRY_DATE``) after the census date |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.problems import ERROR, WARNING, Rule, found
from pipeline.inputs.raw import RawInputs, collection_year_bounds

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
NO_UPN_CODES = {f"UN{number}" for number in range(1, 11)}
#: How far (days) a census date may fall outside its collection year before it is an error.
CENSUS_MARGIN_DAYS = 183

RULES = [
    Rule("UPN_FORMAT", WARNING, "Not a valid UPN (a check letter and 12 digits) or UN1-UN10: the child cannot be matched to the school census; correct the UPN."),
    Rule("CENSUS_DATE_OUTSIDE_YEAR", ERROR, f"CENSUS_DATE is more than {CENSUS_MARGIN_DAYS} days outside the collection year: check the date, or move the rows to the right year's file."),
    Rule("ENTRY_AFTER_CENSUS", ERROR, "ENTRY_DATE (the date the pupil joined the school) is after the census date: correct one of the dates."),
]  # fmt: skip


def valid_upn(upns: pd.Series) -> pd.Series:
    """True for valid UPNs (check letter right) and ``UN1``-``UN10``; False for others and blanks."""
    text = upns.astype("string")
    shaped = text.str.fullmatch(r"[A-HJ-NP-RTUV-Z]\d{12}").fillna(False).astype(bool)
    valid = text.isin(NO_UPN_CODES).fillna(False).astype(bool)
    if shaped.any():
        candidates = text[shaped].to_numpy(dtype=str)
        codes = np.frombuffer("".join(candidates).encode("ascii"), dtype=np.uint8)
        codes = codes.reshape(len(candidates), 13)
        digits = codes[:, 1:].astype(np.int64) - ord("0")
        total = digits @ np.arange(2, 14, dtype=np.int64)
        letters = np.frombuffer(CHECK_LETTERS.encode("ascii"), dtype=np.uint8)
        right = letters[total % 23] == codes[:, 0]
        valid.loc[shaped[shaped].index] = right
    return valid


def check_upns(raw: RawInputs) -> list[pd.DataFrame]:
    """Bad UPNs in the header (blank allowed there) and in the census."""
    header, census = raw["header"], raw["school_census"]
    header_bad = header["UPN"].notna() & ~valid_upn(header["UPN"])
    header_bad &= raw.has_column("header", "UPN")
    census_bad = ~valid_upn(census["UPN"]) & raw.has_column("school_census", "UPN")
    return [
        found(header[header_bad], rule="UPN_FORMAT", column="UPN", files=raw.files_of("header")),
        found(
            census[census_bad], rule="UPN_FORMAT", column="UPN", files=raw.files_of("school_census")
        ),
    ]


def check_census_dates(raw: RawInputs) -> list[pd.DataFrame]:
    """Census dates far outside the year, and pupils joining after the census."""
    census = raw["school_census"]
    files = raw.files_of("school_census")
    start, end = collection_year_bounds(census["YEAR"])
    margin = pd.Timedelta(days=CENSUS_MARGIN_DAYS)
    date = census["CENSUS_DATE"]
    outside = (date < start - margin) | (date > end + margin)
    return [
        found(census[outside], rule="CENSUS_DATE_OUTSIDE_YEAR", column="CENSUS_DATE", files=files),
        found(
            census[census["ENTRY_DATE"] > date],
            rule="ENTRY_AFTER_CENSUS",
            column="ENTRY_DATE",
            files=files,
        ),
    ]


CHECKS = [check_upns, check_census_dates]
