"""Read a published data package: the one reader used by the website and the LA report.

The reader is strict: opening a version folder checks ``datapackage.json`` (valid JSON, the
properties every consumer relies on) and every resource it lists (the file exists; a CSV with
a schema has exactly the schema's columns, in order). Any departure from the contract raises
:class:`PackageError` naming the file and the property, column or resource at fault, so a
consumer never works on a package it misreads.

Every cell is read as text, exactly as written in the package, so a page can show a symbol
(``c``, ``x``, ``z``...) where the package has one and tests can compare a shown number with
its CSV cell.

Tables come with the pipeline's column and item names whatever the version: since 2.0.0 the
package publishes the EES data dictionary's names (``children_count`` for ``number``, ``Sex``
for ``Gender``...; :mod:`pipeline.packaging.dictionary`), and the reader turns them back, so
consumers read every version alike.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from packaging.version import InvalidVersion, Version

from pipeline.measures.catalogue import HIGHER_IS_BETTER_TEXT
from pipeline.packaging.dictionary import internal_extract, internal_frame, internal_select
from pipeline.packaging.versions import VERSIONS_FILE

#: Properties of ``datapackage.json`` every consumer relies on.
REQUIRED_PROPERTIES = ("name", "title", "version", "created", "resources")
#: Properties of each entry of ``versions.json``.
VERSION_ENTRY_PROPERTIES = ("version", "date", "title")
#: Level of the geography resource's local authority rows.
LA_LEVEL = "Local authority"


class PackageError(Exception):
    """The data package departs from the contract (the message names the file and the field)."""


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as text (blank cells as empty strings)."""
    if not path.exists():
        raise PackageError(f"{path}: file not found in the data package")
    # Plain Python strings (object dtype): pages read many single cells, which is much
    # faster than with pandas' Arrow-backed string dtype.
    return pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[])


def _read_json(path: Path) -> object:
    if not path.exists():
        raise PackageError(f"{path}: not found; is {path.parent} a data package folder?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PackageError(f"{path}: invalid JSON ({error})") from error


def _semver(text: str, where: str) -> Version:
    try:
        version = Version(text)
    except InvalidVersion as error:
        raise PackageError(f"{where}: {text!r} is not a version (MAJOR.MINOR.PATCH)") from error
    if len(version.release) != 3 or str(version) != text:
        raise PackageError(f"{where}: {text!r} is not a version (MAJOR.MINOR.PATCH)")
    return version


def _check_resource(folder: Path, resource: dict[str, Any], where: str) -> None:
    """The resource's file exists and a CSV with a schema has exactly the schema's columns."""
    for key in ("name", "path"):
        if not resource.get(key):
            raise PackageError(f"{where}: a resource has no {key!r} property: {resource!r}")
    path = folder / resource["path"]
    if not path.is_file():
        raise PackageError(f"{path}: file not found (resource {resource['name']!r} of {where})")
    fields = (resource.get("schema") or {}).get("fields")
    if not fields or path.suffix != ".csv":
        return
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    expected = [f["name"] for f in fields]
    if header != expected:
        extra = [c for c in header if c not in expected]
        absent = [c for c in expected if c not in header]
        raise PackageError(
            f"{path}: columns differ from the schema of resource {resource['name']!r} "
            f"(missing {absent}, unexpected {extra}, or in another order)"
        )


@dataclass
class VersionInfo:
    """One published version of the package, from ``versions.json``."""

    version: str
    date: str
    title: str
    folder: Path | None


@dataclass
class DataPackage:
    """A published package version folder, checked against the contract on :meth:`open`.

    Tables are read on first use (:meth:`table`) and kept.
    """

    folder: Path
    descriptor: dict[str, Any] = field(default_factory=dict)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _selections: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, folder: Path) -> DataPackage:
        """Open ``folder`` (the one holding ``datapackage.json``); raise :class:`PackageError`."""
        folder = Path(folder)
        path = folder / "datapackage.json"
        descriptor = _read_json(path)
        if not isinstance(descriptor, dict):
            raise PackageError(f"{path}: the descriptor is not a JSON object")
        for key in REQUIRED_PROPERTIES:
            if key not in descriptor or descriptor[key] in ("", None):
                raise PackageError(f"{path}: the descriptor has no {key!r} property")
        _semver(str(descriptor["version"]), f"{path}: property 'version'")
        if not isinstance(descriptor["resources"], list):
            raise PackageError(f"{path}: property 'resources' is not a list")
        for resource in descriptor["resources"]:
            _check_resource(folder, resource, str(path))
        return cls(folder=folder, descriptor=descriptor)

    # -- descriptor -------------------------------------------------------------------------
    @property
    def version(self) -> str:
        """The package's semver version."""
        return str(self.descriptor["version"])

    @property
    def title(self) -> str:
        """The package title."""
        return str(self.descriptor["title"])

    @property
    def created(self) -> str:
        """When the package was created (ISO date-time)."""
        return str(self.descriptor["created"])

    @property
    def synthetic(self) -> bool:
        """True when the statistics were built from synthetic data."""
        return bool(self.descriptor.get("synthetic", False))

    @property
    def release_title(self) -> str:
        """The release title, e.g. ``Stability Index 2024``."""
        release = self.descriptor.get("release") or {}
        return str(release.get("title") or self.title)

    @property
    def release_date(self) -> str:
        """The release date (ISO), falling back to the package's ``created`` date."""
        release = self.descriptor.get("release") or {}
        return str(release.get("date") or self.created[:10])

    @property
    def latest_year(self) -> str:
        """The latest collection year as text, e.g. ``2024``."""
        if "latest_year" in self.descriptor:
            return str(self.descriptor["latest_year"])
        return max(self.table("time_series")["time_period"])

    @property
    def licence(self) -> dict[str, str]:
        """The first licence of the package (name, title, path)."""
        licences = self.descriptor.get("licenses") or [{"name": "OGL-UK-3.0"}]
        return {k: str(v) for k, v in licences[0].items()}

    def citation(self) -> str:
        """How a report cites the package: title, version and date created."""
        return f"{self.title}, version {self.version} (data package created {self.created})"

    # -- tables -----------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        return self.folder / "data" / f"{name}.csv"

    def table(self, name: str, columns: tuple[str, ...] = ()) -> pd.DataFrame:
        """Return ``data/<name>.csv`` as text cells (read once), with the pipeline's names
        (:func:`~pipeline.packaging.dictionary.internal_frame`); check ``columns`` are there."""
        if name not in self._tables:
            self._tables[name] = internal_frame(read_csv_text(self._path(name)), name)
        table = self._tables[name]
        missing = [c for c in columns if c not in table]
        if missing:
            raise PackageError(f"{self._path(name)}: no column(s) {', '.join(missing)}")
        return table

    def table_where(self, name: str, where: str) -> pd.DataFrame:
        """Rows of ``data/<name>.csv`` matching an SQL ``where`` clause, as text (via DuckDB).

        ``where`` uses the pipeline's column and item names (as :meth:`table` returns them).
        Used for the big tables, so only the rows a page needs are held in memory. Each query
        is run once and its rows kept (several pages ask the same; :meth:`select_where` runs
        several in one scan); callers must not change the frame in place.
        """
        if (name, where) not in self._selections:
            self.select_where(name, [where])
        return self._selections[(name, where)]

    def select_where(self, name: str, wheres: list[str]) -> None:
        """Run the :meth:`table_where` queries ``wheres`` of ``data/<name>.csv`` in one scan of
        the file and keep their rows for :meth:`table_where`."""
        path = self._path(name)
        if not path.exists():
            raise PackageError(f"{path}: file not found in the data package")
        marks = [f"__selection_{number}" for number in range(len(wheres))]
        flags = ", ".join(
            f"coalesce(({where}), false) AS {mark}"
            for where, mark in zip(wheres, marks, strict=True)
        )
        either = " OR ".join(f"({where})" for where in wheres)
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        source = (
            f"(SELECT {internal_select(name, header)} "
            "FROM read_csv(?, all_varchar = true, header = true))"
        )
        query = f"SELECT *, {flags} FROM {source} WHERE {either}"
        with duckdb.connect() as connection:
            frame = connection.execute(query, [str(path)]).df()
        selected = {mark: frame[mark].to_numpy(dtype=bool) for mark in marks}
        text = frame.drop(columns=marks).fillna("").astype(str).astype(object)
        for where, mark in zip(wheres, marks, strict=True):
            self._selections[(name, where)] = text[selected[mark]].reset_index(drop=True)

    def has_table(self, name: str) -> bool:
        """True when ``data/<name>.csv`` exists."""
        return self._path(name).exists()

    @cached_property
    def geography(self) -> pd.DataFrame:
        """The LA rows of the geography resource, with ``page`` (from ``page_path``), by name."""
        columns = ("geographic_level", "old_la_code", "new_la_code", "la_name", "region_code")
        needed = (*columns, "region_name", "slug", "region_slug", "page_path")
        table = self.table("geography", needed)
        table = table[table["geographic_level"] == LA_LEVEL].copy()
        if table.empty:
            raise PackageError(f"{self._path('geography')}: no local authority rows")
        for column in ("slug", "region_slug", "page_path"):
            if (table[column] == "").any():
                raise PackageError(f"{self._path('geography')}: blank {column!r} in an LA row")
        table["page"] = table["page_path"].map(lambda path: path.strip("/") + "/")
        return table.sort_values(["region_name", "la_name"]).reset_index(drop=True)

    @cached_property
    def regions(self) -> pd.DataFrame:
        """The regions (``region_code``, ``region_name``, ``region_slug``), by name."""
        columns = ["region_code", "region_name", "region_slug"]
        return self.geography[columns].drop_duplicates().reset_index(drop=True)

    @cached_property
    def measures(self) -> pd.DataFrame:
        """The measures resource (one row per measure), in display order."""
        columns = ("measure", "label", "short_label", "polarity", "headline", "display_order")
        table = self.table("measures", columns)
        order = table["display_order"].astype(int)
        return table.assign(_order=order).sort_values("_order").drop(columns="_order")

    @cached_property
    def measure_labels(self) -> dict[str, str]:
        """Measure code -> plain-English label, from the measures resource."""
        return dict(zip(self.measures["measure"], self.measures["label"], strict=True))

    @cached_property
    def headline_measures(self) -> list[str]:
        """The headline measures, in display order, from the measures resource."""
        return self.measures.loc[self.measures["headline"] == "true", "measure"].tolist()

    @cached_property
    def higher_is_better(self) -> frozenset[str]:
        """Measures where a higher percentage means more stability (from ``polarity``)."""
        rows = self.measures[self.measures["polarity"] == HIGHER_IS_BETTER_TEXT]
        return frozenset(rows["measure"])

    def label(self, measure: str) -> str:
        """The label of a measure (its code when the package has none)."""
        return self.measure_labels.get(measure, measure)

    def la_extract(self, old_la_code: str) -> pd.DataFrame:
        """Return the per-LA extract ``la/<old_la_code>.csv`` (every LA row of every table),
        with the pipeline's names (:func:`~pipeline.packaging.dictionary.internal_extract`)."""
        path = self.folder / "la" / f"{old_la_code}.csv"
        table = read_csv_text(path)
        if "table_name" not in table:
            raise PackageError(f"{path}: no 'table_name' column")
        return internal_extract(table)

    # -- files and versions -----------------------------------------------------------------
    def text_file(self, name: str) -> str:
        """Return a text file of the package (e.g. ``CHANGELOG.md``), or '' when absent."""
        path = self.folder / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def versions(self) -> list[VersionInfo]:
        """Every published version, newest first, from ``../versions.json``.

        The file is ``{"versions": [{"version", "date", "title", ...}, ...]}`` as written by
        ``pipeline.packaging.versions``; any other shape is a :class:`PackageError`. The
        current version is always included (also when there is no ``versions.json``).
        """
        path = self.folder.parent / VERSIONS_FILE
        entries = self._version_entries(path) if path.exists() else []
        found: dict[str, VersionInfo] = {}
        for entry in entries:
            folder = self.folder.parent / entry["version"]
            found[entry["version"]] = VersionInfo(
                version=entry["version"],
                date=str(entry["date"])[:10],
                title=str(entry["title"]),
                folder=folder if (folder / "datapackage.json").exists() else None,
            )
        if self.version not in found:
            found[self.version] = VersionInfo(
                self.version, self.release_date, self.release_title, self.folder
            )
        return sorted(found.values(), key=lambda v: Version(v.version), reverse=True)

    @staticmethod
    def _version_entries(path: Path) -> list[dict[str, Any]]:
        document = _read_json(path)
        if not isinstance(document, dict) or not isinstance(document.get("versions"), list):
            raise PackageError(f"{path}: expected an object with a 'versions' list")
        for entry in document["versions"]:
            if not isinstance(entry, dict):
                raise PackageError(f"{path}: a 'versions' entry is not an object: {entry!r}")
            for key in VERSION_ENTRY_PROPERTIES:
                if not entry.get(key):
                    raise PackageError(f"{path}: a 'versions' entry has no {key!r}: {entry!r}")
            _semver(str(entry["version"]), f"{path}: 'version' of an entry")
        return document["versions"]
