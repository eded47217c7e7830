"""Display formatting of package cells: numbers as EES shows them, symbols explained.

Nothing here computes a statistic. A cell is shown as its value, rounded for display
(percentages half up to whole numbers, as Explore Education Statistics does), or as its symbol.
Every shown value is wrapped in an HTML ``<data>`` element whose ``value`` is the exact CSV
cell, so a reader (and the tests) can trace it back to the package.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html import escape

#: The DfE / EES symbols and what they mean (kept here so the site reads no pipeline code).
SYMBOL_MEANINGS: dict[str, str] = {
    "c": "suppressed to protect confidentiality (small numbers of children)",
    "x": "not available (for example, the local authority did not supply these data)",
    "z": "not applicable",
    "low": "rounds to 0 but is not 0",
    "u": "low reliability (very small cohort)",
}


def is_symbol(cell: str) -> bool:
    """True when a cell holds an EES symbol (or is blank) rather than a number."""
    return cell.strip() in SYMBOL_MEANINGS or cell.strip() == ""


def to_decimal(cell: str) -> Decimal | None:
    """The cell as an exact decimal, or None for a symbol or blank."""
    if is_symbol(cell):
        return None
    try:
        return Decimal(cell.strip())
    except InvalidOperation as error:
        raise ValueError(f"not a number or a symbol: {cell!r}") from error


def round_half_up(cell: str, places: int = 0) -> Decimal | None:
    """Round a numeric cell half up (12.5 -> 13), or None for a symbol."""
    value = to_decimal(cell)
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_text(cell: str) -> str:
    """``12.500000`` -> ``13%``; a symbol is returned as itself."""
    value = round_half_up(cell)
    return cell.strip() if value is None else f"{value:,}%"


def percent1_text(cell: str) -> str:
    """``12.46`` -> ``12.5%`` (one decimal place, half up); a symbol is returned as itself."""
    value = round_half_up(cell, 1)
    return cell.strip() if value is None else f"{value:,}%"


def count_text(cell: str) -> str:
    """``8860`` -> ``8,860``; a symbol is returned as itself."""
    value = round_half_up(cell)
    return cell.strip() if value is None else f"{value:,}"


def points_text(cell: str) -> str:
    """A change in percentage points with its sign, e.g. ``+1.2 pp`` (one decimal place)."""
    value = round_half_up(cell, 1)
    if value is None:
        return cell.strip()
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value)} pp"


def ratio_text(cell: str, places: int = 2) -> str:
    """A ratio shown with ``places`` decimals (half up), e.g. ``1.27``."""
    value = round_half_up(cell, places)
    return cell.strip() if value is None else f"{value}"


FORMATTERS = {
    "percent": percent_text,
    "percent1": percent1_text,
    "count": count_text,
    "points": points_text,
    "ratio": ratio_text,
    "text": lambda cell: cell,
    "change": lambda cell: change_text(cell),
    "ordinal": lambda cell: ordinal_text(cell),
    "whole": lambda cell: whole_children(cell),
}


def symbol_abbr(symbol: str) -> str:
    """A symbol as an ``<abbr>`` with its meaning as the title and a link to the key."""
    meaning = SYMBOL_MEANINGS.get(symbol, "no value")
    shown = symbol if symbol else "blank"
    return f'<abbr class="symbol" title="{escape(meaning)}">{escape(shown)}</abbr>'


def cell_html(cell: str, kind: str, source: str = "la") -> str:
    """The HTML of one shown cell: ``<data value="<cell>">formatted</data>``.

    ``kind`` is one of ``percent``, ``count``, ``points``, ``ratio``, ``text``; ``source`` says
    which CSV the cell comes from (``la``: this LA's extract; ``package``: another table).
    A symbol is shown as itself, with its meaning.
    """
    cell = cell.strip()
    if kind != "text" and is_symbol(cell):
        return (
            f'<data value="{escape(cell)}" data-source="{source}" data-kind="symbol">'
            f"{symbol_abbr(cell)}</data>"
        )
    shown = FORMATTERS[kind](cell)
    return (
        f'<data value="{escape(cell)}" data-source="{source}" data-kind="{kind}">'
        f"{escape(shown)}</data>"
    )


def year_label(time_period: str) -> str:
    """Collection year ``2024`` -> ``2023-24`` (the year ending 31 March)."""
    year = int(time_period)
    return f"{year - 1}-{str(year)[-2:]}"


def one_in_n(cell: str) -> str:
    """A rounded percentage in words, e.g. ``10.3`` -> ``About 1 in 10``.

    Uses the displayed (rounded) percentage, so the phrase always agrees with the figure shown
    next to it: 50% or more is given as "About N in 10".
    """
    value = round_half_up(cell)
    if value is None or value == 0:
        return "Almost no"
    if value >= 50:
        tenths = int((value / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return f"About {tenths} in 10"
    n = int((Decimal(100) / value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"About 1 in {n}"


def change_phrase(now: str, before: str, before_year: str) -> str:
    """Compare two displayed percentages in words: 'the same as', 'up from 9% in 2022-23'."""
    a, b = round_half_up(now), round_half_up(before)
    if a is None:
        return ""
    if b is None:
        if before.strip() == "z" or before.strip() == "":
            return "the first year with this measure"
        return f"no comparison with {year_label(before_year)} ({SYMBOL_MEANINGS[before.strip()]})"
    if a == b:
        return f"the same as in {year_label(before_year)}"
    direction = "up" if a > b else "down"
    return f"{direction} from {b}% in {year_label(before_year)}"


def ordinal(number: int) -> str:
    """``1`` -> ``1st``, ``72`` -> ``72nd``, ``113`` -> ``113th``."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def points_words(cell: str) -> str:
    """A change in percentage points in words, e.g. ``-1.62`` -> ``down 1.6 percentage points``.

    A change that rounds to 0.0 is "no change (less than 0.05 percentage points)"; a symbol is
    returned as itself.
    """
    value = round_half_up(cell, 1)
    if value is None:
        return cell.strip()
    if value == 0:
        return "no change (less than 0.05 percentage points)"
    word = "up" if value > 0 else "down"
    unit = "percentage point" if abs(value) == 1 else "percentage points"
    return f"{word} {abs(value)} {unit}"


def whole_children(cell: str) -> str:
    """An expected number as whole children, e.g. ``214.34`` -> ``about 214 children``."""
    value = round_half_up(cell)
    if value is None:
        return cell.strip()
    return f"about {value:,} {'child' if value == 1 else 'children'}"


def year_words(time_period: str) -> str:
    """Collection year ``2024`` -> ``2023-24 (the year to 31 March 2024)``."""
    return f"{year_label(time_period)} (the year to 31 March {int(time_period)})"


def case_mix_words(result: str) -> str:
    """A case-mix result in plain words, e.g. 'Significantly higher than expected (95% limits)'
    -> 'higher than expected, by more than chance would explain (outside the 95% limits)'."""
    text = result.strip()
    if not text or is_symbol(text):
        return "no result (the model could not be fitted for this figure)"
    lowered = text.lower()
    if lowered.startswith("significantly "):
        body, _, limits = lowered.removeprefix("significantly ").partition(" (")
        limits = limits.rstrip(")")
        if limits:
            return f"{body}, by more than chance would explain (outside the {limits})"
        return f"{body}, by more than chance would explain"
    if lowered == "as expected":
        return "as expected (within the range chance could explain)"
    return lowered


def change_text(cell: str) -> str:
    """A change's direction and size without its unit: ``-1.62`` -> ``down 1.6``."""
    words = points_words(cell)
    if words.startswith(("up ", "down ")):
        return " ".join(words.split(" ")[:2])
    return words


def ordinal_text(cell: str) -> str:
    """A rank cell as an ordinal, ``72`` -> ``72nd``; a symbol is returned as itself."""
    value = round_half_up(cell)
    return cell.strip() if value is None else ordinal(int(value))
