"""Write a version of the data package: build in a temporary folder, validate, move into place.

A published version never changes. Building a version that exists gives a no-op when the new
bytes are identical and :class:`PackageExistsError` when they differ. A build that fails
validation raises :class:`PackageBuildError` and leaves no folder behind.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.disclosure import DisclosureError, audit_files
from pipeline.logs import log
from pipeline.packaging import archive, reference, schemas, versions
from pipeline.packaging import descriptor as descriptor_module
from pipeline.packaging.background import BackgroundWrite, BackgroundWriteError
from pipeline.packaging.csv_text import quoted_columns, write_quoted_csv
from pipeline.packaging.descriptor import ResourceFile
from pipeline.packaging.dictionary import rename_text, renames_since, to_ees
from pipeline.packaging.ees import meta_frame
from pipeline.packaging.extracts import extract_columns, write_la_files, write_spreadsheet
from pipeline.packaging.metadata import PACKAGE_NAME, ReleaseMetadata
from pipeline.packaging.validation import package_problems
from pipeline.published import PublishedTable

RESERVED_NAMES = {"geography", "measures"}
SPREADSHEET_FILE = "stability-index.xlsx"
AUDIT_FAILED = "disclosure audit of the package files failed"
FORBIDDEN_COLUMNS = {"child", "upn", "dob", "sw_id", "home_post", "pl_post", "postcode"}


class PackageExistsError(Exception):
    """The version exists with different bytes: published versions are immutable."""


class PackageBuildError(Exception):
    """The package failed validation; the message lists every problem. Nothing was written."""


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _check_table(table: PublishedTable) -> None:
    """Raise :class:`PackageBuildError` for a declared column missing from the frame or a
    child-level identifier column."""
    missing = [c for c in table.columns if c not in table.frame.columns]
    if missing:
        raise PackageBuildError(
            f"table {table.name!r}: column(s) {', '.join(missing)} declared but not in the frame"
        )
    identifiers = [c for c in table.frame.columns if c.lower() in FORBIDDEN_COLUMNS]
    if identifiers:
        raise PackageBuildError(
            f"table {table.name!r}: child-level identifier column(s) {identifiers} must never "
            "be published"
        )


def _check_tables(tables: dict[str, PublishedTable]) -> None:
    """Check every table (in name order) before anything is written: its name, that the name
    is not a package resource's, and :func:`_check_table`."""
    for name in sorted(tables):
        table = tables[name]
        if name != table.name:
            raise PackageBuildError(f"table passed as {name!r} is named {table.name!r}")
        if name in RESERVED_NAMES:
            raise PackageBuildError(f"table name {name!r} is reserved for a package resource")
        _check_table(table)


def table_cells(table: PublishedTable) -> pd.DataFrame:
    """The table's columns in publication order as text (blank for missing geography cells)."""
    _check_table(table)
    frame = table.frame[table.columns]
    return frame.astype("string").fillna("")


def _write_resources(
    tables: dict[str, PublishedTable], folder: Path, cells: dict[str, pd.DataFrame] | None = None
) -> list[ResourceFile]:
    """Write ``data/`` (the reference tables, every table's CSV and EES metadata); return the
    resources. ``cells`` holds tables' :func:`table_cells` when the caller has made them (each
    is taken out of it once written, so its memory can go). The callers have checked the
    tables (:func:`_check_tables`) before anything is written."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    geography = reference.geography_frame()
    _write_csv(geography, data_dir / "geography.csv")
    measures = reference.measures_frame()
    _write_csv(measures, data_dir / "measures.csv")
    resources = [
        ResourceFile(
            name="geography",
            title="Geography lookup",
            description="Every area of the index (England, 9 regions, 153 local authorities) "
            "with its codes, names and the address of its page on the website.",
            path="data/geography.csv",
            schema=schemas.string_schema(
                reference.GEOGRAPHY_COLUMNS,
                ["geographic_level", "region_code", "old_la_code"],
                {"geographic_level", "country_code", "country_name"},
            ),
            rows=len(geography),
        ),
        ResourceFile(
            name="measures",
            title="Measures dictionary",
            description="What each measure code means, its cohort, periods and polarity.",
            path="data/measures.csv",
            schema=schemas.string_schema(
                reference.MEASURE_COLUMNS, ["measure"], {"measure", "label", "polarity"}
            ),
            rows=len(measures),
        ),
    ]
    for name in sorted(tables):
        table = tables[name]
        text = cells.pop(name) if cells and name in cells else table_cells(table)
        quoted = quoted_columns(text)
        write_quoted_csv(quoted, list(table.columns), len(text), data_dir / f"{name}.csv")
        del text, quoted
        meta_path = None
        if table.ees:
            meta_path = f"data/{name}.meta.csv"
            _write_csv(meta_frame(table), folder / meta_path)
        resources.append(
            ResourceFile(
                name=name,
                title=table.title,
                description=table.description,
                path=f"data/{name}.csv",
                schema=schemas.table_schema(table),
                rows=len(table.frame),
                ees_metadata=meta_path,
            )
        )
    return resources


def _check(folder: Path) -> None:
    """Run the package gates on a built folder; raise :class:`PackageBuildError` listing problems."""
    problems = package_problems(folder)
    if problems:
        raise PackageBuildError(
            f"the package failed validation ({len(problems)} problem(s)):\n- "
            + "\n- ".join(problems[:50])
        )


def _audit(folder: Path, paths: list[Path] | None = None) -> None:
    """Run the disclosure file audit on every file of a built folder (or on ``paths`` in it)."""
    try:
        for path in [folder] if paths is None else paths:
            audit_files(path)
    except DisclosureError as error:
        raise PackageBuildError(f"{AUDIT_FAILED}: {error}") from error


def _write_la_files(
    tables: dict[str, PublishedTable],
    folder: Path,
    audit: bool,
    cells: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write the per-LA extracts and tidy files into ``folder`` (``la/``) (from the tables'
    :func:`table_cells` in ``cells`` where given); with ``audit``, run the disclosure file audit
    on them too (a failure raises ``RuntimeError`` naming it)."""
    try:
        write_la_files(tables, folder, cells)
    except ValueError as error:
        raise PackageBuildError(f"per-LA extracts: {error}") from error
    if audit:
        try:
            audit_files(folder)
        except DisclosureError as error:
            raise RuntimeError(f"{AUDIT_FAILED}: {error}") from error


def _same_tree(left: Path, right: Path) -> bool:
    """True when two folders hold the same relative file paths with the same bytes."""
    left_files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    right_files = sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    if left_files != right_files:
        return False
    return all(filecmp.cmp(left / p, right / p, shallow=False) for p in left_files)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _replace_text(path: Path, text: str) -> None:
    """Write a file atomically (a temporary file next to it, then ``os.replace``)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
    os.replace(temporary, path)


@dataclass(frozen=True)
class VersionContent:
    """What one version of the package is written from.

    Attributes:
        tables: the published tables, by name.
        metadata: the release metadata.
        version: the version written.
        changelog_entries: the history of versions up to this one (``versions.json`` entries).
        changes: what changed in this version, for the release note.
    """

    tables: dict[str, PublishedTable]
    metadata: ReleaseMetadata
    version: str
    changelog_entries: list[dict[str, Any]]
    changes: str


def _write_documents(content: VersionContent, folder: Path, resources: list[ResourceFile]) -> None:
    """Write ``CHANGELOG.md``, ``release-note.md`` and ``datapackage.json``."""
    metadata, version = content.metadata, content.version
    _write_text(folder / "CHANGELOG.md", versions.changelog_text(content.changelog_entries))
    _write_text(
        folder / "release-note.md",
        descriptor_module.release_note_text(metadata, version, resources, content.changes),
    )
    package = descriptor_module.package_descriptor(resources, folder, metadata, version)
    _write_text(folder / "datapackage.json", descriptor_module.descriptor_text(package))


def _check_extract_columns(tables: dict[str, PublishedTable]) -> None:
    try:
        extract_columns(tables)
    except ValueError as error:
        raise PackageBuildError(f"per-LA extracts: {error}") from error


def write_files(content: VersionContent, folder: Path) -> None:
    """Write every file of one version except the spreadsheet into an empty ``folder``.

    Nothing is validated here (:func:`write_package` runs the gates).
    """
    _check_tables(content.tables)
    _check_extract_columns(content.tables)
    resources = _write_resources(content.tables, folder)
    _write_la_files(content.tables, folder / "la", audit=False)
    _write_documents(content, folder, resources)


def _wait(background: BackgroundWrite, what: str) -> None:
    try:
        background.wait()
    except BackgroundWriteError as error:
        raise PackageBuildError(f"{what}: {error}") from error


def _build_and_validate(content: VersionContent, folder: Path) -> None:
    """Write every file (:func:`write_files` and the spreadsheet), then every gate
    (:func:`_check`, :func:`_audit`).

    Two writes run meanwhile in forked processes (see :mod:`pipeline.packaging.background`),
    so that both cores work: the spreadsheet, from the start, and the per-LA files with their
    disclosure audit, once every table's cells are text (:func:`table_cells`, made once for
    both: the child inherits them; this process drops each once its CSV is written). This
    process writes ``data/`` and the documents, runs the gates on them and audits the other
    files. The tables are checked first, so a table that cannot be written stops the build
    before any process starts. The files are the same bytes as :func:`write_files` writes.
    """
    tables = content.tables
    _check_tables(tables)
    _check_extract_columns(tables)
    spreadsheet = (tables, folder / SPREADSHEET_FILE, content.metadata, content.version)
    with BackgroundWrite(write_spreadsheet, *spreadsheet) as background:
        cells = {name: table_cells(tables[name]) for name in sorted(tables)}
        la = (tables, folder / "la", True, cells)
        with BackgroundWrite(_write_la_files, *la) as la_files:
            resources = _write_resources(tables, folder, cells)
            _write_documents(content, folder, resources)
            _check(folder)
            written = [
                p for p in sorted(folder.iterdir()) if p.name not in {"la", SPREADSHEET_FILE}
            ]
            _audit(folder, written)
            _wait(la_files, "per-LA files")
        _wait(background, "spreadsheet")
    _audit(folder, [folder / SPREADSHEET_FILE])


def _plan(
    package_root: Path, metadata: ReleaseMetadata, version: str | None, bump: str | None
) -> tuple[str, list[dict[str, Any]], str]:
    """Check the archive and choose the version: ``(version, history entries, changes)``."""
    try:
        entries = archive.verify(package_root)
        archive.check_kind(entries, metadata.synthetic, package_root)
    except archive.ArchiveError as error:
        raise PackageBuildError(str(error)) from error
    existing = [entry["version"] for entry in entries]
    try:
        chosen = versions.resolve_version(existing, version, bump)
    except ValueError as error:
        raise PackageBuildError(str(error)) from error
    recorded = {entry["version"]: entry for entry in entries}
    earlier = [v for v in existing if versions.parse_version(v) < versions.parse_version(chosen)]
    renamed = renames_since(package_root / earlier[-1]) if earlier and bump else []
    if renamed and bump != "major":
        raise PackageBuildError(
            f"--bump {bump} is too small: columns or filter items of version {earlier[-1]} are "
            "renamed to the EES data dictionary's names, a breaking change (--bump major)"
        )
    changes = (
        metadata.changes.strip()
        or recorded.get(chosen, {}).get("changes")
        or "\n\n".join(
            part
            for part in (
                versions.default_changes(chosen, earlier[-1] if earlier else None, bump),
                rename_text(renamed),
            )
            if part
        )
    )
    entry = {
        "version": chosen,
        "created": metadata.created,
        "date": metadata.release_date,
        "title": f"{metadata.title}: {metadata.latest_year}",
        "changes": changes,
        "synthetic": metadata.synthetic,
    }
    return chosen, [recorded[v] for v in earlier] + [entry], changes


def _keep_existing(scratch: Path, target: Path, package_root: Path) -> None:
    """A rebuilt version that exists: same bytes or same tables keep it; else refuse."""
    if _same_tree(scratch, target):
        log.info("package: version %s unchanged (%s)", target.name, target)
        return
    if archive.tables_identical(scratch, target):
        log.warning(
            "package: version %s keeps its published files: the tables are the same and only "
            "the metadata would differ (release a patch to publish a metadata correction)",
            target.name,
        )
        return
    if renames_since(target):
        raise PackageExistsError(
            f"version {target.name} already exists in {package_root} with the pipeline's own "
            "column and filter item names; this build publishes the EES data dictionary's "
            "names, a breaking change. Release a new major version: `stability-index release "
            "--bump major` (or `stability-index build --bump major`); the changelog lists every "
            "rename."
        )
    raise PackageExistsError(
        f"version {target.name} already exists in {package_root} with different tables, and "
        "published versions never change. Release a new version instead, e.g. "
        "`stability-index release --bump patch` (a correction) or `--bump minor` (new data); "
        "`stability-index build --bump patch` does the same without the change report."
    )


def write_package(
    tables: dict[str, PublishedTable],
    root: Path,
    metadata: ReleaseMetadata,
    version: str | None = None,
    bump: str | None = None,
    *,
    only_if_tables_changed: bool = False,
) -> Path:
    """Write ``root/stability-index/<version>/`` and return that folder.

    ``root`` is the release archive (see :mod:`pipeline.packaging.archive`): every version
    in it is checked against ``versions.json`` first, and a synthetic build never enters an
    archive of real releases (nor the reverse); both raise :class:`PackageBuildError`.
    ``bump`` (``patch``, ``minor``, ``major``) writes the latest version raised by one step;
    ``version`` writes that version; with neither, the latest version is rebuilt (1.0.0 when
    none exists). An existing version with identical bytes (or identical tables) is left
    alone; with different tables :class:`PackageExistsError` is raised. With
    ``only_if_tables_changed``, a new version whose tables equal the latest version's is not
    written and the latest version's folder is returned. The folder is built and validated
    (Frictionless, EES checks, the disclosure file audit when available) in a temporary folder
    and moved into place only when every check passes. The tables are published with the EES
    data dictionary's names (:func:`pipeline.packaging.dictionary.to_ees`).
    """
    tables = {name: to_ees(table) for name, table in tables.items()}
    package_root = Path(root) / PACKAGE_NAME
    package_root.mkdir(parents=True, exist_ok=True)
    chosen, history, changes = _plan(package_root, metadata, version, bump)
    latest = package_root / history[-2]["version"] if len(history) > 1 else None
    target = package_root / chosen
    existed = target.exists()
    scratch = Path(tempfile.mkdtemp(dir=package_root, prefix=f".building-{chosen}-"))
    try:
        _build_and_validate(VersionContent(tables, metadata, chosen, history, changes), scratch)
        if existed:
            _keep_existing(scratch, target, package_root)
            shutil.rmtree(scratch)
            return target
        unchanged = latest is not None and archive.tables_identical(scratch, latest)
        if only_if_tables_changed and latest is not None and unchanged:
            shutil.rmtree(scratch)
            log.info("package: the tables equal version %s's, no new version", latest.name)
            return latest
        os.replace(scratch, target)
        log.info("package: version %s written to %s", chosen, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    digest = hashlib.sha256((target / "datapackage.json").read_bytes()).hexdigest()
    entry = {
        **history[-1],
        "datapackage_sha256": digest,
        "path": f"{chosen}/datapackage.json",
        "files": archive.file_hashes(target),
    }
    recorded = {e["version"]: e for e in versions.read_versions(package_root)}
    recorded[chosen] = entry
    _replace_text(
        package_root / versions.VERSIONS_FILE, versions.versions_document(list(recorded.values()))
    )
    return target
