"""A hex map of England's 153 LAs as static, accessible SVG (no script, no external request).

Every LA is one equal-area hexagon, so a small London borough is as visible as a county. The
layout is data (``pipeline/data/hex_layout.csv``: ``new_la_code``, ``col``, ``row`` on a grid
of pointy-top hexagons whose odd rows are shifted right by half a hexagon). Each hexagon is a
link to the LA's page, reachable by keyboard, named (its ``<title>``: LA, figure, band),
filled by quartile band (with the band letter written in it, so colour is not the only cue)
and hatched where the figure is a symbol (suppressed or not available).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from importlib import resources

import numpy as np
import pandas as pd

#: The quartile bands: A = the most stable quarter of LAs ... D = the least stable quarter.
BANDS = ["A", "B", "C", "D"]
BAND_MEANINGS = {
    "A": "most stable quarter of LAs",
    "B": "second most stable quarter",
    "C": "second least stable quarter",
    "D": "least stable quarter",
}
#: Fill and text colour of each band (text contrast at least 4.5:1 on its fill).
BAND_COLOURS = {
    "A": ("#0b3c5d", "#ffffff"),
    "B": ("#2f6ca3", "#ffffff"),
    "C": ("#9ec5e8", "#0b0c0c"),
    "D": ("#eef4fa", "#0b0c0c"),
}
RADIUS = 14.0
WIDTH = math.sqrt(3) * RADIUS
ROW_HEIGHT = 1.5 * RADIUS
MARGIN = 4.0
#: Room above the first row for the label of the regions at the top.
LABEL_SPACE = 12.0


def load_layout() -> pd.DataFrame:
    """The hex layout shipped with the package (``new_la_code``, ``la_name``, ``col``, ``row``)."""
    text = resources.files("pipeline.data").joinpath("hex_layout.csv")
    with resources.as_file(text) as path:
        layout = pd.read_csv(path, dtype={"new_la_code": str, "la_name": str})
    return layout


def quartile_bands(percent: pd.Series, higher_is_better: bool) -> pd.Series:
    """Band A to D of each LA's figure among the LAs with a number (rank 1 = most stable).

    The rule of the package's ``la_comparison`` table: rank by the measure's polarity (ties
    share the lowest rank), band = floor((rank - 1) * 4 / number ranked). Symbols get no band.
    """
    values = pd.to_numeric(percent, errors="coerce")
    key = -values if higher_is_better else values
    rank = key.rank(method="min")
    ranked = int(values.notna().sum())
    band = np.floor((rank - 1) * 4 / max(ranked, 1)).clip(0, 3)
    return pd.Series(
        [BANDS[int(b)] if b == b else "" for b in band], index=percent.index, dtype=object
    )


def hex_centre(col: int, row: int) -> tuple[float, float]:
    """The centre of the hexagon at ``(col, row)`` in SVG units."""
    x = MARGIN + WIDTH / 2 + col * WIDTH + (WIDTH / 2 if row % 2 else 0.0)
    y = MARGIN + LABEL_SPACE + RADIUS + row * ROW_HEIGHT
    return x, y


def number(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0`` (``12.0`` -> ``12``)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def hex_path(x: float, y: float) -> str:
    """A pointy-top hexagon centred on ``(x, y)`` as SVG path data (from its top corner, in
    relative steps: shorter than six absolute points, which matters for 153 hexagons)."""
    half, side = number(WIDTH / 2), number(RADIUS / 2)
    top = number(y - RADIUS)
    return (
        f"M{number(x)} {top}l{half} {side}v{number(RADIUS)}l-{half} {side}-{half} -{side}"
        f"v-{number(RADIUS)}z"
    )


@dataclass
class HexCell:
    """One LA on the map: where it goes, where it links, what it shows."""

    new_la_code: str
    la_name: str
    col: int
    row: int
    href: str
    shown: str  # the figure as shown, e.g. "9.5%" or a symbol
    band: str  # "A".."D", or "" when the figure is a symbol
    symbol: str  # the symbol when there is no number, else ""
    region_name: str = ""


def _hex(cell: HexCell, symbol_meanings: dict[str, str], hatch: str) -> str:
    """One hexagon: a link holding the shape and the band letter (or symbol).

    The ``<title>`` is both the link's accessible name and its tooltip (an ``aria-label`` as
    well would repeat the same text as the link's description).
    """
    x, y = hex_centre(cell.col, cell.row)
    if cell.band:
        fill, ink = BAND_COLOURS[cell.band]
        label = f"{cell.la_name}: {cell.shown}, band {cell.band} ({BAND_MEANINGS[cell.band]})"
        mark, style = cell.band, f'fill="{fill}"'
    else:
        ink = "#0b0c0c"
        meaning = symbol_meanings.get(cell.symbol, "no figure")
        label = f"{cell.la_name}: {cell.symbol or 'no figure'} ({meaning.lower()})"
        mark, style = cell.symbol, f'fill="url(#{hatch})"'
    return (
        f'<a href="{escape(cell.href)}"><title>{escape(label)}</title>'
        f'<path d="{hex_path(x, y)}" {style}/>'
        f'<text x="{number(x)}" y="{number(y + 4)}" fill="{ink}" aria-hidden="true">'
        f"{escape(mark)}</text>"
        "</a>"
    )


def hex_svg(cells: list[HexCell], title: str, symbol_meanings: dict[str, str], key: str) -> str:
    """The SVG of one map: hexagons in reading order (row, then column), with a hatch pattern.

    ``key`` makes the element ids unique on a page holding several maps.
    """
    cols = max(c.col for c in cells) + 2
    rows = max(c.row for c in cells) + 1
    width = 2 * MARGIN + cols * WIDTH
    height = 2 * MARGIN + LABEL_SPACE + RADIUS * 2 + (rows - 1) * ROW_HEIGHT
    ordered = sorted(cells, key=lambda c: (c.row, c.col))
    hatch = f"hatch-{key}"
    hexes = "".join(_hex(cell, symbol_meanings, hatch) for cell in ordered)
    labels = region_labels(cells)
    title_id = f"map-title-{key}"
    return (
        f'<svg class="hexmap" viewBox="0 0 {width:.0f} {height:.0f}" role="group" '
        f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/></pattern></defs>'
        f"{labels}{hexes}</svg>"
    )


def region_labels(cells: list[HexCell]) -> str:
    """The name of each region above the top-left hexagon of its block (hidden from readers,
    who hear the region in the table; the hexagons' names say the LA)."""
    first: dict[str, HexCell] = {}
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        if cell.region_name:
            first.setdefault(cell.region_name, cell)
    texts = []
    for region, cell in first.items():
        x, y = hex_centre(cell.col, cell.row)
        texts.append(
            f'<text class="region-label" x="{number(x - WIDTH / 2)}" y="{number(y - RADIUS - 3)}" '
            f'aria-hidden="true">{escape(region)}</text>'
        )
    return "".join(texts)


def legend_html() -> str:
    """The key of the bands and the hatching, as an HTML list (text, not only colour)."""
    items = "".join(
        f'<li><span class="hex-swatch" style="background:{BAND_COLOURS[b][0]}" '
        f'aria-hidden="true"></span><strong>{b}</strong>: {escape(BAND_MEANINGS[b])}</li>'
        for b in BANDS
    )
    items += (
        '<li><span class="hex-swatch hex-swatch-hatched" aria-hidden="true"></span>'
        "Hatched: no figure shown (suppressed or not available; the symbol is written in it)</li>"
    )
    return f'<ul class="hexmap-key" aria-label="Key to the map">{items}</ul>'
