"""Small HTML building blocks for generated pages: raw blocks, tables, tiles, notices.

Pages are Quarto markdown; the parts that need exact accessible markup (tables with
``<caption>`` and ``<th scope>``, tiles, the citation box) are raw HTML blocks, which Quarto
and pandoc both pass through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from pipeline.site.display import SYMBOL_MEANINGS


def raw_html(html: str) -> str:
    """Wrap HTML in a Quarto/pandoc raw block (```` ```{=html} ````)."""
    return "\n```{=html}\n" + html.strip() + "\n```\n"


def html_table(
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    row_headers: bool = True,
    table_class: str = "data-table",
    sortable: bool = False,
) -> str:
    """An accessible table in a scrolling wrapper.

    ``columns`` are plain text (escaped); ``rows`` cells are HTML (already escaped or built
    with :func:`pipeline.site.display.cell_html`). The first cell of a row is a row header
    (``<th scope="row">``) when ``row_headers`` is true. A ``sortable`` table has a sort
    button in each column heading (the site script sorts the rows).
    """
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    if sortable:
        # The site script sorts by a column when its button is pressed (text first, numbers).
        head = "".join(
            f'<th scope="col" data-sort-type="{"text" if index == 0 else "number"}">'
            f'<button type="button" class="sort-button">{escape(c)}</button></th>'
            for index, c in enumerate(columns)
        )
        table_class += " sortable"
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            if index == 0 and row_headers:
                cells.append(f'<th scope="row">{cell}</th>')
            else:
                cells.append(f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="table-wrap" tabindex="0" role="region" data-pagefind-ignore '
        f'aria-label="{escape(caption)}">'
        f'<table class="{table_class}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        + table_note(rows)
    )


SYMBOL_CELL = re.compile(r'<data value="([^"]*)"[^>]*data-kind="symbol">')


def table_note(rows: Sequence[Sequence[str]]) -> str:
    """The note under a table saying what each symbol in it means ('' when it has none)."""
    found = {match for row in rows for cell in row for match in SYMBOL_CELL.findall(cell)}
    used = [s for s in SYMBOL_MEANINGS if s in found]
    if not used:
        return ""
    meanings = "; ".join(f"<strong>{escape(s)}</strong> {escape(SYMBOL_MEANINGS[s])}" for s in used)
    return f'<p class="table-note" data-pagefind-ignore>Symbols in this table: {meanings}.</p>'


def symbol_key(symbols_used: set[str]) -> str:
    """A short key explaining each symbol that appears on the page (empty when none)."""
    used = [s for s in SYMBOL_MEANINGS if s in symbols_used]
    if not used:
        return ""
    items = "".join(
        f"<li><strong>{escape(s)}</strong>: {escape(SYMBOL_MEANINGS[s])}</li>" for s in used
    )
    return (
        '<aside class="symbol-key" aria-label="Symbols used on this page" data-pagefind-ignore>'
        "<p><strong>Symbols used on this page</strong></p>"
        f"<ul>{items}</ul></aside>"
    )


def symbols_in(cells: Sequence[str]) -> set[str]:
    """The symbols among some cells."""
    return {c.strip() for c in cells if c.strip() in SYMBOL_MEANINGS}


def link(href: str, text: str) -> str:
    """An escaped ``<a>`` element."""
    return f'<a href="{escape(href)}">{escape(text)}</a>'
