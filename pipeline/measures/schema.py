"""The contract of the child-level measures table and of every breakdown label.

The measures engine writes one row per ``LA x CHILD x YEAR x PERIOD`` with the columns below;
the aggregation layer reads nothing else. The table holds child identifiers and is never
published.

Conventions:

* counts are nullable integers (``Int64``); ``<NA>`` when the child is outside the cohort the
  count needs (e.g. ``school_moves`` for a child not in the school cohort);
* flags are nullable booleans (``boolean``) with the same ``<NA>`` rule; combined flags
  (``any_change`` ... ``all_three_high``) are ``<NA>`` unless the child is a complete case (in
  both the school and the social worker cohort);
* characteristics are strings holding the exact published filter labels below; every child has
  one label for every characteristic (``Not known`` where needed), so categories always add up
  to the ``Total``.
"""

from __future__ import annotations

# The periods and the flags (code -> (label, cohort)) are defined with every other fact about
# a measure in the catalogue; re-exported here as part of the child-level table's contract.
from pipeline.measures.catalogue import FLAGS as FLAGS
from pipeline.measures.catalogue import PERIODS as PERIODS

KEY_COLUMNS = ["LA", "CHILD", "YEAR", "PERIOD"]

COUNT_COLUMNS = [
    "placement_moves",
    "school_moves",
    "school_midyear_moves",
    "sw_changes",
    "sw_changes_excl_tsproc",
]

#: Two-year period only: the counts split into the first year (Y-1) and the second year (Y).
SPLIT_COUNT_COLUMNS = [
    "placement_moves_first_year",
    "placement_moves_second_year",
    "school_moves_first_year",
    "school_moves_second_year",
    "sw_changes_first_year",
    "sw_changes_second_year",
]

COHORT_COLUMNS = ["in_school_cohort", "in_sw_cohort", "in_long_term_cohort"]

#: ``consecutive`` period only: the flag in the first year (Y-1); the flag columns hold year Y.
PREVIOUS_YEAR_FLAG_COLUMNS = [
    "placement_2plus_previous_year",
    "school_any_previous_year",
    "school_midyear_previous_year",
    "sw_2plus_previous_year",
]

#: Characteristic column -> (breakdown topic label, its category labels in display order).
CHARACTERISTICS: dict[str, tuple[str, list[str]]] = {
    "age_group": ("Age at 31 March", ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"]),
    "gender": ("Gender", ["Male", "Female"]),
    "ethnicity_group": (
        "Ethnicity",
        [
            "White",
            "Mixed",
            "Asian or Asian British",
            "Black, African, Caribbean or Black British",
            "Other ethnic group",
            "Refused or not obtained",
        ],
    ),
    "placement_type_group": (
        "Placement type at 31 March",
        [
            "Foster care",
            "Placed for adoption",
            "Placed with parents",
            "Children's homes and secure units",
            "Independent and semi-independent living",
            "Other placements",
        ],
    ),
    "legal_status_group": (
        "Legal status at 31 March",
        [
            "Care order",
            "Placement or freeing order",
            "Voluntary accommodation (section 20)",
            "Youth justice",
            "Police or emergency protection",
        ],
    ),
    "time_in_care": ("Time in care at 31 March", ["Under 12 months", "12 months or more"]),
    "age_at_entry_group": (
        "Age at entry to care",
        ["Under 1", "1 to 4", "5 to 11", "12 to 15", "16 and over"],
    ),
    "placement_location": (
        "Placement location",
        ["Inside the LA boundary", "Outside the LA boundary", "Not known"],
    ),
    "sen_provision": ("SEN provision", ["No SEN", "SEN support", "EHC plan", "Not known"]),
    "semh_need": (
        "SEMH primary need",
        ["SEMH primary need", "Other or no primary need", "Not known"],
    ),
    "uasc": (
        "Unaccompanied asylum-seeking child",
        [
            "Unaccompanied asylum-seeking child",
            "Not an unaccompanied asylum-seeking child",
            "Not known",
        ],
    ),
    "school_phase": ("School phase", ["Primary", "Secondary", "Other or not known"]),
    "school_census_match": (
        "Matched to the school census",
        ["Matched", "Not matched", "Under 5 (not in the school cohort)"],
    ),
    "sw_data_supplied": (
        "Social worker data supplied",
        ["Supplied", "Not supplied"],
    ),
}

TOTAL = "Total"

#: Placement type (``PLACE``) -> placement type group label.
PLACEMENT_TYPE_GROUPS: dict[str, str] = {
    **{code: "Foster care" for code in ["U1", "U2", "U3", "U4", "U5", "U6"]},
    **{code: "Placed for adoption" for code in ["A3", "A4", "A5", "A6"]},
    "P1": "Placed with parents",
    **{code: "Children's homes and secure units" for code in ["K1", "K2", "K3", "R1", "S1"]},
    **{code: "Independent and semi-independent living" for code in ["H5", "P2"]},
    **{
        code: "Other placements"
        for code in [
            "P3",
            "R2",
            "R3",
            "R5",
            "Z1",
            "Z11",
            "Z12",
            "Z13",
            "Z14",
            "T0",
            "T1",
            "T2",
            "T3",
            "T4",
        ]
    },
}

#: Legal status (``LS``) -> legal status group label.
LEGAL_STATUS_GROUPS: dict[str, str] = {
    "C1": "Care order",
    "C2": "Care order",
    "D1": "Placement or freeing order",
    "E1": "Placement or freeing order",
    "V2": "Voluntary accommodation (section 20)",
    "J1": "Youth justice",
    "J2": "Youth justice",
    "J3": "Youth justice",
    "L1": "Police or emergency protection",
    "L2": "Police or emergency protection",
    "L3": "Police or emergency protection",
}

CHILD_LEVEL_COLUMNS = (
    KEY_COLUMNS
    + COUNT_COLUMNS
    + SPLIT_COUNT_COLUMNS
    + COHORT_COLUMNS
    + list(FLAGS)
    + PREVIOUS_YEAR_FLAG_COLUMNS
    + list(CHARACTERISTICS)
)
