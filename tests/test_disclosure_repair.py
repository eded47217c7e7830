"""The rank-test repair gives every system with a recoverable cell a new suppressed cell."""

from __future__ import annotations

import numpy as np
from test_disclosure_fixtures import breakdown_table

from pipeline.disclosure import symbol_reasons as reasons
from pipeline.disclosure.cell_store import SUPPRESSED, CellStore
from pipeline.disclosure.groups import build_equations
from pipeline.disclosure.recoverability import find_recoverable
from pipeline.disclosure.suppression import _repair_recoverable, _Secondary, suppress


def test_a_system_whose_groups_hold_only_settled_cells_is_repaired_too() -> None:
    # Two unrelated groups, each with one suppressed item a reader recovers by subtraction.
    # In "settled" every other cell was settled at the upper level (not pickable, as an
    # LA's Total row and the region cells are in the lower level); in "open" every cell is
    # pickable. Before the fix the repair picked a cell in "open" only and, because it had
    # added something, never widened to "settled", whose system the next round (solving only
    # systems with a new cell) never looked at again: the audit then found A recoverable.
    settled = breakdown_table({"E": {"Total": 20, "A": 8, "B": 12}}, name="settled")
    open_ = breakdown_table({"E": {"Total": 30, "A": 9, "B": 14, "C": 7}}, name="open")
    store = CellStore({"settled": settled, "open": open_})
    eqs = build_equations(store)
    first, second = store.tables
    hidden_a = np.concatenate(
        [t.cell_ids("number", np.array([1])) for t in (first, second)]  # row 1 is item A
    )
    suppress(store, hidden_a, reasons.PRIMARY)
    frozen = np.zeros(store.n_cells, dtype=bool)
    frozen[first.cell_ids("number")] = True
    no_cohorts = np.full(store.n_cells, -1, dtype=np.int64)
    state = _Secondary(store, eqs, no_cohorts, ~frozen[eqs.cell])

    recovered, added = _repair_recoverable(state, None)

    assert (recovered, added) == (2, 2)
    hidden = store.status == SUPPRESSED
    # "open": the smallest non-zero other item (C, 7); "settled": its other item (B), a
    # settled cell being the last resort, before the total
    assert hidden[first.cell_ids("number")].tolist() == [False, True, True]
    assert hidden[second.cell_ids("number")].tolist() == [False, True, False, True]
    assert len(find_recoverable(eqs.eq, eqs.cell, eqs.coef, hidden).recoverable) == 0
