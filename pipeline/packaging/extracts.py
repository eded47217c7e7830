"""Convenience downloads built from the published tables: per-LA extracts and a spreadsheet.

Per-LA extract ``la/<old_la_code>.csv``: every LA row of every EES table for one LA in one
long file with a common column set, one row per table row and indicator::

    table_name, <EES time and geography columns>,
    filter_1, filter_1_item, ..., filter_K, filter_K_item, indicator, value

``filter_N`` names the table's N-th filter (or descriptive column) and ``filter_N_item`` holds
its value; slots a table does not use are blank. ``value`` is the published cell (a number or
a symbol). Tables are in name order; rows keep the table's order, indicators their column order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import gptables
import pandas as pd

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
    "case_mix",
    "data_quality",
]
TOTAL = "Total"
SHEET_NAME_LIMIT = 31
#: Columns that hold one value in every row, left out of the spreadsheet for readability.
CONSTANT_COLUMNS = ["time_identifier", "country_code", "country_name"]


def _descriptive_columns(table: PublishedTable) -> list[str]:
    return [f.name for f in table.filters] + list(table.extra_columns)


def extract_columns(tables: dict[str, PublishedTable]) -> list[str]:
    """The common column set of the per-LA extracts for these tables."""
    slots = max([len(_descriptive_columns(t)) for t in tables.values() if t.ees] + [1])
    filter_columns = []
    for n in range(1, slots + 1):
        filter_columns += [f"filter_{n}", f"filter_{n}_item"]
    return ["table_name", *EES_TIME_GEOGRAPHY_COLUMNS, *filter_columns, "indicator", "value"]


def _long_rows(table: PublishedTable, rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One table's rows for one LA in the long layout (one row per table row and indicator)."""
    wide = pd.DataFrame({"table_name": table.name}, index=rows.index)
    for column in EES_TIME_GEOGRAPHY_COLUMNS:
        wide[column] = rows[column]
    for n, column in enumerate(_descriptive_columns(table), start=1):
        wide[f"filter_{n}"] = column
        wide[f"filter_{n}_item"] = rows[column]
    indicators = [i.name for i in table.indicators]
    wide[indicators] = rows[indicators]
    wide["_row"] = range(len(wide))
    ids = [c for c in wide.columns if c not in indicators]
    long = wide.melt(id_vars=ids, value_vars=indicators, var_name="indicator", value_name="value")
    long = long.sort_values("_row", kind="stable")
    return long.reindex(columns=columns, fill_value="")


def write_la_extracts(tables: dict[str, PublishedTable], folder: Path) -> list[Path]:
    """Write ``folder/<old_la_code>.csv`` for every LA with rows in any EES table."""
    columns = extract_columns(tables)
    ees_tables = [tables[name] for name in sorted(tables) if tables[name].ees]
    groups: list[tuple[PublishedTable, pd.DataFrame, dict[str, object]]] = []
    codes: set[str] = set()
    for table in ees_tables:
        frame = table.frame
        la_rows = frame[frame["geographic_level"] == LEVEL_LA]
        indices = la_rows.groupby("old_la_code", sort=True).indices
        groups.append((table, la_rows, indices))
        codes.update(indices)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in sorted(codes):
        parts = [
            _long_rows(table, la_rows.iloc[indices[code]], columns)
            for table, la_rows, indices in groups
            if code in indices
        ]
        path = folder / f"{code}.csv"
        pd.concat(parts, ignore_index=True).to_csv(
            path, index=False, lineterminator="\n", encoding="utf-8"
        )
        written.append(path)
    return written


def spreadsheet_rows(table: PublishedTable, latest_year: int) -> pd.DataFrame:
    """National and Regional rows, plus the latest year's LA rows at every additive ``Total``."""
    frame = table.frame
    level = frame["geographic_level"]
    keep = level.isin([LEVEL_NATIONAL, LEVEL_REGIONAL])
    la_total = (level == LEVEL_LA) & (frame["time_period"].astype(str) == str(latest_year))
    for item in table.filters:
        if item.additive:
            la_total &= frame[item.name] == TOTAL
    return frame.loc[keep | la_total, table.columns].reset_index(drop=True)


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
    renamed = {}
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
        rows = spreadsheet_rows(table, metadata.latest_year)
        if rows.empty:
            continue
        sheets[name[:SHEET_NAME_LIMIT]] = gptables.GPTable(
            table=_typed_cells(table, rows),
            table_name=name,
            title=f"{table.title}$$symbols$$",
            subtitles=[
                table.description,
                "England and regions for every year; local authorities for "
                f"{metadata.latest_year} (Total rows only). Every row is in data/{name}.csv.",
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
