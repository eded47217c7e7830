"""Episodes of care (the SSDA903 episodes table) from the periods of care.

Inside each period, changes happen as a Poisson process whose rate depends on the LA, a
child-level frailty and the risk factors of the 2018 index (entered care aged 12-15, emergency or
youth justice legal status at entry, SEMH need, pupil referral unit, aged 16+, the LA's social
worker turnover, the first months of a period) and falls after two years in care (long-term
stability). Each change starts a new episode the day the previous one ends (``REC`` ``X1``):

* a change of carer (``RNE`` ``P``, or ``B`` with a legal status change);
* a change of placement with the same carer (``T``, or ``U`` with a legal status change);
* a legal status change only (``L``);
* a temporary placement (``T0``-``T4``) and the return to the same placement;
* placement for adoption: with the current foster carer (``A3``/``A5``, ``T``/``U``) or not
  (``A4``/``A6``, ``P``/``B``), some months before the adoption order ends the period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.synth.areas import Areas
from pipeline.synth.children import ADOPTED, Population, Window
from pipeline.synth.dates import DAYS_PER_YEAR, NO_DATE, anniversary
from pipeline.synth.draws import (
    choose,
    coded_text,
    running_totals,
    sorted_rows,
    text_column,
    text_values,
)
from pipeline.synth.legal import STATUS_LIMIT_DAYS, entry_status, status_changes
from pipeline.synth.placements import (
    H5_REGISTERED_FROM,
    H5_URNS_FROM_START,
    NO_URN,
    draw_place,
    draw_placement_la,
    draw_providers,
    draw_temporary,
    draw_urns,
    fake_postcodes,
    next_sector,
    postcode_text,
)
from pipeline.synth.short_breaks import short_break_episodes

# Kinds of event that start an episode.
START, MOVE, SAME_CARER, TEMP_START, TEMP_END = 0, 1, 2, 3, 4
STATUS_ONLY, STATUS_AND_MOVE, STATUS_SAME_CARER, ADOPT_OTHER, ADOPT_CARER = 5, 6, 7, 8, 9
CARER_CHANGES = [START, MOVE, STATUS_AND_MOVE, ADOPT_OTHER]
#: Kinds that are placement moves (a change of carer while in care).
MOVE_KINDS = [MOVE, STATUS_AND_MOVE, ADOPT_OTHER]

BASE_CHANGE_RATE = 0.47  # changes of placement per child-year before multipliers
EARLY_DAYS, EARLY_FACTOR = 150, 3.0
#: After two years in care moves are rarer (long-term stability, DfE 2024: 68%).
SETTLED_DAYS, SETTLED_FACTOR = 730, 0.42
AGE_16_FACTOR = 1.6
MAX_FACTOR = EARLY_FACTOR * AGE_16_FACTOR
#: The chance a drawn change is kept, by case ``early * 4 + settled * 2 + aged_16``:
#: ``(early factor * settled factor * age factor) / MAX_FACTOR``, multiplied in that order.
_ACCEPT_CHANCE = np.array(
    [
        (early * settled) * aged / MAX_FACTOR
        for early in (1.0, EARLY_FACTOR)
        for settled in (1.0, SETTLED_FACTOR)
        for aged in (1.0, AGE_16_FACTOR)
    ]
)
CHANGE_KINDS, CHANGE_PROBABILITIES = [MOVE, SAME_CARER, TEMP_START], [0.90, 0.065, 0.035]
ADOPTION_PLACES = ["A3", "A4", "A5", "A6"]
FOSTER_PLACES = ["U1", "U2", "U3", "U4", "U5", "U6"]
RNE_CODES = ["S", "P", "T", "L", "B", "U"]
CIN_CODES = ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]
CIN_PROBABILITIES = [0.65, 0.03, 0.03, 0.14, 0.08, 0.02, 0.003, 0.047]
MOVE_REASONS = [
    "CARPL",
    "CLOSE",
    "ALLEG",
    "STAND",
    "APPRR",
    "CREQB",
    "CREQO",
    "CHILD",
    "LAREQ",
    "OTHER",
]
MOVE_REASON_PROBABILITIES = [0.34, 0.04, 0.02, 0.02, 0.01, 0.11, 0.08, 0.08, 0.1, 0.2]

EPISODE_OUTPUT = [
    "child", "la", "period", "start", "end", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER",
    "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", "PL_LA", "is_move",
]  # fmt: skip


def build_episodes(
    population: Population, areas: Areas, window: Window, rng: np.random.Generator
) -> pd.DataFrame:
    """Return every episode of every period of care, sorted by child and start day.

    ``end`` is :data:`NO_DATE` for episodes still open at the end of the latest year; ``is_move``
    marks episodes that start with a change of carer inside a period (used for school moves).
    """
    children, periods = population.children, population.periods
    care = periods[periods["ls_group"] == "care"].reset_index(drop=True)
    breaks = periods[periods["ls_group"] != "care"].reset_index(drop=True)
    care_episodes = _care_episodes(care, children, areas, window, rng)
    break_episodes = short_break_episodes(breaks, areas, window, rng)
    episodes = pd.concat([care_episodes, break_episodes], ignore_index=True)
    episodes = sorted_rows(episodes, ["child", "start"])
    return episodes[EPISODE_OUTPUT]


def _care_episodes(
    care: pd.DataFrame,
    children: pd.DataFrame,
    areas: Areas,
    window: Window,
    rng: np.random.Generator,
) -> pd.DataFrame:
    child = care["child"].to_numpy()
    dob = children["dob"].to_numpy()[child]
    start = care["start"].to_numpy()
    end = care["end"].to_numpy()
    sim_end = np.minimum(end, window.last_day + 1)
    age_at_entry = start - dob
    uasc = children["uasc"].to_numpy()[child]
    status = entry_status(age_at_entry, uasc, rng)
    period = care["period"].to_numpy()

    events = _events(care, children, areas, window, status, sim_end, rng)

    first = pd.DataFrame(
        {
            "period": period,
            "day": start,
            "kind": START,
            "new_status": status,
            "temp_code": "",
            "temp_id": -1,
        }
    )
    frame = pd.concat([first, events], ignore_index=True)
    frame = sorted_rows(frame, ["period", "day"])
    info = care.set_index("period")
    p = frame["period"].to_numpy()
    frame["child"] = info["child"].reindex(p).to_numpy()
    frame["la"] = info["la"].reindex(p).to_numpy()
    period_end_day = info["end"].reindex(p).to_numpy()
    of_period = pd.Index(period).get_indexer(p)
    period_rec = text_values(care["rec"])[of_period]

    last_in_period = np.r_[p[1:] != p[:-1], True]
    next_day = np.r_[frame["day"].to_numpy()[1:], NO_DATE]
    episode_end = np.where(last_in_period, period_end_day, next_day)
    open_at_end = episode_end > window.last_day
    frame["start"] = frame["day"]
    frame["end"] = np.where(open_at_end, NO_DATE, episode_end)
    kind = frame["kind"].to_numpy()
    next_kind = np.r_[kind[1:], -1]
    next_kind = np.where(last_in_period, -1, next_kind)
    rec = np.where(open_at_end, "", np.where(last_in_period, period_rec, "X1"))
    status_text = text_values(frame["new_status"])
    changed_status = status_text != ""
    known = changed_status & ~pd.isna(status_text)
    ls = _carried_forward(status_text, known, p)
    frame["RNE"] = _reason_new_episode(kind, changed_status)
    frame["is_move"] = np.isin(kind, MOVE_KINDS)
    details = _placement_details(frame, ls, children, areas, rng)
    frame["REC"] = text_column(_consistent_endings(rec, details["PLACE"]))
    frame["LS"] = text_column(ls)
    reason = _placement_change_reasons(kind, next_kind, open_at_end, rng)
    cin = choose(rng, 8, CIN_PROBABILITIES, len(care))
    cin = np.where(uasc, CIN_CODES.index("N8"), cin)
    home = fake_postcodes(rng, care["la"].to_numpy(), areas.count)
    home = np.where(uasc, -1, home)  # no home postcode (-1), so no distance, for UASC (rule 406)
    home = _distinct_home(of_period, home, details["PL_POST"], details["PLACE"])
    details["PL_POST"] = postcode_text(details["PL_POST"], areas.count)
    for name, values in details.items():
        frame[name] = text_column(values)
    frame["REASON_PLACE_CHANGE"] = reason
    frame["CIN"] = coded_text(CIN_CODES, cin[of_period])
    frame["HOME_POST"] = text_column(postcode_text(home, areas.count))
    return frame


def _events(
    care: pd.DataFrame,
    children: pd.DataFrame,
    areas: Areas,
    window: Window,
    status: np.ndarray,
    sim_end: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The changes after the start of each period of care (``status``: the entry legal status;
    ``sim_end``: the day simulation of the period stops), tidied by :func:`_tidy_events`."""
    period, start = care["period"].to_numpy(), care["start"].to_numpy()
    events = pd.concat(
        [
            _placement_changes(care, children, areas, status, sim_end, rng),
            _status_events(period, start, sim_end, status, rng),
        ],
        ignore_index=True,
    )
    events = _quiet_short_statuses(events, period, status)
    adoption = _adoption_events(care, sim_end, window, rng)
    events = _before_adoption(events, adoption)
    events = pd.concat([events, adoption], ignore_index=True)
    return _tidy_events(events, pd.Series(sim_end, index=period))


def _carried_forward(values: np.ndarray, known: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each row's latest ``known`` value within its run of ``group`` (ascending), NaN before the
    first: ``groupby(group).ffill()`` of the values with the others NaN, without pandas."""
    latest = np.maximum.accumulate(np.where(known, np.arange(len(values)), -1))
    found = latest >= 0
    found[found] = group[latest[found]] == group[found]
    result = np.full(len(values), np.nan, dtype=object)
    result[found] = values[latest[found]]
    return result


def _distinct_home(
    of_period: np.ndarray, home: np.ndarray, placement_post: np.ndarray, place: np.ndarray
) -> np.ndarray:
    """Each episode's ``HOME_POST`` from its period's home postcode (``home[of_period]``), moved
    to the next sector where it is some placement's postcode (the same postcode only for ``P1``:
    DfE rule 392d)."""
    home = np.array(home, dtype=np.int64)
    not_with_parents = place != "P1"
    for _ in range(3):
        clash = (home[of_period] == placement_post) & not_with_parents
        if not clash.any():
            break
        clashed = np.unique(of_period[clash])
        home[clashed] = next_sector(home[clashed])
    return home[of_period]


def _placement_changes(
    care: pd.DataFrame,
    children: pd.DataFrame,
    areas: Areas,
    status: np.ndarray,
    sim_end: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Changes of placement: a thinned Poisson process per period of care."""
    child = care["child"].to_numpy()
    start = care["start"].to_numpy()
    dob = children["dob"].to_numpy()[child]
    entry_age = (start - dob) / DAYS_PER_YEAR
    multiplier = (
        areas.placement_multiplier[care["la"].to_numpy()]
        * areas.sw_turnover[care["la"].to_numpy()] ** 0.3
        * children["placement_frailty"].to_numpy()[child]
        * np.where((entry_age >= 12) & (entry_age < 16), 1.6, 1.0)
        * np.where(np.isin(status, ["L1", "L2", "L3", "J1", "J2", "J3"]), 1.5, 1.0)
        * np.where(children["semh"].to_numpy()[child], 1.4, 1.0)
        * np.where(children["pru"].to_numpy()[child], 1.6, 1.0)
        * np.where(children["uasc"].to_numpy()[child], 0.8, 1.0)
    )
    length = np.maximum(sim_end - start, 1)
    expected = BASE_CHANGE_RATE / DAYS_PER_YEAR * multiplier * MAX_FACTOR * length
    counts = rng.poisson(expected)
    row = np.repeat(np.arange(len(care)), counts)
    in_care = 1 + np.floor(rng.uniform(0, 1, len(row)) * (length[row] - 1)).astype(np.int64)
    day = start[row] + in_care
    sixteen = anniversary(dob, 16)
    # Each change is kept with chance factor / MAX_FACTOR, the factor one of eight products.
    early, settled = in_care < EARLY_DAYS, in_care >= SETTLED_DAYS
    case = early * 4 + settled * 2 + (day >= sixteen[row])
    accepted = rng.uniform(0, 1, len(row)) < _ACCEPT_CHANCE[case]
    accepted &= day < sim_end[row]
    row, day = row[accepted], day[accepted]
    kind = np.array(CHANGE_KINDS)[choose(rng, 3, CHANGE_PROBABILITIES, len(row))]
    temp_code, temp_length = draw_temporary(rng, len(row))
    is_temp = kind == TEMP_START
    temp_id = np.where(is_temp, np.arange(len(row)), -1)
    changes = pd.DataFrame(
        {
            "period": care["period"].to_numpy()[row],
            "day": day,
            "kind": kind,
            "new_status": "",
            "temp_code": np.where(is_temp, temp_code, ""),
            "temp_id": temp_id,
        }
    )
    back_from_temporary = changes[is_temp].copy()
    back_from_temporary["day"] = back_from_temporary["day"].to_numpy() + temp_length[is_temp]
    back_from_temporary["kind"] = TEMP_END
    back_from_temporary["temp_code"] = ""
    return pd.concat([changes, back_from_temporary], ignore_index=True)


def _status_events(
    period: np.ndarray,
    start: np.ndarray,
    sim_end: np.ndarray,
    status: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Legal status changes, mostly on their own (``L``), some with a placement change."""
    changes = status_changes(period, start, sim_end, status, rng)
    kind = np.array([STATUS_ONLY, STATUS_AND_MOVE, STATUS_SAME_CARER])[
        choose(rng, 3, [0.75, 0.15, 0.10], len(changes))
    ]
    changes["kind"] = kind
    changes["temp_code"] = ""
    changes["temp_id"] = -1
    return changes


def _adoption_events(
    care: pd.DataFrame, sim_end: np.ndarray, window: Window, rng: np.random.Generator
) -> pd.DataFrame:
    """Placement for adoption some months before an adoption order ends the period."""
    adopted = care["rec"].isin(ADOPTED).to_numpy()
    start, end = care["start"].to_numpy(), care["end"].to_numpy()
    day = end - rng.integers(90, 330, len(care))
    fits = adopted & (day > start) & (day < sim_end)
    n = int(fits.sum())
    # Placed under a placement order (``E1``): with the current foster carer (A5) or not (A6).
    # Consent placements (A3/A4) are left out: the DfE's rule 336 wants them to follow foster
    # care, which a draw made before the placements are known cannot promise.
    with_carer = rng.uniform(0, 1, n) < 0.18
    return pd.DataFrame(
        {
            "period": care["period"].to_numpy()[fits],
            "day": day[fits],
            "kind": np.where(with_carer, ADOPT_CARER, ADOPT_OTHER),
            "new_status": "E1",
            "temp_code": np.where(with_carer, "A5", "A6").astype(object),
            "temp_id": -1,
        }
    )


def _quiet_short_statuses(
    events: pd.DataFrame, period: np.ndarray, status: np.ndarray
) -> pd.DataFrame:
    """Drop other changes until a short-lived entry status (``L1``-``L3``, ``J2``) ends.

    Its end is the period's first legal status change, drawn inside the status's legal limit;
    nothing else happening first keeps that change from being pushed past the limit.
    """
    short = pd.Series(np.isin(status, list(STATUS_LIMIT_DAYS)), index=period)
    is_status = events["kind"].isin([STATUS_ONLY, STATUS_AND_MOVE, STATUS_SAME_CARER]).to_numpy()
    first_change = (
        events[is_status].groupby("period")["day"].min().reindex(period).to_numpy(dtype=float)
    )
    limit = pd.Series(np.where(short.to_numpy(), first_change, np.nan), index=period)
    until = limit.reindex(events["period"].to_numpy()).to_numpy()
    drop = ~is_status & (events["day"].to_numpy() <= until)
    dropped_pairs = set(events.loc[drop & (events["temp_id"] >= 0), "temp_id"])
    drop |= events["temp_id"].isin(dropped_pairs).to_numpy() & ~is_status
    return events[~drop]


def _before_adoption(events: pd.DataFrame, adoption: pd.DataFrame) -> pd.DataFrame:
    """Drop changes on or after the day a child is placed for adoption (they stay put)."""
    placed = pd.Series(adoption["day"].to_numpy(), index=adoption["period"].to_numpy())
    limit = placed.reindex(events["period"].to_numpy()).to_numpy()
    keep = np.isnan(limit) | (events["day"].to_numpy() < limit)
    dropped_pairs = set(events.loc[~keep & (events["temp_id"] >= 0), "temp_id"])
    keep &= ~events["temp_id"].isin(dropped_pairs).to_numpy()
    return events[keep]


def _tidy_events(events: pd.DataFrame, period_end: pd.Series) -> pd.DataFrame:
    """Sort events, keep temporary stays clean and give every event its own day.

    Nothing happens during a temporary placement except the return; events on the same day are
    spread over following days; events (and temporary stays) that no longer fit are dropped.
    """
    order = {TEMP_END: 0}
    events = events.assign(order=events["kind"].map(order).fillna(1))
    events = sorted_rows(events, ["period", "day", "order"])
    sign = np.select([events["kind"] == TEMP_START, events["kind"] == TEMP_END], [1, -1], 0)
    inside_before = pd.Series(sign).groupby(events["period"].to_numpy()).cumsum().to_numpy() - sign
    is_temp_end = events["kind"].to_numpy() == TEMP_END
    nested_pairs = set(events.loc[(sign == 1) & (inside_before > 0), "temp_id"])
    drop = ((inside_before > 0) & ~is_temp_end) | events["temp_id"].isin(nested_pairs).to_numpy()
    events = events[~drop].reset_index(drop=True)

    rank = events.groupby("period").cumcount().to_numpy()
    shifted = (
        pd.Series(events["day"].to_numpy() - rank).groupby(events["period"].to_numpy()).cummax()
    )
    events["day"] = shifted.to_numpy() + rank
    limit = period_end.reindex(events["period"].to_numpy()).to_numpy()
    too_late = events["day"].to_numpy() >= limit
    late_pairs = set(events.loc[too_late & (events["temp_id"] >= 0), "temp_id"])
    too_late |= events["temp_id"].isin(late_pairs).to_numpy()
    return events[~too_late].drop(columns="order").reset_index(drop=True)


def _reason_new_episode(
    kind: np.ndarray, changed_status: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """``RNE`` code of each episode from the kind of change that started it."""
    s, p, t, legal, b, u = range(len(RNE_CODES))
    code = np.select(
        [
            kind == START,
            np.isin(kind, [MOVE, TEMP_START, TEMP_END]),
            kind == SAME_CARER,
            kind == STATUS_ONLY,
            kind == STATUS_AND_MOVE,
            kind == STATUS_SAME_CARER,
            kind == ADOPT_OTHER,
            kind == ADOPT_CARER,
        ],
        [s, p, t, legal, b, u, np.where(changed_status, b, p), np.where(changed_status, u, t)],
        p,
    )
    return coded_text(RNE_CODES, code)


def _placement_details(
    frame: pd.DataFrame,
    ls: np.ndarray,
    children: pd.DataFrame,
    areas: Areas,
    rng: np.random.Generator,
) -> dict[str, np.ndarray | pa.Array]:
    """Each episode's ``PLACE, PLACE_PROVIDER, URN, PL_LA, PL_POST`` per carer and address
    (``ls``: each episode's legal status)."""
    kind = frame["kind"].to_numpy()
    carer_change = np.isin(kind, CARER_CHANGES)
    address_change = carer_change | np.isin(kind, [SAME_CARER, STATUS_SAME_CARER])
    carer = np.cumsum(carer_change) - 1
    address = np.cumsum(address_change) - 1
    first_of_carer = np.flatnonzero(carer_change)
    age = frame["day"].to_numpy() - children["dob"].to_numpy()[frame["child"].to_numpy()]
    place = draw_place(age[first_of_carer], rng)
    forced = kind[first_of_carer] == ADOPT_OTHER
    temp_code = text_values(frame["temp_code"])
    place = np.where(forced, temp_code[first_of_carer], place)
    # Placed with parents (P1) is not possible under section 20 (V2) (DfE rule 378): such a
    # carer becomes a foster carer.
    with_parents_v2 = np.zeros(len(place), dtype=bool)
    np.logical_or.at(with_parents_v2, carer, (place[carer] == "P1") & (ls == "V2"))
    place = np.where(with_parents_v2, "U4", place)
    provider = draw_providers(place, rng)
    urn = draw_urns(place, provider, rng)
    own_la = frame["la"].to_numpy()[first_of_carer]
    placement_la = draw_placement_la(areas, own_la, place, rng)
    # The LA's own provision (PR1) is in the LA; elsewhere another LA's (PR2) (DfE rule 1015).
    provider = np.where((provider == "PR1") & (placement_la != own_la), "PR2", provider)
    address_rows = np.flatnonzero(address_change)
    postcode = fake_postcodes(rng, placement_la[carer[address_rows]], areas.count)
    postcode = _distinct_addresses(postcode, frame["period"].to_numpy()[address_rows])

    episode_place = place[carer]
    settled = running_totals(np.isin(kind, [SAME_CARER, STATUS_SAME_CARER]), carer) > 0
    episode_place = np.where(settled & (episode_place == "U6"), "U4", episode_place)
    episode_place = np.where(settled & (episode_place == "U3"), "U1", episode_place)
    episode_provider = provider[carer]
    registered = _registered(place, carer, frame["start"].to_numpy(), frame["end"].to_numpy())
    episode_urn = np.where(registered, urn, NO_URN)[carer]
    episode_la = placement_la[carer]
    episode_post = postcode[address]

    adopt_carer = kind == ADOPT_CARER
    episode_place = np.where(adopt_carer, temp_code, episode_place)
    episode_provider = np.where(
        adopt_carer, draw_providers(np.full(len(kind), "A5"), rng), episode_provider
    )
    episode_urn = np.where(adopt_carer, NO_URN, episode_urn)

    temporary = kind == TEMP_START
    episode_place = np.where(temporary, temp_code, episode_place)
    episode_provider = np.where(temporary, "", episode_provider)
    episode_urn = np.where(temporary, NO_URN, episode_urn)
    own_la = frame["la"].to_numpy()
    episode_la = areas.codes.astype(object)[np.where(temporary, own_la, episode_la)]
    episode_post = np.where(temporary, fake_postcodes(rng, own_la, areas.count), episode_post)

    return {
        "PLACE": episode_place,
        "PLACE_PROVIDER": episode_provider,
        "URN": episode_urn,
        "PL_LA": episode_la,
        "PL_POST": episode_post,
    }


def _distinct_addresses(postcode: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Postcodes of a period's successive addresses, each moved to the next sector where it is
    the same as the address before (a new placement at the same address is no change of
    placement: DfE rule 435)."""
    postcode = np.array(postcode, dtype=np.int64)
    same_period = np.r_[False, period[1:] == period[:-1]]
    for _ in range(10):
        clash = np.flatnonzero(same_period & np.r_[False, postcode[1:] == postcode[:-1]])
        if len(clash) == 0:
            break
        postcode[clash] = next_sector(postcode[clash])
    return postcode


def _registered(
    place: np.ndarray, carer: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Per carer: false for supported accommodation (``H5``) without an Ofsted URN, true else.

    H5 providers have had URNs since 28 October 2023; returns up to 2022-23 have none for H5
    (2022-23 rule 222) and a URN must match last year's open episode (rule 503F). So an H5 carer
    has one if it began on or after 1 April 2023 and was still there on 29 October 2023 (rule
    230: an H5 carer from before then that stays on keeps no URN). ``carer``: each episode's
    carer, ascending; ``start``, ``end``: episode days (``end`` NO_DATE when open)."""
    first = np.r_[True, carer[1:] != carer[:-1]]
    last = np.r_[carer[1:] != carer[:-1], True]
    last_end = np.full(len(place), NO_DATE, dtype=np.int64)
    last_end[carer[last]] = end[last]
    first_start = np.zeros(len(place), dtype=np.int64)
    first_start[carer[first]] = start[first]
    open_then = (last_end == NO_DATE) | (last_end >= H5_REGISTERED_FROM)
    return (place != "H5") | (open_then & (first_start >= H5_URNS_FROM_START))


def _consistent_endings(rec: np.ndarray, place: np.ndarray) -> np.ndarray:
    """Each episode's reason for leaving care (``rec``) made to fit its placement (``place``).

    Adopted (``E11``/``E12``) only from a placement for adoption (DfE rule 390), else a child
    arrangements order (``E41``); special guardianship to former foster carers (``E45``/``E46``)
    only from foster care (rule 516), else to other carers (``E47``/``E48``).
    """
    adopted = np.isin(rec, ADOPTED) & ~np.isin(place, ADOPTION_PLACES)
    not_foster = ~np.isin(place, FOSTER_PLACES)
    rec = np.where(adopted, "E41", rec)
    rec = np.where((rec == "E45") & not_foster, "E47", rec)
    return np.where((rec == "E46") & not_foster, "E48", rec)


def _placement_change_reasons(
    kind: np.ndarray, next_kind: np.ndarray, open_at_end: np.ndarray, rng: np.random.Generator
) -> pd.api.extensions.ExtensionArray:
    """``REASON_PLACE_CHANGE`` on episodes that end in a placement change, blank otherwise.

    Blank too on temporary placements and on the episode before one (DfE rule 226).
    """
    n = len(kind)
    labels = ["", *MOVE_REASONS, "PLACE"]  # a move reason's code is its index + 1
    move_reason = 1 + choose(rng, len(MOVE_REASONS), MOVE_REASON_PROBABILITIES, n)
    blank, carpl, place = 0, labels.index("CARPL"), labels.index("PLACE")
    same_carer_reason = np.where(rng.uniform(0, 1, n) < 0.85, place, carpl)
    reason = np.select(
        [
            kind == TEMP_START,
            np.isin(next_kind, [MOVE, STATUS_AND_MOVE]),
            next_kind == TEMP_START,
            np.isin(next_kind, [ADOPT_OTHER, ADOPT_CARER]),
            np.isin(next_kind, [SAME_CARER, STATUS_SAME_CARER]),
        ],
        [blank, move_reason, blank, carpl, same_carer_reason],
        blank,
    )
    return coded_text(labels, np.where(open_at_end, blank, reason))
