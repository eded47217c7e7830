"""The DfE / Explore Education Statistics symbols used in published cells."""

from __future__ import annotations

CONFIDENTIAL = "c"  # suppressed to protect confidentiality
NOT_AVAILABLE = "x"  # not available (e.g. an LA did not supply the social worker module)
NOT_APPLICABLE = "z"  # not applicable
LOW = "low"  # rounds to 0 but is not 0
LOW_RELIABILITY = "u"  # low reliability

SYMBOLS: dict[str, str] = {
    CONFIDENTIAL: "Suppressed to protect confidentiality (small numbers of children)",
    NOT_AVAILABLE: "Not available (for example, the local authority did not supply these data)",
    NOT_APPLICABLE: "Not applicable",
    LOW: "Rounds to 0 but is not 0",
    LOW_RELIABILITY: "Low reliability (very small cohort)",
}

#: ``missingValues`` for every Table Schema we publish: blank plus every symbol.
MISSING_VALUES: list[str] = ["", CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, LOW, LOW_RELIABILITY]
