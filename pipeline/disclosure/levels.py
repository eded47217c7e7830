"""Secondary suppression level by level, as tau-ARGUS's HiTaS does for hierarchical tables.

Solving every linked table at once lets one suppression ripple through the whole of England:
a cell hidden in one LA's breakdown makes its region's group need a partner, which makes
another LA's group need one, and so on, and the rank test then works on ever larger systems.
Instead the tables are split in two levels and solved top down:

1. the **upper level**: every cell except the breakdown rows of local authorities (England,
   regions, and each LA's ``Total`` rows), with only the groups among those cells;
2. the **lower level**: the LAs' breakdown rows, with every group, but only lower-level cells
   may be chosen as partners. The upper-level cells are fixed: a published region or LA total
   stays published, and a suppressed one is protected by hiding breakdown cells around it.

The lower level is always solvable this way (hiding every breakdown cell of an LA adds no
equation a reader could use), and it never undoes the upper level's choices, so the figures
most readers use (England, regions, LA totals) are protected at the least cost.
"""

from __future__ import annotations

import numpy as np

from pipeline.disclosure.cell_store import CellStore
from pipeline.disclosure.groups import Equations
from pipeline.published import LEVEL_LA

TOTAL = "Total"


def lower_level_cells(store: CellStore) -> np.ndarray:
    """Per cell: True for a local authority's breakdown row (an additive filter not ``Total``)."""
    lower = np.zeros(store.n_cells, dtype=bool)
    for entry in store.tables:
        frame = entry.frame
        if entry.n_rows == 0 or "geographic_level" not in frame.columns:
            continue
        additive = [f.name for f in entry.table.filters if f.additive and f.name in frame]
        if not additive:
            continue
        rows = (frame["geographic_level"] == LEVEL_LA).to_numpy()
        breakdown = np.zeros(entry.n_rows, dtype=bool)
        for name in additive:
            breakdown |= (frame[name].astype("string") != TOTAL).fillna(True).to_numpy()
        picked = np.flatnonzero(rows & breakdown)
        for indicator in entry.indicators:
            lower[entry.cell_ids(indicator.name, picked)] = True
    return lower


def equations_without(eqs: Equations, cells: np.ndarray) -> Equations:
    """The equations none of whose cells is flagged in ``cells`` (renumbered from 0)."""
    touches = np.zeros(eqs.n_equations, dtype=bool)
    touches[eqs.eq[cells[eqs.cell]]] = True
    keep_eq = np.flatnonzero(~touches)
    number = np.full(eqs.n_equations, -1, dtype=np.int64)
    number[keep_eq] = np.arange(len(keep_eq))
    entries = ~touches[eqs.eq]
    return Equations(
        eq=number[eqs.eq[entries]],
        cell=eqs.cell[entries],
        coef=eqs.coef[entries],
        eq_label=[eqs.eq_label[i] for i in keep_eq.tolist()],
        eq_total_cell=eqs.eq_total_cell[keep_eq],
    )
