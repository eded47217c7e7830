"""Read a published data package for the website: the only input the site has.

Every cell is read as text, exactly as written in the package, so a page can show a symbol
(``c``, ``x``, ``z``...) where the package has one and the tests can compare a shown number
with its CSV cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

# Re-exported for the pages: the one definition is the measures catalogue.
from pipeline.measures.catalogue import HEADLINE_MEASURES as HEADLINE_MEASURES

#: Filter values of a table's overall row (no breakdown).
TOTAL = "Total"
#: Period label of the one-year measures.
DURING_THE_YEAR = "During the year"


class PackageError(Exception):
    """The data package is missing a file or a column the site needs (the message says which)."""


def slugify(text: str) -> str:
    """Return a lower-case, hyphenated address part, e.g. ``north-east`` for ``North East``."""
    return "-".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as text (blank cells as empty strings)."""
    if not path.exists():
        raise PackageError(f"{path}: file not found in the data package")
    # Plain Python strings (object dtype): pages read many single cells, which is much
    # faster than with pandas' Arrow-backed string dtype.
    return pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[])


@dataclass
class VersionInfo:
    """One published version of the package, from ``versions.json``."""

    version: str
    date: str
    title: str
    folder: Path | None


@dataclass
class SitePackage:
    """A data package folder opened for page generation (tables are read on first use)."""

    folder: Path
    descriptor: dict = field(default_factory=dict)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, folder: Path) -> SitePackage:
        """Open ``folder`` (the one holding ``datapackage.json``)."""
        path = folder / "datapackage.json"
        if not path.exists():
            raise PackageError(f"{path}: not found; is {folder} a data package folder?")
        try:
            descriptor = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise PackageError(f"{path}: invalid JSON ({error})") from error
        for key in ("version", "resources"):
            if key not in descriptor:
                raise PackageError(f"{path}: the descriptor has no {key!r} property")
        return cls(folder=folder, descriptor=descriptor)

    # -- descriptor -------------------------------------------------------------------------
    @property
    def version(self) -> str:
        """The package's semver version."""
        return str(self.descriptor["version"])

    @property
    def synthetic(self) -> bool:
        """True when the statistics were built from synthetic data."""
        return bool(self.descriptor.get("synthetic", False))

    @property
    def release_title(self) -> str:
        """The release title, e.g. ``Stability Index 2024``."""
        release = self.descriptor.get("release") or {}
        return str(release.get("title") or self.descriptor.get("title") or "Stability Index")

    @property
    def release_date(self) -> str:
        """The release date (ISO), falling back to the package's ``created`` date."""
        release = self.descriptor.get("release") or {}
        return str(release.get("date") or str(self.descriptor.get("created", ""))[:10])

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

    # -- tables -----------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """Return ``data/<name>.csv`` as text cells (read once)."""
        if name not in self._tables:
            self._tables[name] = read_csv_text(self.folder / "data" / f"{name}.csv")
        return self._tables[name]

    def table_where(self, name: str, where: str) -> pd.DataFrame:
        """Rows of ``data/<name>.csv`` matching an SQL ``where`` clause, as text (via DuckDB).

        Used for the big tables, so only the rows a page needs are held in memory.
        """
        path = self.folder / "data" / f"{name}.csv"
        if not path.exists():
            raise PackageError(f"{path}: file not found in the data package")
        query = f"SELECT * FROM read_csv(?, all_varchar = true, header = true) WHERE {where}"
        with duckdb.connect() as connection:
            frame = connection.execute(query, [str(path)]).df()
        return frame.fillna("").astype(str).astype(object)

    def has_table(self, name: str) -> bool:
        """True when ``data/<name>.csv`` exists."""
        return (self.folder / "data" / f"{name}.csv").exists()

    @cached_property
    def geography(self) -> pd.DataFrame:
        """The LAs of the package's geography resource, with ``slug``, ``page``, ``region_slug``.

        The resource may also hold national and regional rows (``geographic_level``); only LA
        rows are returned. ``page`` is the resource's ``page_path`` when it has one.
        """
        table = self.table("geography").copy()
        source = self.folder / "data" / "geography.csv"
        if "geographic_level" in table:
            table = table[table["geographic_level"] == "Local authority"].copy()
        for column in ("old_la_code", "new_la_code", "la_name", "region_code", "region_name"):
            if column not in table:
                raise PackageError(f"{source}: no {column!r} column")
        if table.empty:
            raise PackageError(f"{source}: no local authority rows")
        if "slug" not in table or (table["slug"] == "").any():
            table["slug"] = table["la_name"].map(slugify)
        if "page_path" in table and (table["page_path"] != "").all():
            table["page"] = table["page_path"].map(lambda path: path.strip("/") + "/")
        else:
            table["page"] = "la/" + table["new_la_code"] + "-" + table["slug"] + "/"
        if "region_slug" not in table or (table["region_slug"] == "").any():
            table["region_slug"] = table["region_name"].map(slugify)
        return table.sort_values(["region_name", "la_name"]).reset_index(drop=True)

    @cached_property
    def regions(self) -> pd.DataFrame:
        """The regions (``region_code``, ``region_name``, ``region_slug``), by name."""
        columns = ["region_code", "region_name", "region_slug"]
        return self.geography[columns].drop_duplicates().reset_index(drop=True)

    @cached_property
    def measure_labels(self) -> dict[str, str]:
        """Measure code -> plain-English label, from the package's ``data/measures.csv``."""
        table = self.table("measures")
        for column in ("measure", "label"):
            if column not in table:
                raise PackageError(f"{self.folder / 'data' / 'measures.csv'}: no {column!r} column")
        return dict(zip(table["measure"], table["label"], strict=True))

    def label(self, measure: str) -> str:
        """The label of a measure (its code when the package has none)."""
        return self.measure_labels.get(measure, measure)

    def la_extract(self, old_la_code: str) -> pd.DataFrame:
        """Return the per-LA extract ``la/<old_la_code>.csv`` (every LA row of every table)."""
        table = read_csv_text(self.folder / "la" / f"{old_la_code}.csv")
        if "table_name" not in table:
            raise PackageError(f"{self.folder / 'la' / old_la_code}.csv: no 'table_name' column")
        return table

    # -- files and versions -----------------------------------------------------------------
    def text_file(self, name: str) -> str:
        """Return a text file of the package (e.g. ``CHANGELOG.md``), or '' when absent."""
        path = self.folder / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def versions(self) -> list[VersionInfo]:
        """Every published version, newest first, from ``../versions.json``.

        Accepts a list of entries, ``{"versions": [...]}`` or ``{"<version>": {...}}``; each
        entry names its ``version`` and may give ``date``/``created`` and ``title``. The current
        version is always included.
        """
        path = self.folder.parent / "versions.json"
        entries: list[dict] = []
        if path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise PackageError(f"{path}: invalid JSON ({error})") from error
            if isinstance(raw, dict) and isinstance(raw.get("versions"), list):
                entries = raw["versions"]
            elif isinstance(raw, list):
                entries = raw
            elif isinstance(raw, dict):
                entries = [
                    {"version": key, **(value if isinstance(value, dict) else {})}
                    for key, value in raw.items()
                    if re.fullmatch(r"\d+\.\d+\.\d+", key)
                ]
        found: dict[str, VersionInfo] = {}
        for entry in entries:
            if isinstance(entry, str):
                entry = {"version": entry}
            version = str(entry.get("version", ""))
            if not version:
                raise PackageError(f"{path}: an entry has no 'version': {entry!r}")
            folder = self.folder.parent / version
            found[version] = VersionInfo(
                version=version,
                date=str(entry.get("date") or entry.get("created") or "")[:10],
                title=str(entry.get("title") or entry.get("release_title") or ""),
                folder=folder if (folder / "datapackage.json").exists() else None,
            )
        if self.version not in found:
            found[self.version] = VersionInfo(
                self.version, self.release_date, self.release_title, self.folder
            )
        return sorted(found.values(), key=lambda v: _semver_key(v.version), reverse=True)


def _semver_key(version: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", version)
    return tuple(int(p) for p in parts[:3])


def rows_of(extract: pd.DataFrame, table_name: str, columns: list[str]) -> pd.DataFrame:
    """The rows of one table in a per-LA extract, restricted to ``columns`` (all must exist)."""
    missing = [c for c in columns if c not in extract]
    if missing:
        raise PackageError(f"LA extract: table {table_name!r} lacks columns {missing}")
    return extract.loc[extract["table_name"] == table_name, columns].reset_index(drop=True)
