"""Where the website's sources, assembled pages and output live in a project folder.

- ``site/``: the hand-written sources (``_quarto.yml``, pages, styles, scripts). A build never
  writes here.
- ``_pages/``: the Quarto project a build assembles: a copy of ``site/`` plus every page
  generated from the data package, each at the path of its final address
  (``la/<new_la_code>-<slug>/index.qmd`` becomes ``la/<new_la_code>-<slug>/index.html``).
- ``_site/``: the rendered website (``output-dir: ../_site`` in ``_quarto.yml``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

SOURCE = "site"
PAGES = "_pages"
OUTPUT = "_site"
#: Left out when the hand-written sources are copied (Quarto's and editors' own files).
SKIPPED = (".quarto", ".gitignore", "__pycache__", "*.swp")


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
