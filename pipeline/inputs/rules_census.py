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
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.inputs.problems import found, rules_of
from pipeline.inputs.raw import RawInputs, collection_year_bounds

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
NO_UPN_CODES = {f"UN{number}" for number in range(1, 11)}
#: How far (days) a census date may fall outside its collection year before it is an error.
CENSUS_MARGIN_DAYS = 183

RULES = rules_of("rules_census", census_margin_days=CENSUS_MARGIN_DAYS)


def _valid_distinct(values: pa.Array) -> np.ndarray:
    """Validity of each of ``values`` (distinct, non-null UPN strings)."""
    shaped = pc.match_substring_regex(values, r"^[A-HJ-NP-RTUV-Z][0-9]{12}$").fill_null(False)
    valid = pc.is_in(values, value_set=pa.array(sorted(NO_UPN_CODES))).fill_null(False)
    valid = valid.to_numpy(zero_copy_only=False).copy()
    rows = np.flatnonzero(shaped.to_numpy(zero_copy_only=False))
    if rows.size:
        # every candidate is 13 ASCII bytes: view their bytes as a (n, 13) matrix
        candidates = values.take(pa.array(rows))
        offsets, data = candidates.buffers()[1], candidates.buffers()[2]
        start = int(np.frombuffer(offsets, dtype=np.int32)[candidates.offset])
        codes = np.frombuffer(data, dtype=np.uint8)[start : start + 13 * rows.size]
        codes = codes.reshape(rows.size, 13)
        digits = codes[:, 1:].astype(np.int64) - ord("0")
        total = digits @ np.arange(2, 14, dtype=np.int64)
        letters = np.frombuffer(CHECK_LETTERS.encode("ascii"), dtype=np.uint8)
        valid[rows] = letters[total % 23] == codes[:, 0]
    return valid


def valid_upn(upns: pd.Series) -> pd.Series:
    """True for valid UPNs (check letter right) and ``UN1``-``UN10``; False for others and blanks."""
    values = pa.array(upns.astype("string").array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.string())
    encoded = pc.dictionary_encode(values)  # check each distinct UPN once
    distinct = _valid_distinct(encoded.dictionary.cast(pa.string()))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    present = encoded.indices.is_valid().to_numpy(zero_copy_only=False)
    valid = np.zeros(len(values), dtype=bool)
    valid[present] = distinct[indices[present].astype(np.int64)]
    return pd.Series(valid, index=upns.index)


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
