"""The ``datapackage.json`` descriptor and the human-readable release note.

The descriptor is Data Package v1 compatible (``profile`` ``tabular-data-package``, each
resource a ``tabular-data-resource`` with ``hash`` ``sha256:<hex>``, which Frictionless v5
checks and R's ``frictionless`` reads), plus the custom properties of ``docs/contracts.md``
section 5.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.packaging.metadata import LICENCE, PACKAGE_NAME, SYNTHETIC_WARNING, ReleaseMetadata
from pipeline.symbols import SYMBOLS


@dataclass(frozen=True)
class ResourceFile:
    """One CSV resource written to the package: its descriptor parts and its file."""

    name: str
    title: str
    description: str
    path: str  # relative to the version folder, e.g. "data/case_mix.csv"
    schema: dict[str, Any]
    rows: int
    ees_metadata: str | None = None  # relative path of the EES .meta.csv, when there is one


#: Files are hashed in blocks of this many bytes (never read whole: the largest is 128 MB).
BLOCK = 1 << 20


def file_digest(path: Path) -> tuple[int, str]:
    """Return ``(bytes, sha256 hex)`` of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def version_address(metadata: ReleaseMetadata, version: str) -> str:
    """The permanent address of a version on the site: its ``datapackage.json``.

    The site copies every version's files to ``downloads/<version>/`` and never changes them.
    """
    return f"{metadata.homepage}downloads/{version}/datapackage.json"


def citation(metadata: ReleaseMetadata, version: str) -> str:
    """The citation text for a version of the package: title, version, date and address."""
    year = metadata.release_date[:4]
    synthetic = " [synthetic data]" if metadata.synthetic else ""
    return (
        f"Stability Index team ({year}). {metadata.title}, version {version}{synthetic} "
        f"[data package]. Released {metadata.release_date}. "
        f"{version_address(metadata, version)}"
    )


def resource_descriptor(resource: ResourceFile, folder: Path) -> dict[str, Any]:
    """The descriptor of one resource, with ``bytes`` and ``hash`` of the written file."""
    size, digest = file_digest(folder / resource.path)
    descriptor: dict[str, Any] = {
        "name": resource.name,
        "title": resource.title,
        "description": resource.description,
        "path": resource.path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": size,
        "hash": f"sha256:{digest}",
        "schema": resource.schema,
    }
    if resource.ees_metadata:
        descriptor["ees_metadata"] = resource.ees_metadata
    return descriptor


def package_descriptor(
    resources: list[ResourceFile], folder: Path, metadata: ReleaseMetadata, version: str
) -> dict[str, Any]:
    """The whole ``datapackage.json`` content for the files written in ``folder``."""
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": metadata.title + (" (SYNTHETIC DATA)" if metadata.synthetic else ""),
        "description": metadata.package_description(),
        "version": version,
        "created": metadata.created,
        "homepage": metadata.homepage,
        "keywords": ["children looked after", "placement stability", "England", "SSDA903"],
        "licenses": [dict(LICENCE)],
        "sources": [dict(source) for source in metadata.sources],
        "contributors": [dict(person) for person in metadata.contributors],
        "synthetic": metadata.synthetic,
        "collection_years": list(metadata.collection_years),
        "latest_year": metadata.latest_year,
        "release": {
            "title": f"{metadata.title}: {metadata.latest_year}",
            "date": metadata.release_date,
            "version": version,
            "url": version_address(metadata, version),
            "citation": citation(metadata, version),
        },
        "symbols": dict(SYMBOLS),
        "inputs": metadata.input_summary(),
        "data_quality": list(metadata.data_quality),
        "resources": [resource_descriptor(r, folder) for r in resources],
    }
    if metadata.synthetic:
        descriptor["synthetic_build"] = {"seed": metadata.seed, "scale": metadata.scale}
    return descriptor


def descriptor_text(descriptor: dict[str, Any]) -> str:
    """Serialise a descriptor deterministically (sorted keys, 2-space indent, final newline)."""
    return json.dumps(descriptor, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def release_note_text(
    metadata: ReleaseMetadata, version: str, resources: list[ResourceFile], changes: str
) -> str:
    """``release-note.md``: contents, headline figures, suppression summary, citation."""
    lines = [f"# {metadata.title}: release {version}", ""]
    if metadata.synthetic:
        lines += [f"> **{SYNTHETIC_WARNING}**", ""]
    years = metadata.collection_years
    lines += [
        f"Released {metadata.release_date}. Collection years {years[0]} to {years[-1]} "
        f"(years ending 31 March); latest year {metadata.latest_year}.",
        "",
        metadata.description,
        "",
        "## What changed",
        "",
        changes,
        "",
    ]
    if metadata.headline_figures:
        lines += ["## Headline figures", ""]
        lines += [f"- {label}: {value}" for label, value in metadata.headline_figures]
        lines += [""]
    lines += ["## What the release contains", "", "| resource | rows | file |", "|---|---|---|"]
    lines += [f"| {r.title} (`{r.name}`) | {r.rows:,} | `{r.path}` |" for r in resources]
    lines += [
        "",
        "Also: `data/<table>.meta.csv` (Explore Education Statistics metadata for each table), "
        "`la/<old_la_code>.csv` (every local authority row of every table for one LA), "
        "`stability-index.xlsx` (main tables for England, regions and the latest year's LA "
        "totals) and `CHANGELOG.md`.",
        "",
        "## Symbols",
        "",
    ]
    lines += [f"- `{symbol}`: {meaning}" for symbol, meaning in SYMBOLS.items()]
    suppression = metadata.suppression_markdown.strip()
    if not suppression.startswith("#"):
        lines += ["", "## Suppression", ""]
    lines += ["", suppression or "No suppression summary was supplied.", ""]
    if metadata.data_quality:
        lines += ["## Data quality", ""]
        lines += [f"- {note}" for note in metadata.data_quality]
        lines += [""]
    lines += ["## How to cite", "", citation(metadata, version), ""]
    return "\n".join(lines)
