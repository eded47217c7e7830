"""Package versions: semver parsing and bumping, ``versions.json`` and the changelog.

``root/stability-index/versions.json`` lists every published version, newest first::

    {"name": "stability-index", "latest": "1.1.0",
     "versions": [{"version": "1.1.0", "created": "2024-11-30T00:00:00Z", "date": "2024-11-30",
                   "title": "...", "path": "1.1.0/datapackage.json",
                   "datapackage_sha256": "...", "changes": "..."}, ...]}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
BUMPS = ("patch", "minor", "major")
FIRST_VERSION = "1.0.0"
VERSIONS_FILE = "versions.json"


def parse_version(text: str) -> tuple[int, int, int]:
    """Parse ``MAJOR.MINOR.PATCH``; raise ``ValueError`` naming the rule otherwise."""
    match = SEMVER.match(text)
    if not match:
        raise ValueError(f"version {text!r} is not semver MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bump_version(version: str, bump: str) -> str:
    """Return ``version`` raised by one ``patch``, ``minor`` or ``major`` step."""
    major, minor, patch = parse_version(version)
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "major":
        return f"{major + 1}.0.0"
    raise ValueError(f"bump {bump!r} is not one of {', '.join(BUMPS)}")


def existing_versions(package_root: Path) -> list[str]:
    """Every version folder under ``package_root`` (with a datapackage.json), oldest first."""
    if not package_root.is_dir():
        return []
    found = []
    for child in package_root.iterdir():
        if child.is_dir() and SEMVER.match(child.name) and (child / "datapackage.json").exists():
            found.append(child.name)
    return sorted(found, key=parse_version)


def resolve_version(existing: list[str], version: str | None, bump: str | None) -> str:
    """Choose the version to write.

    ``bump`` writes latest + bump (1.0.0 when nothing exists); an explicit ``version`` is used
    as given; with neither, the latest version is rebuilt (1.0.0 when nothing exists).
    """
    if version is not None and bump is not None:
        raise ValueError("give either a version or a bump, not both")
    if version is not None:
        parse_version(version)
        return version
    if bump is not None:
        if bump not in BUMPS:
            raise ValueError(f"bump {bump!r} is not one of {', '.join(BUMPS)}")
        return bump_version(existing[-1], bump) if existing else FIRST_VERSION
    return existing[-1] if existing else FIRST_VERSION


def read_versions(package_root: Path) -> list[dict[str, Any]]:
    """The entries of ``versions.json`` (empty when there is none)."""
    path = package_root / VERSIONS_FILE
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["versions"])


def versions_document(entries: list[dict[str, Any]]) -> str:
    """The text of ``versions.json``: one entry per version, newest first, sorted keys."""
    by_version = {entry["version"]: entry for entry in entries}
    ordered = [by_version[v] for v in sorted(by_version, key=parse_version, reverse=True)]
    latest = ordered[0]["version"] if ordered else None
    document = {"name": "stability-index", "latest": latest, "versions": ordered}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def default_changes(version: str, previous: str | None, bump: str | None) -> str:
    """The changelog text used when the release metadata gives none."""
    if previous is None:
        return "First release of the Stability Index data package."
    kind = {"patch": "Correction", "minor": "Update", "major": "Breaking change"}.get(
        bump or "", "New version"
    )
    return f"{kind} release following {previous}."


def changelog_text(entries: list[dict[str, Any]]) -> str:
    """``CHANGELOG.md``: every version up to this one, newest first, with what changed."""
    ordered = sorted(entries, key=lambda e: parse_version(e["version"]), reverse=True)
    lines = [
        "# Changelog: stability-index data package",
        "",
        "Every published version, newest first. Published versions never change; a correction "
        "is a new version (PATCH: corrected values or metadata; MINOR: a new year of data or a "
        "new resource; MAJOR: renamed, removed or retyped fields).",
        "",
    ]
    for entry in ordered:
        lines += [f"## {entry['version']} ({entry['created'][:10]})", "", entry["changes"], ""]
    return "\n".join(lines)
