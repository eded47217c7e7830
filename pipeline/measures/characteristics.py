"""Child characteristics at 31 March: the breakdown labels of ``CHARACTERISTICS``."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.geography import la_lookup
from pipeline.inputs.tables import ETHNIC_GROUPS, SEMH_NEED
from pipeline.measures.schema import CHARACTERISTICS, LEGAL_STATUS_GROUPS, PLACEMENT_TYPE_GROUPS

SEN_PROVISION_LABELS = {"N": "No SEN", "K": "SEN support", "E": "EHC plan"}
PHASE_LABELS = {"PR": "Primary", "MP": "Primary", "MS": "Secondary", "SE": "Secondary"}
#: SEX is 1/2 up to the 2023-24 return and M/F/U from 2024-25 (pipeline.inputs.code_lists).
GENDER_LABELS = {"1": "Male", "2": "Female", "M": "Male", "F": "Female"}
NOT_KNOWN = "Not known"


class MeasuresInputError(ValueError):
    """Input rows the measures cannot label (a code outside the SSDA903 lists)."""


def _case(column: str, labels: dict[str, str], otherwise: str = "NULL") -> str:
    """SQL ``CASE`` mapping the codes of ``column`` to labels."""
    quoted = {code: label.replace("'", "''") for code, label in labels.items()}
    arms = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in quoted.items())
    return f"CASE {column} {arms} ELSE {otherwise} END"


def _age_band(column: str, bands: list[tuple[int, str]]) -> str:
    """SQL ``CASE`` putting an age into bands given as (lowest age, label), ascending."""
    arms = " ".join(f"WHEN {column} >= {low} THEN '{label}'" for low, label in reversed(bands))
    return f"CASE {arms} END"


def create_child_characteristics(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``child_characteristics``: one row per ``C(Y)`` child with every breakdown label.

    Age and time in care at 31 March; gender (``SEX``); ethnicity group (``ETHNIC``); placement
    type, legal status and location (``PL_LA`` against the LA's 3-digit or ONS code) of the
    episode open at 31 March; age at the start of the current period of care; SEN provision,
    SEMH need and phase from the child's latest census row in the year (``Not known`` outside
    the school cohort); UASC from the header (filled from the 903 uasc table; blank = not known); census match; social worker module supplied.
    Raises :class:`MeasuresInputError` naming the rows whose codes have no label.
    """
    ons = pd.DataFrame(
        [(code, info["new_la_code"]) for code, info in la_lookup().items()],
        columns=["LA", "ONS_CODE"],
    )
    con.register("la_ons_codes", ons)
    age = _age_band(
        "c.age",
        [(0, "Under 1"), (1, "1 to 4"), (5, "5 to 9"), (10, "10 to 15"), (16, "16 and over")],
    )
    entry = _age_band(
        "c.age_at_entry",
        [(0, "Under 1"), (1, "1 to 4"), (5, "5 to 11"), (12, "12 to 15"), (16, "16 and over")],
    )
    labels = {
        "age_group": age,
        "gender": _case("c.SEX", GENDER_LABELS),
        "ethnicity_group": _case("c.ETHNIC", ETHNIC_GROUPS),
        "placement_type_group": _case("c.PLACE", PLACEMENT_TYPE_GROUPS),
        "legal_status_group": _case("c.LS", LEGAL_STATUS_GROUPS),
        "time_in_care": "CASE WHEN c.period_start <= make_date(c.YEAR - 1, 3, 31) "
        "THEN '12 months or more' ELSE 'Under 12 months' END",
        "age_at_entry_group": entry,
        "placement_location": f"""CASE WHEN c.PL_LA IS NULL THEN '{NOT_KNOWN}'
                 WHEN c.PL_LA = l.la_code OR c.PL_LA = o.ONS_CODE THEN 'Inside the LA boundary'
                 ELSE 'Outside the LA boundary' END""",
        "sen_provision": f"""CASE WHEN r.CHILD IS NULL THEN '{NOT_KNOWN}'
                 ELSE {_case("r.SEN_PROVISION", SEN_PROVISION_LABELS, f"'{NOT_KNOWN}'")} END""",
        "semh_need": f"""CASE WHEN r.CHILD IS NULL THEN '{NOT_KNOWN}'
                 WHEN r.SEN_PRIMARY_NEED = '{SEMH_NEED}' THEN 'SEMH primary need'
                 ELSE 'Other or no primary need' END""",
        "uasc": f"""CASE WHEN c.UASC = '1' THEN 'Unaccompanied asylum-seeking child'
                 WHEN c.UASC = '0' THEN 'Not an unaccompanied asylum-seeking child'
                 ELSE '{NOT_KNOWN}' END""",
        "school_phase": f"""CASE WHEN r.CHILD IS NULL THEN 'Other or not known'
                 ELSE {_case("r.PHASE", PHASE_LABELS, "'Other or not known'")} END""",
        "school_census_match": """CASE WHEN c.age < 5 THEN 'Under 5 (not in the school cohort)'
                 WHEN r.CHILD IS NULL THEN 'Not matched' ELSE 'Matched' END""",
        "sw_data_supplied": "CASE WHEN s.LA IS NULL THEN 'Not supplied' ELSE 'Supplied' END",
    }
    _create_label_types(con)
    columns = ",\n            ".join(
        f"CAST({sql} AS {_label_type(column)}) AS {column}" for column, sql in labels.items()
    )
    con.execute(
        f"""
        CREATE TABLE child_characteristics AS
        SELECT c.LA, c.CHILD, c.YEAR,
            {columns},
            c.DECOM
        FROM cohort c
        LEFT JOIN latest_census_row r USING (LA, CHILD, YEAR)
        LEFT JOIN sw_supplied s ON s.LA = c.LA AND s.YEAR = c.YEAR
        JOIN la_keys l ON l.LA = c.LA
        LEFT JOIN la_ons_codes o ON o.LA = l.la_code
        """
    )
    _check_labelled(con)


def _label_type(column: str) -> str:
    """Name of the SQL ``ENUM`` type holding the labels of the characteristic ``column``."""
    return f"{column}_label"


def _create_label_types(con: duckdb.DuckDBPyConnection) -> None:
    """One ``ENUM`` type per characteristic, its values the labels of ``CHARACTERISTICS``.

    The labels are held as small integers while the child-level rows are joined and come out
    as dictionary-encoded Arrow (:mod:`pipeline.measures.engine` decodes them once, when the
    batches are stacked), instead of as a text value on every child row of every period. A
    label outside the list stops the run (a conversion error), so none is lost.
    """
    for column, (_, categories) in CHARACTERISTICS.items():
        values = ", ".join("'" + label.replace("'", "''") + "'" for label in categories)
        con.execute(f"CREATE TYPE {_label_type(column)} AS ENUM ({values})")


def _check_labelled(con: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`MeasuresInputError` when a code has no breakdown label."""
    checks = {
        "gender": ("header", "SEX"),
        "ethnicity_group": ("header", "ETHNIC"),
        "placement_type_group": ("episodes", "PLACE"),
        "legal_status_group": ("episodes", "LS"),
    }
    problems = []
    for column, (table, source) in checks.items():
        bad = con.execute(
            f"""
            SELECT l.la_code, i.child_code, k.YEAR, k.DECOM, c.{source} AS value
            FROM child_characteristics k JOIN cohort c USING (LA, CHILD, YEAR)
            JOIN la_keys l ON l.LA = k.LA JOIN child_keys i ON i.CHILD = k.CHILD
            WHERE k.{column} IS NULL ORDER BY ALL LIMIT 5
            """
        ).fetchall()
        problems += [
            f"{table}: LA {la}, CHILD {child}"
            + (f", episode starting {decom:%d/%m/%Y}" if table == "episodes" else "")
            + f" (year {year}): {source} {value!r} is not a known code"
            for la, child, year, decom, value in bad
        ]
    if problems:
        raise MeasuresInputError("Codes with no breakdown label:\n" + "\n".join(problems))
