"""What changed between a build's tables and the previous published version.

:func:`diff_tables` compares each published table (as the text the package would hold) with
the previous version's CSV, row by row on the table's primary key: tables added or removed,
rows added or removed, columns added, removed or retyped, and every figure that moved, with
by how much. :meth:`ReleaseDiff.required_bump` applies the version recipe of CONVENTIONS.md:
renamed, added, removed or retyped fields are MAJOR; a new table or a new year of data is
MINOR; anything else (corrected values) is PATCH.

The build's tables are compared as the package publishes them (the EES data dictionary's
names, :mod:`pipeline.packaging.dictionary`). A previous version published with the
pipeline's own names (before 2.0.0) is read through the same renames, so its figures are
matched row by row, and every column and filter item renamed is listed (``old -> new``): a
rename is MAJOR (users' code and EES API queries name them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.measures.catalogue import MEASURES
from pipeline.packaging import schemas
from pipeline.packaging.dictionary import (
    ees_column,
    ees_frame,
    old_items,
    rename_lines,
    rename_text,
    to_ees,
)
from pipeline.packaging.versions import BUMPS
from pipeline.packaging.writer import table_cells
from pipeline.published import PublishedTable

#: How many of the largest moves the printed report lists per table.
TOP_MOVES = 5
#: The table whose figures can be provisional (its ``status`` column says so).
STATUS_TABLE = "stability_measures"
PROVISIONAL = "provisional"
#: The published name of its percentage column.
STATUS_PERCENT = ees_column(STATUS_TABLE, "percent")


@dataclass
class TableChange:
    """How one table differs from the previous version."""

    name: str
    status: str  # added, removed, changed, same
    rows_before: int = 0
    rows_after: int = 0
    rows_added: int = 0
    rows_removed: int = 0
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: list[str] = field(default_factory=list)
    cells_changed: int = 0
    moves: list[tuple[str, str, str, str, float | None]] = field(default_factory=list)
    #: Columns and filter items renamed to the EES data dictionary's names, ``old -> new``.
    renamed: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One sentence about the table."""
        if self.status in ("added", "removed"):
            rows = self.rows_after if self.status == "added" else self.rows_before
            return f"`{self.name}`: table {self.status} ({rows:,} rows)."
        parts = [f"{self.rows_before:,} -> {self.rows_after:,} rows"]
        if self.rows_added or self.rows_removed:
            parts.append(f"{self.rows_added:,} rows added, {self.rows_removed:,} removed")
        for label, columns in (
            ("columns added", self.columns_added),
            ("columns removed", self.columns_removed),
            ("columns retyped", self.columns_retyped),
        ):
            if columns:
                parts.append(f"{label}: {', '.join(columns)}")
        parts.append(f"{self.cells_changed:,} figures changed")
        return f"`{self.name}`: " + "; ".join(parts) + "."


@dataclass
class Revision:
    """A national headline figure that was provisional in the previous version and moved."""

    measure: str
    period: str
    year: str
    before: str  # the percentage as published before
    after: str  # ... and now
    status: str  # its status now (final, or still provisional)

    def line(self) -> str:
        """One sentence: which figure, from what to what, by how much."""
        label = MEASURES[self.measure].label if self.measure in MEASURES else self.measure
        before, after = pd.to_numeric(pd.Series([self.before, self.after]), errors="coerce")
        figure = f"{label} ({self.period.lower()}), {self.year}: England {_percent(self.before)}"
        if self.before == self.after:
            return f"{figure} (provisional) is now {self.status}, unchanged."
        by = (
            f", {after - before:+.1f} percentage points"
            if not (pd.isna(before) or pd.isna(after))
            else ""
        )
        return f"{figure} (provisional) revised to {_percent(self.after)} ({self.status}){by}."


def _percent(text: str) -> str:
    value = pd.to_numeric(pd.Series([text]), errors="coerce")[0]
    return text if pd.isna(value) else f"{value:.1f}%"


@dataclass
class ReleaseDiff:
    """Every table's change and the collection years gained since the previous version."""

    previous: str
    tables: list[TableChange]
    years_added: list[int] = field(default_factory=list)
    #: National headline figures provisional before that moved or became final.
    revisions: list[Revision] = field(default_factory=list)
    #: Provisional figures (every area and breakdown) whose value or status changed.
    provisional_revised: int = 0

    @property
    def changed(self) -> list[TableChange]:
        """The tables that are not the same."""
        return [t for t in self.tables if t.status != "same"]

    def required_bump(self) -> str | None:
        """The smallest bump the change needs (``None`` when nothing changed)."""
        changed = self.changed
        if any(t.columns_added or t.columns_removed or t.columns_retyped for t in changed):
            return "major"
        if self.renamed:
            return "major"
        if any(t.status == "removed" for t in changed):
            return "major"
        if self.years_added or any(t.status == "added" for t in changed):
            return "minor"
        return "patch" if changed else None

    @property
    def renamed(self) -> list[str]:
        """Every column and filter item renamed, ``old -> new``, table by table."""
        return [line for table in self.tables for line in table.renamed]

    def summary(self) -> str:
        """Markdown lines for the changelog and release note."""
        if not self.changed:
            return f"The published tables are the same as in version {self.previous}."
        lines = [f"Changes since version {self.previous}:", ""]
        if self.years_added:
            lines.append(f"- New collection year(s): {', '.join(map(str, self.years_added))}.")
        lines += [f"- {t.line()}" for t in self.changed]
        if self.renamed:
            lines += ["", rename_text(self.renamed)]
        if self.provisional_revised:
            lines += [
                "",
                f"Provisional figures revised: {self.provisional_revised:,} figures of "
                f"`{STATUS_TABLE}` were provisional in version {self.previous} (their returns "
                "were still to come) and have been revised with the data added since.",
            ]
            lines += [f"- {r.line()}" for r in self.revisions]
        return "\n".join(lines)

    def report(self) -> str:
        """The printed report: the summary, then the largest moves of each table."""
        lines = [self.summary()]
        for table in self.changed:
            if not table.moves:
                continue
            lines += ["", f"Largest moves in {table.name}:"]
            for key, column, before, after, delta in table.moves[:TOP_MOVES]:
                by = f" ({delta:+.4g})" if delta is not None else ""
                lines.append(f"  {key} {column}: {before} -> {after}{by}")
        return "\n".join(lines)


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text, errors="coerce")


def _key_text(frame: pd.DataFrame, key: list[str]) -> list[str]:
    """Each row's key as ``column=value`` pairs (blank values left out)."""
    rows = frame[key].astype(str).to_dict("records")
    return [", ".join(f"{c}={v}" for c, v in row.items() if v) for row in rows]


def _moves(merged: pd.DataFrame, key: list[str], columns: list[str]) -> tuple[int, list]:
    """Count the changed cells of ``columns`` and list them, largest numeric move first."""
    found: list[tuple[str, str, str, str, float | None]] = []
    count = 0
    for column in columns:
        before, after = merged[f"{column}_old"], merged[f"{column}_new"]
        differ = before != after
        count += int(differ.sum())
        if not differ.any():
            continue
        delta = _number(after[differ]) - _number(before[differ])
        labels = _key_text(merged[differ], key)
        for label, old, new, move in zip(labels, before[differ], after[differ], delta, strict=True):
            found.append((label, column, old, new, None if pd.isna(move) else float(move)))
    found.sort(key=lambda m: -abs(m[4]) if m[4] is not None else 0.0)
    return count, found


def _compare(
    name: str, new: pd.DataFrame, old: pd.DataFrame, key: list[str], types: dict
) -> TableChange:
    """How ``new`` differs from ``old`` (as published, with the pipeline's names before 2.0.0)."""
    change = TableChange(name, "same", rows_before=len(old), rows_after=len(new))
    change.renamed = rename_lines(name, list(old.columns), old_items(old))
    old = ees_frame(old, name)
    change.columns_added = [c for c in new.columns if c not in old.columns]
    change.columns_removed = [c for c in old.columns if c not in new.columns]
    change.columns_retyped = [c for c, (a, b) in types.items() if a != b]
    key = [c for c in key if c in old.columns and c in new.columns]
    shared = [c for c in new.columns if c in old.columns and c not in key]
    merged = old.merge(new, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    change.rows_added = int((merged["_merge"] == "right_only").sum())
    change.rows_removed = int((merged["_merge"] == "left_only").sum())
    both = merged[merged["_merge"] == "both"]
    change.cells_changed, change.moves = _moves(both, key, shared)
    if (
        change.renamed
        or change.columns_added
        or change.columns_removed
        or change.columns_retyped
        or change.rows_added
        or change.rows_removed
        or change.cells_changed
    ):
        change.status = "changed"
    return change


def _previous_schemas(previous: Path) -> dict[str, dict[str, Any]]:
    descriptor = json.loads((previous / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r.get("schema", {}) for r in descriptor.get("resources", [])}


def diff_tables(tables: dict[str, PublishedTable], previous: Path) -> ReleaseDiff:
    """Compare the build's tables (as the package would publish them) with a version.

    ``previous`` is the previous version's folder. Geography and measures resources (reference
    lists, not statistics) are left out.
    """
    old_schemas = _previous_schemas(previous)
    descriptor = json.loads((previous / "datapackage.json").read_text(encoding="utf-8"))
    new_years = set()
    for table in tables.values():
        if "time_period" in table.frame.columns:
            new_years |= {
                int(y) for y in table.frame["time_period"].astype(str).unique() if y.isdigit()
            }
    years_added = sorted(new_years - set(descriptor.get("collection_years") or []))
    tables = {name: to_ees(table) for name, table in tables.items()}
    new_cells = {name: table_cells(table) for name, table in tables.items()}
    changes = []
    revisions: list[Revision] = []
    revised = 0
    for name in sorted((set(new_cells) | set(old_schemas)) - {"geography", "measures"}):
        path = previous / "data" / f"{name}.csv"
        if name not in new_cells:
            old = pd.read_csv(path, dtype=str, keep_default_na=False)
            changes.append(TableChange(name, "removed", rows_before=len(old)))
            continue
        if name not in old_schemas or not path.exists():
            changes.append(TableChange(name, "added", rows_after=len(new_cells[name])))
            continue
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        new_schema = schemas.table_schema(tables[name])
        old_types = {
            ees_column(name, f["name"]): f.get("type") for f in old_schemas[name].get("fields", [])
        }
        types = {
            f["name"]: (old_types[f["name"]], f.get("type"))
            for f in new_schema["fields"]
            if f["name"] in old_types
        }
        key = list(new_schema.get("primaryKey") or tables[name].primary_key)
        changes.append(_compare(name, new_cells[name], old, key, types))
        if name == STATUS_TABLE:
            revisions, revised = provisional_revisions(new_cells[name], ees_frame(old, name), key)
    return ReleaseDiff(str(descriptor.get("version", "")), changes, years_added, revisions, revised)


def provisional_revisions(
    new: pd.DataFrame, old: pd.DataFrame, key: list[str]
) -> tuple[list[Revision], int]:
    """The figures ``old`` published as provisional that ``new`` changes (value or status).

    Returns the national headline ones (every breakdown ``Total``), measure by measure, and
    how many provisional figures were revised in all. Empty when either has no ``status``.
    Both frames have the published names (``children_percent``).
    """
    if "status" not in old.columns or "status" not in new.columns or STATUS_PERCENT not in old:
        return [], 0
    key = [c for c in key if c in old.columns and c in new.columns]
    was = old[old["status"] == PROVISIONAL]
    merged = was.merge(new, on=key, how="inner", suffixes=("_old", "_new"))
    before, after = merged[f"{STATUS_PERCENT}_old"], merged[f"{STATUS_PERCENT}_new"]
    moved = (before != after) | (merged["status_new"] != PROVISIONAL)
    revised = merged[moved]
    national = revised[
        (revised["geographic_level"] == "National")
        & (revised["breakdown_topic"] == "Total")
        & (revised["breakdown"] == "Total")
    ].sort_values(["measure", "period", "time_period"], kind="stable")
    revisions = [
        Revision(
            str(row["measure"]),
            str(row["period"]),
            str(row["time_period"]),
            str(row[f"{STATUS_PERCENT}_old"]),
            str(row[f"{STATUS_PERCENT}_new"]),
            str(row["status_new"]),
        )
        for _, row in national.iterrows()
    ]
    return revisions, len(revised)


def check_bump(diff: ReleaseDiff, bump: str) -> None:
    """Raise ``ValueError`` when ``bump`` is smaller than the change needs, or nothing changed."""
    required = diff.required_bump()
    if required is None:
        raise ValueError(
            f"nothing to release: the published tables are the same as version {diff.previous}"
        )
    if BUMPS.index(bump) < BUMPS.index(required):
        reason = {
            "major": "fields were renamed, added, removed or retyped, filter items were "
            "renamed, or a table was removed",
            "minor": "a new year of data or a new table",
        }[required]
        raise ValueError(
            f"--bump {bump} is too small: the change needs at least {required} ({reason}; "
            "see the version recipe in docs/releases.md)"
        )
