"""Schools, pupils' school histories and the termly school census rows matched by UPN.

Every LA has primary, secondary, all-through and pupil referral unit (PRU) schools; about a fifth
convert to academies (a new URN, listed in ``school_links.csv`` with its predecessor). A child's
school history has a first school, the normal move to secondary school at the start of year 7,
start-of-year moves, mid-year moves (more for SEMH needs and PRU pupils) and moves that follow a
placement move. Census rows (summer, autumn, spring) are written for pupils with a UPN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.synth.areas import Areas
from pipeline.synth.children import Population, Window
from pipeline.synth.dates import NO_DATE, academic_year, day_number, nth_weekday
from pipeline.synth.draws import sorted_rows, stable_order, text_codes
from pipeline.synth.upn import make_upns

PRIMARY, SECONDARY, ALL_THROUGH, PRU_PRIMARY, PRU_SECONDARY = 0, 1, 2, 3, 4
SCHOOL_KINDS = 5
CONVERSION_SHARE = 0.2
FIRST_URN, ACADEMY_URN_OFFSET = 100_001, 50_000
MIDYEAR_RATE = 0.07  # random mid-year moves per pupil-year before risk factors
START_OF_YEAR_SHARE = 0.03
#: Shape of a pupil's gamma-distributed (mean 1) mobility, a factor on their mid-year moves:
#: the same pupils move again, so the two-year rates stay near the DfE's 2024 figures (any /
#: mid-year school move over two years 20% / 15%, METHODS.md section 8).
MOBILITY_SHAPE = 0.3
MOVE_WITH_PLACEMENT, MOVE_WITH_PLACEMENT_OUTSIDE_LA = 0.18, 0.32
MATCHED_SHARE, SIXTH_FORM_SHARE, ALL_THROUGH_SHARE = 0.98, 0.35, 0.04
ROW_MISSING_SHARE = 0.015
CENSUS_TERMS = ["SUMMER", "AUTUMN", "SPRING"]


@dataclass(frozen=True)
class Schools:
    """All schools: one entry per school, grouped in pools by LA and kind."""

    urn: np.ndarray
    successor_urn: np.ndarray
    conversion_day: np.ndarray  # NO_DATE when the school did not convert
    phase: np.ndarray
    is_pru: np.ndarray
    pool_start: np.ndarray  # [la, kind] -> first school index
    pool_size: np.ndarray  # [la, kind] -> number of schools

    def links(self) -> pd.DataFrame:
        """``URN, PREDECESSOR_URN`` of every academy conversion, sorted by URN."""
        converted = self.conversion_day != NO_DATE
        return pd.DataFrame(
            {
                "URN": self.successor_urn[converted].astype(str),
                "PREDECESSOR_URN": self.urn[converted].astype(str),
            }
        )


def build_schools(areas: Areas, window: Window, rng: np.random.Generator) -> Schools:
    """Create every LA's schools with URNs, phases and academy conversions."""
    size = np.zeros((areas.count, SCHOOL_KINDS), dtype=np.int64)
    size[:, PRIMARY] = 20 + np.round(areas.children_2024 / 7)
    size[:, SECONDARY] = 6 + np.round(areas.children_2024 / 25)
    size[:, ALL_THROUGH] = 1 + np.round(areas.children_2024 / 200)
    size[:, PRU_PRIMARY] = 1
    size[:, PRU_SECONDARY] = 1
    flat = size.ravel()
    pool_start = (np.cumsum(flat) - flat).reshape(size.shape)
    kind = np.repeat(np.tile(np.arange(SCHOOL_KINDS), areas.count), flat)
    n = len(kind)
    middle = rng.uniform(0, 1, n) < 0.05
    phase = np.select(
        [kind == PRIMARY, kind == SECONDARY, kind == ALL_THROUGH, kind == PRU_PRIMARY],
        [np.where(middle, "MP", "PR"), np.where(middle, "MS", "SE"), "AT", "PR"],
        "SE",
    )
    years = np.arange(min(window.years) - 3, max(window.years) + 1)
    september = rng.uniform(0, 1, n) < 0.6
    year = years[rng.integers(0, len(years), n)]
    conversion = (
        np.array([day_number(int(y), 9, 1) for y in years]),
        np.array([day_number(int(y), 4, 1) for y in years]),
    )
    position = year - years[0]
    conversion_day = np.where(september, conversion[0][position], conversion[1][position])
    converts = (
        (rng.uniform(0, 1, n) < CONVERSION_SHARE) & (kind != PRU_PRIMARY) & (kind != PRU_SECONDARY)
    )
    converts &= conversion_day <= window.last_day  # only conversions the census can show
    urn = FIRST_URN + np.arange(n)
    return Schools(
        urn=urn,
        successor_urn=urn + ACADEMY_URN_OFFSET,
        conversion_day=np.where(converts, conversion_day, NO_DATE),
        phase=phase,
        is_pru=(kind == PRU_PRIMARY) | (kind == PRU_SECONDARY),
        pool_start=pool_start,
        pool_size=size,
    )


def pupil_numbers(children: pd.DataFrame, areas: Areas) -> np.ndarray:
    """Give every child a permanent UPN, allocated by their LA in their reception year."""
    la = children["la"].to_numpy()
    serial = pd.Series(np.arange(len(children))).groupby(la).cumcount().to_numpy()
    reception_year = academic_year(children["dob"].to_numpy()) + 5
    return make_upns(areas.codes[la], serial, reception_year)


@dataclass
class _Pupils:
    """What the parts of a school history share: the children, their school year of birth
    (reception starts in September ``cohort + 5``), the school years simulated and the draws."""

    children: pd.DataFrame
    cohort: np.ndarray
    first_year: int
    last_year: int
    all_through: np.ndarray
    mobility: np.ndarray
    rng: np.random.Generator

    def september(self, year: np.ndarray, size: int) -> np.ndarray:
        """A day in the first week of September of each school ``year``."""
        months = (np.asarray(year, dtype="int64") - 1970).astype("datetime64[Y]")
        first = (months.astype("datetime64[M]") + np.timedelta64(8, "M")).astype("datetime64[D]")
        return first.astype(np.int64) + self.rng.integers(0, 6, size)


def school_histories(
    population: Population,
    episodes: pd.DataFrame,
    schools: Schools,
    areas: Areas,
    window: Window,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Every school enrolment in the window: ``child, day, school`` sorted by child and day."""
    children = population.children
    pupils = _Pupils(
        children=children,
        cohort=academic_year(children["dob"].to_numpy()),
        first_year=int(academic_year(np.array([window.first_day - 365]))[0]),
        last_year=int(academic_year(np.array([window.last_day]))[0]),
        all_through=rng.uniform(0, 1, len(children)) < ALL_THROUGH_SHARE,
        mobility=rng.gamma(MOBILITY_SHAPE, 1 / MOBILITY_SHAPE, len(children)),
        rng=rng,
    )
    parts = [
        _first_schools(pupils),
        _secondary_transfers(pupils),
        *_other_moves(pupils),
        _moves_with_placements(pupils, episodes, areas, window),
    ]
    events = pd.concat(parts, ignore_index=True)
    events = sorted_rows(events, ["child", "day"])  # then the first of each (child, day)
    child, day = events["child"].to_numpy(), events["day"].to_numpy()
    first = np.r_[True, (child[1:] != child[:-1]) | (day[1:] != day[:-1])]
    events = events[first].reset_index(drop=True)
    events["school"] = _pick_schools(events, schools, rng)
    return events[["child", "day", "school"]]


def _first_schools(pupils: _Pupils) -> pd.DataFrame:
    """First school: at the start of the window, or at reception for younger children."""
    cohort, rng, all_through = pupils.cohort, pupils.rng, pupils.all_through
    nc_first = pupils.first_year - cohort - 5
    at_school = (nc_first >= 0) & (nc_first <= 13)
    starts_later = (nc_first < 0) & (cohort + 5 <= pupils.last_year)
    who = np.flatnonzero(at_school | starts_later)
    phase_start = np.where(nc_first[who] >= 7, cohort[who] + 12, cohort[who] + 5)
    phase_start = np.where(all_through[who], cohort[who] + 5, phase_start)
    entry = pupils.september(phase_start, len(who))
    window_start = day_number(pupils.first_year, 9, 1)
    late_joiner = at_school[who] & (rng.uniform(0, 1, len(who)) < 0.25)
    joined = entry + np.floor(
        rng.uniform(0, 1, len(who)) * np.maximum(window_start - entry, 0)
    ).astype(np.int64)
    entry = np.where(late_joiner, joined, entry)
    first_kind = np.where(
        all_through[who], ALL_THROUGH, np.where(nc_first[who] >= 7, SECONDARY, PRIMARY)
    )
    la = pupils.children["la"].to_numpy()[who]
    return pd.DataFrame({"child": who, "day": entry, "kind": first_kind, "la": la})


def _secondary_transfers(pupils: _Pupils) -> pd.DataFrame:
    """Normal transfer to secondary school at the start of year 7."""
    transfer_year = pupils.cohort + 12
    moves_up = (
        (transfer_year > pupils.first_year)
        & (transfer_year <= pupils.last_year)
        & ~pupils.all_through
    )
    who = np.flatnonzero(moves_up)
    return pd.DataFrame(
        {
            "child": who,
            "day": pupils.september(transfer_year[who], len(who)),
            "kind": SECONDARY,
            "la": pupils.children["la"].to_numpy()[who],
        }
    )


def _other_moves(pupils: _Pupils) -> list[pd.DataFrame]:
    """Start-of-year and mid-year moves, more often for SEMH needs, PRU pupils and older pupils."""
    children, rng = pupils.children, pupils.rng
    school_years = np.arange(pupils.first_year, pupils.last_year + 1)
    child_year = np.repeat(np.arange(len(children)), len(school_years))
    year = np.tile(school_years, len(children))
    nc = year - pupils.cohort[child_year] - 5
    in_school = (nc >= 1) & (nc <= 10)
    child_year, year, nc = child_year[in_school], year[in_school], nc[in_school]
    start_move = rng.uniform(0, 1, len(year)) < START_OF_YEAR_SHARE
    at_start = _moves(
        child_year[start_move],
        pupils.september(year[start_move], int(start_move.sum())),
        nc[start_move],
        children,
        rng,
    )
    risk = (
        np.where(children["semh"].to_numpy()[child_year], 1.7, 1.0)
        * np.where(children["pru"].to_numpy()[child_year], 2.0, 1.0)
        * np.where(nc >= 7, 1.3, 1.0)
        * pupils.mobility[child_year]
    )
    row = np.repeat(np.arange(len(year)), rng.poisson(MIDYEAR_RATE * risk))
    term_starts = np.array([day_number(int(y), 9, 22) for y in school_years])
    day = term_starts[year[row] - pupils.first_year]
    day = day + np.floor(rng.uniform(0, 1, len(row)) * 300).astype(np.int64)
    return [at_start, _moves(child_year[row], day, nc[row], children, rng, to_pru=True)]


def _moves_with_placements(
    pupils: _Pupils, episodes: pd.DataFrame, areas: Areas, window: Window
) -> pd.DataFrame:
    """School moves that follow a placement move (more often to a placement in another LA)."""
    rng, cohort = pupils.rng, pupils.cohort
    moves = episodes[episodes["is_move"].to_numpy()]
    mover = moves["child"].to_numpy()
    move_day = moves["start"].to_numpy() + rng.integers(2, 22, len(moves))
    nc_move = academic_year(move_day) - cohort[mover] - 5
    labels, placement_la = text_codes(moves["PL_LA"])
    la_of_code = {code: index for index, code in enumerate(areas.codes.tolist())}
    la_of_label = np.array([*(la_of_code.get(label, np.nan) for label in labels), np.nan])
    outside = (
        np.array([*labels, np.nan], dtype=object)[placement_la]
        != areas.codes[moves["la"].to_numpy()]
    )
    follows = (
        (nc_move >= 0)
        & (nc_move <= 11)
        & (
            rng.uniform(0, 1, len(moves))
            < np.where(outside, MOVE_WITH_PLACEMENT_OUTSIDE_LA, MOVE_WITH_PLACEMENT)
        )
        & (move_day >= window.first_day - 365)
    )
    summer = _in_summer_holiday(move_day)
    next_september = pupils.september(academic_year(move_day) + 1, len(move_day))
    move_day = np.where(summer, next_september, move_day)
    nc_move = academic_year(move_day) - cohort[mover] - 5
    placed_la = la_of_label[placement_la]  # as reindexing a Series of LA indices by code
    if not np.isnan(placed_la).any():
        placed_la = placed_la.astype(np.int64)
    linked = _moves(
        mover[follows],
        move_day[follows],
        nc_move[follows],
        pupils.children,
        rng,
        la=placed_la[follows],
    )
    return linked[linked["day"] <= window.last_day]


def _moves(
    child: np.ndarray,
    day: np.ndarray,
    nc: np.ndarray,
    children: pd.DataFrame,
    rng: np.random.Generator,
    to_pru: bool = False,
    la: np.ndarray | None = None,
) -> pd.DataFrame:
    """School moves for the given pupils: the kind of school follows the pupil's year group."""
    kind = np.where(nc >= 7, SECONDARY, PRIMARY)
    if to_pru:
        pru_share = np.where(children["pru"].to_numpy()[child], 0.4, 0.02)
        into_pru = rng.uniform(0, 1, len(child)) < pru_share
        kind = np.where(into_pru, np.where(nc >= 7, PRU_SECONDARY, PRU_PRIMARY), kind)
    own_la = children["la"].to_numpy()[child]
    return pd.DataFrame(
        {"child": child, "day": day, "kind": kind, "la": own_la if la is None else la}
    )


def _in_summer_holiday(day: np.ndarray) -> np.ndarray:
    """True for days from 21 July to 31 August (a move then starts in September)."""
    dates = np.asarray(day).astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    ) + 1
    return (month == 8) | ((month == 7) & (day_of_month >= 21))


def _pick_schools(events: pd.DataFrame, schools: Schools, rng: np.random.Generator) -> np.ndarray:
    """Pick a school from the right pool; a move never lands in the school the pupil is leaving."""
    la, kind = events["la"].to_numpy(), events["kind"].to_numpy()
    start, size = schools.pool_start[la, kind], schools.pool_size[la, kind]
    offset = rng.integers(0, 1 << 30, len(events)) % size
    school = start + offset
    child = events["child"].to_numpy()
    same_child = np.r_[False, child[1:] == child[:-1]]
    previous = np.r_[-1, school[:-1]]
    clash = same_child & (school == previous) & (size > 1)
    return np.where(clash, start + (offset + 1) % size, school)


def census_rows(
    population: Population,
    histories: pd.DataFrame,
    schools: Schools,
    upn_known: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Termly census rows for pupils with a UPN in each year's return (``upn_known``: ``child,
    YEAR`` pairs whose header has a permanent UPN), sorted by child and census day.

    Columns: ``child, la, YEAR, term`` (index in :data:`CENSUS_TERMS`), ``CENSUS_DATE,
    ENTRY_DATE`` (day numbers), ``nc`` (national curriculum year, 0 for reception), ``urn`` and
    ``school`` (index in ``schools``); the returns turn them into the census file's text.
    """
    children = population.children
    n = len(children)
    matched = rng.uniform(0, 1, n) < MATCHED_SHARE
    sixth_form = rng.uniform(0, 1, n) < SIXTH_FORM_SHARE
    pairs = upn_known[matched[upn_known["child"].to_numpy()]]
    pair_child, pair_year = pairs["child"].to_numpy(), pairs["YEAR"].to_numpy()
    years = np.unique(pair_year)
    terms = len(CENSUS_TERMS)
    child = np.tile(pair_child, terms)
    year = np.tile(pair_year, terms)
    term = np.repeat(np.arange(terms), len(pairs))
    day_of = np.array([[_census_day(t, int(y)) for y in years] for t in CENSUS_TERMS])
    day = day_of[term, np.searchsorted(years, year)].astype(np.int64)
    nc = academic_year(day) - academic_year(children["dob"].to_numpy())[child] - 5
    keep = (nc >= 0) & ((nc <= 11) | ((nc <= 13) & sixth_form[child]))
    keep &= rng.uniform(0, 1, len(child)) >= ROW_MISSING_SHARE
    entry, school = _school_on(child, day, histories)
    keep &= school >= 0
    rows = np.flatnonzero(keep)
    rows = rows[stable_order([child[rows], day[rows]])]
    child, day, school, entry = child[rows], day[rows], school[rows], entry[rows]
    conversion = schools.conversion_day[school]
    converted = (conversion != NO_DATE) & (conversion <= day)
    return pd.DataFrame(
        {
            "child": child,
            "la": children["la"].to_numpy()[child],
            "YEAR": year[rows],
            "term": term[rows],
            "CENSUS_DATE": day,
            "ENTRY_DATE": np.where(converted, np.maximum(entry, conversion), entry),
            "nc": nc[rows],
            "urn": np.where(converted, schools.successor_urn[school], schools.urn[school]),
            "school": school,
        }
    )


def _school_on(
    child: np.ndarray, day: np.ndarray, histories: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Each pupil's latest enrolment on or before ``day``: ``(entry day, school)``, school -1
    when there is none. ``histories`` is sorted by child and day with one row per pair."""
    step = np.int64(1) << 32
    enrolled = histories["child"].to_numpy().astype(np.int64) * step + histories["day"].to_numpy()
    position = np.searchsorted(enrolled, child.astype(np.int64) * step + day, side="right") - 1
    found = position >= 0
    found[found] = histories["child"].to_numpy()[position[found]] == child[found]
    position = np.where(found, position, 0)
    entry = np.where(found, histories["day"].to_numpy()[position], NO_DATE)
    return entry, np.where(found, histories["school"].to_numpy()[position], -1)


def _census_day(term: str, year: int) -> int:
    """Census day of a term in collection year ``year`` (summer and autumn fall in ``year - 1``)."""
    if term == "SUMMER":
        return nth_weekday(year - 1, 5, 3, 3)
    if term == "AUTUMN":
        return nth_weekday(year - 1, 10, 3, 1)
    return nth_weekday(year, 1, 3, 3)


__all__ = ["Schools", "build_schools", "census_rows", "pupil_numbers", "school_histories"]
