"""``placement_change_reasons`` and ``social_worker_change_reasons`` from counted events.

Codes are labelled in plain English following the SSDA903 guide's descriptions; the mapping
below is the documented one (code -> published label).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.inputs.code_lists import REASON_PLACE_CHANGE, SW_REASON
from pipeline.inputs.tables import InputTables
from pipeline.measures.schema import TOTAL
from pipeline.published import Filter, PublishedTable

from .cohort_cells import la_years
from .shares import count_items, publish_shares, share_indicators

#: REASON_PLACE_CHANGE code -> label, from the SSDA903 guide's code list
#: (``pipeline.inputs.code_lists``; ``PLACE``, a change of placement status only, and blank
#: reasons are not published: they are not a reason for a change of carer).
EXCLUDED_PLACEMENT_REASONS = {"PLACE"}
PLACEMENT_CHANGE_REASONS: dict[str, str] = {
    code: label
    for code, label in REASON_PLACE_CHANGE.labels().items()
    if code not in EXCLUDED_PLACEMENT_REASONS
}

#: SW_REASON code -> label, from the same guide's code list.
SOCIAL_WORKER_CHANGE_REASONS: dict[str, str] = SW_REASON.labels()


def counted_events(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Events of one kind that counted (rows with ``counted`` False are for reconciliation)."""
    keep = (events["event"] == kind).to_numpy(dtype=bool, na_value=False)
    if "counted" in events.columns:
        keep = keep & events["counted"].to_numpy(dtype=bool, na_value=False)
    return events[keep]


def _label(reasons: pd.Series, mapping: dict[str, str], skip: set[str], what: str) -> pd.Series:
    """Published label of each reason code (trimmed, upper case); None if blank or in ``skip``.

    Codes are cleaned and looked up once per distinct value, not once per event.
    """
    positions, values = pd.factorize(reasons)
    codes = pd.Series(values, dtype="string").str.strip().str.upper()
    codes = codes.where(codes != "", pd.NA)
    unknown = sorted(set(codes.dropna()) - set(mapping) - skip)
    if unknown:
        raise ValueError(f"events: {what} reason codes not in the SSDA903 list: {unknown}")
    labels = codes.map(mapping).astype(object).where(codes.notna() & ~codes.isin(skip), None)
    per_event = np.append(labels.to_numpy(dtype=object), np.array([None], dtype=object))[positions]
    return pd.Series(per_event, index=reasons.index, dtype=object, name=reasons.name)


def placement_change_reasons(events: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Counted placement moves in the year by ``REASON_PLACE_CHANGE``."""
    moves = counted_events(events, "placement_move")
    universe = la_years(tables, "1y", moves)
    labels = _label(
        moves["reason"], PLACEMENT_CHANGE_REASONS, EXCLUDED_PLACEMENT_REASONS, "placement"
    )
    order = list(PLACEMENT_CHANGE_REASONS.values())
    la_frame = count_items(moves, labels, universe, order).rename(columns={"item": "reason"})
    frame = publish_shares(la_frame, {"reason": [TOTAL, *order]}, "reason")
    return _reasons_table(
        "placement_change_reasons",
        "Reasons for placement moves",
        "Placement moves (changes of carer) counted in the year for children looked after "
        "at 31 March, by the reason recorded on the episode that ended (REASON_PLACE_CHANGE). "
        "Moves with no reason recorded, or recorded as PLACE (a change in the status of the "
        "placement only), are not in this table, so its Total can be lower than the number "
        "of moves counted in the stability measures.",
        frame,
        ("move", "Placement moves", "moves"),
    )


def social_worker_change_reasons(events: pd.DataFrame, tables: InputTables) -> PublishedTable:
    """Counted social worker changes in the year by ``SW_REASON``."""
    changes = counted_events(events, "sw_change")
    universe = la_years(tables, "1y", changes)
    labels = _label(changes["reason"], SOCIAL_WORKER_CHANGE_REASONS, set(), "social worker")
    order = list(SOCIAL_WORKER_CHANGE_REASONS.values())
    la_frame = count_items(changes, labels, universe, order).rename(columns={"item": "reason"})
    la_frame = la_frame.merge(universe, on=["LA", "YEAR"])
    frame = publish_shares(la_frame, {"reason": [TOTAL, *order]}, "reason", available="sw_ok")
    return _reasons_table(
        "social_worker_change_reasons",
        "Reasons for social worker changes",
        "Changes of social worker counted in the year for children looked after at 31 March "
        "with a social worker, by the reason recorded (SW_REASON). Changes with no reason "
        "recorded are not in this table. LAs that did not supply the social worker module "
        "show x; regional and national figures cover only the LAs that supplied it.",
        frame,
        ("change", "Social worker changes", "changes"),
    )


def _reasons_table(
    name: str, title: str, description: str, frame: pd.DataFrame, what: tuple[str, str, str]
) -> PublishedTable:
    """A reasons table: ``what`` is (one event, the events, the events in short), e.g.
    ``("move", "Placement moves", "moves")``."""
    one, events, short = what
    return PublishedTable(
        name=name,
        title=title,
        description=description,
        frame=frame,
        filters=[Filter("reason", f"Reason for the {one}", "The items add up to the Total")],
        indicators=share_indicators(
            events, f"{events} with the reason", f"100 x number / {short} in the Total item"
        ),
    )
