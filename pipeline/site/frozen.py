"""Frozen versions: every published version keeps its pages at ``v/<version>/``, never changed.

When a version's site is rendered for the first time, its pages are copied into the page
archive beside the data packages (``<packages>/stability-index/pages/<version>/``), each HTML
page with a banner saying which version it is and linking to the latest. A version already in
the archive is never written again, so later builds (a correction ``1.0.1``, a new year
``1.1.0``) publish the older versions' pages byte for byte as they were first built. Every
archived version is then copied into the site at ``v/<version>/``.

The copy leaves out what is kept once for all versions (the package downloads, the JSON API,
which is itself versioned and whose documents are kept in ``<packages>/stability-index/api/``
by :mod:`pipeline.site.api`, the search index and older frozen versions); links from a frozen
page to the downloads or the API go to the site's copy.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from html import escape
from pathlib import Path

from pipeline.logs import log
from pipeline.site.package import SitePackage

FROZEN_FOLDER = "v"
ARCHIVE_FOLDER = "pages"
#: Top-level items of ``_site`` that are not copied into a frozen version.
LEFT_OUT = {FROZEN_FOLDER, "downloads", "api", "pagefind", ".build-stamp", "search.json"}
#: Links into the items kept once for all versions: rewritten to climb out of ``v/<version>/``.
#: Quarto writes a link from a top-level page as ``./api/...``; the built-in renderer ``api/...``.
SHARED_LINK = re.compile(
    r'((?:href|src|data-api)=")((?:\./)?(?:\.\./)*)(downloads/|api/|pagefind/|search\.json|v/\d)'
)
MAIN_OPEN = re.compile(r"<main\b[^>]*>")


def banner(version: str, date: str, to_root: str) -> str:
    """The banner of a frozen page: which version, when, and a link to the latest."""
    when = f", as published on {escape(date)}" if date else ""
    return (
        '<div class="frozen-banner" role="note" aria-label="Earlier version">'
        f"<p><strong>Version {escape(version)}</strong>{when}. These pages are kept exactly as "
        "they were published and are never changed; the figures may have been revised since. "
        f'<a href="{to_root}">See the latest version of the Stability Index</a>.</p></div>'
    )


def freeze_page(html: str, version: str, date: str, depth: int) -> str:
    """One page of a frozen version: the banner after ``<main>``, shared links re-pointed.

    ``depth`` is the number of folders between the version's root and the page.
    """
    climb = "../" * 2  # out of v/<version>/
    html = SHARED_LINK.sub(lambda m: f"{m.group(1)}{m.group(2)}{climb}{m.group(3)}", html)
    to_root = "../" * (depth + 2)
    match = MAIN_OPEN.search(html)
    if match is None:
        return html
    return html[: match.end()] + banner(version, date, to_root) + html[match.end() :]


def archive_once(archive: Path, version: str, fill: Callable[[Path], None]) -> bool:
    """Make ``archive/<version>/`` by ``fill(folder)`` unless it is there already.

    Returns True when it was made now, False when it already was (it is then left exactly as
    it is). ``fill`` writes into a temporary folder that is renamed when it is done, so an
    interrupted build leaves no half-written version. Used for the frozen pages
    (:func:`archive_version`) and the kept API documents (``api.archive_api``).
    """
    target = archive / version
    if target.exists():
        return False
    staging = archive / f".{version}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    fill(staging)
    staging.rename(target)
    return True


def archive_version(site_out: Path, archive: Path, version: str, date: str) -> bool:
    """Copy the rendered site of ``version`` into ``archive/<version>/`` unless it is there.

    Returns True when the version was archived now, False when it already was (its pages are
    then left exactly as they are; see :func:`archive_once`).
    """

    def freeze_into(staging: Path) -> None:
        for path in sorted(site_out.rglob("*")):
            relative = path.relative_to(site_out)
            if relative.parts[0] in LEFT_OUT or path.is_dir():
                continue
            out = staging / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".html":
                text = path.read_text(encoding="utf-8")
                depth = len(relative.parts) - 1
                out.write_text(freeze_page(text, version, date, depth), encoding="utf-8")
            else:
                shutil.copy2(path, out)

    if not archive_once(archive, version, freeze_into):
        return False
    log.info("frozen: version %s archived in %s", version, archive / version)
    return True


def archived_versions(archive: Path) -> list[str]:
    """The versions whose pages are in the archive."""
    if not archive.exists():
        return []
    return sorted(p.name for p in archive.iterdir() if p.is_dir() and not p.name.startswith("."))


def publish_frozen(archive: Path, site_out: Path) -> list[str]:
    """Copy every archived version into ``site_out/v/<version>/`` (bytes unchanged)."""
    versions = archived_versions(archive)
    folder = site_out / FROZEN_FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    for version in versions:
        shutil.copytree(archive / version, folder / version)
    return versions


def keep_versions(package_dir: Path, site_out: Path, version: str, date: str) -> list[str]:
    """Archive this version's rendered pages (first build only) and publish every version.

    The archive is ``<package_dir>/../pages/``; returns the versions published under ``v/``.
    """
    archive = Path(package_dir).parent / ARCHIVE_FOLDER
    archive_version(site_out, archive, version, date)
    return publish_frozen(archive, site_out)


def keep_package_versions(package_dir: Path, site_out: Path) -> list[str]:
    """The build's "versions" step, after rendering: :func:`keep_versions` for the package.

    Both renderers' sites go through it, so each serves every archived version under ``v/``.
    """
    package = SitePackage.open(package_dir)
    return keep_versions(package_dir, site_out, package.version, package.release_date)
