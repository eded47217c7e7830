"""The periods of METHODS.md section 4: windows, counts and flags per child and period."""

from __future__ import annotations

import duckdb

from pipeline.measures.catalogue import PERIODS
from pipeline.measures.placement_moves import placement_moves_sql
from pipeline.measures.school_moves import school_moves_sql
from pipeline.measures.social_worker_changes import social_worker_changes_sql

#: Multi-year periods: name -> number of earlier years the window reaches back.
EARLIER_YEARS = {"2y": 1, "3y": 2, "4y": 3}


def create_child_windows(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``child_windows``: the date windows counted for each child row.

    One ``part = 'main'`` row per ``LA x CHILD x YEAR x PERIOD``:

    * ``1y``: year Y, cohort ``C(Y)``;
    * ``2y``/``3y``/``4y``: years Y-1 (Y-2, Y-3) to Y, children of ``C(Y)`` looked after at
      least one day in the first year, only when every earlier year is in the input; ``split``
      is 1 April Y-1, the start of the two-year period's second year;
    * ``consecutive``: year Y for ``C2(Y)``, plus a ``part = 'previous'`` row for year Y-1.

    ``PERIOD`` and ``part`` are ``ENUM`` values (joined and grouped as small integers; the
    periods come out as an Arrow dictionary, decoded when the batches are stacked).
    ``school_ok``: in the school cohort of Y (``consecutive``: of both Y-1 and Y).
    ``sw_ok``: in the social worker cohort of Y and the LA supplied the module for every year
    of the window (``consecutive``: in the social worker cohort of both years).
    """
    con.execute(
        """
        CREATE TABLE cohort_flags AS
        SELECT c.LA, c.CHILD, c.YEAR, c.UPN, c.year_start, c.march_31,
               s.CHILD IS NOT NULL AS in_school, w.CHILD IS NOT NULL AS in_sw
        FROM cohort c
        LEFT JOIN school_cohort s USING (LA, CHILD, YEAR)
        LEFT JOIN sw_cohort w USING (LA, CHILD, YEAR);
        """
    )
    parts = [
        """
        SELECT LA, CHILD, YEAR, '1y' AS PERIOD, 'main' AS part, year_start AS window_start,
               march_31 AS window_end, march_31 + 1 AS split, UPN, in_school AS school_ok,
               in_sw AS sw_ok
        FROM cohort_flags
        """
    ]
    for period, back in EARLIER_YEARS.items():
        supplied = " AND ".join(
            f"EXISTS (SELECT 1 FROM sw_supplied s WHERE s.LA = c.LA AND s.YEAR = c.YEAR - {k})"
            for k in range(1, back + 1)
        )
        in_input = " AND ".join(
            f"c.YEAR - {k} IN (SELECT YEAR FROM years)" for k in range(1, back + 1)
        )
        parts.append(
            f"""
            SELECT c.LA, c.CHILD, c.YEAR, '{period}', 'main',
                   make_date(c.YEAR - {back + 1}, 4, 1), c.march_31, c.year_start, c.UPN,
                   c.in_school, c.in_sw AND {supplied}
            FROM cohort_flags c
            JOIN looked_after_in_year l
              ON l.LA = c.LA AND l.CHILD = c.CHILD AND l.YEAR = c.YEAR - {back}
            WHERE {in_input}
            """
        )
    consecutive = """
        SELECT c.LA, c.CHILD, c.YEAR, 'consecutive' AS PERIOD, part.name, part.window_start,
               part.window_end, part.window_end + 1, c.UPN,
               c.in_school AND coalesce(p.in_school, false),
               c.in_sw AND coalesce(p.in_sw, false)
        FROM cohort_flags c
        JOIN looked_after_in_year l ON l.LA = c.LA AND l.CHILD = c.CHILD AND l.YEAR = c.YEAR - 1
        LEFT JOIN cohort_flags p ON p.LA = c.LA AND p.CHILD = c.CHILD AND p.YEAR = c.YEAR - 1
        CROSS JOIN LATERAL (
            SELECT 'main' AS name, c.year_start AS window_start, c.march_31 AS window_end
            UNION ALL
            SELECT 'previous', make_date(c.YEAR - 2, 4, 1), make_date(c.YEAR - 1, 3, 31)
        ) part
        WHERE c.YEAR - 1 IN (SELECT YEAR FROM years)
    """
    parts.append(consecutive)
    periods = ", ".join(f"'{period}'" for period in PERIODS)
    con.execute(
        f"""
        CREATE TYPE period_label AS ENUM ({periods});
        CREATE TYPE window_part AS ENUM ('main', 'previous');
        CREATE TABLE child_windows AS
        SELECT * REPLACE (CAST(PERIOD AS period_label) AS PERIOD, CAST(part AS window_part) AS part)
        FROM ({" UNION ALL ".join(parts)})
        """
    )


def create_window_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Tables ``placement_counts``, ``school_counts`` and ``sw_counts``, one row per window
    with at least one counted change (other windows have none)."""
    con.execute(f"CREATE TABLE placement_counts AS {placement_moves_sql('child_windows')}")
    con.execute(f"CREATE TABLE school_counts AS {school_moves_sql('child_windows')}")
    con.execute(f"CREATE TABLE sw_counts AS {social_worker_changes_sql('child_windows')}")


def child_level_sql() -> str:
    """SQL of the child-level table: counts, cohorts, flags and characteristics per period.

    Flags (METHODS.md section 3): ``placement_Nplus`` = at least N moves; ``school_any`` /
    ``school_midyear`` = at least one (mid-year) school move, school cohort only; ``sw_Nplus``
    = at least N changes, social worker cohort only; combined flags on complete cases only
    (school and social worker cohorts). ``*_previous_year`` flags: year Y-1, ``consecutive`` only.
    Long-term stability (DfE): under 16 at 31 March, in care continuously for 2.5 years, with
    the same carer for 2 years or more.
    """
    return """
    WITH counted AS (
        SELECT w.LA, w.CHILD, w.YEAR, w.PERIOD, w.part, w.school_ok, w.sw_ok,
            coalesce(p.placement_moves, 0) AS placement_moves,
            coalesce(p.placement_moves_first_part, 0) AS placement_first,
            CASE WHEN w.school_ok THEN coalesce(s.school_moves, 0) END AS school_moves,
            CASE WHEN w.school_ok THEN coalesce(s.school_midyear_moves, 0) END
                AS school_midyear_moves,
            CASE WHEN w.school_ok THEN coalesce(s.school_moves_first_part, 0) END AS school_first,
            CASE WHEN w.sw_ok THEN coalesce(c.sw_changes, 0) END AS sw_changes,
            CASE WHEN w.sw_ok THEN coalesce(c.sw_changes_excl_tsproc, 0) END
                AS sw_changes_excl_tsproc,
            CASE WHEN w.sw_ok THEN coalesce(c.sw_changes_first_part, 0) END AS sw_first
        FROM child_windows w
        LEFT JOIN placement_counts p USING (LA, CHILD, YEAR, PERIOD, part)
        LEFT JOIN school_counts s USING (LA, CHILD, YEAR, PERIOD, part)
        LEFT JOIN sw_counts c USING (LA, CHILD, YEAR, PERIOD, part)
    ), flagged AS (
        SELECT *,
            placement_moves >= 1 AS placement_1plus,
            placement_moves >= 2 AS placement_2plus,
            placement_moves >= 4 AS placement_4plus,
            school_moves >= 1 AS school_any,
            school_midyear_moves >= 1 AS school_midyear,
            sw_changes >= 1 AS sw_1plus,
            sw_changes >= 2 AS sw_2plus,
            sw_changes_excl_tsproc >= 2 AS sw_2plus_excl_tsproc,
            school_ok AND sw_ok AS complete_case
        FROM counted
    ), main AS (SELECT * FROM flagged WHERE part = 'main'),
    previous AS (SELECT * FROM flagged WHERE part = 'previous')
    SELECT m.LA, m.CHILD, m.YEAR, m.PERIOD,
        m.placement_moves, m.school_moves, m.school_midyear_moves, m.sw_changes,
        m.sw_changes_excl_tsproc,
        CASE WHEN m.PERIOD = '2y' THEN m.placement_first END AS placement_moves_first_year,
        CASE WHEN m.PERIOD = '2y' THEN m.placement_moves - m.placement_first END
            AS placement_moves_second_year,
        CASE WHEN m.PERIOD = '2y' THEN m.school_first END AS school_moves_first_year,
        CASE WHEN m.PERIOD = '2y' THEN m.school_moves - m.school_first END
            AS school_moves_second_year,
        CASE WHEN m.PERIOD = '2y' THEN m.sw_first END AS sw_changes_first_year,
        CASE WHEN m.PERIOD = '2y' THEN m.sw_changes - m.sw_first END AS sw_changes_second_year,
        m.school_ok AS in_school_cohort, m.sw_ok AS in_sw_cohort,
        k.age < 16 AND k.period_start <= k.march_31 - INTERVAL 30 MONTH AS in_long_term_cohort,
        m.placement_1plus, m.placement_2plus, m.placement_4plus, m.school_any, m.school_midyear,
        m.sw_1plus, m.sw_2plus, m.sw_2plus_excl_tsproc,
        CASE WHEN m.complete_case THEN m.placement_1plus OR m.school_any OR m.sw_1plus END
            AS any_change,
        CASE WHEN m.complete_case THEN NOT (m.placement_1plus OR m.school_any OR m.sw_1plus) END
            AS no_change,
        CASE WHEN m.complete_case THEN m.placement_2plus OR m.school_midyear OR m.sw_2plus END
            AS multiple_any,
        CASE WHEN m.complete_case THEN m.placement_1plus AND m.school_any AND m.sw_1plus END
            AS all_three,
        CASE WHEN m.complete_case THEN m.placement_2plus AND m.school_midyear AND m.sw_2plus END
            AS all_three_high,
        CASE WHEN in_long_term_cohort THEN t.carer_start <= k.march_31 - INTERVAL 2 YEAR END
            AS long_term_stable,
        p.placement_2plus AS placement_2plus_previous_year,
        p.school_any AS school_any_previous_year,
        p.school_midyear AS school_midyear_previous_year,
        p.sw_2plus AS sw_2plus_previous_year,
        h.* EXCLUDE (LA, CHILD, YEAR, DECOM)
    FROM main m
    JOIN cohort k USING (LA, CHILD, YEAR)
    JOIN carer_start t USING (LA, CHILD, YEAR)
    JOIN child_characteristics h USING (LA, CHILD, YEAR)
    LEFT JOIN previous p USING (LA, CHILD, YEAR, PERIOD)
    """
