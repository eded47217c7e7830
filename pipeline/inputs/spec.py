"""The input specification page, written from the reader's own tables and code lists.

:func:`specification_markdown` lists every table (:mod:`pipeline.inputs.layout`), its columns
with their type and whether the file must have them, and every code list with the years each
code is valid and the list's source (:mod:`pipeline.inputs.code_lists`). The website's
methodology section carries it at :data:`SPEC_PAGE` (``pipeline.site.generate`` writes it),
and the messages about a missing column or an unknown code link to it (:data:`SPEC_LINK`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.inputs.code_lists import CODE_LISTS, Code
from pipeline.inputs.layout import SOURCE, TABLES, TableSpec
from pipeline.inputs.tables import DATE_COLUMNS

#: The page's address in the built website (beside methodology.html).
SPEC_PAGE = "input-specification.html"
#: How messages point to it.
SPEC_LINK = f"see the input specification, {SPEC_PAGE} on the Stability Index website"

_DERIVED = {
    ("header", "UASC"): "optional: from the uasc table when absent",
    ("episodes", "PL_LA"): "optional: from PL_POST and postcode_lookup.csv when absent",
}


def _column_type(table: str, column: str) -> str:
    if column in DATE_COLUMNS.get(table, []):
        return "date (dd/mm/yyyy or yyyy-mm-dd)"
    if any(c.table == table and c.column == column for c in CODE_LISTS):
        return "code (list below)"
    return "text"


def _table_section(spec: TableSpec) -> list[str]:
    state = "read by the measures" if spec.used else "accepted, not used by the measures"
    names = ", ".join(f"`{name}.csv`" for name in spec.file_names)
    lines = [
        f"### `{spec.name}`",
        "",
        f"File names: {names} (any prefix or suffix; or recognised by the columns "
        f"{', '.join(sorted(spec.signature))}). {state.capitalize()}.",
        "",
    ]
    if not spec.used:
        lines += [f"Columns: {', '.join(spec.columns)}.", ""]
        return lines
    lines += ["| Column | Type | In the file |", "|---|---|---|"]
    for column in spec.columns:
        if column in spec.required:
            needed = "required"
        else:
            needed = _DERIVED.get((spec.name, column), "optional")
        lines.append(f"| `{column}` | {_column_type(spec.name, column)} | {needed} |")
    return [*lines, ""]


def _code_text(code: Code) -> str:
    label = f" ({code.label})" if code.label else ""
    years = "" if not code.windowed_text() else f": {code.windowed_text()}"
    return f"`{code.code}`{label}{years}"


def _codes_section() -> list[str]:
    lines = ["## Code lists", ""]
    for codes in CODE_LISTS:
        lines += [f"### `{codes.column}` ({codes.table})", "", f"Source: {codes.source}.", ""]
        lines += [f"- {_code_text(code)}" for code in codes.codes]
        lines.append("")
    return lines


def specification_markdown() -> str:
    """The input specification page, as Markdown (the body of a Quarto page)."""
    lines = [
        "Every input table the index reads, with its columns and codes. It is written from "
        "the reader's own tables and code lists, so it always matches what the reader does.",
        "",
        "## Folders",
        "",
        "- `INPUT/<year>/<table>.csv`: one LA's return (give the LA with `--la CODE`); `<year>` "
        "is the collection year, the year the return ends (`2024` = 1 April 2023 to 31 March "
        "2024).",
        "- `INPUT/<year>/<LA code>/<table>.csv`: one folder per LA (DfE 3-digit or ONS code).",
        "- Optional at the top: `school_links.csv` (URN, PREDECESSOR_URN), `la_context.csv` "
        "(LA_CODE and numbers), `postcode_lookup.csv` (POSTCODE or DISTRICT, LA), "
        "`manifest.json`.",
        "",
        f"## Tables ({SOURCE})",
        "",
    ]
    for spec in TABLES:
        lines += _table_section(spec)
    lines += _codes_section()
    return "\n".join(lines)


def write_specification_page(site_dir: Path) -> Path:
    """Write ``input-specification.qmd`` (the page at :data:`SPEC_PAGE`) into ``site_dir``.

    Call it before ``hand_written_includes``, which writes the page's citation box.
    """
    page = Path(site_dir) / SPEC_PAGE.replace(".html", ".qmd")
    front = (
        "---\n"
        'title: "Input specification"\n'
        'description: "Every SSDA903 table, column and code the Stability Index reads, with '
        'the years each code is valid."\n'
        "---\n\n"
        "{{< include _generated/release-header.md >}}\n\n"
        "Part of the [methodology](methodology.qmd#inputs).\n\n"
    )
    # the release header and the citation box are written for every top-level page by
    # pipeline.site.pages_downloads.hand_written_includes, after this page
    cite = f"\n\n{{{{< include _generated/cite-{page.stem}.md >}}}}\n"
    page.write_text(front + specification_markdown() + cite, encoding="utf-8")
    return page
