"""Key points: three to five quotable sentences about an area, generated from package cells.

Each key point is one headline measure in the latest year: the figure with its number of
children, the year in words, last year's figure and the direction of the change in words, and
the comparison with England, the region and similar areas (statistical neighbours). Whether a
difference is *beyond chance* is read from the published 95% intervals: two figures whose
intervals do not overlap differ by more than chance alone would explain; when they overlap the
sentence says the difference could be chance. The neighbours' average has no interval, so no
claim about chance is made for it.

A sentence never says what the data cannot support: a figure that is not usable for comparison
(see :func:`usable_for_comparison`) is left out, and so is every clause built on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from pipeline.site.display import (
    SYMBOL_MEANINGS,
    cell_html,
    is_symbol,
    round_half_up,
    to_decimal,
    year_label,
    year_words,
)

#: Who each headline measure counts and what happened to them, for sentences.
PHRASES: dict[str, tuple[str, str]] = {
    "placement_2plus": ("children in care", "had two or more placement moves"),
    "school_midyear": ("children in care at school", "had a mid-year school move"),
    "sw_2plus": ("children in care", "had two or more changes of social worker"),
    "multiple_any": (
        "children in care",
        "had multiple changes of placement, school or social worker",
    ),
    "no_change": ("children in care", "had no change of placement, school or social worker"),
    "long_term_stable": (
        "children in long-term care",
        "had lived with the same carer for two years or more",
    ),
}
#: At most this many key points on a page.
MOST_POINTS = 5


@dataclass(frozen=True)
class Estimate:
    """A published percentage with its 95% interval (cells as text; blank when not published)."""

    percent: str
    lower: str = ""
    upper: str = ""
    source: str = "package"

    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The interval as decimals, or None when either end is a symbol or blank."""
        if is_symbol(self.lower) or is_symbol(self.upper):
            return None
        low, high = to_decimal(self.lower), to_decimal(self.upper)
        assert low is not None and high is not None
        return low, high

    def shown(self) -> str:
        """The percentage as shown on the page (``<data>`` element)."""
        return cell_html(self.percent, "percent", self.source)


@dataclass
class MeasureFigures:
    """Everything a key point about one measure says, for one area and the latest year."""

    measure: str
    now: Estimate
    number: str
    cohort: str
    before: Estimate
    #: (name in a sentence, figure) of England and the region, in that order.
    comparators: list[tuple[str, Estimate]] = field(default_factory=list)
    #: The statistical neighbours' average percentage (blank when not published).
    neighbours: str = ""
    #: When the figure is provisional: the later return it waits for, in words ('' if final).
    provisional: str = ""


def usable_for_comparison(estimate: Estimate) -> bool:
    """True when a figure can be stated and compared: published (not a symbol).

    The one check every clause of a key point goes through, so the coverage rules (a figure
    without the history it needs is published as ``x``) are applied in one place.
    """
    return not is_symbol(estimate.percent)


def overlap(a: Estimate, b: Estimate) -> bool | None:
    """True when the two 95% intervals overlap; None when either has no interval."""
    first, second = a.interval(), b.interval()
    if first is None or second is None:
        return None
    return first[0] <= second[1] and second[0] <= first[1]


def judgement(difference: int, higher_is_better: bool | None) -> str:
    """``better``/``worse`` for a difference (sign) under the measure's polarity ('' if none)."""
    if higher_is_better is None or difference == 0:
        return ""
    return "better" if (difference > 0) == higher_is_better else "worse"


def _difference(a: str, b: str) -> int:
    """Sign of the difference of two cells as shown (whole percentages)."""
    first, second = round_half_up(a), round_half_up(b)
    assert first is not None and second is not None
    return (first > second) - (first < second)


def change_clause(f: MeasureFigures, latest: str, higher_is_better: bool | None) -> str:
    """Last year's figure and the direction of the change, in words (with a leading comma)."""
    previous = str(int(latest) - 1)
    if not usable_for_comparison(f.before):
        if f.before.percent.strip() in ("", "z"):
            return ", the first year with this figure"
        meaning = SYMBOL_MEANINGS.get(f.before.percent.strip(), "not published")
        return f"; there is no figure for {year_label(previous)} to compare with ({meaning})"
    sign = _difference(f.now.percent, f.before.percent)
    if sign == 0:
        return f", the same as in {year_label(previous)} ({f.before.shown()})"
    verdict = judgement(sign, higher_is_better)
    verdict = {"better": ", an improvement", "worse": ", a worsening"}.get(verdict, "")
    text = f", {'up' if sign > 0 else 'down'} from {f.before.shown()} in {year_label(previous)}"
    text += verdict
    overlapping = overlap(f.now, f.before)
    if overlapping is True:
        text += " that could be chance (the two years' 95% intervals overlap)"
    elif overlapping is False:
        text += (
            " bigger than chance alone would explain (the two years' 95% intervals do not overlap)"
        )
    return text


def first_sentence(area: str, f: MeasureFigures, latest: str, polarity: bool | None) -> str:
    """The figure, its children, the year in words and the change since last year.

    A provisional figure is not compared with last year's (it does not yet count every
    change, so the change would be understated); the sentence says what it waits for.
    """
    cohort, verb = PHRASES.get(f.measure, ("children in care", f"had {f.measure}"))
    children = ""
    if not is_symbol(f.number) and not is_symbol(f.cohort):
        children = (
            f" ({cell_html(f.number, 'count', f.now.source)} of "
            f"{cell_html(f.cohort, 'count', f.now.source)} children)"
        )
    if f.provisional:
        return (
            f"In {year_words(latest)}, {f.now.shown()} of {cohort} in {escape(area)} {verb}"
            f"{children}. This figure is provisional and is not compared with last year: it "
            f"can still change with {escape(f.provisional)}."
        )
    return (
        f"In {year_words(latest)}, {f.now.shown()} of {cohort} in {escape(area)} {verb}"
        f"{children}{change_clause(f, latest, polarity)}."
    )


def relation_word(sign: int, polarity: bool | None) -> str:
    """``higher (worse) than``, ``lower (better) than`` or ``the same as``."""
    verdict = judgement(sign, polarity)
    word = {1: "higher", -1: "lower", 0: "the same as"}[sign]
    if sign:
        word += f" ({verdict}) than" if verdict else " than"
    return word


def comparison_sentence(area: str, f: MeasureFigures, polarity: bool | None) -> str:
    """How the figure compares with England, the region and similar areas ('' if it cannot)."""
    groups: dict[str, list[str]] = {}
    beyond, within = [], []
    for name, other in f.comparators:
        if not usable_for_comparison(other):
            continue
        sign = _difference(f.now.percent, other.percent)
        groups.setdefault(relation_word(sign, polarity), []).append(
            f"{escape(name)} ({other.shown()})"
        )
        overlapping = overlap(f.now, other)
        if sign and overlapping is False:
            beyond.append(escape(name))
        elif sign and overlapping is True:
            within.append(escape(name))
    if not is_symbol(f.neighbours):
        sign = _difference(f.now.percent, f.neighbours)
        groups.setdefault(relation_word(sign, polarity), []).append(
            f"similar areas (the average of its statistical neighbours, "
            f"{Estimate(f.neighbours, source=f.now.source).shown()})"
        )
    if not groups:
        return ""
    relations = [f"{word} {_join(names)}" for word, names in groups.items()]
    text = f"The figure for {escape(area)} is " + "; ".join(relations) + "."
    if beyond:
        text += (
            f" {_difference_word(beyond)} from {_join(beyond)} "
            f"{'is' if len(beyond) == 1 else 'are'} bigger than chance alone would explain "
            "(the 95% intervals do not overlap)"
        )
        text += f"; from {_join(within)} it could be chance." if within else "."
    elif within:
        text += (
            f" {_difference_word(within)} from {_join(within)} could be chance "
            "(the 95% intervals overlap)."
        )
    return text


def _difference_word(names: list[str]) -> str:
    return "The difference" if len(names) == 1 else "The differences"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def key_point(area: str, f: MeasureFigures, latest: str, polarity: bool | None) -> str:
    """One key point (HTML text of two sentences), or '' when the figure is not usable."""
    if not usable_for_comparison(f.now):
        return ""
    second = comparison_sentence(area, f, polarity)
    return first_sentence(area, f, latest, polarity) + (f" {second}" if second else "")


@dataclass
class KeyPointsBlock:
    """The key points section of a page: the sentences and the citation of the paragraph."""

    points: list[tuple[str, str]]
    citation: str
    address: str
    page_path: str

    def html(self) -> str:
        """The list of key points and the citation, as HTML (empty list: a plain sentence)."""
        if not self.points:
            return (
                '<p class="key-points-none">No headline figure can be stated for this area: '
                "every headline figure is suppressed or not available.</p>"
            )
        items = "".join(
            f'<li id="key-point-{escape(measure)}">{text}</li>' for measure, text in self.points
        )
        return (
            f'<ul class="key-points">{items}</ul>'
            '<p class="key-points-cite"><strong>Cite these key points:</strong> '
            f'<span id="key-points-citation">{escape(self.citation)} Available at: '
            f'<span class="permanent-address" data-path="{escape(self.page_path)}#key-points">'
            f"{escape(self.address)}#key-points</span></span> "
            '<button type="button" class="copy-button" data-copy-target="key-points-citation">'
            "Copy the citation</button>"
            '<span class="copy-status" role="status" aria-live="polite"></span></p>'
        )


def choose_points(
    area: str, figures: list[MeasureFigures], latest: str, polarity: dict[str, bool | None]
) -> list[tuple[str, str]]:
    """Key points of the first :data:`MOST_POINTS` headline measures that can be stated."""
    points = []
    for f in figures:
        text = key_point(area, f, latest, polarity.get(f.measure))
        if text:
            points.append((f.measure, text))
        if len(points) == MOST_POINTS:
            break
    return points
