"""The suppression rules: primary, secondary (with repeated cohorts) and derived cells.

All rules act on a :class:`~pipeline.disclosure.cell_store.CellStore` in place: they change a cell's
status to :data:`~pipeline.disclosure.cell_store.SUPPRESSED` and record why, keeping its value so
later rules can still see it. Nothing here loops over cells in Python: every rule is a handful
of numpy operations over all tables at once, repeated until nothing changes.
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


def suppress(
    store: CellStore, cells: np.ndarray, reason: int, replaces: tuple[int, ...] = (NUMBER,)
) -> int:
    """Suppress the given cells whose status is one of ``replaces`` (by default: those that
    hold a number); return how many changed."""
    cells = np.unique(cells)
    fresh = cells[np.isin(store.status[cells], replaces)]
    store.status[fresh] = SUPPRESSED
    store.reason[fresh] = reason
    return len(fresh)


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
    for entry in store.tables:
        denominators = {i.denominator for i in entry.indicators if i.denominator}
        counts = [i.name for i in entry.indicators if i.kind == "count" and i.name in denominators]
        free = set(free_filters(entry))
        key = [c for c in entry.table.primary_key if c in entry.frame.columns and c not in free]
        if not counts or not free or entry.n_rows == 0:
            continue
        keys = entry.frame[key].astype("string").fillna("")
        definition = cohort_definitions(entry)
        if definition is not None:
            keys = keys.assign(_cohort=definition.to_numpy())
        for name in counts:
            cells = entry.cell_ids(name)
            number = store.status[cells] == NUMBER
            frame = keys.loc[number].assign(value=store.value[cells[number]])
            codes = frame.groupby([*keys.columns, "value"], sort=False).ngroup().to_numpy()
            sizes = np.bincount(codes)
            repeated = sizes[codes] > 1
            link[cells[number][repeated]] = codes[repeated] + next_link
            next_link += len(sizes)
    return link


def _pick_one_per_equation(
    store: CellStore,
    eqs: Equations,
    needy: np.ndarray,
    allowed: np.ndarray,
    allow_england: bool = False,
) -> np.ndarray:
    """For each needy equation, the published cell to suppress next.

    Preference: a local authority's cell before a region's, a region's before England's (the
    figures most readers use are the last to go); then non-zero cells before zeros; then an item
    before the total; then a cell shared with another needy group; then the smallest; ties go
    to the first cell, so the choice is deterministic.
    """
    # England's headline figures are not chosen in a table with regional rows (unless
    # ``allow_england``, the last resort): every group holding one also holds regions or
    # categories, which protect it at far less cost to readers.
    england = area_level(store)[eqs.cell] == ENGLAND_TOTAL
    if allow_england:
        england = np.zeros_like(england)
    candidate = needy[eqs.eq] & (store.status[eqs.cell] == NUMBER) & allowed & ~england
    if not candidate.any():
        return np.zeros(0, dtype=np.int64)
    eq, cell, coef = eqs.eq[candidate], eqs.cell[candidate], eqs.coef[candidate]
    value = store.value[cell]
    is_total = coef < 0
    # a cell that would protect two needy groups at once saves a suppression
    _, where, shared = np.unique(cell, return_inverse=True, return_counts=True)
    level = area_level(store)[cell]
    order = np.lexsort((cell, value, -shared[where], is_total, value == 0, level, eq))
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


def _weighted_total(store: CellStore, eqs: Equations) -> np.ndarray:
    """Per equation: ``sum(coef * value)`` over its cells with a value, published or not.

    Values never change (suppressing a cell changes its status only), so this is worked out
    once per equations and store; counts are whole numbers, so the sums are exact.
    """
    cached = getattr(eqs, "_weighted_total", None)
    if cached is not None and cached[0] is store.value:
        return cached[1]
    value = store.value[eqs.cell]
    weighted = np.where(np.isfinite(value), value * eqs.coef, 0.0)
    total = np.bincount(eqs.eq, weights=weighted, minlength=eqs.n_equations)
    eqs._weighted_total = (store.value, total)  # type: ignore[attr-defined]
    return total


def _group_state(store: CellStore, eqs: Equations) -> tuple[np.ndarray, ...]:
    """Per equation: suppressed items, suppressed totals, and what the published cells leave.

    The last is the value a reader works out for the suppressed cells together (total minus
    published items), computed from published cells only, exactly as the audit does: the
    sum over every cell less the cells not published (few), the counts being whole numbers.
    """
    n_eq = eqs.n_equations
    status = store.status[eqs.cell]
    hidden = np.flatnonzero(status == SUPPRESSED)
    positive = eqs.coef[hidden] > 0
    n_pos = np.bincount(eqs.eq[hidden[positive]], minlength=n_eq)
    n_neg = np.bincount(eqs.eq[hidden[eqs.coef[hidden] < 0]], minlength=n_eq)
    unpublished = np.flatnonzero(status != NUMBER)
    value = store.value[eqs.cell[unpublished]]
    weighted = np.where(np.isfinite(value), value * eqs.coef[unpublished], 0.0)
    hidden_total = np.bincount(eqs.eq[unpublished], weights=weighted, minlength=n_eq)
    left = hidden_total - _weighted_total(store, eqs)
    return n_pos, n_neg, left


def _heuristic_round(
    store: CellStore, eqs: Equations, link: np.ndarray, pickable: np.ndarray
) -> int:
    """One round of the cheap rules; return how many cells it suppressed.

    ``pickable`` (one flag per (equation, cell) entry) says which cells may be chosen.
    """
    changed = 0
    linked = link >= 0
    if linked.any():
        hidden_links = np.unique(link[linked & (store.status == SUPPRESSED)])
        follow = np.flatnonzero(linked & np.isin(link, hidden_links))
        changed += suppress(store, follow, reasons.COHORT_REPEAT)
    if eqs.n_equations == 0:
        return changed
    n_pos, n_neg, _ = _group_state(store, eqs)
    lonely = (n_pos + n_neg) == 1
    picked = _pick_one_per_equation(store, eqs, lonely, pickable)
    changed += suppress(store, picked, reasons.SECONDARY)
    # all suppressed cells on one side of a group and summing to less than MIN_INTERVAL
    # (0: all are known to be 0; 3: each is known to be 0 to 3): one more cell, a non-zero
    # one on their side or any on the other. A cell settled at a higher level is the last
    # resort (e.g. an LA's total of 0 whose breakdown cells were hidden as partners in their
    # regions' groups).
    for allowed_level in (pickable, np.ones(len(eqs.eq), dtype=bool)):
        n_pos, n_neg, left = _group_state(store, eqs)
        one_sided = ((n_pos > 0) & (n_neg == 0)) | ((n_neg > 0) & (n_pos == 0))
        hidden_sum = np.where(n_pos > 0, left, -left)
        narrow = one_sided & (hidden_sum < MIN_INTERVAL - 1e-9)
        if not narrow.any():
            break
        side = np.where(n_pos > 0, 1, -1)[eqs.eq]
        allowed = allowed_level & ((store.value[eqs.cell] > 0) | (np.sign(eqs.coef) != side))
        picked = _pick_one_per_equation(store, eqs, narrow, allowed)
        changed += suppress(store, picked, reasons.SECONDARY)
    return changed


def representatives(link: np.ndarray) -> np.ndarray:
    """Per cell, the cell standing for it in the rank test: linked cohorts are one unknown."""
    rep = np.arange(len(link), dtype=np.int64)
    linked = np.flatnonzero(link >= 0)
    if len(linked):
        first = pd.Series(linked).groupby(link[linked]).transform("min").to_numpy()
        rep[linked] = first
    return rep


def _equation_components(eqs: Equations, rep: np.ndarray, result: Recoverability) -> np.ndarray:
    """Per equation, the connected system (component) of its suppressed cells (-1 when none)."""
    position = np.searchsorted(result.unknown_cells, rep[eqs.cell])
    position = np.minimum(position, len(result.unknown_cells) - 1)
    inside = result.unknown_cells[position] == rep[eqs.cell]
    component = np.full(eqs.n_equations, -1, dtype=np.int64)
    component[eqs.eq[inside]] = result.component_of_unknown[position[inside]]
    return component


def _repair_recoverable(
    store: CellStore,
    eqs: Equations,
    rep: np.ndarray,
    changed: np.ndarray | None,
    pickable: np.ndarray,
) -> tuple[int, int]:
    """Suppress more cells where the rank test recovers a suppressed count.

    A repeated cohort counts as one unknown (``rep``), as a reader who knows the cohorts are
    the same would treat it. Only the systems holding a ``changed`` cell are solved (all when
    None). Every system with a recoverable cell gets at least one new suppressed cell, so the
    next round solves it again: in the groups of its recoverable cells among ``pickable``
    cells, then among cells settled at a higher level too (hiding more never uncovers a
    cell), then anywhere in the system, then England's headline cells (e.g. one LA whose region and
    England rows only repeat it). Returns ``(cells recovered, cells suppressed)``.
    """
    unknown = store.status == SUPPRESSED
    result = find_recoverable(eqs.eq, rep[eqs.cell], eqs.coef, unknown, changed)
    if len(result.recoverable) == 0:
        return 0, 0
    component = _equation_components(eqs, rep, result)
    recovered_in = np.isin(rep[eqs.cell], result.recoverable)
    direct = np.zeros(eqs.n_equations, dtype=bool)
    direct[np.unique(eqs.eq[recovered_in])] = True
    waiting = np.unique(component[direct])  # systems still to be given a new suppressed cell
    everything = np.ones(len(eqs.eq), dtype=bool)
    stages = (
        (False, pickable, False),
        (False, everything, False),
        (True, pickable, False),
        (True, everything, False),
        (True, everything, True),
    )
    added = 0
    for widen, allowed, england in stages:
        needy = np.isin(component, waiting) & (True if widen else direct)
        before = store.status == SUPPRESSED
        added += suppress(
            store,
            _pick_one_per_equation(store, eqs, needy, allowed, allow_england=england),
            reasons.RECOVERABLE,
        )
        fresh = (store.status == SUPPRESSED) & ~before
        served = np.unique(eqs.eq[fresh[eqs.cell]])
        waiting = np.setdiff1d(waiting, component[served[needy[served]]])
        if len(waiting) == 0:
            return len(result.recoverable), added
    stuck = result.unknown_cells[np.isin(result.component_of_unknown, waiting)]
    cell = int(stuck[np.isin(stuck, result.recoverable)][0])
    raise DisclosureError(
        "cannot protect "
        + store.describe(cell)
        + ": it stays recoverable with every cell of its groups suppressed"
    )


def apply_secondary(
    store: CellStore,
    eqs: Equations,
    frozen: np.ndarray | None = None,
    link: np.ndarray | None = None,
) -> dict[str, int]:
    """Secondary suppression over all groups until no suppressed count can be recovered.

    Repeats the cheap rules (a group with exactly one suppressed cell; a group whose suppressed
    cells would be known to be 0; a cohort suppressed in one row and shown in another) until
    stable, then runs the rank test and suppresses one more cell in each group of a recoverable
    cell, and starts again. Cells flagged in ``frozen`` (one flag per cell) are never chosen:
    their status was settled at a higher level (:func:`apply_secondary_by_level`). Returns
    counts of rounds for the log. ``link``: :func:`cohort_links`, when already worked out.
    """
    link = cohort_links(store) if link is None else link
    rep = representatives(link)
    pickable = np.ones(len(eqs.eq), dtype=bool) if frozen is None else ~frozen[eqs.cell]
    stats = {"heuristic_rounds": 0, "rank_rounds": 0, "recovered_then_repaired": 0}
    checked: np.ndarray | None = None  # suppressed cells when the rank test last ran
    for _ in range(MAX_ROUNDS):
        if _heuristic_round(store, eqs, link, pickable):
            stats["heuristic_rounds"] += 1
            continue
        stats["rank_rounds"] += 1
        hidden = store.status == SUPPRESSED
        changed = None if checked is None else rep[np.flatnonzero(hidden & ~checked)]
        checked = hidden
        recovered, _added = _repair_recoverable(store, eqs, rep, changed, pickable)
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
    gets one more suppressed non-zero cell (:func:`_widen`), then the other rules settle again (:func:`apply_secondary`) and only the systems
    that changed are checked again. Returns counts for the log.
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
        apply_secondary(store, eqs, link=link)
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
