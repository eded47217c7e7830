"""Finding the input files: year folders, LA folders, and which 903 table each file holds.

Layout (docs/contracts.md section 1)::

    INPUT/<year>/<table>.csv            one LA's return (LA from --la), or all of England
                                        in one file per table with an LA column
    INPUT/<year>/<LA code>/<table>.csv  one folder per LA (DfE 3-digit or ONS code)
    INPUT/school_links.csv, la_context.csv, postcode_lookup.csv, manifest.json   optional

``<year>`` is the collection year: ``2024`` holds the return for 1 April 2023 to 31 March
2024. ``<table>`` is any table of :mod:`pipeline.inputs.layout`, recognised by file name or by
its columns. Anything else is reported and ignored; a folder that is not a year is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.inputs.columns import canonical_column_name
from pipeline.inputs.layout import SPECS, table_from_columns, table_from_name
from pipeline.inputs.problems import found_in_file
from pipeline.inputs.reading import Source, _header_names

TOP_LEVEL_FILES = {"school_links.csv", "la_context.csv", "manifest.json", "postcode_lookup.csv"}
_YEAR_FOLDER = re.compile(r"^\d{4}$")
_TWO_YEARS = re.compile(r"^(\d{4})\D{0,3}(\d{2}|\d{4})$")


@dataclass
class Found:
    """What is on disk: the files to read, by year and table, and the problems of the layout."""

    years: dict[int, dict[str, list[Source]]] = field(default_factory=dict)
    not_used: list[Path] = field(default_factory=list)  # 903 tables the measures do not read
    problems: list[pd.DataFrame] = field(default_factory=list)
    exclusions: list[tuple[str, int | None, str]] = field(default_factory=list)

    def add(self, relpath: str, rule: str, **details: object) -> None:
        self.problems.append(found_in_file(relpath, rule=rule, **details))  # type: ignore[arg-type]

    def ignore(self, relpath: str, reason: str) -> None:
        self.add(relpath, "UNUSED_FILE")
        self.exclusions.append((relpath, None, reason))


def suggested_year(name: str) -> int | None:
    """The collection year a folder such as ``2021-22`` or ``2021_2022`` stands for (2022)."""
    match = _TWO_YEARS.match(name.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    end = first + 1
    return end if second in {end, end % 100} else None


def find_inputs(
    root: Path, la: str | None, known_las: set[str], new_to_old: dict[str, str]
) -> Found:
    """Map each year folder to its table files; report anything outside the layout."""
    out = Found()
    for entry in sorted(root.iterdir()):
        relpath = entry.relative_to(root).as_posix()
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and _YEAR_FOLDER.match(entry.name):
            year = int(entry.name)
            out.years[year] = {}
            _find_tables(root, entry, year, la, out)
            for sub in sorted(p for p in entry.iterdir() if p.is_dir()):
                if not sub.name.startswith("."):
                    _find_la_folder(root, sub, year, known_las, new_to_old, out)
        elif entry.is_dir():
            suggestion = suggested_year(entry.name)
            value = entry.name if suggestion is None else f"{entry.name} (rename it {suggestion})"
            out.add(relpath, "YEAR_FOLDER", value=value)
            out.exclusions.append((relpath, None, "not a collection year folder"))
        elif entry.name.lower() not in TOP_LEVEL_FILES:
            out.ignore(relpath, "outside the input layout")
    return out


def _find_la_folder(
    root: Path, folder: Path, year: int, known: set[str], new_to_old: dict[str, str], out: Found
) -> None:
    """Read ``<year>/<LA>/``: its name must be an LA code (DfE 3-digit or ONS)."""
    code = folder.name.strip().upper()
    code = new_to_old.get(code, code)
    relpath = folder.relative_to(root).as_posix()
    if code not in known:
        out.add(relpath, "LA_FOLDER", value=folder.name, year=year)
        out.exclusions.append((relpath, None, "folder name is not an LA code"))
        return
    _find_tables(root, folder, year, code, out)


def _find_tables(root: Path, folder: Path, year: int, la: str | None, out: Found) -> None:
    """Recognise each CSV of ``folder`` as a 903 table (by name, else by columns)."""
    seen: dict[str, str] = {}
    for item in sorted(p for p in folder.iterdir() if p.is_file()):
        relpath = item.relative_to(root).as_posix()
        if item.name.startswith("."):
            continue
        if not item.name.lower().endswith(".csv"):
            out.ignore(relpath, "not an input table")
            continue
        table = table_from_name(item.name) or _table_from_header(item)
        if table is None:
            out.ignore(relpath, "not an input table")
        elif table in seen:
            out.add(relpath, "TABLE_TWICE", value=f"{table} (also {seen[table]})", year=year)
            out.exclusions.append((relpath, None, f"a second {table} table in the folder"))
        elif not SPECS[table].used:
            seen[table] = relpath
            out.not_used.append(item)
        else:
            seen[table] = relpath
            out.years[year].setdefault(table, []).append(Source(item, relpath, la))


def _table_from_header(path: Path) -> str | None:
    """The table a file's header line shows it to be, or None."""
    with path.open("rb") as handle:
        start = handle.read(1 << 14)
    return table_from_columns([canonical_column_name(name) for name in _header_names(start)])
