"""Render the assembled pages with real Quarto (``quarto render`` in ``_pages/``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class QuartoError(Exception):
    """Quarto failed (the message holds the end of its output)."""


def quarto_version() -> str:
    """The version ``quarto --version`` prints (``unknown`` when it prints nothing)."""
    result = subprocess.run(["quarto", "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def render_with_quarto(pages: Path, output: Path) -> int:
    """Run ``quarto render`` in ``pages`` (its ``_quarto.yml`` sets ``output-dir`` to ``output``).

    Quarto writes each page at its source path under ``output``; nothing is moved or rewritten
    afterwards. Returns the number of HTML pages written; raises QuartoError when Quarto fails.
    """
    if output.exists():
        shutil.rmtree(output)
    result = subprocess.run(
        ["quarto", "render", "--quiet"], cwd=pages, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise QuartoError(f"quarto render failed in {pages}:\n{result.stderr.strip()[-3000:]}")
    return sum(1 for _ in output.rglob("*.html"))
