"""The package's two reference resources: the geography lookup and the measures dictionary.

Both are built from the project's own definitions (``pipeline.geography`` and
``pipeline.measures.schema.FLAGS``), so every code used in a table can be looked up in the
same package.
"""

from __future__ import annotations

import pandas as pd

from pipeline.geography import COUNTRY_CODE, COUNTRY_NAME, local_authorities, region_slug
from pipeline.measures.schema import FLAGS, PERIODS
from pipeline.published import LEVEL_LA, LEVEL_NATIONAL, LEVEL_REGIONAL

GEOGRAPHY_COLUMNS: list[tuple[str, str, str]] = [
    ("geographic_level", "Geographic level", "National, Regional or Local authority."),
    ("country_code", "Country code", "ONS code of England."),
    ("country_name", "Country name", "England."),
    ("region_code", "Region code", "ONS region code (blank for England)."),
    ("region_name", "Region name", "Region name (blank for England)."),
    ("old_la_code", "Local authority code (DfE)", "DfE 3-digit code (LA rows only)."),
    ("new_la_code", "Local authority code (ONS)", "ONS 9-character code (LA rows only)."),
    ("la_name", "Local authority name", "Local authority name (LA rows only)."),
    ("slug", "Local authority slug", "Address-safe short name of the LA (LA rows only)."),
    ("region_slug", "Region slug", "Address-safe short name of the region (blank for England)."),
    (
        "page_path",
        "Website page",
        "Stable address of the area's page on the website, relative to the site root "
        "(region/<region_slug>/ or la/<new_la_code>-<slug>/; blank for England, whose "
        "figures are on the home page).",
    ),
]

MEASURE_COLUMNS: list[tuple[str, str, str]] = [
    ("measure", "Measure code", "Code used in the measure filter of the tables."),
    ("label", "Measure", "Short plain-English name of the measure."),
    ("definition", "Definition", "What the measure counts, in plain English."),
    ("periods", "Periods", "Periods the measure is published for, separated by '; '."),
    ("cohort", "Cohort", "The children the percentage is calculated for."),
    ("polarity", "Polarity", "Whether a lower or a higher value means more stability."),
]

#: Plain-English definitions of each flag (METHODS.md section 3, in our own words).
MEASURE_DEFINITIONS: dict[str, str] = {
    "placement_1plus": "The child moved to a different carer at least once in the period.",
    "placement_2plus": (
        "The child moved to a different carer two or more times in the period, so lived in at "
        "least three placements. Temporary placements and moves to adoption with the current "
        "foster carer are not counted."
    ),
    "placement_4plus": "The child moved to a different carer four or more times in the period.",
    "school_any": (
        "The child started at a new school in the period, at any time of year, not counting "
        "the usual move from primary to secondary school or academy conversions."
    ),
    "school_midyear": (
        "The child started at a new school in the period after the first three weeks of the "
        "autumn term (22 September to 31 July)."
    ),
    "sw_1plus": "The child's main social worker changed at least once in the period.",
    "sw_2plus": (
        "The child's main social worker changed two or more times in the period, so the child "
        "had at least three social workers."
    ),
    "sw_2plus_excl_tsproc": (
        "As '2 or more social worker changes', but not counting changes made because the "
        "child's case moved to another team."
    ),
    "any_change": "The child had a change of placement, school or social worker in the period.",
    "no_change": "The child had no change of placement, school or social worker in the period.",
    "multiple_any": (
        "High instability: 2 or more placement moves, or a mid-year school move, or 2 or more "
        "social worker changes in the period."
    ),
    "all_three": "The child had a change of placement, of school and of social worker.",
    "all_three_high": (
        "The child had 2 or more placement moves, a mid-year school move and 2 or more social "
        "worker changes in the period."
    ),
    "long_term_stable": (
        "Children under 16 looked after for at least two and a half years who have lived with "
        "the same carer for at least two years."
    ),
}

COHORT_LABELS: dict[str, str] = {
    "all": "Children looked after at 31 March, under 18, excluding short breaks only",
    "school": "Children looked after aged 5 or over found in the school census",
    "social_worker": (
        "Children looked after in LAs that supplied the social worker module, with a social "
        "worker at 31 March"
    ),
    "complete_case": "Children in both the school and the social worker cohorts",
    "long_term": "Children under 16 looked after continuously for at least 2.5 years",
}

HIGHER_IS_BETTER = {"no_change", "long_term_stable"}
CONSECUTIVE_MEASURES = {"placement_2plus", "school_midyear", "school_any", "sw_2plus"}


def geography_frame() -> pd.DataFrame:
    """Every area of the index: England, the 9 regions and the 153 LAs, with page paths."""
    las = local_authorities()
    regions = las[["region_code", "region_name"]].drop_duplicates().sort_values("region_code")
    national = pd.DataFrame(
        [{"geographic_level": LEVEL_NATIONAL, "country_code": COUNTRY_CODE}], dtype=str
    )
    regional = regions.assign(
        geographic_level=LEVEL_REGIONAL,
        country_code=COUNTRY_CODE,
        region_slug=regions["region_name"].map(region_slug),
    )
    regional["page_path"] = "region/" + regional["region_slug"] + "/"
    local = las.assign(
        geographic_level=LEVEL_LA,
        country_code=COUNTRY_CODE,
        region_slug=las["region_name"].map(region_slug),
    )
    local["page_path"] = "la/" + local["new_la_code"] + "-" + local["slug"] + "/"
    frame = pd.concat([national, regional, local], ignore_index=True)
    frame["country_name"] = COUNTRY_NAME
    columns = [name for name, _, _ in GEOGRAPHY_COLUMNS]
    return frame.reindex(columns=columns).fillna("").astype(str).reset_index(drop=True)


def measures_frame() -> pd.DataFrame:
    """The measures dictionary: one row per flag of ``FLAGS`` with its plain-English meaning."""
    periods = [label for code, label in PERIODS.items() if code != "consecutive"]
    rows = []
    for code, (label, cohort) in FLAGS.items():
        missing = code not in MEASURE_DEFINITIONS
        if missing:
            raise ValueError(f"measure {code!r} has no plain-English definition in reference.py")
        measure_periods = periods + (
            [PERIODS["consecutive"]] if code in CONSECUTIVE_MEASURES else []
        )
        rows.append(
            {
                "measure": code,
                "label": label,
                "definition": MEASURE_DEFINITIONS[code],
                "periods": "; ".join(measure_periods),
                "cohort": COHORT_LABELS[cohort],
                "polarity": "higher is better" if code in HIGHER_IS_BETTER else "lower is better",
            }
        )
    return pd.DataFrame(rows, dtype=str)
