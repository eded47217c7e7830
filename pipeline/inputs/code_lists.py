"""The code lists of every coded column the index reads, by collection year.

Each list names its source: the DfE's *Children looked after return (SSDA903): guide* of each
collection year (the codes and the dates they start or stop being valid), as encoded by the
public validator of those returns (data-to-insight ``csc-validator-be-903``, rule packs
2022-23 to 2025-26: rules 101, 103, 143 to 149, 178, 1009, 217t, SW13). Years before 2022-23
use the 2022-23 list: those guides were not checked code by code, and the codes the index
reads did not change between them as far as the later guides record.

A code may be valid only from or until a collection year (``first_year``/``last_year``), or
only for episodes starting before a date (``until``: ``P2`` is not a valid placement type for
an episode starting on or after 28 October 2023). Outside its years a code is a warning that
names the years it is valid in; a code in no year's list is an error.

School census columns are not SSDA903: their lists follow the DfE school census guide (NPD).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GUIDE = "DfE, Children looked after return (SSDA903) guide"
#: Collection years whose guide is the source of each list's codes (see the module docstring).
GUIDE_YEARS = "2022 to 2023, 2023 to 2024, 2024 to 2025 and 2025 to 2026"


@dataclass(frozen=True)
class Code:
    """One code: its label, and the collection years (and episode dates) it is valid for."""

    code: str
    label: str = ""
    first_year: int | None = None
    last_year: int | None = None
    until: date | None = None  # not valid for an episode starting after this day

    def valid_in(self, year: int) -> bool:
        """True when the code is in collection year ``year``'s list."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )

    def windowed_text(self) -> str:
        """The years or dates the code is limited to, in words (blank when it has no limit)."""
        if self.first_year is None and self.last_year is None and self.until is None:
            return ""
        return "valid " + self.years_text()

    def years_text(self) -> str:
        """The years the code is valid, in words (``2016 to 2025``, ``from 2026``)."""
        if self.first_year is None and self.last_year is None:
            text = "every year"
        elif self.first_year is None:
            text = f"up to collection year {self.last_year}"
        elif self.last_year is None:
            text = f"from collection year {self.first_year}"
        else:
            text = f"collection years {self.first_year} to {self.last_year}"
        if self.until is not None:
            text += f", for episodes starting up to {self.until:%d %B %Y}"
        return text


@dataclass(frozen=True)
class CodeList:
    """The codes of one column, with the source they come from."""

    table: str
    column: str
    codes: tuple[Code, ...]
    source: str

    @property
    def all_codes(self) -> set[str]:
        """Every code valid in any year."""
        return {code.code for code in self.codes}

    def windowed(self) -> list[Code]:
        """The codes valid only in some years or for some dates."""
        return [c for c in self.codes if c.first_year or c.last_year or c.until]

    def labels(self, year: int | None = None) -> dict[str, str]:
        """``{code: label}`` of the codes valid in ``year`` (every code when None)."""
        return {c.code: c.label for c in self.codes if year is None or c.valid_in(year)}


def _plain(*codes: str) -> tuple[Code, ...]:
    return tuple(Code(code) for code in codes)


_903 = f"{GUIDE}, {GUIDE_YEARS}"

#: REASON_PLACE_CHANGE: labels paraphrase the guide's descriptions (CUSTOD listed from 2022-23).
REASON_PLACE_CHANGE = CodeList("episodes", "REASON_PLACE_CHANGE", (
    Code("CARPL", "Change to or carrying out the care plan"),
    Code("CLOSE", "Provider resigned or the placement closed"),
    Code("ALLEG", "Allegation (section 47 enquiry)"),
    Code("STAND", "Concerns about the standard of care"),
    Code("APPRR", "Carer's approval removed"),
    Code("CREQB", "Carer asked for the placement to end because of the child's behaviour"),
    Code("CREQO", "Carer asked for the placement to end for another reason"),
    Code("CHILD", "Child asked for the placement to end"),
    Code("LAREQ", "Local authority asked for the placement to end"),
    Code("PLACE", "Change of placement status only"),
    Code("CUSTOD", "Child went into custody"),
    Code("OTHER", "Other reason"),
), f"{_903} (reasons for placement change; validator rule 1009)")  # fmt: skip

#: SW_REASON: the social worker module's reasons for a change of social worker.
SW_REASON = CodeList("social_workers", "SW_REASON", (
    Code("MANAGE", "Management decision to reallocate the case"),
    Code("FCONTA", "Child or family asked for a change"),
    Code("LEFTRL", "Social worker left the role"),
    Code("ORGRST", "Organisational restructure"),
    Code("TSPROC", "Transfer between teams as part of the usual process"),
    Code("ABSENC", "Social worker absent (for example sickness or leave)"),
    Code("CHCHAN", "Change in the child's circumstances"),
    Code("PCCHAN", "Change of placement"),
    Code("SWDIED", "Social worker died"),
    Code("OTHERS", "Other reason"),
), f"{GUIDE}, 2023 to 2024 and 2024 to 2025 (social worker module; validator rule SW13)")  # fmt: skip

PLACE = CodeList("episodes", "PLACE", (
    *_plain("A3", "A4", "A5", "A6", "K1", "K2", "P1", "P3", "R1", "R2", "R3", "R5", "S1",
            "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6"),
    Code("H5", last_year=2025),
    Code("P2", last_year=2025, until=date(2023, 10, 27)),
    Code("Z1", last_year=2025),
    Code("K3", first_year=2026),
    *(Code(code, first_year=2026) for code in ("Z11", "Z12", "Z13", "Z14")),
), f"{_903} (placement types; validator rules 146 and 217t)")  # fmt: skip

SEX = CodeList("header", "SEX", (
    Code("1", "Male", last_year=2024), Code("2", "Female", last_year=2024),
    Code("M", "Male", first_year=2025), Code("F", "Female", first_year=2025),
    Code("U", "Not known", first_year=2025),
), f"{_903} (sex: 1/2 up to 2023 to 2024, M/F/U from 2024 to 2025; validator rule 101)")  # fmt: skip

ETHNIC = CodeList("header", "ETHNIC", _plain(
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
), f"{_903} (ethnicity; validator rule 103)")  # fmt: skip

CODE_LISTS: tuple[CodeList, ...] = (
    SEX,
    ETHNIC,
    CodeList("header", "UASC", _plain("0", "1"), "Project layout before the 903 uasc table"),
    CodeList("episodes", "RNE", _plain("S", "P", "L", "T", "U", "B"),
             f"{_903} (reason for new episode; validator rule 143)"),
    CodeList("episodes", "LS", _plain(
        "C1", "C2", "D1", "E1", "V2", "V3", "V4", "J1", "J2", "J3", "L1", "L2", "L3"),
        f"{_903} (legal status; validator rule 144)"),
    CodeList("episodes", "CIN", _plain(*(f"N{i}" for i in range(1, 9))),
             f"{_903} (category of need; validator rule 145)"),
    PLACE,
    CodeList("episodes", "PLACE_PROVIDER", _plain(*(f"PR{i}" for i in range(6))),
             f"{_903} (placement provider; validator rule 178)"),
    CodeList("episodes", "REC", _plain(
        "X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46",
        "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9"),
        f"{_903} (reason episode ceased; validator rule 149)"),
    REASON_PLACE_CHANGE,
    SW_REASON,
    CodeList("school_census", "CENSUS_TERM", _plain("AUTUMN", "SPRING", "SUMMER"),
             "DfE school census guide (term of the census)"),
    CodeList("school_census", "SEN_PROVISION", _plain("N", "K", "E"),
             "DfE school census guide (SEN provision: none, SEN support, EHC plan)"),
    CodeList("school_census", "PHASE", _plain("PR", "MP", "MS", "SE", "AT", "PS", "SP", "NS"),
             "DfE Get Information about Schools (phase of education)"),
)  # fmt: skip

BY_COLUMN: dict[tuple[str, str], CodeList] = {(c.table, c.column): c for c in CODE_LISTS}
