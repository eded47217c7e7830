"""The release ledger ``<archive>/releases.json``: every release, its bump and changelog text.

The ledger is small and kept in git (``datapackages/releases.json``). ``stability-index
release`` records each release in it; on a fresh machine with the earlier versions restored,
``stability-index build`` writes a release the ledger lists but the archive does not hold yet
(:func:`pending`), with the same changelog text, so the publish workflow makes the version
the maintainer released (see docs/releases.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.packaging import versions

LEDGER = "releases.json"


def read_ledger(archive_root: Path) -> list[dict[str, Any]]:
    """The releases recorded in ``<archive>/releases.json``, oldest first (empty when none)."""
    path = Path(archive_root) / LEDGER
    if not path.exists():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = list(document.get("releases", []))
    for entry in entries:
        versions.parse_version(str(entry.get("version", "")))
    return sorted(entries, key=lambda e: versions.parse_version(e["version"]))


def record(archive_root: Path, version: str, bump: str | None, changes: str) -> Path:
    """Add (or replace) a release in the ledger; return the ledger's path."""
    entries = {e["version"]: e for e in read_ledger(archive_root)}
    entries[version] = {"version": version, "bump": bump, "changes": changes}
    ordered = sorted(entries.values(), key=lambda e: versions.parse_version(e["version"]))
    path = Path(archive_root) / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"releases": ordered}, indent=2, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")
    return path


def pending(archive_root: Path, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest ledger release newer than every version in the archive, if any."""
    published = [versions.parse_version(e["version"]) for e in entries]
    newest = max(published) if published else None
    waiting = [
        e
        for e in read_ledger(archive_root)
        if newest is None or versions.parse_version(e["version"]) > newest
    ]
    return waiting[-1] if waiting else None
