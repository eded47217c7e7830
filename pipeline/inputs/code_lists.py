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

The lists are data: ``pipeline/data/code_lists.csv`` (one row a list: table, column, source) and
``pipeline/data/codes.csv`` (one row a code: column, code, label, years, date), read once here;
``pipeline/data/SOURCES.md`` describes them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from importlib import resources

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


def _year(text: str) -> int | None:
    return int(text) if text else None


def _read_code_lists() -> tuple[CodeList, ...]:
    """The lists of ``code_lists.csv``, in its order, each with its codes from ``codes.csv``."""
    data = resources.files("pipeline.data")
    codes: dict[str, list[Code]] = {}
    with data.joinpath("codes.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            until = date.fromisoformat(row["until"]) if row["until"] else None
            code = Code(
                row["code"], row["label"], _year(row["first_year"]), _year(row["last_year"]), until
            )
            codes.setdefault(row["column"], []).append(code)
    lists = []
    with data.joinpath("code_lists.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["column"] not in codes:
                raise ValueError(f"codes.csv: no codes for the list of {row['column']}")
            source = row["source"].format(guide=GUIDE, guide_years=GUIDE_YEARS)
            lists.append(
                CodeList(row["table"], row["column"], tuple(codes.pop(row["column"])), source)
            )
    if codes:
        raise ValueError(f"codes.csv: codes of columns with no list: {sorted(codes)}")
    return tuple(lists)


#: Every code list, in the order of ``code_lists.csv``.
CODE_LISTS: tuple[CodeList, ...] = _read_code_lists()
BY_COLUMN: dict[tuple[str, str], CodeList] = {(c.table, c.column): c for c in CODE_LISTS}
#: REASON_PLACE_CHANGE: the reasons for a change of placement (labels paraphrase the guide).
REASON_PLACE_CHANGE = BY_COLUMN[("episodes", "REASON_PLACE_CHANGE")]
#: SW_REASON: the social worker module's reasons for a change of social worker.
SW_REASON = BY_COLUMN[("social_workers", "SW_REASON")]
