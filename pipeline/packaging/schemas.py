"""Table Schemas (Frictionless, Data Package v1) for every resource of the package.

Filters and geography columns are strings; indicators keep their numeric type because the
symbols (``c``, ``x``, ``z``, ``low``, ``u``) and blanks are declared as ``missingValues``.
LA rows point at the ``geography`` resource through a foreign key on ``old_la_code``
(blank on National and Regional rows, which Frictionless skips: a key whose cells are all
missing is not checked).
"""

from __future__ import annotations

from typing import Any

from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_LA,
    LEVEL_NATIONAL,
    LEVEL_REGIONAL,
    Indicator,
    PublishedTable,
)
from pipeline.symbols import MISSING_VALUES

GEOGRAPHY_RESOURCE = "geography"

#: Time and geography columns: (title, description, extra field properties).
TIME_GEOGRAPHY_FIELDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "time_period": (
        "Collection year",
        "Year ending 31 March in which the data were collected (2024 = April 2023 to March 2024).",
        {"type": "integer", "constraints": {"required": True, "minimum": 2000}},
    ),
    "time_identifier": (
        "Time identifier",
        "How time_period is measured: always 'Reporting year'.",
        {"type": "string", "constraints": {"required": True, "enum": ["Reporting year"]}},
    ),
    "geographic_level": (
        "Geographic level",
        "National (England), Regional or Local authority.",
        {
            "type": "string",
            "constraints": {
                "required": True,
                "enum": [LEVEL_NATIONAL, LEVEL_REGIONAL, LEVEL_LA],
            },
        },
    ),
    "country_code": (
        "Country code",
        "ONS code of England.",
        {"type": "string", "constraints": {"required": True, "pattern": "E92[0-9]{6}"}},
    ),
    "country_name": (
        "Country name",
        "England.",
        {"type": "string", "constraints": {"required": True}},
    ),
    "region_code": (
        "Region code",
        "ONS code of the region (blank on National rows).",
        {"type": "string", "constraints": {"pattern": "E12[0-9]{6}"}},
    ),
    "region_name": (
        "Region name",
        "Name of the region (blank on National rows).",
        {"type": "string"},
    ),
    "old_la_code": (
        "Local authority code (DfE)",
        "DfE 3-digit local authority code (blank on National and Regional rows).",
        {"type": "string", "constraints": {"pattern": "[0-9]{3}"}},
    ),
    "new_la_code": (
        "Local authority code (ONS)",
        "ONS 9-character local authority code (blank on National and Regional rows).",
        {"type": "string", "constraints": {"pattern": "E[0-9]{8}"}},
    ),
    "la_name": (
        "Local authority name",
        "Name of the local authority (blank on National and Regional rows).",
        {"type": "string"},
    ),
}

SCHEMA_TYPES = {"integer", "number", "string"}


def humanise(column: str) -> str:
    """Turn a snake_case column name into a label: ``neighbour_la_name`` -> ``Neighbour LA name``."""
    words = [("LA" if w == "la" else w) for w in column.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _time_geography_field(name: str) -> dict[str, Any]:
    title, description, extra = TIME_GEOGRAPHY_FIELDS[name]
    return {"name": name, "title": title, "description": description, **extra}


def indicator_field(indicator: Indicator, table_name: str) -> dict[str, Any]:
    """The Table Schema field of an indicator column (numeric unless it is text)."""
    if indicator.field_type not in SCHEMA_TYPES:
        raise ValueError(
            f"table {table_name!r}, indicator {indicator.name!r}: field_type "
            f"{indicator.field_type!r} is not one of {sorted(SCHEMA_TYPES)}"
        )
    description = indicator.description or indicator.label
    if indicator.unit == "%":
        description += " (percentage, 0 to 100)"
    elif indicator.unit == "pp":
        description += " (percentage points)"
    field: dict[str, Any] = {
        "name": indicator.name,
        "title": indicator.label,
        "description": description,
        "type": indicator.field_type,
    }
    constraints: dict[str, Any] = {}
    if indicator.field_type in {"integer", "number"}:
        if indicator.kind == "count":
            constraints["minimum"] = 0
        if indicator.unit == "%":
            constraints.update({"minimum": 0, "maximum": 100})
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(table: PublishedTable) -> dict[str, Any]:
    """The Table Schema of a published table: typed fields, primary key, geography key."""
    fields: list[dict[str, Any]] = []
    if table.ees:
        fields += [_time_geography_field(name) for name in EES_TIME_GEOGRAPHY_COLUMNS]
    for item in table.filters:
        fields.append(
            {
                "name": item.name,
                "title": item.label,
                "description": item.hint or item.label,
                "type": "string",
                "constraints": {"required": True},
            }
        )
    for column in table.extra_columns:
        fields.append(
            {
                "name": column,
                "title": humanise(column),
                "description": f"{humanise(column)} (descriptive text, not a filter).",
                "type": "string",
            }
        )
    fields += [indicator_field(i, table.name) for i in table.indicators]
    schema: dict[str, Any] = {"fields": fields, "missingValues": list(MISSING_VALUES)}
    key = [column for column in table.primary_key if column in table.columns]
    if key:
        schema["primaryKey"] = key
    if table.ees:
        schema["foreignKeys"] = [
            {
                "fields": ["old_la_code"],
                "reference": {"resource": GEOGRAPHY_RESOURCE, "fields": ["old_la_code"]},
            }
        ]
    return schema


def string_schema(
    columns: list[tuple[str, str, str]], primary_key: list[str], required: set[str]
) -> dict[str, Any]:
    """A schema of string columns given as ``(name, title, description)`` triples."""
    fields = []
    for name, title, description in columns:
        field: dict[str, Any] = {
            "name": name,
            "title": title,
            "description": description,
            "type": "string",
        }
        if name in required:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {"fields": fields, "missingValues": [""], "primaryKey": primary_key}
