"""Render the assembled pages (``_pages/``) into ``_site/``: real Quarto or the built-in pandoc renderer.

Both renderers read ``_pages/_quarto.yml`` and write every page at the address its source path
gives (``_pages/la/<code>-<slug>/index.qmd`` -> ``_site/la/<code>-<slug>/index.html``); the
output is never moved and no link is rewritten. Then pagefind indexes ``_site/`` for search.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.logs import log
from pipeline.site.layout import OUTPUT, PAGES
from pipeline.site.pandoc_renderer import render_with_pandoc
from pipeline.site.quarto_renderer import quarto_version, render_with_quarto

RENDERERS = ("auto", "quarto", "pandoc")
#: The include that tells readers of the about page which renderer made the site.
RENDERER_NOTE = Path("_generated") / "renderer.md"


class RendererError(Exception):
    """The renderer asked for cannot be used (the message says why)."""


def choose_renderer(requested: str = "auto") -> str:
    """``quarto`` or ``pandoc`` for ``requested`` (``auto``: Quarto when ``quarto`` is on PATH)."""
    if requested not in RENDERERS:
        raise RendererError(f"unknown renderer {requested!r}: use one of {', '.join(RENDERERS)}")
    if requested == "auto":
        return "quarto" if shutil.which("quarto") else "pandoc"
    if requested == "quarto" and not shutil.which("quarto"):
        raise RendererError(
            "--renderer quarto: `quarto` is not on PATH (install it from https://quarto.org, "
            "or use --renderer pandoc)"
        )
    return requested


def render(project_root: Path, renderer: str = "auto") -> str:
    """Render ``_pages/`` into ``_site/`` and build the search index; return the renderer used.

    ``renderer`` is ``quarto``, ``pandoc`` or ``auto`` (Quarto when on PATH, else the built-in
    pandoc renderer). Returns ``"quarto"`` or ``"pandoc"``.
    """
    project_root = Path(project_root)
    pages, output = project_root / PAGES, project_root / OUTPUT
    if not (pages / "_quarto.yml").exists():
        raise FileNotFoundError(f"{pages / '_quarto.yml'} not found: assemble the pages first")
    chosen = choose_renderer(renderer)
    version = quarto_version() if chosen == "quarto" else "built-in pandoc renderer"
    write_renderer_note(pages, chosen, version)
    started = time.perf_counter()
    if chosen == "quarto":
        render_with_quarto(pages, output)
    else:
        render_with_pandoc(pages, output)
    build_search_index(output)
    log.info(
        "render: %s renderer (%s), %d HTML files in %s (%.1f s)",
        chosen,
        version,
        sum(1 for _ in output.rglob("*.html")),
        output,
        time.perf_counter() - started,
    )
    return chosen


def write_renderer_note(pages: Path, renderer: str, version: str) -> Path:
    """Write the sentence the about page includes about which renderer made the site."""
    if renderer == "quarto":
        text = f"This website was rendered with [Quarto](https://quarto.org) {version}."
    else:
        text = (
            "This website was rendered with the publication system's built-in renderer "
            "(pandoc), used when Quarto is not installed."
        )
    path = pages / RENDERER_NOTE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def build_search_index(output: Path) -> bool:
    """Build the offline search index with pagefind (``_site/pagefind/``).

    Returns False (and logs a warning) when pagefind is not installed: the site then works
    without search.
    """
    command = [sys.executable, "-m", "pagefind", "--site", str(output), "--silent"]
    env = {**os.environ, "PAGEFIND_SITE": str(output)}
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        log.warning("render: search index not built (pagefind: %s)", detail.strip()[:300])
        return False
    return True
