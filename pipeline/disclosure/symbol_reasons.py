"""Why a cell holds a symbol: the reason codes kept per cell and their plain-English labels."""

from __future__ import annotations

NONE = 0
PRIMARY = 1
SECONDARY = 2
COHORT_REPEAT = 3
FOLLOWS_COUNT = 4
SMALL_COHORT = 5
RECOVERABLE = 6
SUPPLIED = 7
NARROW = 8

REASON_LABELS: dict[int, str] = {
    PRIMARY: "primary: a count of 1 to 5",
    SECONDARY: "secondary: the only other suppressed cell of a group adding up to a total",
    COHORT_REPEAT: "secondary: the same cohort is suppressed in another row",
    FOLLOWS_COUNT: "follows a suppressed count (numerator or denominator)",
    SMALL_COHORT: "percentage or rate on a cohort under 10",
    RECOVERABLE: "secondary: otherwise recoverable from published totals (linear algebra check)",
    SUPPLIED: "as supplied by the aggregation step",
    NARROW: "secondary: a suppressed count could otherwise be bounded within 5 (linear programming)",
}
