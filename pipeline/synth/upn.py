"""Unique pupil numbers (UPNs) with the DfE check letter.

A permanent UPN is 13 characters: a check letter followed by 12 digits (3-digit LA code of the
allocating authority, 4-digit establishment number, 2-digit year of allocation, 3-digit serial).
The check letter comes from the DfE modulus-23 rule: multiply characters 2 to 13 by the weights
2 to 13, sum, take the remainder after division by 23, and look it up in
``ABCDEFGHJKLMNPQRTUVWXYZ`` (I, O and S are never used).
"""

from __future__ import annotations

import numpy as np

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
WEIGHTS = np.arange(2, 14, dtype=np.int64)


def make_upns(
    la_codes: np.ndarray, serials: np.ndarray, allocation_years: np.ndarray
) -> np.ndarray:
    """Build permanent UPNs, unique for distinct ``(la_code, serial)`` pairs (serial < 9,000,000).

    The serial fills the establishment number (``1000 + serial // 1000``) and the 3-digit serial.
    """
    serials = np.asarray(serials, dtype=np.int64)
    if len(serials) and serials.max() >= 9_000_000:
        raise ValueError("UPN serials must be below 9,000,000 within one LA")
    la_numbers = np.asarray(la_codes).astype(np.int64)
    establishment = 1000 + serials // 1000
    body = (
        la_numbers * 10**9
        + establishment * 10**5
        + (np.asarray(allocation_years, dtype=np.int64) % 100) * 10**3
        + serials % 1000
    )
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1, dtype=np.int64)) % 10
    letters = np.array(list(CHECK_LETTERS), dtype=object)[(digits @ WEIGHTS) % 23]
    text = np.char.zfill(body.astype(str), 12).astype(object)
    return letters + text
