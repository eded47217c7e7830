"""Where the website's sources, assembled pages and output live in a project folder.

- ``site/``: the hand-written sources (``_quarto.yml``, pages, styles, scripts). A build never
  writes here.
- ``_pages/``: the Quarto project a build assembles: a copy of ``site/`` plus every page
  generated from the data package, each at the path of its final address
  (``la/<new_la_code>-<slug>/index.qmd`` becomes ``la/<new_la_code>-<slug>/index.html``).
- ``_site/``: the rendered website (``output-dir: ../_site`` in ``_quarto.yml``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SOURCE = "site"
PAGES = "_pages"
OUTPUT = "_site"
#: Left out when the hand-written sources are copied (Quarto's and editors' own files).
SKIPPED = (".quarto", ".gitignore", "__pycache__", "*.swp")


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Put a file at ``target`` as a hard link to ``source``, or a copy where linking fails
    (another file system, a file system without hard links).

    For build products that are never edited in place (package files, generated pages and
    resources): a link is a regular file for everything that reads, serves or uploads the site,
    so ``_site/`` stays self-contained, and no bytes are copied (the package alone is hundreds
    of megabytes). Whatever rewrites such a file must replace it, not write into it.
    """
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def assemble_pages(project_root: Path) -> Path:
    """Empty ``_pages/`` and copy the hand-written ``site/`` into it; return ``_pages/``.

    Page generation then writes the generated pages beside the copies, so the hand-written
    folder is only ever read.
    """
    source, pages = Path(project_root) / SOURCE, Path(project_root) / PAGES
    if not (source / "_quarto.yml").exists():
        raise FileNotFoundError(f"{source / '_quarto.yml'} not found: the site sources are missing")
    if pages.exists():
        shutil.rmtree(pages)
    shutil.copytree(source, pages, ignore=shutil.ignore_patterns(*SKIPPED))
    return pages
