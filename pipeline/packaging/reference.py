"""The package's two reference resources: the geography lookup and the measures dictionary.

Both are built from the project's own definitions (``pipeline.geography`` and the measures
catalogue ``pipeline.measures.catalogue``), so every code used in a table can be looked up in the
same package.
"""

from __future__ import annotations

import pandas as pd

from pipeline.geography import COUNTRY_CODE, COUNTRY_NAME, local_authorities, region_slug
from pipeline.measures.catalogue import MEASURES, PERIODS, needs
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
    ("label", "Measure", "Plain-English name of the measure."),
    ("short_label", "Short name", "Shorter name for charts and narrow tables."),
    ("definition", "Definition", "What the measure counts, in plain English."),
    ("periods", "Periods", "Periods the measure is published for, separated by '; '."),
    ("cohort", "Cohort", "The children the percentage is calculated for."),
    ("polarity", "Polarity", "Whether a lower or a higher value means more stability."),
    ("headline", "Headline measure", "'true' for the DfE headline measures, else 'false'."),
    ("display_order", "Display order", "Order of the measure in tables and charts (1 first)."),
    (
        "returns_needed",
        "Returns needed",
        "Input returns a one-year figure for collection year Y depends on, as '<table> Y-n', "
        "separated by '; '. A period of n years also needs the same tables for its n-1 earlier "
        "years. Without one of them the figure is published as x (not available).",
    ),
    (
        "provisional_until",
        "Provisional until",
        "Later returns that can still change a figure for year Y ('<table> Y+1'); until a "
        "release includes them the figure is provisional. Blank when none.",
    ),
]

#: Plain-English labels of the cohorts a percentage is calculated for.
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
    """The measures resource: one row per measure of the catalogue, in display order."""
    rows = []
    for code, measure in MEASURES.items():
        one_year = needs(code, "1y")
        rows.append(
            {
                "measure": code,
                "label": measure.label,
                "short_label": measure.short_label,
                "definition": measure.definition,
                "periods": "; ".join(PERIODS[period] for period in measure.periods),
                "cohort": COHORT_LABELS[measure.cohort],
                "polarity": measure.polarity,
                "headline": "true" if measure.headline else "false",
                "display_order": str(measure.order),
                "returns_needed": "; ".join(n.relative() for n in one_year if not n.later),
                "provisional_until": "; ".join(n.relative() for n in one_year if n.later),
            }
        )
    return pd.DataFrame(rows, dtype=str)
