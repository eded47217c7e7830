"""The measures catalogue: every fact about a published measure, defined once.

Each :class:`Measure` holds the code, the labels, the cohort, the polarity, whether it is a
headline measure (and its display order), the periods it is published for, the returns a
figure depends on (its *coverage needs*) and when a figure is *provisional*. The package's
``measures`` resource is written from this catalogue (``pipeline.packaging.reference``), and the
aggregation, the website, the spreadsheet and the LA report read their lists, labels and
polarity from here (the site reads them back from the package's ``measures.csv``).

Coverage needs and the provisional rule
---------------------------------------

A figure for measure ``m``, period ``p`` and collection year ``Y`` depends on some returns: a
:class:`Need` names one input table (``source``) of one collection year (``Y + offset``).
:func:`needs` lists them all for ``(m, p)``; ``reason`` says why in plain English, with
``{year}`` (the needed collection year, e.g. ``2022``) and ``{date_year}`` placeholders that
:meth:`Need.describe` fills in for a given ``Y``.

* A need with ``offset <= 0`` is **history**: an earlier (or the same) return. When it is absent
  the figure is **not available** (publish ``x`` with a footnote from :meth:`Need.describe`; do
  not draw it, rank it or use it in a change). :func:`missing_history` lists the absent needs.
* A need with ``offset > 0`` is a **later** return that can still change the figure: while the
  input does not hold it yet the figure is **provisional**. :func:`provisional_needs` lists them.

The rules (METHODS.md sections 2 to 4):

* a period of ``n`` years (two years, consecutive, three, four) needs the returns of years
  ``Y-n+1`` to ``Y`` for every source the measure uses (``PERIOD_YEARS``);
* long-term stability needs the placement history back to 31 March ``Y-3``: the episodes of
  returns ``Y-2`` and ``Y-1`` (return ``Y-2`` opens on 1 April ``Y-3`` with every episode open
  that day), so a child's earlier changes of carer are seen;
* any measure using school moves needs the school census through the summer after the year: a
  move after the spring census is first seen on the summer census, which is in return ``Y+1``;
  until that return is in the input the figure is provisional.

Sources are the per-year input tables of ``pipeline.inputs.tables.YEAR_TABLES``:
``episodes`` (with the header), ``school_census`` and ``social_workers``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from functools import cache

#: The periods of METHODS.md section 4: code -> label stored in the ``PERIOD`` column.
PERIODS: dict[str, str] = {
    "1y": "During the year",
    "2y": "Across two years",
    "consecutive": "In consecutive years",
    "3y": "Across three years",
    "4y": "Across four years",
}
#: Number of collection years each period spans (it needs every return of those years).
PERIOD_YEARS: dict[str, int] = {"1y": 1, "2y": 2, "consecutive": 2, "3y": 3, "4y": 4}

EPISODES = "episodes"
SCHOOL_CENSUS = "school_census"
SOCIAL_WORKERS = "social_workers"
#: The input tables a measure can depend on, in a stable order.
SOURCES = (EPISODES, SCHOOL_CENSUS, SOCIAL_WORKERS)

#: Polarity values of the ``measures`` resource.
HIGHER_IS_BETTER_TEXT = "higher is better"
LOWER_IS_BETTER_TEXT = "lower is better"


@dataclass(frozen=True)
class Need:
    """One return a measure-year depends on: table ``source`` of collection year ``Y + offset``.

    ``reason`` is plain English with ``{year}`` (the needed collection year) and ``{date_year}``
    (``Y + date_offset``, for a date such as "31 March {date_year}") placeholders.
    """

    source: str
    offset: int
    reason: str
    date_offset: int = 0

    @property
    def later(self) -> bool:
        """True for a later return (its absence makes the figure provisional, not missing)."""
        return self.offset > 0

    def year(self, year: int) -> int:
        """The collection year of the needed return for a figure of year ``year``."""
        return year + self.offset

    def relative(self) -> str:
        """The need relative to the figure's year, e.g. ``episodes Y-2`` or ``school_census Y+1``."""
        sign = f"{self.offset:+d}" if self.offset else ""
        return f"{self.source} Y{sign}"

    def describe(self, year: int) -> str:
        """The reason for a figure of collection year ``year``, placeholders filled in."""
        return self.reason.format(year=year + self.offset, date_year=year + self.date_offset)


_ANNUAL = ("1y", "2y", "3y", "4y")
_WITH_CONSECUTIVE = ("1y", "2y", "consecutive", "3y", "4y")
_PLACEMENT = (EPISODES,)
_SCHOOL = (EPISODES, SCHOOL_CENSUS)
_SOCIAL_WORKER = (EPISODES, SOCIAL_WORKERS)
_ALL = (EPISODES, SCHOOL_CENSUS, SOCIAL_WORKERS)


@dataclass(frozen=True)
class Measure:
    """Everything published about one measure (one row of the package's ``measures`` resource).

    ``sources``: the input tables the child-level flag is computed from. ``periods``: codes of
    :data:`PERIODS`. ``extra_needs``: needs beyond those of the period and the sources (see
    :func:`needs`). ``order``: display order (headline measures first, in the DfE order), set
    from the position in ``MEASURES``.
    """

    code: str
    label: str
    short_label: str
    definition: str
    cohort: str
    sources: tuple[str, ...]
    periods: tuple[str, ...] = _ANNUAL
    headline: bool = False
    higher_is_better: bool = False
    extra_needs: tuple[Need, ...] = ()
    order: int = 0

    @property
    def polarity(self) -> str:
        """``higher is better`` or ``lower is better`` (the value in the resource)."""
        return HIGHER_IS_BETTER_TEXT if self.higher_is_better else LOWER_IS_BETTER_TEXT


#: A school move after the spring census is first seen on the next summer census (return Y+1).
SUMMER_CENSUS = Need(
    SCHOOL_CENSUS,
    1,
    "the summer school census of {date_year} (in the {year} return), where moves after the "
    "spring census are first recorded",
    date_offset=0,
)
#: Long-term stability looks back to 31 March Y-3 (returns Y-2 and Y-1 hold that history).
LONG_TERM_HISTORY = tuple(
    Need(
        EPISODES,
        offset,
        "the {year} return, for the placement history back to 31 March {date_year}",
        date_offset=-3,
    )
    for offset in (-2, -1)
)


_DEFINED = [
    Measure(
        "placement_2plus",
        "2 or more placement moves",
        "2+ placement moves",
        "The child moved to a different carer two or more times in the period, so lived in at "
        "least three placements. Temporary placements and moves to adoption with the current "
        "foster carer are not counted.",
        "all",
        _PLACEMENT,
        periods=_WITH_CONSECUTIVE,
        headline=True,
    ),
    Measure(
        "school_midyear",
        "Mid-year school move",
        "Mid-year school move",
        "The child started at a new school in the period after the first three weeks of the "
        "autumn term (22 September to 31 July).",
        "school",
        _SCHOOL,
        periods=_WITH_CONSECUTIVE,
        headline=True,
    ),
    Measure(
        "sw_2plus",
        "2 or more social worker changes",
        "2+ social worker changes",
        "The child's main social worker changed two or more times in the period, so the child "
        "had at least three social workers.",
        "social_worker",
        _SOCIAL_WORKER,
        periods=_WITH_CONSECUTIVE,
        headline=True,
    ),
    Measure(
        "multiple_any",
        "Multiple changes in one or more areas",
        "Multiple changes",
        "High instability: 2 or more placement moves, or a mid-year school move, or 2 or more "
        "social worker changes in the period.",
        "complete_case",
        _ALL,
        headline=True,
    ),
    Measure(
        "no_change",
        "No change of placement, school or social worker",
        "No change",
        "The child had no change of placement, school or social worker in the period.",
        "complete_case",
        _ALL,
        headline=True,
        higher_is_better=True,
    ),
    Measure(
        "long_term_stable",
        "Long-term stability (same carer for 2 years or more)",
        "Long-term stability",
        "Children under 16 looked after for at least two and a half years who have lived with "
        "the same carer for at least two years.",
        "long_term",
        _PLACEMENT,
        periods=_ANNUAL,
        headline=True,
        higher_is_better=True,
        extra_needs=LONG_TERM_HISTORY,
    ),
    Measure(
        "placement_1plus",
        "1 or more placement moves",
        "1+ placement moves",
        "The child moved to a different carer at least once in the period.",
        "all",
        _PLACEMENT,
    ),
    Measure(
        "placement_4plus",
        "4 or more placement moves",
        "4+ placement moves",
        "The child moved to a different carer four or more times in the period.",
        "all",
        _PLACEMENT,
    ),
    Measure(
        "school_any",
        "Any school move",
        "Any school move",
        "The child started at a new school in the period, at any time of year, not counting "
        "the usual move from primary to secondary school or academy conversions.",
        "school",
        _SCHOOL,
        periods=_WITH_CONSECUTIVE,
    ),
    Measure(
        "sw_1plus",
        "1 or more social worker changes",
        "1+ social worker changes",
        "The child's main social worker changed at least once in the period.",
        "social_worker",
        _SOCIAL_WORKER,
    ),
    Measure(
        "sw_2plus_excl_tsproc",
        "2 or more social worker changes, excluding team transfers",
        "2+ social worker changes (no transfers)",
        "As '2 or more social worker changes', but not counting changes made because the "
        "child's case moved to another team.",
        "social_worker",
        _SOCIAL_WORKER,
    ),
    Measure(
        "any_change",
        "A change in one or more areas",
        "Any change",
        "The child had a change of placement, school or social worker in the period.",
        "complete_case",
        _ALL,
    ),
    Measure(
        "all_three",
        "A change in all three areas",
        "Change in all three",
        "The child had a change of placement, of school and of social worker.",
        "complete_case",
        _ALL,
    ),
    Measure(
        "all_three_high",
        "Multiple changes in all three areas",
        "Multiple changes in all three",
        "The child had 2 or more placement moves, a mid-year school move and 2 or more social "
        "worker changes in the period.",
        "complete_case",
        _ALL,
    ),
]
# Display order: the headline measures (DfE's order), then the others.
_ORDER = [
    "placement_2plus", "school_midyear", "sw_2plus", "multiple_any", "no_change",
    "long_term_stable", "placement_1plus", "placement_4plus", "school_any", "sw_1plus",
    "sw_2plus_excl_tsproc", "any_change", "all_three", "all_three_high",
]  # fmt: skip
_BY_CODE = {measure.code: measure for measure in _DEFINED}

#: Every measure, by code, in display order (``Measure.order`` is the position, from 1).
MEASURES: dict[str, Measure] = {
    code: replace(_BY_CODE[code], order=position) for position, code in enumerate(_ORDER, start=1)
}
#: The headline measures (DfE's list), in display order.
HEADLINE_MEASURES: list[str] = [code for code, m in MEASURES.items() if m.headline]
#: Measures where a higher percentage means more stability (rank 1 = highest).
HIGHER_IS_BETTER: frozenset[str] = frozenset(c for c, m in MEASURES.items() if m.higher_is_better)
#: The flags of the child-level measures table: code -> (label, cohort), in the order of
#: METHODS.md section 3 (the table's column order and the published tables' row order).
FLAGS: dict[str, tuple[str, str]] = {
    code: (MEASURES[code].label, MEASURES[code].cohort)
    for code in [
        "placement_1plus", "placement_2plus", "placement_4plus", "school_any", "school_midyear",
        "sw_1plus", "sw_2plus", "sw_2plus_excl_tsproc", "any_change", "no_change",
        "multiple_any", "all_three", "all_three_high", "long_term_stable",
    ]
}  # fmt: skip


def label(code: str) -> str:
    """The plain-English label of a measure."""
    return MEASURES[code].label


@cache
def needs(code: str, period: str) -> tuple[Need, ...]:
    """Every return a figure of measure ``code`` for period ``period`` depends on.

    The period's years (``Y-n+1`` to ``Y``) for each of the measure's sources, then the
    measure's extra needs (long-term history) and, for a measure using the school census, the
    summer census after the year.
    """
    measure = MEASURES[code]
    if period not in measure.periods:
        raise KeyError(f"measure {code!r} is not published for period {period!r}")
    span = PERIOD_YEARS[period]
    found = {
        (source, offset): Need(source, offset, f"the {{year}} return ({source.replace('_', ' ')})")
        for offset in range(1 - span, 1)
        for source in measure.sources
    }
    school = (SUMMER_CENSUS,) if SCHOOL_CENSUS in measure.sources else ()
    found.update({(need.source, need.offset): need for need in measure.extra_needs + school})
    return tuple(sorted(found.values(), key=lambda n: (n.offset, SOURCES.index(n.source))))


def missing_history(
    code: str, period: str, year: int, available: Mapping[str, Collection[int]]
) -> tuple[Need, ...]:
    """The earlier (or same-year) returns a figure of ``year`` needs and ``available`` lacks.

    ``available`` maps a source to the collection years the input holds for it (for one LA,
    or for every LA). A non-empty answer means the figure is not available (``x``).
    """
    return tuple(
        need
        for need in needs(code, period)
        if not need.later and need.year(year) not in available.get(need.source, ())
    )


def provisional_needs(
    code: str, period: str, year: int, available: Mapping[str, Collection[int]]
) -> tuple[Need, ...]:
    """The later returns that can still change a figure of ``year`` and are not in the input.

    A non-empty answer means the figure is provisional; it is revised when a later release
    includes those returns.
    """
    return tuple(
        need
        for need in needs(code, period)
        if need.later and need.year(year) not in available.get(need.source, ())
    )


def is_provisional(
    code: str, period: str, year: int, available: Mapping[str, Collection[int]]
) -> bool:
    """True when a figure of ``year`` still waits for a later return (see ``provisional_needs``)."""
    return bool(provisional_needs(code, period, year, available))
