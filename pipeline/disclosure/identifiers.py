"""A last check on output files: no child-level identifier may reach anything published.

:func:`scan_for_identifiers` reads CSV, JSON, Markdown/Quarto, HTML, text and XLSX files and
reports every column header named like an SSDA903 identifier (``CHILD``, ``UPN``, ``DOB``,
``SW_ID``, ``HOME_POST``, ``PL_POST`` or a date-of-birth column, any case) and every value that
looks like a UPN (a letter and 12 digits) or a full UK postcode. :func:`audit_files` raises
:class:`~pipeline.disclosure.cells.DisclosureError` when anything is found; the packaging and
site steps call it on what they write.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.disclosure.cells import DisclosureError

IDENTIFIER_COLUMNS = frozenset(
    {"child", "upn", "dob", "sw_id", "home_post", "pl_post", "date_of_birth", "birth_date"}
)
#: A UPN: a check letter then 12 digits (not part of a longer word or number).
UPN_PATTERN = re.compile(r"(?<![A-Za-z0-9])[A-Z][0-9]{12}(?![A-Za-z0-9])")
#: A full UK postcode in capitals (outward code, optional space, inward code).
POSTCODE_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
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


def _scan_csv(path: Path, text: str) -> Iterator[str]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    for name in header:
        if is_identifier_name(name):
            yield f"{path}: column {name!r} is a child-level identifier"
    for number, row in enumerate(rows, start=2):
        for column, cell in zip(header, row, strict=False):
            yield from _value_problems(f"{path}, row {number}, column {column!r}", cell)


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
        text = path.read_text(encoding="utf-8", errors="replace")
        if suffix == ".csv":
            problems.extend(_scan_csv(path, text))
        elif suffix == ".json":
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
