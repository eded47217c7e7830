"""EES data-dictionary names of the published files: the one mapping, and its checks.

The pipeline computes with its own names (``number``, ``percent``, the breakdown topic
``Gender``...). The EES API asks data files to use the names of its data dictionary wherever
the dictionary has one, and DfE's screener warns about every column and filter item that is
not in it. Since version 2.0.0 the package publishes the dictionary's names: :func:`to_ees`
renames a table as the package writer writes it, and :func:`internal_frame` turns a table read
from any version back into the pipeline's names (the package reader does this, so the website
and the LA report read versions before and after 2.0.0 alike).

The dictionary: ``data/data-dictionary.csv`` of the DfE's ``dfe-analytical-services/
dfe-published-data-qa`` (commit ``bcc7ca543e7fa7c4b6f69c56c37f5cfa387b2a67``, MIT licence),
the file DfE's ``eesyscreener`` R package bundles as ``data_dictionary``; a copy is shipped
as ``pipeline/data/ees_data_dictionary.csv`` (see ``pipeline/data/SOURCES.md``).
:func:`dictionary_warnings` runs the same two checks as eesyscreener's
``check_data_dict_col_name`` and ``check_data_dict_fil_item`` on a data/meta pair.

A name is renamed only when the dictionary has a name for the same thing: a count and a
percentage of children (``children_count``, ``children_percent``); the breakdown topics and
categories the dictionary lists under ``breakdown_topic`` / ``breakdown`` (``Sex``, ``Ethnicity
major`` and its GSS groups, ``SEN provision``, ``SEN primary need``, ``Unknown``). Counts of
moves or changes (the reasons tables), cohorts, intervals and our own measures have no
dictionary name and keep theirs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.measures.schema import CHARACTERISTICS
from pipeline.published import Filter, Indicator, PublishedTable

#: Indicator columns renamed, by table: the pipeline's name -> the dictionary's.
COLUMN_RENAMES: dict[str, dict[str, str]] = {
    table: {"number": "children_count", "percent": "children_percent"}
    for table in (
        "stability_measures",
        "time_series",
        "placement_moves_distribution",
        "two_year_split",
    )
} | {"la_comparison": {"percent": "children_percent"}}

#: Breakdown topics renamed (``breakdown_topic`` items): the pipeline's -> the dictionary's.
TOPIC_RENAMES: dict[str, str] = {
    "Gender": "Sex",
    "Ethnicity": "Ethnicity major",
    "SEMH primary need": "SEN primary need",
}

#: Breakdown categories renamed (``breakdown`` items), by the pipeline's topic.
CATEGORY_RENAMES: dict[str, dict[str, str]] = {
    "Ethnicity": {
        "Mixed": "Mixed / Multiple ethnic groups",
        "Asian or Asian British": "Asian / Asian British",
        "Black, African, Caribbean or Black British": "Black / African / Caribbean / Black British",
        "Refused or not obtained": "Unknown",
    },
    "SEN provision": {
        "No SEN": "No SEN provision",
        "SEN support": "SEN support / SEN without an EHC plan",
        "EHC plan": "Education, health and care plan",
        "Not known": "Unknown",
    },
    "SEMH primary need": {
        "SEMH primary need": "Social, emotional and mental health",
        "Not known": "Unknown",
    },
    "Placement location": {"Not known": "Unknown"},
    "Unaccompanied asylum-seeking child": {"Not known": "Unknown"},
}

TOPIC = "breakdown_topic"
CATEGORY = "breakdown"
#: ``case_mix_coefficients``' ``term`` is ``<topic>: <category>`` (or ``Intercept``).
TERM = "term"
TERM_SEPARATOR = ": "
DICTIONARY_FILE = "ees_data_dictionary.csv"


def published_topic(topic: str) -> str:
    """A breakdown topic as the published files name it (for pages and captions)."""
    return TOPIC_RENAMES.get(topic, topic)


def published_category(topic: str, category: str) -> str:
    """A breakdown category of ``topic`` (the pipeline's name) as the published files name it."""
    return CATEGORY_RENAMES.get(topic, {}).get(category, category)


def _invert(mapping: dict[str, str]) -> dict[str, str]:
    return {new: old for old, new in mapping.items()}


#: The same renames from the dictionary's names back to the pipeline's.
TOPICS_BACK = _invert(TOPIC_RENAMES)
CATEGORIES_BACK = {
    TOPIC_RENAMES.get(topic, topic): _invert(items) for topic, items in CATEGORY_RENAMES.items()
}


def ees_column(table: str, column: str) -> str:
    """The published (dictionary) name of a pipeline column of ``table``."""
    return COLUMN_RENAMES.get(table, {}).get(column, column)


def internal_column(table: str, column: str) -> str:
    """The pipeline's name of a column of ``table`` as published (any version)."""
    return _invert(COLUMN_RENAMES.get(table, {})).get(column, column)


def _mapped(column: pd.Series, rename: Callable[[object], object]) -> pd.Series:
    """``column`` with ``rename`` applied to each distinct value (missing values included).

    The same cells as ``[rename(v) for v in column.tolist()]`` in ``column``'s dtype, with
    ``rename`` called once per distinct value rather than once per row.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    renamed = np.array([rename(value) for value in uniques.tolist()] or [None], dtype=object)
    return pd.Series(renamed[codes], index=column.index, dtype=column.dtype)


def _renamed_categories(
    topic: pd.Series, category: pd.Series, categories: dict[str, dict[str, str]]
) -> pd.Series:
    """``category`` renamed by each row's ``topic`` (``categories[topic]``), in its dtype;
    each distinct (topic, category) pair is looked up once."""
    topic_codes, topic_items = pd.factorize(topic, use_na_sentinel=False)
    category_codes, category_items = pd.factorize(category, use_na_sentinel=False)
    width = max(len(category_items), 1)
    pair_codes, pairs = pd.factorize(topic_codes.astype(np.int64) * width + category_codes)
    topics, items = topic_items.tolist(), category_items.tolist()
    renamed = []
    for pair in pairs.tolist():
        name, item = topics[pair // width], items[pair % width]
        renamed.append(categories[name].get(item, item) if name in categories else item)
    values = np.array(renamed or [None], dtype=object)[pair_codes]
    return pd.Series(values, index=category.index, dtype=category.dtype)


def _rename_items(
    frame: pd.DataFrame, topics: dict[str, str], categories: dict[str, dict[str, str]]
) -> pd.DataFrame:
    """Rename breakdown categories (by the row's topic), then topics and model terms.

    Only the item columns are replaced (the frame's other columns are not copied).
    """
    if CATEGORY in frame.columns and TOPIC in frame.columns:
        frame[CATEGORY] = _renamed_categories(frame[TOPIC], frame[CATEGORY], categories)
    if TOPIC in frame.columns:
        frame[TOPIC] = _mapped(
            frame[TOPIC],
            lambda topic: topics.get(topic, topic) if isinstance(topic, str) else topic,
        )
    if TERM in frame.columns:
        frame[TERM] = _mapped(frame[TERM], lambda term: _term(str(term), topics, categories))
    return frame


def _term(term: str, topics: dict[str, str], categories: dict[str, dict[str, str]]) -> str:
    topic, separator, category = str(term).partition(TERM_SEPARATOR)
    if not separator:
        return term
    category = categories.get(topic, {}).get(category, category)
    return f"{topics.get(topic, topic)}{TERM_SEPARATOR}{category}"


def ees_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A copy of a pipeline frame of ``table`` with the dictionary's column and item names."""
    out = frame.rename(columns=COLUMN_RENAMES.get(table, {}))
    if {TOPIC, TERM} & set(out.columns):
        out = _rename_items(out.copy(deep=False), TOPIC_RENAMES, CATEGORY_RENAMES)
    return out


def internal_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A frame of ``table`` as published (any version) with the pipeline's names.

    Versions before 2.0.0 already have them: the frame is returned as it is (same object).
    """
    back = {new: old for old, new in COLUMN_RENAMES.get(table, {}).items() if new in frame.columns}
    renamed = bool(back)
    if TOPIC in frame.columns and frame[TOPIC].isin(list(TOPICS_BACK)).any():
        renamed = True
    if TERM in frame.columns:
        renamed = renamed or any(_term_back(term) != term for term in set(frame[TERM]))
    if not renamed:
        return frame
    return _rename_items(frame.rename(columns=back), TOPICS_BACK, CATEGORIES_BACK)


def _term_back(term: str) -> str:
    return _term(term, TOPICS_BACK, CATEGORIES_BACK)


def internal_extract(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-LA extract (every table stacked, ``table_name`` first) with the pipeline's names.

    A renamed column shared by several tables (``children_count``) goes back to its old name
    on those tables' rows, beside the old column other tables still use (``number``).
    """
    columns = {new for renames in COLUMN_RENAMES.values() for new in renames.values()}
    if (
        not columns & set(frame.columns)
        and not frame.get(TOPIC, pd.Series()).isin(list(TOPICS_BACK)).any()
    ):
        return frame
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    pairs = {(old, new) for renames in COLUMN_RENAMES.values() for old, new in renames.items()}
    for old, new in sorted(pairs):
        if new not in out.columns:
            continue
        tables = [t for t, renames in COLUMN_RENAMES.items() if renames.get(old) == new]
        if old in out.columns:
            rows = out["table_name"].isin(tables).to_numpy()
            merged = np.where(rows, out[new].to_numpy(), out[old].to_numpy())
            out = out.drop(columns=new)
            out[old] = pd.Series(merged, index=out.index, dtype=out[old].dtype)
        else:
            out = out.rename(columns={new: old})
    return _rename_items(out, TOPICS_BACK, CATEGORIES_BACK)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_case(column: str, cases: list[tuple[str, str]]) -> str:
    """``CASE WHEN <condition> THEN <value> ... ELSE <column> END`` (the column when none)."""
    if not cases:
        return _sql_name(column)
    whens = " ".join(f"WHEN {condition} THEN {_sql_text(value)}" for condition, value in cases)
    return f"CASE {whens} ELSE {_sql_name(column)} END"


def internal_select(table: str, header: list[str]) -> str:
    """An SQL select list giving a published file of ``table`` (any version) the pipeline's
    column and item names, in the file's column order (for DuckDB queries of the file)."""
    back = _invert(COLUMN_RENAMES.get(table, {}))
    topic, category = _sql_name(TOPIC), _sql_name(CATEGORY)
    expressions = []
    for column in header:
        expression = _sql_name(column)
        if column == TOPIC:
            cases = [(f"{topic} = {_sql_text(new)}", old) for new, old in TOPICS_BACK.items()]
            expression = _sql_case(column, cases)
        elif column == CATEGORY and TOPIC in header:
            cases = [
                (f"{topic} = {_sql_text(name)} AND {category} = {_sql_text(new)}", old)
                for name, items in CATEGORIES_BACK.items()
                for new, old in items.items()
            ]
            expression = _sql_case(column, cases)
        elif column == TERM:
            terms = _all_terms_back()
            cases = [(f"{_sql_name(TERM)} = {_sql_text(new)}", old) for new, old in terms]
            expression = _sql_case(column, cases)
        expressions.append(f"{expression} AS {_sql_name(back.get(column, column))}")
    return ", ".join(expressions)


def _all_terms_back() -> list[tuple[str, str]]:
    """Every renamed model term a published file can hold, ``(published, pipeline's)``."""
    terms = [
        f"{topic}{TERM_SEPARATOR}{category}"
        for topic, categories in CHARACTERISTICS.values()
        for category in categories
    ]
    forward = [(_term(term, TOPIC_RENAMES, CATEGORY_RENAMES), term) for term in terms]
    return [(new, old) for new, old in forward if new != old]


def _renamed_filter(item: Filter, table: str) -> Filter:
    return dataclasses.replace(item, name=ees_column(table, item.name))


def _renamed_indicator(indicator: Indicator, table: str) -> Indicator:
    description = indicator.description
    for old, new in COLUMN_RENAMES.get(table, {}).items():
        description = description.replace(f"x {old} /", f"x {new} /")
    return dataclasses.replace(
        indicator,
        name=ees_column(table, indicator.name),
        description=description,
        numerator=indicator.numerator and ees_column(table, indicator.numerator),
        denominator=indicator.denominator and ees_column(table, indicator.denominator),
    )


def to_ees(table: PublishedTable) -> PublishedTable:
    """The table as the package publishes it: the data dictionary's names (a new object)."""
    name = table.name
    return dataclasses.replace(
        table,
        frame=ees_frame(table.frame, name),
        filters=[_renamed_filter(f, name) for f in table.filters],
        indicators=[_renamed_indicator(i, name) for i in table.indicators],
        extra_columns=[ees_column(name, c) for c in table.extra_columns],
    )


def rename_lines(table: str, columns: list[str], items: dict[str, set[str]]) -> list[str]:
    """What :func:`to_ees` renames in a table published with ``columns`` and filter items.

    ``items`` holds the distinct items of the table's ``breakdown_topic`` and ``term`` columns
    and, under ``breakdown``, ``<topic>: <category>`` pairs. One line per renamed column and
    item, ``old -> new`` (for the changelog of the version that renames them).
    """
    lines = [
        f"`{table}`: column `{old}` -> `{new}`"
        for old, new in COLUMN_RENAMES.get(table, {}).items()
        if old in columns
    ]
    for topic in sorted(items.get(TOPIC, set()) & set(TOPIC_RENAMES)):
        lines.append(f"`{table}`: `{TOPIC}` item `{topic}` -> `{TOPIC_RENAMES[topic]}`")
    for pair in sorted(items.get(CATEGORY, set())):
        topic, _, category = pair.partition(TERM_SEPARATOR)
        new = CATEGORY_RENAMES.get(topic, {}).get(category)
        if new is not None:
            lines.append(f"`{table}`: `{CATEGORY}` item `{category}` ({topic}) -> `{new}`")
    for term in sorted(items.get(TERM, set())):
        new = _term(term, TOPIC_RENAMES, CATEGORY_RENAMES)
        if new != term:
            lines.append(f"`{table}`: `{TERM}` item `{term}` -> `{new}`")
    return lines


def renames_since(folder: Path) -> list[str]:
    """:func:`rename_lines` of every table of a published version folder (none since 2.0.0).

    Reads only the headers and the item columns (``breakdown_topic``, ``breakdown``,
    ``term``) of its ``data/*.csv``.
    """
    lines: list[str] = []
    for path in sorted((Path(folder) / "data").glob("*.csv")):
        if path.name.endswith(".meta.csv"):
            continue
        table = path.name[: -len(".csv")]
        header = pd.read_csv(path, nrows=0).columns.tolist()
        wanted = [c for c in (TOPIC, CATEGORY, TERM) if c in header]
        items = pd.read_csv(path, usecols=wanted, dtype=str, keep_default_na=False)
        lines += rename_lines(table, header, old_items(items))
    return lines


def rename_text(lines: list[str]) -> str:
    """The changelog paragraph listing renamed columns and items (``''`` when none)."""
    if not lines:
        return ""
    return "\n".join(
        [
            "Renamed to the names of the EES data dictionary (a breaking change: use the new "
            "names in code and queries; the figures are the same):",
            "",
            *[f"- {line}" for line in lines],
        ]
    )


def old_items(frame: pd.DataFrame) -> dict[str, set[str]]:
    """The items :func:`rename_lines` looks at, from a frame of a published table."""
    found: dict[str, set[str]] = {}
    if TOPIC in frame.columns:
        found[TOPIC] = set(frame[TOPIC].astype(str))
        if CATEGORY in frame.columns:
            pairs = frame[[TOPIC, CATEGORY]].astype(str).drop_duplicates()
            found[CATEGORY] = {f"{t}{TERM_SEPARATOR}{c}" for t, c in pairs.itertuples(index=False)}
    if TERM in frame.columns:
        found[TERM] = set(frame[TERM].astype(str))
    return found


# -- the screener's dictionary checks ---------------------------------------------------------


@cache
def data_dictionary() -> pd.DataFrame:
    """The EES data dictionary shipped with the pipeline (text cells, blanks as ``""``)."""
    source = resources.files("pipeline.data").joinpath(DICTIONARY_FILE)
    with source.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def dictionary_columns() -> frozenset[tuple[str, str]]:
    """Every ``(col_type, col_name)`` the dictionary allows: its columns and their parents."""
    frame = data_dictionary()
    pairs = set(zip(frame["col_type"], frame["col_name"], strict=True))
    pairs |= set(zip(frame["col_type"], frame["col_name_parent"], strict=True))
    return frozenset((kind, name) for kind, name in pairs if name)


@cache
def dictionary_items() -> dict[str, frozenset[str]]:
    """The allowed items of each dictionary column (a parent's items from its children's rows)."""
    frame = data_dictionary()
    found: dict[str, set[str]] = {}
    for column, item in (("col_name", "filter_item"), ("col_name_parent", "filter_item_parent")):
        for name, value in zip(frame[column], frame[item], strict=True):
            if name and value:
                found.setdefault(name, set()).add(value)
    return {name: frozenset(values) for name, values in found.items()}


def non_dictionary_columns(meta: pd.DataFrame) -> list[tuple[str, str]]:
    """``(col_type, name)`` of the metadata's columns and filter groups not in the dictionary.

    As eesyscreener's ``check_data_dict_col_name``: every ``col_name`` and non-blank
    ``filter_grouping_column`` is looked up with its row's ``col_type``.
    """
    allowed = dictionary_columns()
    found: list[tuple[str, str]] = []
    for kind, name, group in zip(
        meta["col_type"], meta["col_name"], meta["filter_grouping_column"], strict=True
    ):
        for column in (name, group):
            if column and (kind, column) not in allowed and (kind, column) not in found:
                found.append((kind, column))
    return found


def non_dictionary_items(data: pd.DataFrame, meta: pd.DataFrame) -> list[tuple[str, str]]:
    """``(column, item)`` of the data's filter items not in the dictionary, for the filters
    the dictionary has (as eesyscreener's ``check_data_dict_fil_item``), sorted."""
    allowed = dictionary_columns()
    filters = [
        name
        for name in non_blank(meta.loc[meta["col_type"] == "Filter", "col_name"])
        if ("Filter", name) in allowed and name in data.columns
    ]
    items = dictionary_items()
    found = [
        (column, value)
        for column in filters
        for value in sorted(set(data[column].astype(str)) - items.get(column, frozenset()))
    ]
    return sorted(found)


def non_blank(values: pd.Series) -> list[str]:
    """The non-blank texts of ``values``, first occurrence order."""
    return [v for v in dict.fromkeys(values.astype(str)) if v.strip()]


def dictionary_warnings(data: pd.DataFrame, meta: pd.DataFrame, name: str) -> list[str]:
    """The two data-dictionary warnings eesyscreener gives for a data/meta pair (or none)."""
    warnings = []
    columns = non_dictionary_columns(meta)
    if columns:
        shown = ", ".join(f"{kind} {column}" for kind, column in columns)
        warnings.append(f"{name}: columns not in the EES data dictionary: {shown}")
    items = non_dictionary_items(data, meta)
    if items:
        shown = ", ".join(f"'{column} / {item}'" for column, item in items)
        warnings.append(f"{name}: filter items not in the EES data dictionary: {shown}")
    return warnings


def dictionary_report(folder: Path) -> list[str]:
    """:func:`dictionary_warnings` of every EES data/meta pair in a package's ``data/``."""
    data_dir = Path(folder) / "data" if (Path(folder) / "data").is_dir() else Path(folder)
    warnings: list[str] = []
    for meta_path in sorted(data_dir.glob("*.meta.csv")):
        name = meta_path.name[: -len(".meta.csv")]
        read = {"dtype": str, "keep_default_na": False}
        meta = pd.read_csv(meta_path, **read)
        data = pd.read_csv(data_dir / f"{name}.csv", **read)
        warnings += dictionary_warnings(data, meta, name)
    return warnings
