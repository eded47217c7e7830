"""Convenience downloads built from the published tables: per-LA extracts and a spreadsheet.

Per-LA extract ``la/<old_la_code>.csv``: every LA row of every EES table for one LA, the
tables stacked one under another (in name order, each keeping its row order) with a common
column set::

    table_name, <EES time and geography columns>,
    <every filter and descriptive column of any table>, <every indicator column of any table>

A cell is blank only where its table has no such column; ``table_name`` says which columns
belong to a row (see the table's ``.meta.csv``). Filter columns come in the order they first
appear across the tables taken in name order, then indicator columns likewise.

Tidy per-LA files ``la/<slug>-<new_la_code>/<slug>-<new_la_code>-<table>.csv``: for each LA,
one file per published table with rows for it, in the national file's tidy shape (the same
columns in the same order, the same cells) plus two label columns: ``time_period_label``
(``2023-24``) after ``time_period`` and, where the table has a ``measure`` column,
``measure_label`` after it. The folder also holds ``<slug>-<new_la_code>.zip`` with every file of
the folder and a ``README.txt`` saying how to read them (fixed timestamps, so a rebuild is
byte-identical).

Spreadsheet ``stability-index.xlsx`` (gptables: cover, contents, notes, one sheet per main
table): England and regional rows plus the latest year's LA rows at every additive ``Total``.
When a sheet would pass :data:`SHEET_ROW_LIMIT` rows, England and regional rows are cut to the
latest year, then (if still too long) to ``Total`` rows; the sheet's subtitle says which.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import gptables
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.geography import local_authorities
from pipeline.measures.catalogue import MEASURES
from pipeline.packaging.csv_text import (
    TEXT,
    header_line,
    lines_block,
    quoted_cells,
    quoted_columns,
    text_array,
)
from pipeline.packaging.metadata import SYNTHETIC_WARNING, ReleaseMetadata
from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    PublishedTable,
)
from pipeline.symbols import SYMBOLS

#: Tables in the spreadsheet, in sheet order (those present in a build).
SPREADSHEET_TABLES = [
    "stability_measures",
    "time_series",
    "two_year_split",
    "consecutive_years",
    "placement_moves_distribution",
    "placement_change_reasons",
    "social_worker_change_reasons",
    "la_comparison",
    "statistical_neighbours",
    "case_mix",
    "data_quality",
]
TOTAL = "Total"
SHEET_NAME_LIMIT = 31
SHEET_ROW_LIMIT = 15_000
#: Columns that hold one value in every row, left out of the spreadsheet for readability.
CONSTANT_COLUMNS = ["time_identifier", "country_code", "country_name"]


def _descriptive_columns(table: PublishedTable) -> list[str]:
    return [f.name for f in table.filters] + list(table.extra_columns)


def has_la_rows(table: PublishedTable) -> bool:
    """True for an EES table with at least one LA row (it has per-LA files)."""
    return table.ees and bool((table.frame["geographic_level"] == LEVEL_LA).any())


def _first_seen(lists: list[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for names in lists:
        seen.update(dict.fromkeys(names))
    return list(seen)


def extract_columns(tables: dict[str, PublishedTable]) -> list[str]:
    """The common column set of the per-LA extracts for these tables."""
    ees = [tables[name] for name in sorted(tables) if has_la_rows(tables[name])]
    named = [t.name for t in ees if "table_name" in t.columns]
    if named:
        raise ValueError(f"table(s) {named} have a 'table_name' column, used by the LA extracts")
    descriptive = _first_seen([_descriptive_columns(t) for t in ees])
    indicators = _first_seen([[i.name for i in t.indicators] for t in ees])
    clash = set(descriptive) & set(indicators)
    if clash:
        raise ValueError(
            f"column(s) {sorted(clash)} are filters in one table, indicators in another"
        )
    return ["table_name", *EES_TIME_GEOGRAPHY_COLUMNS, *descriptive, *indicators]


class LaTable:
    """The LA rows of one published table as quoted CSV cells, grouped by LA code.

    The rows are converted to text as the national file's cells are (``astype("string")``,
    missing cells blank; or taken from those ``cells`` when given) and quoted once, in ``old_la_code`` order (a stable sort, so each LA's
    rows keep the table's row order). :attr:`quoted` holds every column of the table plus the
    tidy files' ``time_period_label`` and ``measure_label``; :attr:`groups` maps each LA code to
    its run of rows ``(start, end)``.
    """

    def __init__(self, table: PublishedTable, cells: pd.DataFrame | None = None) -> None:
        frame = table.frame
        positions = np.flatnonzero((frame["geographic_level"] == LEVEL_LA).to_numpy())
        codes = frame["old_la_code"].iloc[positions].astype("string").fillna("")
        keys, uniques = pd.factorize(
            pd.Series(codes.to_numpy(dtype=object), dtype=object), sort=True
        )
        counts = np.bincount(keys, minlength=len(uniques))
        ends = np.cumsum(counts)
        self.groups = {
            str(code): (int(end - count), int(end))
            for code, count, end in zip(uniques, counts, ends, strict=True)
        }
        order = positions[np.argsort(keys, kind="stable")]
        if cells is None:
            rows = frame.iloc[order][table.columns].astype("string").fillna("")
        else:
            rows = cells.iloc[order]
        self.name = table.name
        self.rows = len(rows)
        self.quoted: dict[str, pa.Array | pa.Scalar] = dict(quoted_columns(rows))
        for name, labels in _label_columns(rows).items():
            self.quoted[name] = quoted_cells(text_array(labels))

    def block(self, columns: list[str], fixed: dict[str, str] | None = None) -> GroupedBlock:
        """Every LA row's CSV line over ``columns`` (blank where the table has no such column;
        ``fixed`` gives a column one value in every row), grouped by LA."""
        quoted = dict(self.quoted)
        for name, value in (fixed or {}).items():
            quoted[name] = quoted_cells(pa.array([value], TEXT))[0]
        return GroupedBlock(*lines_block(quoted, columns, self.rows), self.groups)


class GroupedBlock:
    """Newline-ended CSV lines grouped by LA code: the lines of one LA are one slice of a block
    of UTF-8 bytes."""

    def __init__(
        self, block: memoryview, bounds: np.ndarray, groups: dict[str, tuple[int, int]]
    ) -> None:
        self.block, self.bounds, self.groups = block, bounds, groups

    def body(self, code: str) -> memoryview:
        """The UTF-8 bytes of the lines of ``code`` (empty when it has none)."""
        if code not in self.groups:
            return memoryview(b"")
        start, end = self.groups[code]
        return self.block[self.bounds[start] : self.bounds[end]]


def _label_columns(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """``time_period_label`` (and ``measure_label`` where there is a ``measure``) of LA rows."""
    years = {text: year_label(text) for text in rows["time_period"].unique()}
    labels = {"time_period_label": rows["time_period"].map(years)}
    if "measure" in rows:
        names = {code: measure.label for code, measure in MEASURES.items()}
        labels["measure_label"] = rows["measure"].map(
            {code: names.get(code, code) for code in rows["measure"].unique()}
        )
    return labels


def la_tables(tables: dict[str, PublishedTable]) -> list[str]:
    """The names of the tables with per-LA files (EES tables with LA rows), in name order."""
    return [name for name in sorted(tables) if has_la_rows(tables[name])]


def _extract_codes(tables: dict[str, PublishedTable], names: list[str]) -> list[str]:
    """Every LA of England and any other LA code with rows in these tables, sorted."""
    codes = set(local_authorities()["old_la_code"])
    for name in names:
        frame = tables[name].frame
        rows = frame.loc[frame["geographic_level"] == LEVEL_LA, "old_la_code"]
        codes |= {str(code) for code in rows.astype("string").fillna("").unique()}
    return sorted(codes)


def write_la_files(
    tables: dict[str, PublishedTable], folder: Path, cells: dict[str, pd.DataFrame] | None = None
) -> None:
    """Write the per-LA extracts and every LA's tidy files and zip into ``folder``.

    One table at a time, in name order: its LA rows are converted and quoted once
    (:class:`LaTable`), their extract lines appended to each LA's extract and their tidy lines
    written to each LA's file for the table, so only one table's lines are held at a time.
    An LA with no rows in any table gets an extract with the header only (every LA page offers
    its download) and a zip holding only the README. ``cells`` holds tables' text cells (the
    package writer's ``table_cells``) when the caller has made them.
    """
    names = la_tables(tables)
    columns = extract_columns(tables)
    folder.mkdir(parents=True, exist_ok=True)
    header = header_line(columns).encode("utf-8")
    for code in _extract_codes(tables, names):
        (folder / f"{code}.csv").write_bytes(header)
    bases = {
        la.old_la_code: f"{la.slug}-{la.new_la_code}"
        for la in local_authorities().itertuples(index=False)
    }
    for base in bases.values():
        (folder / base).mkdir(parents=True, exist_ok=True)
    for name in names:
        part = LaTable(tables[name], (cells or {}).get(name))
        extract = part.block(columns, {"table_name": name})
        for code in extract.groups:
            with (folder / f"{code}.csv").open("ab") as stream:
                stream.write(extract.body(code))
        del extract
        tidy = tidy_columns(tables[name])
        lines = part.block(tidy)
        tidy_header = header_line(tidy).encode("utf-8")
        for code, base in bases.items():
            if code in lines.groups:
                path = folder / base / f"{base}-{name}.csv"
                path.write_bytes(tidy_header + lines.body(code).tobytes())
    for base in bases.values():
        _write_zip(folder / base, base, names)


def _write_zip(target: Path, base: str, names: list[str]) -> Path:
    """``<base>.zip``: an LA's tidy files (in table name order), then the README."""
    archive = target / f"{base}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as stream:
        for name in names:
            path = target / f"{base}-{name}.csv"
            if path.exists():
                stream.writestr(_zip_entry(path.name), path.read_bytes())
        stream.writestr(_zip_entry("README.txt"), TIDY_README)
    return archive


#: The "how to read" text of every per-LA zip (``README.txt``).
TIDY_README = """Stability Index: the published tables for one local authority.

Each CSV file is one table of the data package, holding only this local authority's rows, in
the same tidy shape as the national file data/<table>.csv (one row per figure, one column per
filter and indicator), plus two label columns: time_period_label (the collection year as
"2023-24", the year ending 31 March 2024) and measure_label (the measure in words).

Cells that are not numbers hold a symbol: c suppressed to protect confidentiality, x not
available, z not applicable, low rounds to 0 but is not 0, u low reliability. In Python:

    pandas.read_csv(path, na_values=["c", "x", "z", "low", "u"], keep_default_na=False,
                    dtype={"time_period": str, "old_la_code": str})

Column meanings are in data/<table>.meta.csv of the data package.
"""
#: Timestamp of every file in the per-LA zips (fixed, so the zips are reproducible).
ZIP_TIMESTAMP = (2000, 1, 1, 0, 0, 0)


def _zip_entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, ZIP_TIMESTAMP)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def year_label(time_period: str) -> str:
    """Collection year ``2024`` -> ``2023-24`` (blank stays blank)."""
    text = str(time_period).strip()
    if not text.isdigit():
        return text
    year = int(text)
    return f"{year - 1}-{str(year)[-2:]}"


def tidy_columns(table: PublishedTable) -> list[str]:
    """A table's columns with ``time_period_label`` and ``measure_label`` inserted."""
    columns = []
    for column in table.columns:
        columns.append(column)
        if column == "time_period":
            columns.append("time_period_label")
        elif column == "measure":
            columns.append("measure_label")
    return columns


def tidy_la_rows(table: PublishedTable) -> pd.DataFrame:
    """Every LA row of a table as text, with its label columns."""
    frame = table.frame
    rows = frame.loc[frame["geographic_level"] == LEVEL_LA, table.columns]
    rows = rows.astype("string").fillna("")
    for name, labels in _label_columns(rows).items():
        rows[name] = labels
    return rows


def spreadsheet_rows(table: PublishedTable, latest_year: int) -> tuple[pd.DataFrame, str]:
    """The rows of a table's sheet and a sentence saying which rows they are.

    England and regional rows, plus the latest year's LA rows at every additive ``Total``;
    cut down (latest year, then ``Total`` rows only) while over :data:`SHEET_ROW_LIMIT`.
    """
    frame = table.frame
    level = frame["geographic_level"]
    latest = frame["time_period"].astype(str) == str(latest_year)
    totals = pd.Series(True, index=frame.index)
    for item in table.filters:
        if item.additive:
            totals &= frame[item.name] == TOTAL
    higher = level.isin([LEVEL_NATIONAL, LEVEL_REGIONAL])
    la_rows = (level == LEVEL_LA) & latest & totals
    la_text = f"local authorities for {latest_year} (Total rows only)"
    tiers = [
        (higher, f"England and regions for every year; {la_text}."),
        (higher & latest, f"England and regions for {latest_year}; {la_text}."),
        (higher & totals, f"England and regions for every year (Total rows only); {la_text}."),
    ]
    selected, description = tiers[-1][0] | la_rows, tiers[-1][1]
    for keep, text in tiers:
        if (keep | la_rows).sum() <= SHEET_ROW_LIMIT:
            selected, description = keep | la_rows, text
            break
    return frame.loc[selected, table.columns].reset_index(drop=True), description


def _typed_cells(table: PublishedTable, rows: pd.DataFrame) -> pd.DataFrame:
    """Numbers as numbers for Excel; symbols as ``[c]`` style shorthand (ONS guidance)."""
    out = rows.copy()
    for indicator in table.indicators:
        cells = rows[indicator.name].astype(str)
        if indicator.field_type in {"integer", "number"}:
            numbers = pd.to_numeric(cells, errors="coerce")
            if indicator.field_type == "integer":
                values = numbers.astype("Int64").astype(object)
            else:
                values = numbers.astype(object)
            out[indicator.name] = values.where(numbers.notna(), "[" + cells + "]")
    out = out.drop(columns=[c for c in CONSTANT_COLUMNS if c in out.columns])
    for column in out.columns:
        out[column] = out[column].mask(out[column].astype(str) == "", "[z]")
    labels = {f.name: f.label for f in table.filters}
    labels.update({i.name: i.label for i in table.indicators})
    renamed: dict[str, str] = {}
    for column in out.columns:
        label = labels.get(column, column.replace("_", " ").capitalize())
        renamed[column] = label if label not in renamed.values() else f"{label} ({column})"
    return out.rename(columns=renamed)


def write_spreadsheet(
    tables: dict[str, PublishedTable], path: Path, metadata: ReleaseMetadata, version: str
) -> list[str]:
    """Write the accessible spreadsheet (cover, contents, notes, one sheet per main table).

    Returns the names of the tables included.
    """
    names = [n for n in SPREADSHEET_TABLES if n in tables and tables[n].ees]
    if not names:
        names = sorted(n for n, t in tables.items() if t.ees)
    sheets = {}
    for name in names:
        table = tables[name]
        rows, selection = spreadsheet_rows(table, metadata.latest_year)
        if rows.empty:
            continue
        sheets[name[:SHEET_NAME_LIMIT]] = gptables.GPTable(
            table=_typed_cells(table, rows),
            table_name=name,
            title=f"{table.title}$$symbols$$",
            subtitles=[
                table.description,
                f"{selection} Every row is in data/{name}.csv.",
            ],
            scope="Children looked after in England",
            source=f"Stability Index data package {version}",
            instructions="This worksheet contains one table. Some cells contain symbols.",
        )
    intro = [metadata.description]
    if metadata.synthetic:
        intro.insert(0, SYNTHETIC_WARNING)
    cover = gptables.Cover(
        title=f"{metadata.title} (version {version})",
        intro=intro,
        about=[
            f"Release date: {metadata.release_date}. Collection years "
            f"{metadata.collection_years[0]} to {metadata.collection_years[-1]}.",
            "Symbols used in cells are explained on the Notes sheet.",
            "Licence: Open Government Licence v3.0.",
        ],
        contact=[metadata.homepage],
    )
    notes = pd.DataFrame(
        {
            "Note number": ["symbols"],
            "Note text": [
                "Symbols: "
                + "; ".join(f"[{symbol}] {meaning}" for symbol, meaning in SYMBOLS.items())
                + "."
            ],
        }
    )
    workbook = gptables.produce_workbook(
        filename=str(path), sheets=sheets, cover=cover, notes_table=notes
    )
    created = dt.datetime.fromisoformat(metadata.release_date)
    workbook.set_properties({"title": metadata.title, "created": created})
    workbook.close()
    return list(sheets)
