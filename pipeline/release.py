"""``stability-index release``: build, check, and write a new version into the release archive.

A release builds the tables, compares them with the latest version in the archive
(:mod:`pipeline.packaging.changes`), refuses a bump smaller than the change needs (the
version recipe of CONVENTIONS.md) or a release that changes nothing, writes the new version
with its release note and changelog entry, records it in the archive's ledger
``<archive>/releases.json`` and prints what changed.

The ledger (:mod:`pipeline.packaging.ledger`) is kept in git, so the publish workflow, on a
fresh runner with the earlier versions restored, writes the same new version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from pipeline import logs
from pipeline.build import (
    BuildError,
    BuildInputs,
    build_site,
    check_archive,
    publishable,
    write_version,
)
from pipeline.packaging import versions
from pipeline.packaging.changes import ReleaseDiff, check_bump, diff_tables
from pipeline.packaging.ledger import LEDGER, record
from pipeline.packaging.metadata import PACKAGE_NAME


@dataclass
class ReleaseResult:
    """What a release wrote: the version folder, the change report and the site."""

    package_dir: Path
    diff: ReleaseDiff | None
    site_dir: Path | None = None
    renderer: str | None = None


def _changes_text(note: str, diff: ReleaseDiff | None) -> str:
    parts = [note.strip()] if note.strip() else []
    if diff is not None:
        parts.append(diff.summary())
    return "\n\n".join(parts) or "First release of the Stability Index data package."


def run_release(
    inputs: BuildInputs,
    *,
    bump: str,
    note: str,
    packages_root: Path,
    with_site: bool,
    project_root: Path,
    renderer: str = "auto",
) -> ReleaseResult:
    """Build, check the bump against the change, write the new version, record it."""
    if bump not in versions.BUMPS:
        raise BuildError(f"--bump {bump!r} is not one of {', '.join(versions.BUMPS)}")
    entries = check_archive(packages_root)
    published, metadata, _, _ = publishable(inputs, project_root)
    diff = None
    if entries:
        previous = packages_root / PACKAGE_NAME / entries[-1]["version"]
        diff = diff_tables(published, previous)
        try:
            check_bump(diff, bump)
        except ValueError as error:
            raise BuildError(str(error)) from error
    changes = _changes_text(note, diff)
    metadata = dataclasses.replace(metadata, changes=changes)
    first = not entries
    package_dir = write_version(
        published,
        metadata,
        packages_root,
        version=versions.FIRST_VERSION if first else None,
        bump=None if first else bump,
    )
    record(packages_root, package_dir.name, None if first else bump, changes)
    result = ReleaseResult(package_dir, diff)
    if with_site:
        result.site_dir = project_root / "_site"
        result.renderer = build_site(package_dir, project_root, renderer)
    return result


def print_release(result: ReleaseResult, packages_root: Path) -> None:
    """Print the released version and what changed against the previous one."""
    logs.console.print(f"Released version {result.package_dir.name}: {result.package_dir}")
    if result.diff is None:
        logs.console.print("First release: there is no earlier version to compare with.")
    else:
        logs.console.print(result.diff.report(), markup=False, highlight=False)
    logs.console.print(
        f"Recorded in {packages_root / LEDGER}: commit it and tag "
        f"v{result.package_dir.name} to publish (see docs/releases.md).",
        markup=False,
        highlight=False,
    )
