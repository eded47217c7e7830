"""The release archive: every published version, checked against ``versions.json``.

The archive is a folder outside the build (``--archive``, default ``datapackages/``)::

    <archive>/stability-index/versions.json      every version, newest first (see versions.py)
    <archive>/stability-index/<version>/          one frozen data package per version

Each ``versions.json`` entry records the sha256 of every file of its version (``files``) and
whether the version was built from synthetic data (``synthetic``). :func:`verify` checks every
version against those hashes before a build touches the archive, and names the first file
that changed, went missing or appeared. :func:`pack` writes a version as a reproducible zip
(with a ``.sha256`` file) for a GitHub release; :func:`restore` unpacks such zips into an
archive on a fresh machine and rebuilds ``versions.json`` from the entries they carry.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from pipeline.packaging import versions
from pipeline.packaging.metadata import PACKAGE_NAME

#: Every zip entry gets this timestamp, so packing the same version twice gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Files compared to decide whether two versions publish the same tables.
TABLE_FOLDERS = ("data", "la")


class ArchiveError(Exception):
    """The archive is not as ``versions.json`` recorded it, or a build may not enter it."""


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: Path) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every file under ``folder``, sorted by path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): sha256_of(p) for p in files}


def _check_version(package_root: Path, entry: dict[str, Any]) -> None:
    """Raise :class:`ArchiveError` naming the first file of a version that is not as recorded."""
    version = entry["version"]
    folder = package_root / version
    if not (folder / "datapackage.json").is_file():
        raise ArchiveError(
            f"version {version} is listed in {package_root / versions.VERSIONS_FILE} but "
            f"{folder / 'datapackage.json'} is missing: restore the version (see docs/releases.md)"
        )
    recorded = entry.get("files")
    if recorded is None:  # an entry written before file hashes were recorded
        recorded = {"datapackage.json": entry.get("datapackage_sha256", "")}
        actual = {"datapackage.json": sha256_of(folder / "datapackage.json")}
    else:
        actual = file_hashes(folder)
    for name in sorted(set(recorded) | set(actual)):
        detail = ""
        if name not in actual:
            problem = "is missing"
        elif name not in recorded:
            problem = "was added"
        elif actual[name] != recorded[name]:
            problem = "has changed"
            detail = f" (sha256 now {actual[name][:12]}..., recorded {recorded[name][:12]}...)"
        else:
            continue
        raise ArchiveError(
            f"{folder / name} {problem} since version {version} was released{detail}. "
            "Published versions never change: restore the file from the release (see "
            "docs/releases.md); to correct the data, release a new version with "
            "`stability-index release --bump patch`."
        )


def verify(package_root: Path) -> list[dict[str, Any]]:
    """Check every version of the archive; return the ``versions.json`` entries, oldest first.

    Raises :class:`ArchiveError` when a listed version's file changed, is missing or was
    added, or when a version folder is not listed in ``versions.json``.
    """
    entries = versions.read_versions(package_root)
    listed = {entry["version"] for entry in entries}
    for folder in versions.existing_versions(package_root):
        if folder not in listed:
            raise ArchiveError(
                f"{package_root / folder} is not listed in "
                f"{package_root / versions.VERSIONS_FILE}: a version folder enters the archive "
                "only through a build or `stability-index archive restore`"
            )
    ordered = sorted(entries, key=lambda e: versions.parse_version(e["version"]))
    for entry in ordered:
        _check_version(package_root, entry)
    return ordered


def check_kind(entries: list[dict[str, Any]], synthetic: bool, package_root: Path) -> None:
    """Refuse to put a synthetic build into an archive of real releases, and the reverse."""
    other = [e["version"] for e in entries if bool(e.get("synthetic", True)) != synthetic]
    if other:
        kind, held = ("synthetic", "real") if synthetic else ("real", "synthetic")
        raise ArchiveError(
            f"this build is {kind} but {package_root} holds {held} releases "
            f"({', '.join(other)}): {kind} packages never enter an archive of {held} ones. "
            "Use another --archive folder."
        )


def tables_identical(left: Path, right: Path) -> bool:
    """True when two version folders publish the same tables (``data/`` and ``la/`` bytes)."""

    def tables(folder: Path) -> dict[str, str]:
        return {
            name: digest
            for name, digest in file_hashes(folder).items()
            if name.split("/", 1)[0] in TABLE_FOLDERS
        }

    return tables(left) == tables(right)


def zip_name(version: str) -> str:
    """The release asset name of a version: ``stability-index-<version>.zip``."""
    return f"{PACKAGE_NAME}-{version}.zip"


def pack(package_root: Path, version: str, out_dir: Path) -> Path:
    """Write ``out_dir/stability-index-<version>.zip`` and its ``.sha256``; return the zip.

    The zip holds ``stability-index/<version>/...`` and ``stability-index/entries/<version>.json``
    (the version's ``versions.json`` entry). Entries are sorted and timestamped
    :data:`ZIP_TIME`, so the same version always packs to the same bytes.
    """
    entries = {e["version"]: e for e in verify(package_root)}
    if version not in entries:
        raise ArchiveError(f"version {version} is not in {package_root / versions.VERSIONS_FILE}")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / zip_name(version)
    folder = package_root / version
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in file_hashes(folder):
            info = zipfile.ZipInfo(f"{PACKAGE_NAME}/{version}/{name}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes())
        info = zipfile.ZipInfo(f"{PACKAGE_NAME}/entries/{version}.json", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        entry = json.dumps(entries[version], indent=2, sort_keys=True, ensure_ascii=False)
        archive.writestr(info, entry + "\n")
    checksum = path.with_name(path.name + ".sha256")
    checksum.write_text(f"{sha256_of(path)}  {path.name}\n", encoding="utf-8")
    return path


def _unpack(zip_path: Path, package_root: Path) -> dict[str, Any]:
    """Check a zip against its ``.sha256``, unpack its version; return its entry."""
    checksum = zip_path.with_name(zip_path.name + ".sha256")
    if not checksum.is_file():
        raise ArchiveError(f"{checksum} is missing: every release zip comes with its checksum")
    expected = checksum.read_text(encoding="utf-8").split()[0]
    if sha256_of(zip_path) != expected:
        raise ArchiveError(f"{zip_path} does not match its checksum {checksum.name}")
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        entry_names = [n for n in names if n.startswith(f"{PACKAGE_NAME}/entries/")]
        if len(entry_names) != 1:
            raise ArchiveError(f"{zip_path}: expected one {PACKAGE_NAME}/entries/<version>.json")
        entry = json.loads(archive.read(entry_names[0]))
        version = entry["version"]
        versions.parse_version(version)
        prefix = f"{PACKAGE_NAME}/{version}/"
        target = package_root / version
        scratch = Path(tempfile.mkdtemp(dir=package_root, prefix=f".restoring-{version}-"))
        try:
            for name in names:
                if name.endswith("/") or name in entry_names:
                    continue
                if not name.startswith(prefix) or ".." in Path(name).parts:
                    raise ArchiveError(f"{zip_path}: unexpected member {name!r}")
                out = scratch / name[len(prefix) :]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.read(name))
            if target.exists():
                if file_hashes(target) != file_hashes(scratch):
                    raise ArchiveError(f"{target} exists with other content than {zip_path}")
                shutil.rmtree(scratch)
            else:
                scratch.replace(target)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    return entry


def restore(zip_dir: Path, archive_root: Path) -> list[str]:
    """Unpack every ``stability-index-*.zip`` of ``zip_dir`` into the archive; return versions.

    Each zip is checked against its ``.sha256``; ``versions.json`` is rewritten with the
    entries of the archive and of the zips, and the whole archive is then verified.
    """
    package_root = Path(archive_root) / PACKAGE_NAME
    package_root.mkdir(parents=True, exist_ok=True)
    recorded = {e["version"]: e for e in versions.read_versions(package_root)}
    restored = []
    for zip_path in sorted(Path(zip_dir).glob(f"{PACKAGE_NAME}-*.zip")):
        entry = _unpack(zip_path, package_root)
        recorded[entry["version"]] = entry
        restored.append(entry["version"])
    text = versions.versions_document(list(recorded.values()))
    (package_root / versions.VERSIONS_FILE).write_text(text, encoding="utf-8", newline="\n")
    verify(package_root)
    return sorted(restored, key=versions.parse_version)
