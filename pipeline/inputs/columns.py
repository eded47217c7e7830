"""Column names: how the names found in real SSDA903 extracts map to the canonical ones.

A column name is first *folded*: surrounding whitespace and a UTF-8 byte-order mark removed,
upper-cased, and runs of spaces, hyphens and dots turned into one underscore (so ``decom``,
``DECOM `` and ``Decom`` are all ``DECOM``; ``sw id`` and ``Sw-Id`` are ``SW_ID``). The folded
name is then looked up in :data:`COLUMN_ALIASES`, a small explicit table of the longer names some
case-management systems export. Anything else is kept as it is and reported as an unused column.

Deliberately *not* accepted: loose guesses such as ``Child ID`` or ``ID`` for ``CHILD`` (too
many systems use those for other identifiers) and any name that would need fuzzy matching.
"""

from __future__ import annotations

import re

#: Folded alternative name -> canonical SSDA903 column name. Keep it short and explicit.
COLUMN_ALIASES: dict[str, str] = {
    # header
    "CHILD_ID_903": "CHILD",
    "LA_CHILD_ID": "CHILD",
    "GENDER": "SEX",
    "DATE_OF_BIRTH": "DOB",
    "ETHNICITY": "ETHNIC",
    "UNIQUE_PUPIL_NUMBER": "UPN",
    # episodes
    "DATE_EPISODE_COMMENCED": "DECOM",
    "DATE_EPISODE_CEASED": "DEC",
    "REASON_FOR_NEW_EPISODE": "RNE",
    "LEGAL_STATUS": "LS",
    "CATEGORY_OF_NEED": "CIN",
    "PLACEMENT_TYPE": "PLACE",
    "PLACEMENT_PROVIDER": "PLACE_PROVIDER",
    "REASON_EPISODE_CEASED": "REC",
    "REASON_FOR_PLACEMENT_CHANGE": "REASON_PLACE_CHANGE",
    "HOME_POSTCODE": "HOME_POST",
    "PLACEMENT_POSTCODE": "PL_POST",
    "PLACEMENT_LA": "PL_LA",
    # social worker module
    "SOCIAL_WORKER_ID": "SW_ID",
    "SW_EPISODE_START_DATE": "SW_DECOM",
    "SW_EPISODE_END_DATE": "SW_DEC",
    "SW_CHANGE_REASON": "SW_REASON",
    # school census
    "ENTRYDATE": "ENTRY_DATE",
    "CENSUSDATE": "CENSUS_DATE",
    "CENSUS_TERM_NAME": "CENSUS_TERM",
    # every table
    "LA_CODE": "LA",
    "LA_OLD_CODE": "LA",
    "OLD_LA_CODE": "LA",
}

_SEPARATORS = re.compile(r"[\s\-.]+")


def fold_column_name(name: str) -> str:
    """Return ``name`` upper-cased, trimmed, with spaces/hyphens/dots turned into underscores."""
    cleaned = name.replace("\ufeff", "").strip().upper()
    return _SEPARATORS.sub("_", cleaned)


def canonical_column_name(name: str) -> str:
    """Return the SSDA903 name for a column as written in a file (see the module docstring)."""
    folded = fold_column_name(name)
    return COLUMN_ALIASES.get(folded, folded)
