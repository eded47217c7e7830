"""School moves (METHODS.md section 3, "School move": the CCO's 2019 method)."""

from __future__ import annotations

import duckdb

RULE_MIDYEAR = "mid-year school move"
RULE_START_OF_YEAR = "start-of-year school move"
RULE_PHASE_TRANSITION = "normal phase transition"
RULE_LINKED_SCHOOL = "linked school (academy conversion or merger)"
RULE_FIRST_SCHOOL = "first recorded school"
RULE_SAME_SCHOOL = "same school, new entry date"

#: Phases in the order a pupil normally passes through them (primary or first, middle,
#: secondary). A start-of-year move up this order is a normal phase transition.
PHASE_ORDER = {"PR": 1, "MP": 2, "MS": 2, "SE": 3}


def create_school_enrolments(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``school_enrolments``: each enrolment of a pupil, once, with the rule that applies.

    An enrolment is a distinct ``UPN`` x school (``CANONICAL_URN``: linked schools are one
    school) x ``ENTRY_DATE``; the same enrolment on every termly census, or on two returns, is
    one enrolment. It is first seen on its earliest census (``census_date``). An enrolment is a
    move when the school is not one the pupil was already enrolled at on the pupil's previous
    census, so a pupil registered at two schools at once (dual registration, e.g. a pupil
    referral unit) has one new enrolment when the second registration starts and none while
    both continue. Enrolments on the pupil's first census are the first recorded school, not a
    move. The move date is ``ENTRY_DATE`` (the census date when it is blank). Mid-year: 22
    September to 31 July; start of year: 1 August to 21 September. A start-of-year move to a
    school of a later phase than every school of the previous census is a normal phase
    transition: not counted in "any school move". Columns: ``UPN, date, census_date, rule,
    counts_any, midyear, is_move``. A move counts in a period when its date is inside the
    period (METHODS.md section 3), wherever the census that first shows it is dated: a move
    after the spring census first appears on the next summer census, in the next year's return.
    """
    ranks = " ".join(f"WHEN '{code}' THEN {rank}" for code, rank in PHASE_ORDER.items())
    con.execute(
        f"""
        CREATE TABLE school_enrolments AS
        WITH enrolments AS (
            SELECT UPN, CANONICAL_URN, ENTRY_DATE, min(CENSUS_DATE) AS census_date,
                   arg_min(URN, CENSUS_DATE) AS URN, arg_min(PHASE, CENSUS_DATE) AS PHASE
            FROM census
            GROUP BY UPN, CANONICAL_URN, ENTRY_DATE
        ), censuses AS (
            SELECT UPN, CENSUS_DATE,
                   lag(CENSUS_DATE) OVER w AS previous_date,
                   lag(phase_rank) OVER w AS previous_phase_rank
            FROM (SELECT UPN, CENSUS_DATE, max(CASE PHASE {ranks} END) AS phase_rank
                  FROM census GROUP BY UPN, CENSUS_DATE)
            WINDOW w AS (PARTITION BY UPN ORDER BY CENSUS_DATE)
        ), previous AS (
            SELECT e.*, p.previous_date, p.previous_phase_rank
            FROM enrolments e JOIN censuses p
              ON p.UPN = e.UPN AND p.CENSUS_DATE = e.census_date
        ), same_school AS (
            SELECT p.UPN, p.CANONICAL_URN, p.ENTRY_DATE,
                   bool_or(c.URN = p.URN) AS same_urn
            FROM previous p JOIN census c
              ON c.UPN = p.UPN AND c.CENSUS_DATE = p.previous_date
                 AND c.CANONICAL_URN = p.CANONICAL_URN
            GROUP BY ALL
        ), classified AS (
            SELECT p.UPN, p.census_date, coalesce(p.ENTRY_DATE, p.census_date) AS date,
                NOT (month(date) = 8 OR (month(date) = 9 AND day(date) <= 21)) AS midyear,
                CASE
                    WHEN p.previous_date IS NULL THEN '{RULE_FIRST_SCHOOL}'
                    WHEN s.same_urn THEN '{RULE_SAME_SCHOOL}'
                    WHEN s.UPN IS NOT NULL THEN '{RULE_LINKED_SCHOOL}'
                    WHEN midyear THEN '{RULE_MIDYEAR}'
                    WHEN coalesce((CASE p.PHASE {ranks} END) > p.previous_phase_rank, false)
                        THEN '{RULE_PHASE_TRANSITION}'
                    ELSE '{RULE_START_OF_YEAR}'
                END AS rule
            FROM previous p LEFT JOIN same_school s
              ON s.UPN = p.UPN AND s.CANONICAL_URN = p.CANONICAL_URN
                 AND s.ENTRY_DATE IS NOT DISTINCT FROM p.ENTRY_DATE
        )
        SELECT UPN, date, census_date, midyear, rule,
            rule IN ('{RULE_MIDYEAR}', '{RULE_START_OF_YEAR}') AS counts_any,
            rule IN ('{RULE_MIDYEAR}', '{RULE_START_OF_YEAR}', '{RULE_PHASE_TRANSITION}')
                AS is_move
        FROM classified
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
    """
