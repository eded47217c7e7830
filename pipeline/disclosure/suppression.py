"""The suppression rules: primary, secondary (with repeated cohorts) and derived cells.

All rules act on a :class:`~pipeline.disclosure.cell_store.CellStore` in place: they change a cell's
status to :data:`~pipeline.disclosure.cell_store.SUPPRESSED` and record why, keeping its value so
later rules can still see it. Nothing here loops over cells in Python: every rule is a handful
of numpy operations over all tables at once, repeated until nothing changes. Each repetition
works on the groups and connected systems the last one changed
(:mod:`pipeline.disclosure.entry_index`), not on every table again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure import symbol_reasons as reasons
from pipeline.disclosure.cell_store import (
    NOT_APPLICABLE,
    NUMBER,
    SUPPRESSED,
    CellStore,
    DisclosureError,
    TableCells,
)
from pipeline.disclosure.entry_index import EntryIndex, GroupCounts
from pipeline.disclosure.groups import Equations, grouping_columns
from pipeline.disclosure.intervals import (
    LP_TOLERANCE,
    MIN_INTERVAL,
    Interval,
    feasibility_intervals,
)
from pipeline.disclosure.levels import equations_without, lower_level_cells
from pipeline.disclosure.recoverability import Recoverability, find_recoverable
from pipeline.logs import log
from pipeline.measures.catalogue import MEASURES
from pipeline.published import Indicator

#: Counts from 1 to this many children are suppressed.
SMALLEST_SAFE_COUNT = 6
#: A guard against a rule that never settles (each round suppresses at least one cell).
MAX_ROUNDS = 10_000


def suppressed_now(
    store: CellStore, cells: np.ndarray, reason: int, replaces: tuple[int, ...] = (NUMBER,)
) -> np.ndarray:
    """Suppress the given cells whose status is one of ``replaces``; return those (sorted)."""
    cells = np.unique(cells)
    fresh = cells[np.isin(store.status[cells], replaces)]
    store.status[fresh] = SUPPRESSED
    store.reason[fresh] = reason
    return fresh


def suppress(
    store: CellStore, cells: np.ndarray, reason: int, replaces: tuple[int, ...] = (NUMBER,)
) -> int:
    """Suppress the given cells whose status is one of ``replaces`` (by default: those that
    hold a number); return how many changed."""
    return len(suppressed_now(store, cells, reason, replaces))


def apply_primary(store: CellStore) -> int:
    """Suppress every count of 1 to 5; mark cells suppressed in the input. Return the count."""
    supplied = np.flatnonzero((store.status != NUMBER) & (store.reason == reasons.NONE))
    store.reason[supplied] = reasons.SUPPLIED
    small = (
        store.is_count
        & (store.status == NUMBER)
        & (store.value >= 1)
        & (store.value < SMALLEST_SAFE_COUNT)
    )
    return suppress(store, np.flatnonzero(small), reasons.PRIMARY)


def free_filters(entry: TableCells) -> list[str]:
    """Filters that pick a measure rather than split a cohort (not additive, not a grouping)."""
    grouping = set()
    for flt in entry.table.filters:
        if flt.additive and flt.name in entry.frame.columns:
            grouping.update(grouping_columns(entry, flt.name))
    return [f.name for f in entry.table.filters if not f.additive and f.name not in grouping]


def cohort_definitions(entry: TableCells) -> pd.Series | None:
    """Per row, the definition of the row's cohort when a ``measure`` column names it.

    Two measures share a cohort by definition when the catalogue gives them the same cohort
    (e.g. ``multiple_any`` and ``no_change``: children in both the school and social worker
    cohorts); rows of different cohorts are never linked, even when their counts happen to be
    equal (a reader cannot know they are the same children).
    """
    if "measure" not in entry.frame.columns:
        return None
    codes, uniques = pd.factorize(entry.frame["measure"].astype("string").fillna(""))
    names = np.array([MEASURES[c].cohort if c in MEASURES else "" for c in uniques], dtype=object)
    return pd.Series(names[codes], index=entry.frame.index, dtype="string")


def cohort_links(store: CellStore) -> np.ndarray:
    """A link number per cell: denominators repeating one cohort share a number (else -1).

    A cohort count (a denominator of a percent or rate) repeats when rows differ only in filters
    that pick a measure (e.g. ``measure``, ``period``), measure the same cohort
    (:func:`cohort_definitions`) and hold the same value: they are one logical cell, so
    suppressing one suppresses all.
    """
    link = np.full(store.n_cells, -1, dtype=np.int64)
    next_link = 0
    for index, entry in enumerate(store.tables):
        denominators = {i.denominator for i in entry.indicators if i.denominator}
        counts = [i.name for i in entry.indicators if i.kind == "count" and i.name in denominators]
        if not counts or not free_filters(entry) or entry.n_rows == 0:
            continue
        row_key = _cohort_row_keys(store, index)
        for name in counts:
            cells = entry.cell_ids(name)
            number = store.status[cells] == NUMBER
            # rows with equal keys and equal values, numbered in order of first appearance
            value = store.value[cells[number]].astype(np.int64)
            codes = pd.factorize(row_key[number] * (int(value.max(initial=0)) + 1) + value)[0]
            sizes = np.bincount(codes)
            repeated = sizes[codes] > 1
            link[cells[number][repeated]] = codes[repeated] + next_link
            next_link += len(sizes)
    return link


def _cohort_row_keys(store: CellStore, index: int) -> np.ndarray:
    """Per row of table ``index``: a number shared by the rows that differ only in filters
    picking a measure of the same cohort (see :func:`cohort_links`; kept per store)."""
    cache = store.__dict__.setdefault("_cohort_row_keys", {})
    if index not in cache:
        entry = store.tables[index]
        free = set(free_filters(entry))
        key = [c for c in entry.table.primary_key if c in entry.frame.columns and c not in free]
        keys = entry.frame[key].astype("string").fillna("")
        definition = cohort_definitions(entry)
        if definition is not None:
            keys = keys.assign(_cohort=definition.to_numpy())
        cache[index] = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy(np.int64)
    return cache[index]


def _pick_one_per_equation(
    store: CellStore,
    eqs: Equations,
    needy: np.ndarray,
    allowed: np.ndarray,
    allow_england: bool = False,
) -> np.ndarray:
    """For each needy equation (a flag per equation), the published cell to suppress next
    among the ``allowed`` entries (a flag per entry); see :func:`_pick_among`."""
    entries = np.flatnonzero(needy[eqs.eq])
    return _pick_among(store, eqs, entries, allowed[entries], allow_england)


def _pick_among(
    store: CellStore,
    eqs: Equations,
    entries: np.ndarray,
    allowed: np.ndarray,
    allow_england: bool = False,
) -> np.ndarray:
    """For each equation of ``entries`` (every entry of the needy equations), the published
    cell to suppress next; ``allowed`` (one flag per entry of ``entries``) says which may be
    chosen.

    Preference: a local authority's cell before a region's, a region's before England's (the
    figures most readers use are the last to go); then non-zero cells before zeros; then an item
    before the total; then a cell shared with another needy group; then the smallest; ties go
    to the first cell, so the choice is deterministic.
    """
    # England's headline figures are not chosen in a table with regional rows (unless
    # ``allow_england``, the last resort): every group holding one also holds regions or
    # categories, which protect it at far less cost to readers.
    level = area_level(store)[eqs.cell[entries]]
    england = level == ENGLAND_TOTAL
    if allow_england:
        england = np.zeros_like(england)
    candidate = (store.status[eqs.cell[entries]] == NUMBER) & allowed & ~england
    if not candidate.any():
        return np.zeros(0, dtype=np.int64)
    chosen = entries[candidate]
    eq, cell, coef = eqs.eq[chosen], eqs.cell[chosen], eqs.coef[chosen]
    value = store.value[cell]
    is_total = coef < 0
    # a cell that would protect two needy groups at once saves a suppression
    _, where, shared = np.unique(cell, return_inverse=True, return_counts=True)
    order = np.lexsort((cell, value, -shared[where], is_total, value == 0, level[candidate], eq))
    first = np.unique(eq[order], return_index=True)[1]
    return cell[order][first]


LEVEL_RANK = {"Local authority": 0, "Regional": 1, "National": 2}
#: The rank of England's headline rows (every additive filter at ``Total``).
ENGLAND_TOTAL = 3
TOTAL = "Total"


def area_level(store: CellStore) -> np.ndarray:
    """Per cell: 0 for an LA row, 1 for a region, 2 for England, 3 for England's headline rows
    (every additive filter at ``Total``) in a table that also has regional rows; 0 for tables
    without levels."""
    cached = getattr(store, "_area_level", None)
    if cached is not None:
        return cached
    level = np.zeros(store.n_cells, dtype=np.int8)
    for entry in store.tables:
        if entry.n_rows == 0 or "geographic_level" not in entry.frame.columns:
            continue
        rows = entry.frame["geographic_level"].map(LEVEL_RANK).fillna(0).to_numpy(np.int8)
        additive = [f.name for f in entry.table.filters if f.additive and f.name in entry.frame]
        totals = np.ones(entry.n_rows, dtype=bool)
        for name in additive:
            totals &= (entry.frame[name] == TOTAL).to_numpy()
        if (rows == LEVEL_RANK["Regional"]).any():
            rows = np.where((rows == LEVEL_RANK["National"]) & totals, ENGLAND_TOTAL, rows)
        for indicator in entry.indicators:
            level[entry.cell_ids(indicator.name)] = rows
    store._area_level = level  # type: ignore[attr-defined]
    return level


class _Secondary:
    """The state of one run of :func:`apply_secondary`: the indexes over its equations, each
    group's suppressed cells (kept up to date), and the cells suppressed since the cohort
    rule and since the rank test last looked.

    Every cell the run suppresses goes through :meth:`suppress`, so a round works on the
    groups and systems the cells suppressed since the last round touch, not on every table.
    """

    def __init__(
        self, store: CellStore, eqs: Equations, link: np.ndarray, pickable: np.ndarray
    ) -> None:
        self.store, self.eqs, self.link, self.pickable = store, eqs, link, pickable
        self.index = EntryIndex(eqs, store.n_cells, link)
        self.rep = self.index.rep
        self.counts = GroupCounts(store, eqs, self.index)
        hidden = np.flatnonzero(store.status == SUPPRESSED)
        self.not_followed: list[np.ndarray] = [hidden]  # cohorts still to follow these cells
        self.not_ranked: list[np.ndarray] = []  # suppressed since the rank test last ran
        self.ranked_once = False

    def suppress(self, cells: np.ndarray, reason: int) -> np.ndarray:
        """:func:`suppressed_now`, keeping the state up to date; returns the new cells."""
        fresh = suppressed_now(self.store, cells, reason)
        self.counts.add(fresh)
        self.not_followed.append(fresh)
        self.not_ranked.append(fresh)
        return fresh

    def take_not_followed(self) -> np.ndarray:
        """The cells suppressed since the cohort rule last ran (and forget them)."""
        cells, self.not_followed = np.concatenate(self.not_followed), []
        return cells

    def take_not_ranked(self) -> np.ndarray | None:
        """The cells suppressed since the rank test last ran, None before its first run."""
        cells = np.concatenate(self.not_ranked) if self.not_ranked else np.zeros(0, np.int64)
        self.not_ranked = []
        first, self.ranked_once = not self.ranked_once, True
        return None if first else cells

    def pick(
        self, needy: np.ndarray, reason: int, allowed: np.ndarray | None = None, **kw: bool
    ) -> np.ndarray:
        """Suppress one cell in each of the ``needy`` equations (numbers), chosen by
        :func:`_pick_among` among the pickable entries (or those flagged in ``allowed``, one
        flag per entry of the needy equations); return the new cells."""
        entries = self.index.entries_of_equations(needy)
        allowed = self.pickable[entries] if allowed is None else allowed
        return self.suppress(_pick_among(self.store, self.eqs, entries, allowed, **kw), reason)


def _heuristic_round(state: _Secondary) -> int:
    """One round of the cheap rules; return how many cells it suppressed."""
    store, eqs, counts = state.store, state.eqs, state.counts
    changed = 0
    # a cohort suppressed in one row is suppressed wherever it repeats
    followed = state.take_not_followed()
    linked = followed[state.link[followed] >= 0]
    if len(linked):
        members = state.index.cohort_members(linked)
        changed += len(state.suppress(members, reasons.COHORT_REPEAT))
    if eqs.n_equations == 0:
        return changed
    lonely = np.flatnonzero((counts.n_pos + counts.n_neg) == 1)
    changed += len(state.pick(lonely, reasons.SECONDARY))
    # all suppressed cells on one side of a group and summing to less than MIN_INTERVAL
    # (0: all are known to be 0; 3: each is known to be 0 to 3): one more cell, a non-zero
    # one on their side or any on the other. A cell settled at a higher level is the last
    # resort (e.g. an LA's total of 0 whose breakdown cells were hidden as partners in their
    # regions' groups).
    for only_pickable in (True, False):
        n_pos, n_neg, left = counts.n_pos, counts.n_neg, counts.left
        one_sided = ((n_pos > 0) & (n_neg == 0)) | ((n_neg > 0) & (n_pos == 0))
        hidden_sum = np.where(n_pos > 0, left, -left)
        narrow = np.flatnonzero(one_sided & (hidden_sum < MIN_INTERVAL - 1e-9))
        if not len(narrow):
            break
        entries = state.index.entries_of_equations(narrow)
        side = np.where(n_pos[eqs.eq[entries]] > 0, 1, -1)
        allowed = (store.value[eqs.cell[entries]] > 0) | (np.sign(eqs.coef[entries]) != side)
        if only_pickable:
            allowed &= state.pickable[entries]
        changed += len(state.pick(narrow, reasons.SECONDARY, allowed))
    return changed


def _equation_components(
    n_equations: int, eq: np.ndarray, unknown: np.ndarray, result: Recoverability
) -> np.ndarray:
    """Per equation, the connected system (component) of its suppressed cells (-1 when
    none), from entries ``eq`` over suppressed ``unknown`` cells (those the test solved)."""
    position = np.searchsorted(result.unknown_cells, unknown)
    component = np.full(n_equations, -1, dtype=np.int64)
    component[eq] = result.component_of_unknown[position]
    return component


#: The repair's widening stages: (every group of the system, not only the groups of a
#: recovered cell; cells settled at a higher level allowed; England's headline cells allowed).
REPAIR_STAGES = (
    (False, False, False),
    (False, True, False),
    (True, False, False),
    (True, True, False),
    (True, True, True),
)


def _repair_recoverable(state: _Secondary, changed: np.ndarray | None) -> tuple[int, int]:
    """Suppress more cells where the rank test recovers a suppressed count.

    A repeated cohort counts as one unknown (``state.rep``), as a reader who knows the
    cohorts are the same would treat it. Only the systems holding a ``changed`` cell are
    solved (all when None). Every system with a recoverable cell gets at least one new
    suppressed cell, so the next round solves it again: in the groups of its recoverable
    cells among pickable cells, then among cells settled at a higher level too (hiding more
    never uncovers a cell), then anywhere in the system, then England's headline cells (e.g.
    one LA whose region and England rows only repeat it). Returns ``(cells recovered, cells
    suppressed)``.
    """
    store, eqs, rep = state.store, state.eqs, state.rep
    unknown = store.status == SUPPRESSED
    if changed is None:
        entries = np.flatnonzero(unknown[rep[eqs.cell]])
    else:
        entries = state.index.unknown_entries_around(store.status, rep, changed)
    eq, cell = eqs.eq[entries], rep[eqs.cell[entries]]
    result = find_recoverable(eq, cell, eqs.coef[entries], unknown)
    if len(result.recoverable) == 0:
        return 0, 0
    component = _equation_components(eqs.n_equations, eq, cell, result)
    direct = np.unique(eq[np.isin(cell, result.recoverable)])
    in_systems = np.unique(eq)
    waiting = np.unique(component[direct])  # systems still to be given a new suppressed cell
    added = 0
    for widen, settled_too, england in REPAIR_STAGES:
        candidates = in_systems if widen else direct
        needy = candidates[np.isin(component[candidates], waiting)]
        entries = state.index.entries_of_equations(needy)
        allowed = None if not settled_too else np.ones(len(entries), dtype=bool)
        fresh = state.pick(needy, reasons.RECOVERABLE, allowed, allow_england=england)
        added += len(fresh)
        served = np.unique(eqs.eq[state.index.entries_of_cells(fresh)])
        waiting = np.setdiff1d(waiting, component[np.intersect1d(served, needy)])
        if len(waiting) == 0:
            return len(result.recoverable), added
    stuck = result.unknown_cells[np.isin(result.component_of_unknown, waiting)]
    cell_id = int(stuck[np.isin(stuck, result.recoverable)][0])
    raise DisclosureError(
        "cannot protect "
        + store.describe(cell_id)
        + ": it stays recoverable with every cell of its groups suppressed"
    )


def apply_secondary(
    store: CellStore,
    eqs: Equations,
    frozen: np.ndarray | None = None,
    link: np.ndarray | None = None,
    new_since_settled: np.ndarray | None = None,
) -> dict[str, int]:
    """Secondary suppression over all groups until no suppressed count can be recovered.

    Repeats the cheap rules (a group with exactly one suppressed cell; a group whose suppressed
    cells would be known to be 0; a cohort suppressed in one row and shown in another) until
    stable, then runs the rank test and suppresses one more cell in each group of a recoverable
    cell, and starts again. Cells flagged in ``frozen`` (one flag per cell) are never chosen:
    their status was settled at a higher level (:func:`apply_secondary_by_level`). Returns
    counts of rounds for the log. ``link``: :func:`cohort_links`, when already worked out.
    ``new_since_settled``: the cells suppressed since an earlier run settled these equations
    (its rank test then found every system safe; with cohorts linked the same or more, as
    :func:`cohort_links` links only published cells): the first rank test then solves only
    the systems holding one of them (hiding more never uncovers a cell, so the others are
    still safe).

    Each round works from what the last one changed (:class:`_Secondary`): the groups whose
    suppressed cells changed, and the rank test on the systems holding a new suppressed cell
    (a system without one was solved before and found safe).
    """
    link = cohort_links(store) if link is None else link
    pickable = np.ones(len(eqs.eq), dtype=bool) if frozen is None else ~frozen[eqs.cell]
    state = _Secondary(store, eqs, link, pickable)
    if new_since_settled is not None:
        state.ranked_once = True
        state.not_ranked.append(np.asarray(new_since_settled, dtype=np.int64))
    stats = {"heuristic_rounds": 0, "rank_rounds": 0, "recovered_then_repaired": 0}
    for _ in range(MAX_ROUNDS):
        if _heuristic_round(state):
            stats["heuristic_rounds"] += 1
            continue
        stats["rank_rounds"] += 1
        changed = state.take_not_ranked()
        changed = None if changed is None else state.rep[changed]
        recovered, _added = _repair_recoverable(state, changed)
        if recovered == 0:
            return stats
        stats["recovered_then_repaired"] += recovered
    raise DisclosureError(f"secondary suppression did not settle after {MAX_ROUNDS} rounds")


def apply_secondary_by_level(store: CellStore, eqs: Equations) -> dict[str, int]:
    """Secondary suppression top down: the upper level, then LAs' breakdowns around it.

    See :mod:`pipeline.disclosure.levels`. Returns the round counts of both levels.
    """
    lower = lower_level_cells(store)
    link = cohort_links(store)
    stats = apply_secondary(store, equations_without(eqs, lower), link=link)
    if lower.any():
        more = apply_secondary(store, eqs, frozen=~lower, link=link)
        stats = {key: stats[key] + more[key] for key in stats}
    return stats


def _widen(store: CellStore, eqs: Equations, narrow: list[Interval]) -> None:
    """Suppress one more non-zero cell in each group binding a narrow count's upper bound.

    The groups are those with a non-zero dual value when the count was maximised (the
    groups that, together, pin it); a non-zero cell hidden in one of them gives the count
    room to move. A count without such a group (or none with a published non-zero cell)
    widens its own groups; England's headline cells are the last resort.
    """
    needy = np.zeros(eqs.n_equations, dtype=bool)
    for interval in narrow:
        needy[list(interval.binding)] = True
    cells = np.array([i.cell for i in narrow], dtype=np.int64)
    needy[eqs.eq[np.isin(eqs.cell, cells)]] = True
    allowed = store.value[eqs.cell] > 0
    for england in (False, True):
        picked = _pick_one_per_equation(store, eqs, needy, allowed, allow_england=england)
        if suppress(store, picked, reasons.NARROW):
            return
    raise DisclosureError(
        f"cannot widen the interval of {store.describe(int(cells[0]))}: every non-zero cell "
        "of the groups bounding it is suppressed"
    )


def apply_interval_repair(store: CellStore, eqs: Equations, workers: int = 1) -> dict[str, int]:
    """Suppress more cells until no primary-suppressed count has an LP interval under 5.

    The interval audit (:mod:`pipeline.disclosure.intervals`) bounds each suppressed count by
    the published cells and non-negativity. For every primary-suppressed count bounded more
    narrowly than :data:`~pipeline.disclosure.intervals.MIN_INTERVAL`, each group binding it
    gets one more suppressed non-zero cell (:func:`_widen`), then the other rules settle again
    (:func:`apply_secondary`) and only the systems that changed are checked again. ``store``
    must be settled over ``eqs`` (:func:`apply_secondary_by_level`). Returns counts for the
    log.
    """
    primary = np.flatnonzero(
        (store.reason == reasons.PRIMARY) & (store.status == SUPPRESSED) & store.is_count
    )
    stats = {"interval_rounds": 0, "narrow_repaired": 0}
    near: np.ndarray | None = None  # cells whose systems changed since the last check
    link = cohort_links(store)
    for _ in range(MAX_ROUNDS):
        intervals, _ = feasibility_intervals(store, eqs, primary, workers, near=near)
        narrow_intervals = [i for i in intervals if i.width < MIN_INTERVAL - LP_TOLERANCE]
        narrow = np.array([i.cell for i in narrow_intervals], dtype=np.int64)
        if len(narrow) == 0:
            return stats
        stats["interval_rounds"] += 1
        stats["narrow_repaired"] += len(narrow)
        log.debug("interval repair: %d narrow of %d checked", len(narrow), len(intervals))
        before = store.status == SUPPRESSED
        _widen(store, eqs, narrow_intervals)
        widened = np.flatnonzero((store.status == SUPPRESSED) & ~before)
        # the store was settled over these equations (by apply_secondary_by_level, then by
        # the last round): the rank test need only look around the widened cells
        apply_secondary(store, eqs, link=link, new_since_settled=widened)
        near = np.union1d(np.flatnonzero((store.status == SUPPRESSED) & ~before), narrow)
    raise DisclosureError(f"interval repair did not settle after {MAX_ROUNDS} rounds")


def derived_sources(entry: TableCells, indicator: Indicator) -> list[str]:
    """The indicators a percent or rate is derived from.

    Its ``numerator`` and ``denominator`` when given; otherwise (an interval column without
    metadata) the indicator whose name is the longest prefix of its name, e.g. ``percent`` for
    ``percent_lower_ci``.
    """
    named = [s for s in (indicator.numerator, indicator.denominator) if s]
    if named:
        return named
    parents = [
        other.name
        for other in entry.indicators
        if other.name != indicator.name and indicator.name.startswith(other.name + "_")
    ]
    return [max(parents, key=len)] if parents else []


def apply_derived(store: CellStore) -> int:
    """Suppress percents and rates derived from a suppressed count (and intervals with them).

    A percent, rate or interval follows its counts: published when its numerator and
    denominator are published (it then discloses nothing they do not), suppressed with the
    same symbol when either is suppressed. A ``z`` (not applicable: a cohort of 0) becomes
    ``c`` too when its cohort is suppressed, or the ``z`` would tell the reader the cohort is 0.
    """
    total = 0
    for entry in store.tables:
        derived = [i for i in entry.indicators if i.kind in ("percent", "rate")]
        for _ in range(len(derived) + 1):
            changed = 0
            for indicator in derived:
                target = entry.cell_ids(indicator.name)
                hidden = np.zeros(entry.n_rows, dtype=bool)
                for source in derived_sources(entry, indicator):
                    hidden |= store.status[entry.cell_ids(source)] == SUPPRESSED
                changed += suppress(
                    store, target[hidden], reasons.FOLLOWS_COUNT, (NUMBER, NOT_APPLICABLE)
                )
            total += changed
            if not changed:
                break
    return total


def suppressed_frame(store: CellStore) -> pd.DataFrame:
    """Every symbol cell as rows ``table_index, row, status, reason`` (for the summary)."""
    cells = np.flatnonzero(store.status != NUMBER)
    tables = store.table_of(cells)
    offsets = np.array([t.offset for t in store.tables], dtype=np.int64)[tables]
    widths = np.array([max(len(t.indicators), 1) for t in store.tables], dtype=np.int64)[tables]
    return pd.DataFrame(
        {
            "table_index": tables,
            "row": (cells - offsets) // widths,
            "status": store.status[cells],
            "reason": store.reason[cells],
        }
    )
