"""School moves (METHODS.md section 3, "School move": the CCO's 2019 method)."""

from __future__ import annotations

import duckdb

RULE_MIDYEAR = "mid-year school move"
RULE_START_OF_YEAR = "start-of-year school move"
RULE_PHASE_TRANSITION = "normal phase transition"
RULE_LINKED_SCHOOL = "linked school (academy conversion or merger)"
RULE_FIRST_SCHOOL = "first recorded school"

#: Phases in the order a pupil normally passes through them (primary or first, middle,
#: secondary). A start-of-year move up this order is a normal phase transition.
PHASE_ORDER = {"PR": 1, "MP": 2, "MS": 2, "SE": 3}


def create_school_enrolments(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``school_enrolments``: each census row where a pupil's school changes, with a rule.

    Census rows of a UPN are taken in date order; a row is an enrolment when its school differs
    from the previous row's after following ``school_links`` (a predecessor URN is the same
    school). The first recorded school is not a move. The move date is ``ENTRY_DATE`` (the census
    date when it is blank). Mid-year: 22 September to 31 July; start of year: 1 August to 21
    September. A start-of-year move to a school of a later phase is a normal phase transition:
    not counted in "any school move". Columns: ``UPN, date, census_date, rule, counts_any,
    midyear, is_move``. A move counts in a period when both its date and the census that first
    shows it fall inside the period, so every year is measured from the same three censuses
    (summer, autumn, spring) and the latest year is not short of the next summer census.
    """
    ranks = " ".join(f"WHEN '{code}' THEN {rank}" for code, rank in PHASE_ORDER.items())
    con.execute(
        f"""
        CREATE TABLE school_enrolments AS
        WITH ordered AS (
            SELECT UPN, URN, CANONICAL_URN, PHASE, CENSUS_DATE AS census_date,
                   coalesce(ENTRY_DATE, CENSUS_DATE) AS date,
                   lag(URN) OVER w AS previous_urn,
                   lag(CANONICAL_URN) OVER w AS previous_school,
                   lag(PHASE) OVER w AS previous_phase,
                   row_number() OVER w AS row_in_history
            FROM census
            WINDOW w AS (PARTITION BY UPN ORDER BY CENSUS_DATE, ENTRY_DATE, URN)
        ), changes AS (
            SELECT *,
                NOT (month(date) = 8 OR (month(date) = 9 AND day(date) <= 21)) AS midyear,
                (CASE PHASE {ranks} END) > (CASE previous_phase {ranks} END) AS later_phase
            FROM ordered
            WHERE row_in_history = 1 OR URN IS DISTINCT FROM previous_urn
        )
        SELECT UPN, date, census_date, midyear,
            CASE WHEN row_in_history = 1 THEN '{RULE_FIRST_SCHOOL}'
                 WHEN CANONICAL_URN = previous_school THEN '{RULE_LINKED_SCHOOL}'
                 WHEN midyear THEN '{RULE_MIDYEAR}'
                 WHEN coalesce(later_phase, false) THEN '{RULE_PHASE_TRANSITION}'
                 ELSE '{RULE_START_OF_YEAR}' END AS rule,
            rule IN ('{RULE_MIDYEAR}', '{RULE_START_OF_YEAR}') AS counts_any,
            rule IN ('{RULE_MIDYEAR}', '{RULE_START_OF_YEAR}', '{RULE_PHASE_TRANSITION}')
                AS is_move
        FROM changes
        """
    )


def school_moves_sql(windows: str) -> str:
    """SQL counting school moves of each row of ``windows`` (see placement_moves_sql).

    ``school_moves`` counts any school move (mid-year and start-of-year, not phase transitions);
    ``school_midyear_moves`` the mid-year ones; ``school_moves_first_part`` any moves before
    ``split``. Only rows whose child is in the school cohort are counted (``school_ok``).
    """
    return f"""
        SELECT w.LA, w.CHILD, w.YEAR, w.PERIOD, w.part,
               count(*) FILTER (WHERE s.counts_any) AS school_moves,
               count(*) FILTER (WHERE s.counts_any AND s.midyear) AS school_midyear_moves,
               count(*) FILTER (WHERE s.counts_any AND s.date < w.split)
                   AS school_moves_first_part
        FROM {windows} w JOIN school_enrolments s
          ON s.UPN = w.UPN AND s.date BETWEEN w.window_start AND w.window_end
             AND s.census_date BETWEEN w.window_start AND w.window_end
        WHERE w.school_ok
        GROUP BY ALL
    """


def school_events_sql() -> str:
    """SQL for the school rows of ``events``: enrolments dated in year Y of children in the
    school cohort, counted (any school move) or not, with the rule and the mid-year flag."""
    return """
        SELECT c.LA, c.CHILD, c.YEAR, 'school_move' AS event, s.date,
               CAST(NULL AS VARCHAR) AS reason, s.rule,
               CASE WHEN s.is_move THEN s.midyear END AS midyear,
               s.counts_any AS counted
        FROM cohort c
        JOIN school_cohort k USING (LA, CHILD, YEAR)
        JOIN school_enrolments s ON s.UPN = c.UPN AND s.date BETWEEN c.year_start AND c.march_31
             AND s.census_date BETWEEN c.year_start AND c.march_31
    """
