"""A last check on output files: no child-level identifier may reach anything published.

:func:`scan_for_identifiers` reads CSV, JSON, Markdown/Quarto, HTML, text and XLSX files and
reports every column header named like an SSDA903 identifier (``CHILD``, ``UPN``, ``DOB``,
``SW_ID``, ``HOME_POST``, ``PL_POST`` or a date-of-birth column, any case) and every value that
looks like a UPN (a letter and 12 digits) or a full UK postcode. :func:`audit_files` raises
:class:`~pipeline.disclosure.cell_store.DisclosureError` when anything is found; the packaging and
site steps call it on what they write.

CSV files are screened whole first: :data:`VALUE_SCREEN` (the two value patterns in RE2 syntax
for ``pyarrow.compute``) finds a UPN or postcode in a file's text exactly when one is in some
cell, because neither pattern can span a comma, quote or line break. Only a file that fails the
screen is read cell by cell (column by column with pyarrow), and only its flagged cells go
through the Python patterns that word the report.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.disclosure.cell_store import DisclosureError

IDENTIFIER_COLUMNS = frozenset(
    {"child", "upn", "dob", "sw_id", "home_post", "pl_post", "date_of_birth", "birth_date"}
)
#: A UPN: a check letter then 12 digits (not part of a longer word or number).
UPN_PATTERN = re.compile(r"(?<![A-Za-z0-9])[A-Z][0-9]{12}(?![A-Za-z0-9])")
#: A full UK postcode in capitals (outward code, optional space, inward code).
POSTCODE_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
#: Both value patterns in RE2 syntax (no look-arounds): a consumed non-alphanumeric character
#: or the start/end of the text stands for each look-around, so a text matches this screen
#: exactly when ``UPN_PATTERN`` or ``POSTCODE_PATTERN`` finds something in it.
VALUE_SCREEN = (
    r"(?:^|[^A-Za-z0-9])"
    r"(?:[A-Z][0-9]{12}"
    r"|GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})"
    r"(?:$|[^A-Za-z0-9])"
)
TEXT_SUFFIXES = {".md", ".qmd", ".txt", ".html", ".htm", ".xml", ".svg", ".yml", ".yaml"}
SCANNED_SUFFIXES = {".csv", ".json", ".xlsx", *TEXT_SUFFIXES}
#: Header cells in Markdown tables and HTML.
MARKDOWN_HEADER = re.compile(r"^\s*\|(.+)\|\s*$")
MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
HTML_HEADER = re.compile(r"<th\b[^>]*>\s*([^<]*?)\s*</th>", re.IGNORECASE)


def is_identifier_name(name: str) -> bool:
    """True when a column name is a child-level identifier (any case, surrounding spaces)."""
    return name.strip().strip('"').lower() in IDENTIFIER_COLUMNS


def _value_problems(where: str, text: str) -> Iterator[str]:
    for pattern, what in ((UPN_PATTERN, "a UPN"), (POSTCODE_PATTERN, "a postcode")):
        match = pattern.search(text)
        if match:
            yield f"{where}: value {match.group(0)!r} looks like {what}"


def screen_values(texts: pa.Array) -> pa.BooleanArray:
    """Per text: True when it holds something that looks like a UPN or a postcode (vectorised)."""
    return pc.fill_null(pc.match_substring_regex(texts, VALUE_SCREEN), False)


def _csv_columns(text: str, header: list[str]) -> list[pa.Array] | None:
    """The data rows' cells column by column as text, or None when the rows are not all as
    long as the header or the header spans lines (such a file is scanned row by row instead)."""
    if any("\n" in name or "\r" in name for name in header):
        return None
    names = [f"column_{index}" for index in range(len(header))]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    return [column.combine_chunks() for column in table.columns]


def _scan_csv_rows(path: Path, header: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    """Every identifier-like cell, row by row (for a file pyarrow cannot read as a rectangle)."""
    for number, row in enumerate(rows, start=2):
        for column, cell in zip(header, row, strict=False):
            yield from _value_problems(f"{path}, row {number}, column {column!r}", cell)


def _file_text(data: bytes) -> pa.LargeStringArray | None:
    """A file's bytes as one Arrow text (no copy), or None when they are not valid UTF-8."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        text = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
        text.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return text


def _decoded(data: bytes) -> str:
    """A file's bytes as ``Path.read_text(encoding="utf-8", errors="replace")`` reads them
    (universal newlines: ``\\r\\n`` and ``\\r`` become ``\\n``)."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _plain_header(data: bytes) -> list[str] | None:
    """The header cells of a CSV file whose first line has no quote or carriage return (the
    cells the ``csv`` module reads from it), else None."""
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    if b'"' in first or b"\r" in first:
        return None
    return next(csv.reader([first.decode("utf-8", errors="replace")]), [])


def _scan_csv_bytes(path: Path, data: bytes) -> Iterator[str]:
    """:func:`_scan_csv` of a file's bytes, without decoding them when nothing is flagged.

    A valid UTF-8 file with a plain header (:func:`_plain_header`) is screened in place; any
    other file, or one the screen flags, is decoded and scanned by :func:`_scan_csv` (the same
    problems in the same order).
    """
    header = _plain_header(data)
    text = _file_text(data) if header is not None else None
    if header is None or text is None or screen_values(text)[0].as_py():
        yield from _scan_csv(path, _decoded(data))
        return
    for name in header:
        if is_identifier_name(name):
            yield f"{path}: column {name!r} is a child-level identifier"


def _scan_csv(path: Path, text: str) -> Iterator[str]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    for name in header:
        if is_identifier_name(name):
            yield f"{path}: column {name!r} is a child-level identifier"
    if not header or not screen_values(pa.array([text], pa.large_string()))[0].as_py():
        return
    columns = _csv_columns(text, header)
    if columns is None:
        yield from _scan_csv_rows(path, header, rows)
        return
    flagged: list[tuple[int, int, str]] = []
    for position, cells in enumerate(columns):
        hits = pc.indices_nonzero(screen_values(cells)).to_pylist()
        flagged += [(row, position, cells[row].as_py()) for row in hits]
    for row, position, cell in sorted(flagged):
        where = f"{path}, row {row + 2}, column {header[position]!r}"
        yield from _value_problems(where, cell)


def _walk_json(node: object, trail: str) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(trail, text, is_name)`` for every key, schema field name and string."""
    if isinstance(node, dict):
        is_field = "name" in node and ("type" in node or "title" in node)
        for key, value in node.items():
            yield f"{trail}.{key}", str(key), True
            if is_field and key == "name" and isinstance(value, str):
                yield f"{trail}.name", value, True
            yield from _walk_json(value, f"{trail}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_json(value, f"{trail}[{index}]")
    elif isinstance(node, str):
        yield trail, node, False


def _scan_json(path: Path, text: str) -> Iterator[str]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        yield from _scan_text(path, text)
        return
    for trail, value, is_name in _walk_json(document, "$"):
        if is_name and is_identifier_name(value):
            yield f"{path}: {trail} names the child-level identifier {value!r}"
        elif not is_name:
            yield from _value_problems(f"{path}: {trail}", value)


def _scan_text(path: Path, text: str) -> Iterator[str]:
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        following = lines[number] if number < len(lines) else ""
        header = MARKDOWN_HEADER.match(line)
        if header and MARKDOWN_RULE.match(following):
            for name in header.group(1).split("|"):
                if is_identifier_name(name):
                    yield f"{path}, line {number}: table column {name.strip()!r} is an identifier"
        for name in HTML_HEADER.findall(line):
            if is_identifier_name(name):
                yield f"{path}, line {number}: table header {name!r} is an identifier"
        yield from _value_problems(f"{path}, line {number}", line)


def _scan_xlsx(path: Path) -> Iterator[str]:
    with zipfile.ZipFile(path) as book:
        for member in book.namelist():
            if not member.endswith(".xml") or not member.startswith("xl/"):
                continue
            xml = book.read(member).decode("utf-8", errors="replace")
            for value in re.findall(r"<t[^>]*>([^<]*)</t>", xml):
                if is_identifier_name(value):
                    yield f"{path} ({member}): cell text {value!r} is an identifier name"
                yield from _value_problems(f"{path} ({member})", value)


def scan_for_identifiers(paths: list[Path]) -> list[str]:
    """Every identifier column or identifier-like value found in the given files (or folders).

    Folders are searched recursively; files of other types (images, fonts) are skipped.
    """
    problems: list[str] = []
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in files:
        suffix = path.suffix.lower()
        if suffix not in SCANNED_SUFFIXES:
            continue
        if suffix == ".xlsx":
            problems.extend(_scan_xlsx(path))
            continue
        if suffix == ".csv":
            problems.extend(_scan_csv_bytes(path, path.read_bytes()))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if suffix == ".json":
            problems.extend(_scan_json(path, text))
        else:
            problems.extend(_scan_text(path, text))
    return problems


def audit_files(folder: Path) -> int:
    """Scan every output file under ``folder``; raise when an identifier is found.

    Returns the number of problems (always 0 when it returns).
    """
    problems = scan_for_identifiers([Path(folder)])
    if problems:
        shown = "\n".join(f"- {p}" for p in problems[:20])
        raise DisclosureError(
            f"child-level identifiers found in {folder} ({len(problems)} problem(s)):\n{shown}"
        )
    return 0
