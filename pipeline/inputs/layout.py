"""The tables of an SSDA903 return as local authorities export them, and how files are recognised.

An LA's case-management system exports each year's SSDA903 return as a set of CSV tables
(the DfE's *SSDA903 guide* of each collection year lists their columns): ``header``,
``episodes``, ``uasc``, ``ad1``, ``placed_for_adoption``, ``previous_permanence``,
``missing``, ``oc2``, ``oc3``, ``reviews`` and the social worker episodes. The index reads the
first four it needs (``header``, ``episodes``, ``uasc``, social worker episodes) plus the
optional NPD-style ``school_census``; the other 903 tables are accepted and listed once in the
validation report as "read, not used".

A file is recognised by its name (ignoring case, the ``.csv`` suffix and any prefix or suffix
around the table's name, so ``SSDA903_2024_Episodes.csv`` is ``episodes``), else by its columns
(:attr:`TableSpec.signature`). The exported tables carry no ``LA`` column: the LA comes from
the ``--la`` option, or from the folder (``INPUT/<year>/<LA code>/<table>.csv``). A file with
an ``LA`` column (the project's earlier layout, one file for all of England) is still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Where the columns below come from.
SOURCE = "DfE, SSDA903 children looked after return: guide (2023 to 2024 and 2024 to 2025)"


@dataclass(frozen=True)
class TableSpec:
    """One table of the return.

    Attributes:
        name: the index's name for it (``social_workers`` is the 903 social worker episodes).
        file_names: folded names a file of this table may have (longest are tried first).
        columns: the table's columns as exported (extra columns are reported as unused).
        required: columns that must be in the file (the rest may be absent).
        signature: columns that identify the table when the file name does not.
        used: True when the measures read the table.
    """

    name: str
    file_names: tuple[str, ...]
    columns: tuple[str, ...]
    required: tuple[str, ...]
    signature: frozenset[str]
    used: bool = True


#: The NPD-style school census extract: every column is needed.
_CENSUS_COLUMNS = (
    "UPN",
    "URN",
    "CENSUS_TERM",
    "CENSUS_DATE",
    "ENTRY_DATE",
    "NCYEAR",
    "SEN_PROVISION",
    "SEN_PRIMARY_NEED",
    "PHASE",
    "IS_PRU",
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "header",
        ("header",),
        ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "UASC"),
        ("CHILD", "SEX", "DOB", "ETHNIC", "UPN"),
        frozenset({"CHILD", "ETHNIC"}),
    ),
    TableSpec(
        "episodes",
        ("episodes", "episode"),
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
            "PL_LA",
        ),
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
        ),
        frozenset({"CHILD", "DECOM", "RNE"}),
    ),  # fmt: skip
    TableSpec(
        "uasc",
        ("uasc",),
        ("CHILD", "SEX", "DOB", "DUC"),
        ("CHILD", "DUC"),
        frozenset({"CHILD", "DUC"}),
    ),
    TableSpec(
        "social_workers",
        (
            "social_workers",
            "social_worker_episodes",
            "sw_episodes",
            "swepisodes",
            "social_worker",
            "sw_episode",
        ),
        ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
        ("CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
        frozenset({"CHILD", "SW_ID", "SW_DECOM"}),
    ),  # fmt: skip
    TableSpec(
        "school_census",
        ("school_census", "census"),
        _CENSUS_COLUMNS,
        _CENSUS_COLUMNS,
        frozenset({"UPN", "CENSUS_TERM"}),
    ),
    TableSpec(
        "ad1",
        ("ad1",),
        (
            "CHILD",
            "DOB",
            "DATE_INT",
            "DATE_MATCH",
            "FOSTER_CARE",
            "NB_ADOPTR",
            "SEX_ADOPTR",
            "LS_ADOPTR",
        ),
        (),
        frozenset({"DATE_INT", "DATE_MATCH"}),
        used=False,
    ),  # fmt: skip
    TableSpec(
        "placed_for_adoption",
        ("placed_for_adoption", "placedadoption", "placed_adoption"),
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        (),
        frozenset({"DATE_PLACED"}),
        used=False,
    ),
    TableSpec(
        "previous_permanence",
        ("previous_permanence", "prevperm", "prev_perm"),
        ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
        (),
        frozenset({"PREV_PERM"}),
        used=False,
    ),
    TableSpec(
        "missing",
        ("missing",),
        ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
        (),
        frozenset({"MIS_START"}),
        used=False,
    ),
    TableSpec(
        "oc2",
        ("oc2",),
        (
            "CHILD",
            "DOB",
            "SDQ_SCORE",
            "SDQ_REASON",
            "CONVICTED",
            "HEALTH_CHECK",
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ),
        (),
        frozenset({"SDQ_SCORE"}),
        used=False,
    ),  # fmt: skip
    TableSpec(
        "oc3",
        ("oc3",),
        ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
        (),
        frozenset({"IN_TOUCH"}),
        used=False,
    ),
    TableSpec(
        "reviews",
        ("reviews", "review"),
        ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
        (),
        frozenset({"REVIEW_CODE"}),
        used=False,
    ),
)

SPECS: dict[str, TableSpec] = {spec.name: spec for spec in TABLES}

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_BY_NAME = sorted(
    ((alias, spec.name) for spec in TABLES for alias in spec.file_names),
    key=lambda pair: -len(pair[0]),
)


def fold_file_name(name: str) -> str:
    """Lower-case ``name`` without ``.csv``, every run of other characters one underscore."""
    stem = name.lower().removesuffix(".csv")
    return _NOT_WORD.sub("_", stem).strip("_")


def table_from_name(name: str) -> str | None:
    """The table a file name names (``SSDA903_Episodes_2024.csv`` -> ``episodes``), or None."""
    stem = f"_{fold_file_name(name)}_"
    for alias, table in _BY_NAME:
        if f"_{alias}_" in stem:
            return table
    return None


def table_from_columns(columns: list[str]) -> str | None:
    """The one table whose signature columns are all in ``columns`` (canonical names), or None."""
    present = set(columns)
    matches = [spec.name for spec in TABLES if spec.signature <= present]
    if "uasc" in matches and "header" in matches:  # a header with a DUC column is still a header
        matches.remove("uasc")
    return matches[0] if len(matches) == 1 else None
