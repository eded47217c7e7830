"""Placement moves (METHODS.md section 3, "Placement move", rules 1 to 3)."""

from __future__ import annotations

import duckdb

from pipeline.inputs.tables import ADOPTION_WITH_CARER_PLACE
from pipeline.measures.prepare import TEMPORARY_PLACE_SQL, sql_list

#: The ``rule`` of every placement episode starting in a period: why it counted or not.
RULE_CHANGE_OF_CARER = "RNE P: change of carer"
RULE_LEGAL_AND_CARER = "RNE B: change of legal status and carer"
RULE_REENTRY = "RNE S: re-entry to care"
RULE_FIRST_ENTRY = "RNE S: first entry to care in the period"
RULE_LEGAL_ONLY = "RNE L: change of legal status only"
RULE_SAME_CARER = "RNE T: change of placement, same carer"
RULE_LEGAL_SAME_CARER = "RNE U: change of legal status and placement, same carer"
RULE_ADOPTION_WITH_CARER = "move into A3/A5 is not a move"
RULE_TEMPORARY = "temporary placement"
RULE_RETURN_FROM_TEMPORARY = "return from temporary placement"
RULE_AFTER_TEMPORARY_ENTRY = "first placement after entering care in a temporary placement"
RULE_UNKNOWN_RNE = "RNE not known"


def _rule_case(temporary: str, adoption: str) -> str:
    """The SQL ``CASE`` giving an episode's rule (see :func:`create_placement_episode_rules`)."""
    return f"""
                CASE
                    WHEN RNE = 'L' THEN '{RULE_LEGAL_ONLY}'
                    WHEN RNE = 'T' THEN '{RULE_SAME_CARER}'
                    WHEN RNE = 'U' THEN '{RULE_LEGAL_SAME_CARER}'
                    WHEN RNE = 'S' AND PLACE IN {temporary} THEN '{RULE_REENTRY}'
                    WHEN PLACE IN {temporary} THEN '{RULE_TEMPORARY}'
                    WHEN previous_place IN {temporary} AND before_temporary IS NULL
                         AND period_first_rne = 'S'
                         THEN '{RULE_AFTER_TEMPORARY_ENTRY}'
                    WHEN previous_place IN {temporary}
                         AND before_temporary.place IS NOT DISTINCT FROM PLACE
                         AND before_temporary.post IS NOT DISTINCT FROM PL_POST
                         AND before_temporary.urn IS NOT DISTINCT FROM URN
                         THEN '{RULE_RETURN_FROM_TEMPORARY}'
                    WHEN PLACE IN {adoption} THEN '{RULE_ADOPTION_WITH_CARER}'
                    WHEN RNE = 'P' THEN '{RULE_CHANGE_OF_CARER}'
                    WHEN RNE = 'B' THEN '{RULE_LEGAL_AND_CARER}'
                    WHEN RNE = 'S' THEN '{RULE_REENTRY}'
                    ELSE '{RULE_UNKNOWN_RNE}'
    """


def _history_columns(temporary: str) -> str:
    """The SQL of one window pass over a child's episodes: what came before each episode."""
    return f"""
            SELECT LA, CHILD, DECOM, DEC, RNE, PLACE, PL_POST, URN, period_id,
                lag(period_id) OVER w AS previous_period,
                lag(PLACE) OVER w AS previous_place_any,
                lag(REASON_PLACE_CHANGE) OVER w AS previous_reason_any,
                last_value(CASE WHEN coalesce(PLACE NOT IN {temporary}, true)
                    THEN struct_pack(place := PLACE, post := PL_POST, urn := URN,
                                     reason := REASON_PLACE_CHANGE, period := period_id)
                    END IGNORE NULLS)
                    OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                    AS last_non_temporary,
                last_value(CASE WHEN DECOM = period_start THEN RNE END IGNORE NULLS)
                    OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                    AS period_first_rne,
                max(coalesce(DEC, DATE '9999-12-31'))
                    OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
            FROM episodes_poc
            WINDOW w AS (PARTITION BY LA, CHILD ORDER BY DECOM)
    """


def create_placement_episode_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``placement_rules``: each non-short-break episode with the rule that applies to it.

    Columns: ``LA, CHILD, DECOM, rule, counts`` (true: always a move when it starts inside the
    period), ``reentry`` (an ``RNE`` ``S`` episode, a move only when the child was already looked
    after earlier in the same period), ``earlier_end`` (latest end of the child's earlier
    episodes, open = 9999-12-31) and ``reason`` (``REASON_PLACE_CHANGE`` of the episode that ends
    with the move; after a temporary stay, the reason on the episode before it).

    Rules, in order: ``RNE`` ``L``/``T``/``U`` never move; an ``RNE`` ``S`` episode in a
    temporary placement is a re-entry candidate like any other ``S`` episode (entering care
    through hospital is still entering care); rule 2 (a temporary placement is not a move; the
    placement after a temporary stay that began the period of care is not a move either, as
    the entry was the change; and the return to the same ``PLACE``, ``PL_POST`` and ``URN``
    as before the stay is not a move); rule 1 (move into ``A3``/``A5``); ``P`` and ``B``
    move; ``S`` is a re-entry candidate. The temporary-stay tests look only at episodes of
    the same period of care (``episodes_poc``): an episode starting a new period is never a
    return from a temporary placement. Rule 3 (short breaks) is applied by reading
    ``episodes_poc``, which has none.
    """
    adoption = sql_list(ADOPTION_WITH_CARER_PLACE)
    temporary = TEMPORARY_PLACE_SQL
    con.execute(
        f"""
        CREATE TABLE placement_rules AS
        WITH windowed AS (
            {_history_columns(temporary)}
        ), ordered AS (
            -- One window pass over the child's history; the temporary-stay tests keep only
            -- what belongs to the same period of care.
            SELECT * EXCLUDE (previous_place_any, previous_reason_any, last_non_temporary),
                CASE WHEN previous_period = period_id THEN previous_place_any END
                    AS previous_place,
                CASE WHEN previous_period = period_id THEN previous_reason_any END
                    AS previous_reason,
                CASE WHEN last_non_temporary.period = period_id THEN last_non_temporary END
                    AS before_temporary
            FROM windowed
        ), ruled AS (
            SELECT *,
                {_rule_case(temporary, adoption)}
                END AS rule
            FROM ordered
        )
        SELECT LA, CHILD, DECOM, rule,
               rule IN ('{RULE_CHANGE_OF_CARER}', '{RULE_LEGAL_AND_CARER}') AS counts,
               rule = '{RULE_REENTRY}' AS reentry,
               coalesce(earlier_end, DATE '0001-01-01') AS earlier_end,
               CASE WHEN rule = '{RULE_REENTRY}' THEN NULL
                    WHEN previous_place IN {temporary} THEN before_temporary.reason
                    ELSE previous_reason END AS reason
        FROM ruled
        """
    )


def placement_moves_sql(windows: str) -> str:
    """SQL counting placement moves of each row of the ``windows`` relation.

    ``windows`` has ``LA, CHILD, YEAR, PERIOD, part, window_start, window_end, split``. An
    episode counts when it starts inside the window and is a move (``counts``), or is a re-entry
    (``RNE`` ``S``) after an earlier episode that reached into the window: "episodes before the
    child's first day in the period are ignored". ``first_part`` counts moves before ``split``
    (the two-year period's first year).
    """
    return f"""
        SELECT w.LA, w.CHILD, w.YEAR, w.PERIOD, w.part,
               count(*) AS placement_moves,
               count(*) FILTER (WHERE p.DECOM < w.split) AS placement_moves_first_part
        FROM {windows} w JOIN placement_rules p
          ON p.LA = w.LA AND p.CHILD = w.CHILD
             AND p.DECOM BETWEEN w.window_start AND w.window_end
        WHERE p.counts OR (p.reentry AND p.earlier_end > w.window_start)
        GROUP BY ALL
    """


def placement_events_sql() -> str:
    """SQL for the placement rows of ``events``: episodes starting in year Y of ``C(Y)``
    children, counted or not, with the rule (re-entries resolved on the one-year window)."""
    return f"""
        SELECT c.LA, c.CHILD, c.YEAR, 'placement_move' AS event, p.DECOM AS date,
               CASE WHEN p.counts THEN p.reason END AS reason,
               CASE WHEN p.reentry AND p.earlier_end <= c.year_start
                    THEN '{RULE_FIRST_ENTRY}' ELSE p.rule END AS rule,
               CAST(NULL AS BOOLEAN) AS midyear,
               p.counts OR (p.reentry AND p.earlier_end > c.year_start) AS counted
        FROM cohort c JOIN placement_rules p
          ON p.LA = c.LA AND p.CHILD = c.CHILD
             AND p.DECOM BETWEEN c.year_start AND c.march_31
    """


def create_current_carer_start(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``carer_start``: the day each ``C(Y)`` child began living with the current carer.

    The later of the start of the current period of care and the last move (``RNE`` ``P``/``B``
    not excluded by rules 1 and 2) on or before 31 March; placements for adoption with the
    current carer, temporary stays and same-carer changes do not restart it (DfE long-term
    stability: "placements for adoption with the same carer count as continuous").
    """
    con.execute(
        """
        CREATE TABLE carer_start AS
        SELECT c.LA, c.CHILD, c.YEAR,
               greatest(c.period_start, coalesce(max(p.DECOM), c.period_start)) AS carer_start
        FROM cohort c LEFT JOIN placement_rules p
          ON p.LA = c.LA AND p.CHILD = c.CHILD AND p.counts
             AND p.DECOM BETWEEN c.period_start AND c.march_31
        GROUP BY c.LA, c.CHILD, c.YEAR, c.period_start
        """
    )
