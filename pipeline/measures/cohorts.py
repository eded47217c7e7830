"""The cohorts of METHODS.md section 2, as DuckDB tables.

Conventions (see docs/methodology-decisions.md):

* an episode covers the days from ``DECOM`` up to the day before ``DEC``: a child whose episode
  ends on 31 March is not looked after at 31 March, and an episode ending on 1 April did not
  reach into the year starting that day;
* "looked after" uses episodes other than short breaks (rule 3 drops them first).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.inputs.tables import REC_STILL_LOOKED_AFTER
from pipeline.measures.prepare import sql_list, with_codes_sql

#: Exclusion reasons, as published in the data quality table.
EXCLUDED_SHORT_BREAKS = "Short breaks only"
EXCLUDED_AGED_18 = "Aged 18 or over at 31 March"
EXCLUDED_NO_DOB = "No header record or date of birth"
NOT_MATCHED_TO_CENSUS = "Aged 5 or over, not matched to the school census"
CENSUS_ROWS_NOT_MATCHED = "School census pupils not matched to a child looked after"


def age_sql(dob: str, on: str) -> str:
    """SQL for the age in whole years of someone born on ``dob`` on the date ``on``."""
    return (
        f"(year({on}) - year({dob}) - CASE WHEN month({dob}) > month({on}) OR "
        f"(month({dob}) = month({on}) AND day({dob}) > day({on})) THEN 1 ELSE 0 END)"
    )


def create_year_dates(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``year_dates``: each collection year's first day (1 April Y-1) and 31 March Y."""
    con.execute(
        """
        CREATE TABLE year_dates AS
        SELECT YEAR, make_date(YEAR - 1, 4, 1) AS year_start, make_date(YEAR, 3, 31) AS march_31
        FROM years
        """
    )


def create_periods_of_care(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``episodes_poc``: non-short-break episodes with the start of their period of care.

    A period of care is a run of episodes each starting when the previous one ended with a new
    episode the same day (``REC`` ``X1``). A new period starts with the child's first episode,
    an ``RNE`` ``S`` episode, a gap, or an episode after one that ceased with an ``E`` code.
    """
    still = sql_list(REC_STILL_LOOKED_AFTER)
    con.execute(
        f"""
        CREATE TABLE episodes_poc AS
        WITH flagged AS (
            SELECT *,
                CASE WHEN lag(DECOM) OVER w IS NULL OR RNE = 'S' THEN 1
                     WHEN lag(DEC) OVER w IS NOT NULL AND (DECOM > lag(DEC) OVER w
                          OR coalesce(lag(REC) OVER w NOT IN {still}, false)) THEN 1
                     ELSE 0 END AS new_period
            FROM episodes
            WINDOW w AS (PARTITION BY LA, CHILD ORDER BY DECOM)
        ), numbered AS (
            SELECT *, sum(new_period) OVER (
                PARTITION BY LA, CHILD ORDER BY DECOM ROWS UNBOUNDED PRECEDING) AS period_id
            FROM flagged
        )
        SELECT * EXCLUDE (new_period),
               min(DECOM) OVER (PARTITION BY LA, CHILD, period_id) AS period_start
        FROM numbered
        """
    )


def create_year_cohort(con: duckdb.DuckDBPyConnection) -> None:
    """Tables ``cohort`` (``C(Y)``) and ``excluded_children`` (METHODS.md section 2).

    ``C(Y)``: children with an episode other than a short break open at 31 March Y (started on
    or before, not ended by then), aged under 18 at 31 March. Children looked after at 31 March
    only under a short break (``LS`` ``V3``/``V4``), aged 18 or over, or without a date of birth
    are counted in ``excluded_children`` with the reason, never dropped silently. ``cohort``
    carries the episode open at 31 March, the header fields, the age and the period-of-care start.
    """
    con.execute(
        """
        CREATE TABLE open_at_31 AS
        SELECT e.*, y.YEAR, y.year_start, y.march_31
        FROM episodes_poc e JOIN year_dates y
          ON e.DECOM <= y.march_31 AND (e.DEC IS NULL OR e.DEC > y.march_31)
        QUALIFY row_number() OVER (PARTITION BY e.LA, e.CHILD, y.YEAR ORDER BY e.DECOM DESC) = 1;

        CREATE TABLE short_break_at_31 AS
        SELECT DISTINCT s.LA, s.CHILD, s.YEAR
        FROM (
            SELECT e.LA, e.CHILD, y.YEAR
            FROM episodes_all e JOIN year_dates y
              ON e.DECOM <= y.march_31 AND (e.DEC IS NULL OR e.DEC > y.march_31)
            WHERE e.short_break
        ) s
        ANTI JOIN open_at_31 o USING (LA, CHILD, YEAR);

        CREATE TABLE candidates AS
        SELECT o.LA, o.CHILD, o.YEAR, o.year_start, o.march_31, o.DECOM, o.PLACE, o.LS,
               o.PL_LA, o.period_start, h.DOB, h.SEX, h.ETHNIC, h.UPN, h.UASC,
               CASE WHEN h.DOB IS NULL THEN NULL ELSE """
        + age_sql("h.DOB", "o.march_31")
        + """ END AS age,
               CASE WHEN h.DOB IS NULL THEN NULL ELSE """
        + age_sql("h.DOB", "o.period_start")
        + """ END AS age_at_entry
        FROM open_at_31 o LEFT JOIN header h USING (LA, CHILD);

        CREATE TABLE cohort AS
        SELECT * FROM candidates WHERE age IS NOT NULL AND age < 18;

        CREATE TABLE excluded_children AS
        SELECT LA, YEAR, 'SHORT' AS reason_code, CHILD FROM short_break_at_31
        UNION ALL
        SELECT LA, YEAR, 'AGE18', CHILD FROM candidates WHERE age >= 18
        UNION ALL
        SELECT LA, YEAR, 'NODOB', CHILD FROM candidates WHERE age IS NULL;
        """
    )


def create_looked_after_in_year(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``looked_after_in_year``: ``LA, CHILD, YEAR`` for every year with a day in care.

    Used for the two-, three- and four-year cohorts ("looked after for at least one day in
    Y-1", METHODS.md section 2): an episode other than a short break starting on or before
    31 March and not ended by the year's first day.
    """
    con.execute(
        """
        CREATE TABLE looked_after_in_year AS
        SELECT DISTINCT e.LA, e.CHILD, y.YEAR
        FROM episodes e JOIN year_dates y
          ON e.DECOM <= y.march_31 AND (e.DEC IS NULL OR e.DEC > y.year_start)
        """
    )


def create_school_cohort(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``school_cohort``: children of ``C(Y)`` aged 5+ found by UPN in a census in year Y.

    Also ``latest_census_row``: the child's latest census row dated in the collection year
    (for SEN provision, SEMH need and phase), and ``census_unmatched``: census pupils of an LA's
    return that match no child of that LA's ``C(Y)`` (a data quality count; LAs of the batch
    only, see :func:`pipeline.measures.prepare.load_tables`).
    """
    con.execute(
        """
        CREATE TABLE latest_census_row AS
        SELECT c.LA, c.CHILD, c.YEAR, s.SEN_PROVISION, s.SEN_PRIMARY_NEED, s.PHASE
        FROM cohort c JOIN census s
          ON s.UPN = c.UPN AND s.CENSUS_DATE BETWEEN c.year_start AND c.march_31
        WHERE c.age >= 5
        QUALIFY row_number() OVER (
            PARTITION BY c.LA, c.CHILD, c.YEAR ORDER BY s.CENSUS_DATE DESC, s.ENTRY_DATE DESC,
            s.URN) = 1;

        CREATE TABLE school_cohort AS SELECT LA, CHILD, YEAR FROM latest_census_row;

        CREATE TABLE census_unmatched AS
        SELECT s.LA, y.YEAR, count(DISTINCT s.UPN) AS children
        FROM census s JOIN year_dates y ON s.CENSUS_DATE BETWEEN y.year_start AND y.march_31
        WHERE s.LA IN (SELECT LA FROM batch_las) AND NOT EXISTS (
            SELECT 1 FROM cohort c
            WHERE c.UPN = s.UPN AND c.YEAR = y.YEAR AND c.LA = s.LA)
        GROUP BY s.LA, y.YEAR;
        """
    )


def create_social_worker_cohort(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``sw_cohort``: children of ``C(Y)`` in an LA-year that supplied the module with a
    social worker episode open at 31 March (METHODS.md section 2).

    Reads ``sw_episodes`` (cleaned by :mod:`pipeline.measures.social_worker_changes`).
    """
    con.execute(
        """
        CREATE TABLE sw_cohort AS
        SELECT DISTINCT c.LA, c.CHILD, c.YEAR
        FROM cohort c
        JOIN sw_supplied s ON s.LA = c.LA AND s.YEAR = c.YEAR
        JOIN sw_episodes w ON w.LA = c.LA AND w.CHILD = c.CHILD
             AND w.SW_DECOM <= c.march_31 AND (w.SW_DEC IS NULL OR w.SW_DEC > c.march_31)
        """
    )


def exclusions_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the ``exclusions`` frame: ``LA, YEAR, reason, children`` (contracts section 6)."""
    query = f"""
        SELECT LA, YEAR,
               CASE reason_code WHEN 'SHORT' THEN '{EXCLUDED_SHORT_BREAKS}'
                                WHEN 'AGE18' THEN '{EXCLUDED_AGED_18}'
                                ELSE '{EXCLUDED_NO_DOB}' END AS reason,
               count(DISTINCT CHILD) AS children
        FROM excluded_children GROUP BY ALL
        UNION ALL
        SELECT c.LA, c.YEAR, '{NOT_MATCHED_TO_CENSUS}', count(*)
        FROM cohort c ANTI JOIN school_cohort s USING (LA, CHILD, YEAR)
        WHERE c.age >= 5 GROUP BY ALL
        UNION ALL
        SELECT LA, YEAR, '{CENSUS_ROWS_NOT_MATCHED}', children FROM census_unmatched
    """
    return con.sql(with_codes_sql(query, child=False) + " ORDER BY LA, YEAR, reason").df()
