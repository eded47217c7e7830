"""Published statistics: England / region / LA tables, Wilson intervals, neighbours, case-mix.

Public entry points:

* :func:`build_tables` - the tables of docs/contracts.md section 3 (before disclosure);
* :func:`derive_comparisons` - ``time_series`` and ``la_comparison`` from protected tables;
* :func:`wilson_interval` - 95% Wilson score intervals in percent;
* :func:`nearest_neighbours` - each LA's 10 statistical neighbours.
"""

from pipeline.aggregate.all_tables import build_tables
from pipeline.aggregate.comparisons import derive_comparisons
from pipeline.aggregate.neighbours import nearest_neighbours
from pipeline.aggregate.wilson import wilson_interval

__all__ = ["build_tables", "derive_comparisons", "nearest_neighbours", "wilson_interval"]
