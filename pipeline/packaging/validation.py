"""The gates a built package folder must pass before it is moved into place.

1. ``frictionless.validate`` on ``datapackage.json``: the descriptor against the Data Package
   profile, every resource's Table Schema, headers, primary and foreign keys, and the cells of
   the first :data:`FRICTIONLESS_ROW_BUDGET` rows of every resource (every row of a shorter
   resource, with its ``bytes`` and ``hash``), read by Frictionless' own parsers.
2. :func:`check_rows`: the same cell rules (type, required, enum, pattern, minimum, maximum),
   primary key and geography foreign key, vectorised with pandas on every row, plus the
   ``bytes`` and ``hash`` of every file.
3. :func:`pipeline.packaging.ees.check_ees`: the Explore Education Statistics file rules.

Why Frictionless reads only the first 200 rows of a long resource: it checks a few thousand
rows a second in Python. Measured on the scale-1 package (15 resources, 188,000 rows, a shared
machine under load): Frictionless on every row took 32.6 s, :func:`check_rows` 5.9 s for the same
rules on every row (docs/performance.md). What Frictionless adds is an independent reading of
the descriptor, the schemas and the files: a wrong descriptor, schema or file layout fails on
the first rows of every resource, so a larger sample buys little.

:func:`check_rows` implements only the schema keywords listed in :data:`SCHEMA_KEYWORDS`,
:data:`FIELD_KEYWORDS`, :data:`FIELD_TYPES` and :data:`CONSTRAINTS`; any other keyword in a
schema is a problem of its own (:func:`unchecked_keywords`), so a rule that would only be
checked on Frictionless' first rows can never pass unnoticed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.packaging.descriptor import BLOCK, file_digest
from pipeline.packaging.ees import CsvReader, check_ees, read_text_csv, read_text_csv_quick

#: Schema keywords :func:`check_rows` implements on every row (anything else is refused).
SCHEMA_KEYWORDS = {"fields", "missingValues", "primaryKey", "foreignKeys"}
FIELD_KEYWORDS = {"name", "title", "description", "type", "constraints"}
FIELD_TYPES = {"string", "integer", "number"}
CONSTRAINTS = {"required", "enum", "pattern", "minimum", "maximum"}
#: Resources up to this many rows are validated row by row by Frictionless itself.
FRICTIONLESS_ROW_BUDGET = 200
INTEGER = r"[+-]?[0-9]+"
NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"


def _rows(mask: pd.Series) -> str:
    rows = (mask[mask].index + 2).tolist()
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


def _numbers(cells: pd.Series, usable: pd.Series) -> pd.Series:
    """The text cells where ``usable`` as float64 numbers, NaN elsewhere.

    Converted by Arrow (correctly rounded, as Python's ``float``); a cell Arrow does not read
    sends the column to ``astype("float64")`` instead, so the numbers are the same.
    """
    try:
        array = pa.array(cells, type=pa.large_string(), from_pandas=True)
        chosen = pc.if_else(pa.array(usable.to_numpy(dtype=bool)), array, None)
        numbers = pc.cast(chosen, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return cells.where(usable, "nan").astype("float64")
    return pd.Series(numbers, index=cells.index, dtype="float64", name=cells.name)


def check_field(
    cells: pd.Series, field: dict[str, Any], missing: list[str], where: str
) -> list[str]:
    """Check one column's text cells against its Table Schema field (vectorised)."""
    problems = []
    name = field["name"]
    absent = cells.isin(missing)
    present = ~absent
    constraints = field.get("constraints", {})
    if constraints.get("required") and absent.any():
        problems.append(f"{where}, rows {_rows(absent)}, column {name}: required value missing")
    kind = field.get("type", "string")
    numbers = None
    if kind in {"integer", "number"}:
        valid = cells.str.fullmatch(INTEGER if kind == "integer" else NUMBER)
        wrong = present & ~valid
        if wrong.any():
            problems.append(f"{where}, rows {_rows(wrong)}, column {name}: not of type {kind}")
        if "minimum" in constraints or "maximum" in constraints:
            numbers = _numbers(cells, present & valid)
    if "enum" in constraints:
        wrong = present & ~cells.isin([str(v) for v in constraints["enum"]])
        if wrong.any():
            problems.append(f"{where}, rows {_rows(wrong)}, column {name}: not one of the enum")
    if "pattern" in constraints:
        wrong = present & ~cells.str.fullmatch(constraints["pattern"])
        if wrong.any():
            problems.append(f"{where}, rows {_rows(wrong)}, column {name}: does not match pattern")
    if numbers is not None:
        if "minimum" in constraints:
            low = numbers < constraints["minimum"]
            if low.any():
                problems.append(f"{where}, rows {_rows(low)}, column {name}: below the minimum")
        if "maximum" in constraints:
            high = numbers > constraints["maximum"]
            if high.any():
                problems.append(f"{where}, rows {_rows(high)}, column {name}: above the maximum")
    return problems


def unchecked_keywords(schema: dict[str, Any], where: str) -> list[str]:
    """A problem for every keyword of ``schema`` that :func:`check_rows` does not implement."""
    found = [f"schema keyword {key!r}" for key in sorted(set(schema) - SCHEMA_KEYWORDS)]
    for field in schema.get("fields", []):
        name = field.get("name")
        found += [f"field {name}: keyword {k!r}" for k in sorted(set(field) - FIELD_KEYWORDS)]
        if field.get("type", "string") not in FIELD_TYPES:
            found.append(f"field {name}: type {field['type']!r}")
        unknown = sorted(set(field.get("constraints", {})) - CONSTRAINTS)
        found += [f"field {name}: constraint {key!r}" for key in unknown]
    return [
        f"{where}: {item} is not checked on every row (implement it in "
        "pipeline/packaging/validation.py:check_field or leave it out of the schema)"
        for item in found
    ]


def check_rows(folder: Path, read: CsvReader = read_text_csv) -> list[str]:
    """Check every row of every resource against the descriptor (see the module docstring).

    ``read`` reads a file as text cells.
    """
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for resource in descriptor["resources"]:
        path = folder / resource["path"]
        size, digest = file_digest(path)
        if resource.get("bytes") != size:
            problems.append(f"{resource['path']}: bytes {resource.get('bytes')} != {size}")
        if resource.get("hash") != "sha256:" + digest:
            problems.append(f"{resource['path']}: hash does not match the file")
        frames[resource["name"]] = read(path)
    for resource in descriptor["resources"]:
        frame = frames[resource["name"]]
        schema = resource["schema"]
        where = resource["path"]
        problems += unchecked_keywords(schema, where)
        names = [f["name"] for f in schema["fields"]]
        if list(frame.columns) != names:
            problems.append(f"{where}: header {list(frame.columns)} != schema fields {names}")
            continue
        missing = schema.get("missingValues", [""])
        for field in schema["fields"]:
            problems += check_field(frame[field["name"]], field, missing, where)
        key = schema.get("primaryKey", [])
        if key:
            repeated = frame.duplicated(subset=key, keep=False)
            if repeated.any():
                problems.append(f"{where}, rows {_rows(repeated)}: primary key {key} repeated")
        for foreign in schema.get("foreignKeys", []):
            target = frames[foreign["reference"]["resource"]]
            local = frame[foreign["fields"]].astype(str)
            filled = ~local.isin(missing).all(axis=1)
            reference = target[foreign["reference"]["fields"]].astype(str)
            found = pd.Series(
                pd.MultiIndex.from_frame(local).isin(pd.MultiIndex.from_frame(reference)),
                index=frame.index,
            )
            unknown = filled & ~found
            if unknown.any():
                problems.append(
                    f"{where}, rows {_rows(unknown)}, column(s) {', '.join(foreign['fields'])}: "
                    f"not found in {foreign['reference']['resource']}"
                )
    return problems


def _line_count(path: Path) -> int:
    """The lines of a file (a last line without ``\\n`` counts), read in blocks."""
    lines, last = 0, b""
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (1 if last and last != b"\n" else 0)


def check_frictionless(folder: Path, row_budget: int = FRICTIONLESS_ROW_BUDGET) -> list[str]:
    """Run ``frictionless.validate`` (rows beyond ``row_budget`` are left to :func:`check_rows`)."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    longest = 0
    for resource in descriptor["resources"]:
        longest = max(longest, _line_count(folder / resource["path"]) - 1)
    limit = row_budget if longest > row_budget else None
    report = frictionless.validate(str(folder / "datapackage.json"), limit_rows=limit)
    if report.valid:
        return []
    problems = [f"datapackage.json: {error.type} ({error.note})" for error in report.errors]
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            column = getattr(error, "field_name", None)
            where = f"{task.place}" + (f", row {row}" if row else "")
            where += f", column {column}" if column else ""
            problems.append(f"{where}: {error.type} ({error.note})")
    return problems


def package_problems(folder: Path, row_budget: int = FRICTIONLESS_ROW_BUDGET) -> list[str]:
    """Every problem of a built package folder (empty when it may be published).

    :func:`check_rows` and :func:`~pipeline.packaging.ees.check_ees` share one reading of
    each file.
    """
    read = functools.cache(read_text_csv_quick)
    problems = check_frictionless(folder, row_budget)
    problems += [p for p in check_rows(folder, read) if p not in problems]
    problems += check_ees(folder, read)
    return problems
