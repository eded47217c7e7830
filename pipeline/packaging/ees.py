"""Explore Education Statistics (EES) files: the ``.meta.csv`` writer and the file checker.

Each EES data file ``name.csv`` has a metadata file ``name.meta.csv`` with one row per filter
and indicator column (none for the time and geography columns).

The files are written to be fit for the EES API, not only the table tool: every indicator has
``indicator_dp`` set, and every filter names a default item in ``filter_default`` (``Total``
for additive filters; a chosen item, such as the first headline measure, for the others), as
DfE's screener (eesyscreener, checks ``meta_ind_dp_set`` and ``filter_defaults``) asks.
:func:`check_ees` runs the same two checks, so a blank ``indicator_dp`` or a default missing
from the data stops the build. Column and item names follow the EES data dictionary where it
has one (:mod:`pipeline.packaging.dictionary`, which also runs the screener's dictionary checks).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from pipeline.packaging.schemas import humanise
from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    Indicator,
    PublishedTable,
)

META_COLUMNS = [
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
    "filter_default",
]
MANDATORY_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
]
INDICATOR_UNITS = {"", "%", "pp", "£", "£m", "numberstring"}
LEVELS = {LEVEL_NATIONAL, LEVEL_REGIONAL, LEVEL_LA}
REJECTED_SYMBOLS = {"~", ":"}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
FILE_NAME = re.compile(r"^[a-z0-9_-]+$")
MAX_COLUMN_NAME = 50
MAX_LABEL = 100
MAX_FILTER_ITEM = 120
MAX_CODE = 30
GEOGRAPHY_CODE_COLUMNS = ["country_code", "region_code", "old_la_code", "new_la_code"]
TOTAL = "Total"
#: The default item of each filter that has no ``Total`` (a filter that does not add up), used
#: when the item is in the table: the whole-year period, all children, the first headline
#: measure, the first area, the model's intercept and the nearest neighbour.
NON_ADDITIVE_DEFAULTS = {
    "period": "During the year",
    "breakdown_topic": TOTAL,
    "measure": "placement_2plus",
    "area": "Placement moves",
    "term": "Intercept",
    "neighbour_rank": "1",
}
#: ``indicator_dp`` of an indicator without its own: whole numbers for counts, ranks and text.
DEFAULT_DP = 0


def filter_default(table: PublishedTable, column: str, additive: bool) -> str:
    """The default item of a filter column: ``Total`` when it adds up, else a chosen item.

    A non-additive filter takes its :data:`NON_ADDITIVE_DEFAULTS` item when the table has it,
    else the first item in the table's row order (so every filter has a default that exists).
    """
    if additive:
        return TOTAL
    items = table.frame[column].astype(str) if column in table.frame.columns else pd.Series()
    preferred = NON_ADDITIVE_DEFAULTS.get(column)
    if preferred is not None and (items == preferred).any():
        return preferred
    return str(items.iloc[0]) if len(items) else ""


def indicator_dp(indicator: Indicator) -> str:
    """The ``indicator_dp`` of an indicator: its own, else :data:`DEFAULT_DP` for counts/text.

    Raises ``ValueError`` for a percentage or rate without decimal places (a definition error).
    """
    if indicator.dp is not None:
        return str(indicator.dp)
    if indicator.kind in {"count", "text"}:
        return str(DEFAULT_DP)
    raise ValueError(f"indicator {indicator.name!r} ({indicator.kind}) needs its decimal places")


def meta_frame(table: PublishedTable) -> pd.DataFrame:
    """The EES metadata rows of a table: filters (and filter-like extras), then indicators."""
    rows = []
    for item in table.filters:
        rows.append(
            {
                "col_name": item.name,
                "col_type": "Filter",
                "label": item.label,
                "filter_hint": item.hint,
                "filter_default": filter_default(table, item.name, item.additive),
            }
        )
    for column in table.extra_columns:
        rows.append(
            {
                "col_name": column,
                "col_type": "Filter",
                "label": humanise(column),
                "filter_default": filter_default(table, column, additive=False),
            }
        )
    for indicator in table.indicators:
        rows.append(
            {
                "col_name": indicator.name,
                "col_type": "Indicator",
                "label": indicator.label,
                "indicator_unit": indicator.unit,
                "indicator_dp": indicator_dp(indicator),
            }
        )
    frame = pd.DataFrame(rows, columns=META_COLUMNS).astype(object)
    return frame.where(frame.notna(), "").astype(str)


#: The dtype ``pd.read_csv(..., dtype=str)`` gives a text column.
TEXT_DTYPE = pd.StringDtype(na_value=float("nan"))
#: Reads a CSV file as text cells (blank cells stay ``""``); the checks take one as ``read`` so
#: a caller running several checks can read each file once.
CsvReader = Callable[[Path], pd.DataFrame]


def read_text_csv(path: Path) -> pd.DataFrame:
    """A UTF-8 CSV file as a frame of text cells, blanks as ``""`` (nothing read as missing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_text_csv_quick(path: Path) -> pd.DataFrame:
    """:func:`read_text_csv` with pyarrow's multi-threaded reader: the same frame, faster.

    A file pyarrow would read differently from pandas, or not at all (a header that is
    quoted, has a repeated or blank name or a byte order mark, rows of another length, text
    that is not UTF-8) is read by :func:`read_text_csv` instead, so the frame and any error
    are the same as it gives.
    """
    with Path(path).open("rb") as stream:
        first = stream.readline().rstrip(b"\r\n")
    try:
        names = first.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return read_text_csv(path)
    plain = bool(first) and b'"' not in first and not first.startswith(codecs.BOM_UTF8)
    if not plain or "" in names or len(set(names)) != len(names):
        return read_text_csv(path)
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return read_text_csv(path)
    return table.to_pandas(types_mapper={pa.string(): TEXT_DTYPE}.get)


def _rows(mask: pd.Series) -> str:
    """The 1-based file rows (header = row 1) where ``mask`` is true, first few only."""
    rows = (mask[mask].index + 2).tolist()
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


def check_meta(meta: pd.DataFrame, data_columns: list[str], name: str) -> list[str]:
    """Check a ``.meta.csv`` against the rules of EES and against its data file's columns."""
    problems: list[str] = []
    where = f"{name}.meta.csv"
    missing = [c for c in META_COLUMNS[:-1] if c not in meta.columns]
    if missing:
        return [f"{where}: missing metadata column(s) {', '.join(missing)}"]
    for row, record in meta.iterrows():
        line = f"{where}, row {row + 2}, column"
        col = record["col_name"]
        if record["col_type"] not in {"Filter", "Indicator"}:
            problems.append(f"{line} col_type: {record['col_type']!r} is not Filter or Indicator")
        if col in EES_TIME_GEOGRAPHY_COLUMNS:
            problems.append(f"{line} col_name: time/geography column {col!r} must have no row")
        elif col not in data_columns:
            problems.append(f"{line} col_name: {col!r} is not a column of {name}.csv")
        if not record["label"].strip():
            problems.append(f"{line} label: blank label for {col!r}")
        if len(record["label"]) > MAX_LABEL:
            problems.append(f"{line} label: longer than {MAX_LABEL} characters")
        if record["col_type"] == "Filter" and (record["indicator_unit"] or record["indicator_dp"]):
            problems.append(f"{line} indicator_unit: filter {col!r} must carry no unit or dp")
        if record["indicator_unit"] not in INDICATOR_UNITS:
            problems.append(f"{line} indicator_unit: {record['indicator_unit']!r} is not allowed")
        dp = record["indicator_dp"]
        if dp and not dp.isdigit():
            problems.append(f"{line} indicator_dp: {dp!r} is not a whole number >= 0")
        grouping = record["filter_grouping_column"]
        if grouping and grouping not in data_columns:
            problems.append(f"{line} filter_grouping_column: {grouping!r} is not a column")
    problems += check_indicator_dp_set(meta, name)
    duplicated = meta["label"][meta["label"].duplicated(keep=False)]
    for label in sorted(set(duplicated)):
        problems.append(f"{where}, column label: label {label!r} is used more than once")
    described = set(meta["col_name"])
    for column in data_columns:
        if column not in EES_TIME_GEOGRAPHY_COLUMNS and column not in described:
            problems.append(f"{where}: column {column!r} of {name}.csv has no metadata row")
    return problems


def check_indicator_dp_set(meta: pd.DataFrame, name: str) -> list[str]:
    """Every indicator states its decimal places (eesyscreener's ``meta_ind_dp_set``)."""
    indicators = meta[meta["col_type"] == "Indicator"]
    blank = indicators[indicators["indicator_dp"].str.strip() == ""]
    return [
        f"{name}.meta.csv, row {row + 2}, column indicator_dp: blank for indicator {col!r} "
        "(the EES API needs the decimal places stated)"
        for row, col in zip(blank.index, blank["col_name"], strict=True)
    ]


def check_filter_defaults(data: pd.DataFrame, meta: pd.DataFrame, name: str) -> list[str]:
    """Every filter and filter group has its default item in the data (``filter_defaults``).

    As in eesyscreener: a filter's default is its ``filter_default`` cell, or ``Total`` when
    that is blank or the column is absent; a ``filter_grouping_column`` that is not itself a
    filter row defaults to ``Total``.
    """
    filters = meta[meta["col_type"] == "Filter"]
    given = filters.get("filter_default", pd.Series("", index=filters.index))
    defaults = {
        col: (item if item.strip() else TOTAL)
        for col, item in zip(filters["col_name"], given, strict=True)
    }
    for group in meta["filter_grouping_column"]:
        if group.strip() and group not in set(meta["col_name"]):
            defaults.setdefault(group, TOTAL)
    return [
        f"{name}.csv, column {column}: no default item {default!r} "
        "(set filter_default to an item of the filter)"
        for column, default in defaults.items()
        if column in data.columns and not (data[column] == default).any()
    ]


def check_geography(data: pd.DataFrame, where: str) -> list[str]:
    """The geography rules of an EES data file: known levels, codes filled or blank by level."""
    problems: list[str] = []
    level = data["geographic_level"]
    unknown = ~level.isin(LEVELS)
    if unknown.any():
        problems.append(f"{where}, rows {_rows(unknown)}, column geographic_level: unknown level")
    needs = {
        LEVEL_REGIONAL: ["region_code", "region_name"],
        LEVEL_LA: ["region_code", "region_name", "old_la_code", "new_la_code", "la_name"],
    }
    for lvl, columns in needs.items():
        for column in columns:
            if column not in data.columns:
                if (level == lvl).any():
                    problems.append(f"{where}: {lvl} rows need column {column}")
                continue
            blank = (level == lvl) & (data[column] == "")
            if blank.any():
                problems.append(
                    f"{where}, rows {_rows(blank)}, column {column}: blank on {lvl} row"
                )
    blanks = {
        LEVEL_NATIONAL: ["region_code", "region_name"],
        LEVEL_REGIONAL: ["old_la_code", "new_la_code", "la_name"],
    }
    for lvl, columns in blanks.items():
        for column in [c for c in columns if c in data.columns]:
            filled = (level == lvl) & (data[column] != "")
            if filled.any():
                problems.append(
                    f"{where}, rows {_rows(filled)}, column {column}: must be blank on {lvl} rows"
                )
    if "old_la_code" in data.columns:
        bad = (level == LEVEL_LA) & ~data["old_la_code"].str.fullmatch(r"[0-9]{3}")
        if bad.any():
            problems.append(f"{where}, rows {_rows(bad)}, column old_la_code: not 3 digits")
    if "new_la_code" in data.columns:
        bad = (level == LEVEL_LA) & (data["new_la_code"].str.len() != 9)
        if bad.any():
            problems.append(f"{where}, rows {_rows(bad)}, column new_la_code: not 9 characters")
    for column in [c for c in GEOGRAPHY_CODE_COLUMNS if c in data.columns]:
        long = data[column].str.len() > MAX_CODE
        if long.any():
            problems.append(f"{where}, rows {_rows(long)}, column {column}: code over {MAX_CODE}")
    return problems


def check_data(data: pd.DataFrame, meta: pd.DataFrame, name: str) -> list[str]:
    """Check an EES data file: headers, mandatory columns, levels, blanks, symbols, limits."""
    where = f"{name}.csv"
    problems: list[str] = []
    for column in data.columns:
        if not SNAKE_CASE.match(column):
            problems.append(f"{where}, header {column!r}: not snake_case")
        if len(column) > MAX_COLUMN_NAME:
            problems.append(f"{where}, header {column!r}: longer than {MAX_COLUMN_NAME}")
    absent = [c for c in MANDATORY_COLUMNS if c not in data.columns]
    if absent:
        return problems + [f"{where}: mandatory column(s) missing: {', '.join(absent)}"]
    if data.empty:
        return problems + [f"{where}: no data rows"]
    filters = meta.loc[meta["col_type"] == "Filter", "col_name"].tolist()
    indicators = meta.loc[meta["col_type"] == "Indicator", "col_name"].tolist()
    for column in data.columns:
        cells = data[column]
        stray = cells != cells.str.strip()
        if stray.any():
            problems.append(f"{where}, rows {_rows(stray)}, column {column}: stray whitespace")
    for column in MANDATORY_COLUMNS:
        blank = data[column] == ""
        if blank.any():
            problems.append(f"{where}, rows {_rows(blank)}, column {column}: blank mandatory cell")
    identifiers = data["time_identifier"].unique()
    if len(identifiers) > 1:
        problems.append(f"{where}, column time_identifier: mixes {sorted(identifiers)}")
    problems += check_geography(data, where)
    for column in [c for c in filters if c in data.columns]:
        blank = data[column] == ""
        if blank.any():
            problems.append(f"{where}, rows {_rows(blank)}, column {column}: blank filter cell")
        long = data[column].str.len() > MAX_FILTER_ITEM
        if long.any():
            problems.append(
                f"{where}, rows {_rows(long)}, column {column}: filter item over {MAX_FILTER_ITEM}"
            )
    for column in [c for c in indicators if c in data.columns]:
        cells = data[column]
        rejected = cells.isin(REJECTED_SYMBOLS)
        if rejected.any():
            problems.append(
                f"{where}, rows {_rows(rejected)}, column {column}: old symbol '~' or ':' "
                "(use c, x, z, low or u)"
            )
        blank = cells == ""
        if blank.any():
            problems.append(f"{where}, rows {_rows(blank)}, column {column}: blank indicator cell")
    problems += check_filter_defaults(data, meta, name)
    key = [c for c in data.columns if c not in indicators]
    duplicated = data.duplicated(subset=key, keep=False)
    if duplicated.any():
        problems.append(
            f"{where}, rows {_rows(duplicated)}: duplicate rows (same time, area and filters)"
        )
    return problems


def check_ees(folder: Path, read: CsvReader = read_text_csv) -> list[str]:
    """Check every EES data file in ``folder`` (or its ``data/`` sub-folder) and its metadata.

    Returns the problems found, each naming the file, row(s), column and rule; an empty
    list means every file follows the EES rules. ``read`` reads a file as text cells.
    """
    folder = Path(folder)
    data_dir = folder / "data" if (folder / "data").is_dir() else folder
    problems: list[str] = []
    metas = sorted(data_dir.glob("*.meta.csv"))
    if not metas:
        return [f"{data_dir}: no .meta.csv files found"]
    for meta_path in metas:
        name = meta_path.name[: -len(".meta.csv")]
        if not FILE_NAME.match(name):
            problems.append(f"{meta_path.name}: file name must be lower case without spaces")
        data_path = data_dir / f"{name}.csv"
        if not data_path.exists():
            problems.append(f"{meta_path.name}: data file {name}.csv is missing")
            continue
        try:
            meta = read(meta_path)
            data = read(data_path)
        except (UnicodeDecodeError, pd.errors.ParserError) as error:
            problems.append(f"{name}: cannot read as UTF-8 CSV ({error})")
            continue
        meta_problems = check_meta(meta, list(data.columns), name)
        problems += meta_problems
        if not meta_problems:
            problems += check_data(data, meta, name)
    return problems
