"""Headline tiles that explain themselves: terms linked to the glossary, changes in words.

A tile shows one measure's figure with its 95% interval, last year's figure, the change in
percentage points in words with whether that is better or worse (from the measure's polarity
in the package), the comparison figures and, for an LA, its rank with the number of LAs
ranked ("72nd of the 146 LAs with a published figure").
"""

from __future__ import annotations

from html import escape

from pipeline.site.display import (
    cell_html,
    is_symbol,
    round_half_up,
    year_label,
)

#: Glossary anchors of the terms tiles and key points use (``glossary.html#<anchor>``).
GLOSSARY_TERMS = {
    "interval": "confidence-interval",
    "points": "percentage-points",
    "quartile": "quartile-band",
    "neighbours": "statistical-neighbours",
    "rank": "rank",
    "expected": "expected-number",
    "case-mix": "case-mix-adjustment",
    "match-rate": "match-rate",
    "warnings": "validation-warnings",
}
#: What each quartile band means, in words.
BANDS = {
    "A": "the most stable quarter of local authorities",
    "B": "the second most stable quarter",
    "C": "the third quarter",
    "D": "the least stable quarter",
}


def term(root: str, key: str, text: str) -> str:
    """``text`` linked to its glossary entry."""
    return f'<a class="term" href="{root}glossary.html#{GLOSSARY_TERMS[key]}">{escape(text)}</a>'


def change_words(cell: str, source: str, higher_is_better: bool | None, root: str) -> str:
    """A change in percentage points in words, with better/worse by polarity.

    E.g. ``down 1.6 percentage points (better)``; the number is a ``<data>`` element holding the
    exact cell, the unit is linked to the glossary.
    """
    if is_symbol(cell):
        return cell_html(cell, "points", source)
    value = round_half_up(cell, 1)
    assert value is not None
    if value == 0:
        return cell_html(cell, "change", source)
    verdict = ""
    if higher_is_better is not None:
        verdict = " (better)" if (value > 0) == higher_is_better else " (worse)"
    unit = "percentage point" if abs(value) == 1 else "percentage points"
    return f"{cell_html(cell, 'change', source)} {term(root, 'points', unit)}{verdict}"


def rank_words(rank: str, ranked: str, band: str, root: str) -> str:
    """``72nd of the 146 LAs with a published figure`` and the quartile band, in words."""
    if is_symbol(rank) or is_symbol(ranked):
        return cell_html(rank, "count") + " (not ranked: no published figure)"
    text = (
        f"{cell_html(rank, 'ordinal')} of the {cell_html(ranked, 'count')} "
        "local authorities with a published figure"
    )
    if not is_symbol(band):
        meaning = BANDS.get(band.strip(), "")
        text += (
            f"; {term(root, 'quartile', 'quartile band')} "
            f"{cell_html(band, 'text')}{f' ({escape(meaning)})' if meaning else ''}"
        )
    return text


def interval_line(low: str, high: str, number: str, cohort: str, source: str, root: str) -> str:
    """The tile's interval line: ``95% interval: 12% to 16% (120 of 860 children)``.

    An interval follows its counts, so when one end is a symbol both are: it is shown once
    (``95% interval: c``), never ``c to c``.
    """
    ends = (
        cell_html(low if is_symbol(low) else high, "percent", source)
        if is_symbol(low) or is_symbol(high)
        else f"{cell_html(low, 'percent', source)} to {cell_html(high, 'percent', source)}"
    )
    return (
        f'<p class="tile-interval">{term(root, "interval", "95% interval")}: {ends} '
        f"({cell_html(number, 'count', source)} of {cell_html(cohort, 'count', source)} "
        "children)</p>"
    )


def tile(label: str, value: str, interval: str, rows: list[tuple[str, str]]) -> str:
    """One tile: heading, value, interval line and a definition list of ``(term, value)``."""
    items = "".join(f"<dt>{name}</dt><dd>{shown}</dd>" for name, shown in rows)
    return (
        f'<li class="tile"><h3>{escape(label)}</h3><p class="tile-value">{value}</p>'
        f"{interval}<dl>{items}</dl></li>"
    )


def last_year_row(previous: str, latest: str, source: str) -> tuple[str, str]:
    """The ``Last year (2022-23)`` row of a tile."""
    return (
        f"Last year ({year_label(str(int(latest) - 1))})",
        cell_html(previous, "percent", source),
    )
