"""The in-memory form of the input tables, shared by every later step.

Every reader produces an :class:`InputTables`; every later step (measures, the LA self-service
report) consumes one. Column names are the SSDA903 ones (METHODS.md section 1) plus two columns
the readers add to every per-year table:

* ``LA``: the DfE 3-digit LA code, as a string (``"886"``);
* ``YEAR``: the collection year the row came from, an ``int`` (2024 = year ending 31 March 2024).

Normalised form (what readers guarantee, and what tests may build by hand):

* codes are upper-case strings with surrounding whitespace removed; blank cells are ``<NA>``;
* date columns (``DOB, DECOM, DEC, SW_DECOM, SW_DEC, CENSUS_DATE, ENTRY_DATE``) are
  ``datetime64[ns]`` with ``NaT`` for blanks (``DEC``/``SW_DEC`` blank = still open);
* ``SEX`` and ``UASC`` and ``NCYEAR`` stay strings (``"1"``/``"2"``, ``"0"``/``"1"``);
* episodes and social worker episodes open across a year end appear in the return of every
  year they touch, as in real SSDA903 returns; consumers de-duplicate on the natural key
  keeping the row from the latest ``YEAR`` (see :meth:`InputTables.latest_episodes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.frames import empty_frame
from pipeline.inputs.code_lists import BY_COLUMN
from pipeline.inputs.layout import SPECS


def _codes(table: str, column: str) -> set[str]:
    return BY_COLUMN[(table, column)].all_codes


#: The columns of each per-year table in normalised form: those the return must have
#: (:mod:`pipeline.inputs.layout`), the episodes' optional ones too, and the header's ``UASC``
#: (filled from the 903 ``uasc`` table, see ``pipeline.inputs.derive``).
HEADER_COLUMNS = [*SPECS["header"].required, "UASC"]
EPISODE_COLUMNS = list(SPECS["episodes"].columns)
UASC_COLUMNS = list(SPECS["uasc"].required)
SOCIAL_WORKER_COLUMNS = list(SPECS["social_workers"].required)
SCHOOL_CENSUS_COLUMNS = list(SPECS["school_census"].columns)
SCHOOL_LINK_COLUMNS = ["URN", "PREDECESSOR_URN"]

#: Per-year tables, in the order files are read: name -> required SSDA903 columns.
YEAR_TABLES: dict[str, list[str]] = {
    "header": HEADER_COLUMNS,
    "episodes": EPISODE_COLUMNS,
    "uasc": UASC_COLUMNS,
    "social_workers": SOCIAL_WORKER_COLUMNS,
    "school_census": SCHOOL_CENSUS_COLUMNS,
}
#: Per-year tables a return may lack: an LA without the social worker module, no census match.
#: ``uasc`` (the 903 table of unaccompanied asylum-seeking children) may be absent too: UASC
#: status then comes from a header ``UASC`` column, or is not known.
OPTIONAL_YEAR_TABLES = {"uasc", "social_workers", "school_census"}

DATE_COLUMNS = {
    "header": ["DOB"],
    "episodes": ["DECOM", "DEC"],
    "uasc": ["DUC"],
    "social_workers": ["SW_DECOM", "SW_DEC"],
    "school_census": ["CENSUS_DATE", "ENTRY_DATE"],
}

# --- SSDA903 code lists: every code valid in any year (by year: pipeline.inputs.code_lists) ---
LS_CODES = _codes("episodes", "LS")
SHORT_BREAK_LS = {"V3", "V4"}
PLACE_CODES = _codes("episodes", "PLACE")
ADOPTION_WITH_CARER_PLACE = {"A3", "A5"}
TEMPORARY_PLACE = {"T0", "T1", "T2", "T3", "T4"}
PLACE_PROVIDER_CODES = _codes("episodes", "PLACE_PROVIDER")
REASON_PLACE_CHANGE_CODES = _codes("episodes", "REASON_PLACE_CHANGE")
SW_REASON_CODES = _codes("social_workers", "SW_REASON")
#: SSDA903 ethnicity codes (DfE extended list, main categories) -> major group label.
ETHNIC_GROUPS: dict[str, str] = {
    "WBRI": "White", "WIRI": "White", "WIRT": "White", "WOTH": "White", "WROM": "White",
    "MWBC": "Mixed", "MWBA": "Mixed", "MWAS": "Mixed", "MOTH": "Mixed",
    "AIND": "Asian or Asian British", "APKN": "Asian or Asian British",
    "ABAN": "Asian or Asian British", "AOTH": "Asian or Asian British",
    "BCRB": "Black, African, Caribbean or Black British",
    "BAFR": "Black, African, Caribbean or Black British",
    "BOTH": "Black, African, Caribbean or Black British",
    "CHNE": "Asian or Asian British",
    "OOTH": "Other ethnic group",
    "REFU": "Refused or not obtained", "NOBT": "Refused or not obtained",
}  # fmt: skip
ETHNIC_CODES = set(ETHNIC_GROUPS)
#: Reasons an episode ceased: X1 = new episode the same day (still looked after); others leave care.
REC_STILL_LOOKED_AFTER = {"X1"}
#: Not an SSDA903 code: set by the reader on an episode open at the end of one return and
#: missing from the LA's next return (ended at that year end; see ``derive.end_absent_episodes``).
REC_NOT_IN_NEXT_RETURN = "NOT_IN_NEXT_RETURN"
REC_CODES = _codes("episodes", "REC")
CIN_CODES = _codes("episodes", "CIN")
CENSUS_TERMS = _codes("school_census", "CENSUS_TERM")
SEMH_NEED = "SEMH"


@dataclass
class InputTables:
    """All input tables for one run, normalised (see the module docstring).

    Attributes:
        header, episodes, social_workers, school_census: one DataFrame each over every LA and
            collection year, with ``LA`` and ``YEAR`` as the first two columns.
        uasc: the 903 ``uasc`` table (``CHILD, DUC``), already used to fill ``header.UASC``.
        school_links: ``URN, PREDECESSOR_URN`` (may be empty).
        la_context: ``LA_CODE`` plus numeric indicators (may be empty; needed only for
            statistical neighbours).
        excluded_children: ``LA, YEAR, CHILD, rule`` of the children left out with
            ``--exclude-invalid`` (internal: holds IDs); ``excluded_per_la_year``: ``LA, YEAR,
            children``, how many of them each LA-year's return held.
        ended_not_in_return: ``LA, YEAR, CHILD`` of children whose open episode the ``YEAR``
            return left out, so it was ended at the end of the previous year (internal: holds IDs).
        years: the collection years present, ascending.
        sw_supplied: ``(LA, YEAR)`` pairs whose return included the social worker module.
            An LA-year not in this set shows ``x`` (not available) for social worker measures.
        synthetic: True when the tables come from the built-in synthetic England.
        source_files: ``{relative path: sha256}`` of every file read (for provenance).
    """

    header: pd.DataFrame
    episodes: pd.DataFrame
    social_workers: pd.DataFrame
    school_census: pd.DataFrame
    uasc: pd.DataFrame = field(
        default_factory=lambda: empty_frame(
            {"LA": "string", "YEAR": "int64", "CHILD": "string", "DUC": "datetime64[ns]",
             "ROW": "int64"}
        )
    )  # fmt: skip
    school_links: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SCHOOL_LINK_COLUMNS, dtype="string")
    )
    la_context: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["LA_CODE"]))
    excluded_children: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "CHILD", "rule"])
    )
    excluded_per_la_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "children"])
    )
    ended_not_in_return: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "CHILD"])
    )
    years: list[int] = field(default_factory=list)
    sw_supplied: set[tuple[str, int]] = field(default_factory=set)
    #: ``LA -> source -> years`` recorded before the child-level frames are emptied
    #: (``pipeline.aggregate.coverage.record_source_years``); empty: computed from the frames.
    source_years: dict = field(default_factory=dict)
    synthetic: bool = False
    source_files: dict[str, str] = field(default_factory=dict)

    @property
    def las(self) -> list[str]:
        """The LA codes present in the header table, sorted."""
        return sorted(self.header["LA"].dropna().unique().tolist())

    def latest_episodes(self) -> pd.DataFrame:
        """Episodes de-duplicated across years: one row per ``LA, CHILD, DECOM``.

        An episode open at a year end is in the return of every year it touches; the row from
        the latest ``YEAR`` (which carries its final ``DEC``/``REC``) is kept. Sorted by ``LA``,
        ``CHILD``, ``DECOM``.
        """
        key = ["LA", "CHILD", "DECOM"]
        ordered = self.episodes.sort_values([*key, "YEAR"], kind="stable")
        return ordered.drop_duplicates(key, keep="last").reset_index(drop=True)
