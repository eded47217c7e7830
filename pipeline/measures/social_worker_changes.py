"""Social worker changes (METHODS.md section 3, "Social worker change")."""

from __future__ import annotations

import duckdb

RULE_NEW_SOCIAL_WORKER = "new social worker"
RULE_SAME_SOCIAL_WORKER = "same social worker in a new episode"
RULE_FIRST_SOCIAL_WORKER = "first social worker"
RULE_COVER = "cover episode inside another (dropped)"
TEAM_TRANSFER = "TSPROC"


def create_social_worker_episodes(con: duckdb.DuckDBPyConnection) -> None:
    """Tables ``sw_episodes`` (cleaned) and ``sw_cover`` (the episodes dropped as cover).

    Exact duplicates are already gone (``sw_episodes_raw`` holds one row per LA x CHILD x SW_ID
    x SW_DECOM). A cover episode (cover during leave) has an end date and lies entirely inside
    another episode of the same child (open episodes have no end): it is dropped, keeping the
    one that started first; of two episodes with the same dates, the one with the smaller
    ``SW_ID`` is kept. An open episode is never cover: a second open episode starting while
    an earlier one is still open is a change of social worker (the earlier episode was never
    closed), not cover.
    """
    con.execute(
        """
        CREATE TABLE sw_cover AS
        SELECT DISTINCT b.*
        FROM sw_episodes_raw b JOIN sw_episodes_raw a
          ON a.LA = b.LA AND a.CHILD = b.CHILD
             AND b.SW_DEC IS NOT NULL
             AND a.SW_DECOM <= b.SW_DECOM
             AND coalesce(a.SW_DEC, DATE '9999-12-31') >= b.SW_DEC
             AND (a.SW_DECOM < b.SW_DECOM
                  OR coalesce(a.SW_DEC, DATE '9999-12-31') > b.SW_DEC
                  OR a.SW_ID < b.SW_ID);

        CREATE TABLE sw_episodes AS
        SELECT * FROM sw_episodes_raw ANTI JOIN sw_cover USING (LA, CHILD, SW_ID, SW_DECOM);
        """
    )


def create_social_worker_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``sw_changes``: each cleaned episode with the rule that applies to it.

    Episodes of a child in ``SW_DECOM`` order; a change is an episode whose ``SW_ID`` differs
    from the previous episode's; the first recorded social worker is not a change. ``reason`` is
    the ``SW_REASON`` of the episode that ends with the change; ``team_transfer`` marks changes
    whose reason is ``TSPROC`` (left out of ``sw_changes_excl_tsproc``).
    """
    con.execute(
        f"""
        CREATE TABLE sw_changes AS
        WITH ordered AS (
            SELECT LA, CHILD, SW_ID, SW_DECOM,
                   lag(SW_ID) OVER w AS previous_id,
                   lag(SW_REASON) OVER w AS previous_reason
            FROM sw_episodes
            WINDOW w AS (PARTITION BY LA, CHILD ORDER BY SW_DECOM, SW_ID)
        )
        SELECT LA, CHILD, SW_DECOM AS date,
               CASE WHEN previous_id IS NULL THEN '{RULE_FIRST_SOCIAL_WORKER}'
                    WHEN previous_id = SW_ID THEN '{RULE_SAME_SOCIAL_WORKER}'
                    ELSE '{RULE_NEW_SOCIAL_WORKER}' END AS rule,
               rule = '{RULE_NEW_SOCIAL_WORKER}' AS counts,
               CASE WHEN rule = '{RULE_NEW_SOCIAL_WORKER}' THEN previous_reason END AS reason,
               coalesce(rule = '{RULE_NEW_SOCIAL_WORKER}' AND previous_reason = '{TEAM_TRANSFER}',
                        false) AS team_transfer
        FROM ordered
        UNION ALL
        SELECT LA, CHILD, SW_DECOM, '{RULE_COVER}', false, NULL, false FROM sw_cover
        """
    )


def social_worker_changes_sql(windows: str) -> str:
    """SQL counting social worker changes of each row of ``windows`` (see placement_moves_sql).

    Only rows whose child is in the social worker cohort for every year of the window are
    counted (``sw_ok``).
    """
    return f"""
        SELECT w.LA, w.CHILD, w.YEAR, w.PERIOD, w.part,
               count(*) AS sw_changes,
               count(*) FILTER (WHERE NOT s.team_transfer) AS sw_changes_excl_tsproc,
               count(*) FILTER (WHERE s.date < w.split) AS sw_changes_first_part
        FROM {windows} w JOIN sw_changes s
          ON s.LA = w.LA AND s.CHILD = w.CHILD AND s.date BETWEEN w.window_start AND w.window_end
        WHERE w.sw_ok AND s.counts
        GROUP BY ALL
    """


def social_worker_events_sql() -> str:
    """SQL for the social worker rows of ``events``: episodes starting in year Y of children in
    the social worker cohort, counted or not, with the rule and the ending episode's reason."""
    return """
        SELECT c.LA, c.CHILD, c.YEAR, 'sw_change' AS event, s.date, s.reason, s.rule,
               CAST(NULL AS BOOLEAN) AS midyear, s.counts AS counted
        FROM cohort c
        JOIN sw_cohort k USING (LA, CHILD, YEAR)
        JOIN sw_changes s ON s.LA = c.LA AND s.CHILD = c.CHILD
             AND s.date BETWEEN c.year_start AND c.march_31
    """
