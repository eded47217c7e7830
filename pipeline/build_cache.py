"""A content-hashed cache so a second build with unchanged inputs reuses earlier work.

The key of the published tables is the sha256 of every input file (path and bytes), the
options that change results, and the source code of the pipeline itself, so editing either the
data or the code invalidates it. The site is re-rendered only when the package it is built
from, or the site's own sources, change.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

PIPELINE_ROOT = Path(__file__).resolve().parent
CACHE_FORMAT = 1


def _hash_files(digest: Any, root: Path, paths: list[Path]) -> None:
    for path in paths:
        digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")


def code_digest() -> str:
    """sha256 of the pipeline's Python sources and shipped tables."""
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in PIPELINE_ROOT.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".csv", ".j2", ".md", ".css", ".html", ".js", ".json"}
    )
    _hash_files(digest, PIPELINE_ROOT, files)
    return digest.hexdigest()


def inputs_key(input_dir: Path, options: dict[str, Any]) -> str:
    """The cache key of the published tables built from ``input_dir`` with ``options``."""
    digest = hashlib.sha256()
    digest.update(f"format {CACHE_FORMAT}\0{sorted(options.items())}\0{code_digest()}\0".encode())
    files = sorted(p for p in input_dir.rglob("*") if p.is_file())
    _hash_files(digest, input_dir, files)
    return digest.hexdigest()


def load_tables(cache_dir: Path, key: str) -> Any | None:
    """Return what :func:`save_tables` stored under ``key``, or None."""
    path = cache_dir / f"{key}.pickle"
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def save_tables(cache_dir: Path, key: str, value: Any) -> None:
    """Store ``value`` under ``key``, replacing older entries (one build is kept)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("*.pickle"):
        old.unlink()
    temporary = cache_dir / f"{key}.pickle.tmp"
    with temporary.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(cache_dir / f"{key}.pickle")


def package_fingerprint(package_dir: Path) -> str:
    """sha256 of every file of a written package (relative path and bytes)."""
    digest = hashlib.sha256()
    _hash_files(digest, package_dir, sorted(p for p in package_dir.rglob("*") if p.is_file()))
    return digest.hexdigest()


def save_package_stamp(cache_dir: Path, key: str, package_dir: Path) -> None:
    """Record that the tables cached under ``key`` were written to ``package_dir``."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("*.package.json"):
        old.unlink()
    stamp = {"package_dir": str(package_dir.resolve()), "files": package_fingerprint(package_dir)}
    (cache_dir / f"{key}.package.json").write_text(json.dumps(stamp), encoding="utf-8")


def reusable_package(cache_dir: Path, key: str, packages_root: Path) -> Path | None:
    """The package written from the tables cached under ``key``, if it is still intact.

    Intact: under ``packages_root``, every file byte for byte as written (the fingerprint is
    recomputed, so an edited or deleted file means the package is written again).
    """
    path = cache_dir / f"{key}.package.json"
    if not path.exists():
        return None
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
        package_dir = Path(stamp["package_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not package_dir.is_dir() or packages_root.resolve() not in package_dir.parents:
        return None
    if package_fingerprint(package_dir) != stamp.get("files"):
        return None
    return package_dir


def site_key(package_dir: Path, project_root: Path) -> str:
    """The key of a rendered site: its package's descriptor and every hand-written site source.

    ``site/`` holds only hand-written sources (a build writes its pages into ``_pages/``).
    """
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update((package_dir / "datapackage.json").read_bytes())
    versions = package_dir.parent / "versions.json"
    if versions.exists():
        digest.update(versions.read_bytes())
    site = project_root / "site"
    sources = sorted(
        p for p in site.rglob("*") if p.is_file() and ".quarto" not in p.relative_to(site).parts
    )
    _hash_files(digest, project_root, sources)
    return digest.hexdigest()
