"""JSON Schemas of the site's versioned JSON API (published beside it, under ``api/v1/schema/``).

Three documents: the index (``api/v1/index.json``), one LA (``api/v1/<version>/la/<code>.json``)
and the headline figures of every LA (``api/v1/<version>/headline.json``, and the same for one
measure in ``api/v1/<version>/headline/<measure>.json``). A published cell is
a number, a symbol (``c``, ``x``, ``z``, ``low``, ``u``), a text value (e.g. a case-mix result)
or ``null`` where the table has no such column.
"""

from __future__ import annotations

from typing import Any

from pipeline.symbols import SYMBOLS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SEMVER = r"^\d+\.\d+\.\d+$"
NEW_LA_CODE = r"^E(06|08|09|10)\d{6}$"
OLD_LA_CODE = r"^\d{3}$"
YEAR = r"^\d{4}$"

_SYMBOL: dict[str, Any] = {"enum": sorted(SYMBOLS)}
_CELL: dict[str, Any] = {"type": ["number", "string", "null"]}
_HEADLINE_CELL: dict[str, Any] = {"anyOf": [{"type": "number"}, _SYMBOL, {"type": "null"}]}
_LA: dict[str, Any] = {
    "type": "object",
    "required": ["old_la_code", "new_la_code", "la_name", "region_code", "region_name"],
    "properties": {
        "old_la_code": {"type": "string", "pattern": OLD_LA_CODE},
        "new_la_code": {"type": "string", "pattern": NEW_LA_CODE},
        "la_name": {"type": "string", "minLength": 1},
        "region_code": {"type": "string", "pattern": r"^E12\d{6}$"},
        "region_name": {"type": "string", "minLength": 1},
        "page": {"type": "string"},
    },
}
_VERSION: dict[str, Any] = {
    "type": "object",
    "required": ["version", "date", "la_folder", "headline"],
    "properties": {
        "version": {"type": "string", "pattern": SEMVER},
        "date": {"type": "string"},
        "title": {"type": "string"},
        "la_folder": {"type": ["string", "null"]},
        "headline": {"type": ["string", "null"]},
        "headline_by_measure": {"type": ["string", "null"]},
    },
}
_MEASURE: dict[str, Any] = {
    "type": "object",
    "required": ["measure", "label", "polarity", "headline", "order"],
    "properties": {
        "measure": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "label": {"type": "string"},
        "short_label": {"type": "string"},
        "polarity": {"enum": ["lower is better", "higher is better"]},
        "headline": {"type": "boolean"},
        "order": {"type": "integer", "minimum": 1},
    },
}


def _document(title: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """A schema of one API document with the fields every document shares."""
    common = {
        "api": {"const": "v1"},
        "synthetic": {"type": "boolean"},
    }
    return {
        "$schema": DRAFT,
        "title": title,
        "type": "object",
        "required": ["api", *required],
        "properties": common | properties,
    }


INDEX_SCHEMA = _document(
    "Stability Index JSON API: index",
    ["latest", "versions", "las", "measures", "symbols"],
    {
        "latest": {"type": "string", "pattern": SEMVER},
        "versions": {"type": "array", "minItems": 1, "items": _VERSION},
        "las": {"type": "array", "minItems": 1, "items": _LA},
        "measures": {"type": "array", "minItems": 1, "items": _MEASURE},
        "symbols": {"type": "object", "additionalProperties": {"type": "string"}},
    },
)

_HEADLINE_FIGURE: dict[str, Any] = {
    "type": "object",
    "required": ["measure", "year", "percent", "lower", "upper", "region", "england"],
    "properties": {
        "measure": {"type": "string"},
        "year": {"type": "string", "pattern": YEAR},
        "cohort": _HEADLINE_CELL,
        "number": _HEADLINE_CELL,
        "percent": _HEADLINE_CELL,
        "lower": _HEADLINE_CELL,
        "upper": _HEADLINE_CELL,
        "region": _HEADLINE_CELL,
        "england": _HEADLINE_CELL,
        "neighbour_average": _HEADLINE_CELL,
        "rank_among_las": _HEADLINE_CELL,
        "quartile_band": {"type": ["string", "null"]},
    },
}
_TABLE: dict[str, Any] = {
    "type": "object",
    "required": ["filters", "indicators", "rows"],
    "properties": {
        "filters": {"type": "array", "items": {"type": "string"}},
        "indicators": {"type": "array", "items": {"type": "string"}},
        "rows": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": _CELL},
        },
    },
}

LA_SCHEMA = _document(
    "Stability Index JSON API: one local authority",
    ["version", "la", "neighbours", "headline", "tables"],
    {
        "version": {"type": "string", "pattern": SEMVER},
        "release": {"type": "object"},
        "la": _LA,
        "neighbours": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rank", "new_la_code", "la_name"],
                "properties": {
                    "rank": {"type": "integer", "minimum": 1},
                    "old_la_code": {"type": "string", "pattern": OLD_LA_CODE},
                    "new_la_code": {"type": "string", "pattern": NEW_LA_CODE},
                    "la_name": {"type": "string"},
                },
            },
        },
        "headline": {"type": "array", "items": _HEADLINE_FIGURE},
        "tables": {"type": "object", "additionalProperties": _TABLE},
    },
)

_SERIES: dict[str, Any] = {"type": "array", "items": _HEADLINE_CELL}
HEADLINE_SCHEMA = _document(
    "Stability Index JSON API: headline figures of every local authority",
    ["version", "years", "measures", "columns", "las", "regions", "england"],
    {
        "version": {"type": "string", "pattern": SEMVER},
        "years": {"type": "array", "items": {"type": "string", "pattern": YEAR}},
        "measures": {"type": "array", "items": {"type": "string"}},
        "columns": {"const": ["percent", "lower", "upper"]},
        "las": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["new_la_code", "old_la_code", "la_name", "neighbours", "values"],
                "properties": _LA["properties"]
                | {
                    "neighbours": {"type": "array", "items": {"type": "string"}},
                    "values": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": _SERIES},
                    },
                },
            },
        },
        "regions": {"type": "object"},
        "england": {"type": "object", "additionalProperties": {"type": "array"}},
    },
)

#: File name (under ``api/v1/schema/``) -> schema.
SCHEMAS: dict[str, dict[str, Any]] = {
    "index.schema.json": INDEX_SCHEMA,
    "la.schema.json": LA_SCHEMA,
    "headline.schema.json": HEADLINE_SCHEMA,
}
