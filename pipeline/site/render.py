"""Render the site source (``site/``) into ``_site/``: Quarto when installed, else pandoc."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.logs import log
from pipeline.site.pandoc_renderer import copy_static, render_with_pandoc

SOURCE = "site"
OUTPUT = "_site"


def render(project_root: Path) -> str:
    """Render ``site/`` into ``_site/`` and build the search index; return the renderer used.

    Uses ``quarto render`` when ``quarto`` is on PATH (the ``_quarto.yml`` website project),
    otherwise the built-in pandoc renderer (``pypandoc-binary``), which writes the same
    layout (``_site/la/<code>-<slug>/index.html`` ...). Returns ``"quarto"`` or ``"pandoc"``.
    """
    project_root = Path(project_root)
    source, output = project_root / SOURCE, project_root / OUTPUT
    if not source.exists():
        raise FileNotFoundError(f"{source} not found: generate the pages first")
    started = time.perf_counter()
    if shutil.which("quarto"):
        renderer = "quarto"
        _render_with_quarto(project_root, output)
    else:
        renderer = "pandoc"
        render_with_pandoc(source, output)
    build_search_index(output)
    log.info(
        "render: %s renderer, %d HTML files in %s (%.1f s)",
        renderer,
        sum(1 for _ in output.rglob("*.html")),
        output,
        time.perf_counter() - started,
    )
    return renderer


def _render_with_quarto(project_root: Path, output: Path) -> None:
    """Run ``quarto render`` and move ``_site/site/*`` up to ``_site/``.

    Quarto keeps the source folder in output paths, so pages land in ``_site/site/``; moving
    them up keeps the addresses of the pandoc renderer. Relative links between pages move
    with them; links into Quarto's ``site_libs`` (one level up) are rewritten.
    """
    subprocess.run(["quarto", "render"], cwd=project_root, check=True)
    nested = output / SOURCE
    if not nested.exists():
        return
    for item in nested.iterdir():
        target = output / item.name
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        shutil.move(str(item), target)
    nested.rmdir()
    for page in output.rglob("*.html"):
        depth = len(page.relative_to(output).parts) - 1
        prefix = "../" * depth
        text = page.read_text(encoding="utf-8")
        fixed = re.sub(r'(["\'])(?:\.\./)+(site_libs/|search\.json)', rf"\g<1>{prefix}\g<2>", text)
        fixed = re.sub(r'(["\'])(site_libs/|search\.json)', rf"\g<1>{prefix}\g<2>", fixed)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
    copy_static(project_root / SOURCE, output)


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
