"""Render the assembled pages with real Quarto (``quarto render`` in ``_pages/``).

Quarto renders one page after another in one process, so on two cores about half the machine
is idle. The LA pages (most of the site) are therefore rendered in ``workers`` groups side by
side, after the other pages:

1. ``quarto render --profile rest`` in ``_pages/``: every page but the LA pages; it also
   copies the resources and Quarto's libraries into ``_site/``. Quarto resolves a ``.qmd`` link
   only to a page it renders in the same run, so other pages link to LA pages by their
   address (``la/<code>-<slug>/index.html``), which needs no resolving.
2. ``quarto render la --profile part`` in each of ``workers`` linked copies of ``_pages/``
   (``_pages-part<k>/``, beside it, so ``output-dir: ../_site`` is the same folder), each
   leaving out the other groups' LA pages. Each copy has its own ``.quarto/`` and libraries,
   so the processes share nothing but the output folder, where they write different pages.

Every page is still written by Quarto at its source path; nothing is moved or rewritten.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from pipeline.logs import log

#: Fewer LA pages than this are rendered in one process (starting Quarto costs seconds).
MIN_PAGES_TO_SPLIT = 40


class QuartoError(Exception):
    """Quarto failed (the message holds the end of its output)."""


def quarto_version() -> str:
    """The version ``quarto --version`` prints (``unknown`` when it prints nothing)."""
    result = subprocess.run(["quarto", "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def _start(pages: Path, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["quarto", "render", *arguments, "--quiet"],
        cwd=pages,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _arguments(process: subprocess.Popen[str]) -> list[str]:
    """The command line a process was started with, as text."""
    args = process.args
    if isinstance(args, list | tuple):
        return [str(arg) for arg in args]
    return [str(args)]


def _wait(processes: list[tuple[Path, subprocess.Popen[str]]], stage: str) -> None:
    """Wait for every process; log the stage's wall and CPU seconds; raise on any failure."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    failures = []
    for pages, process in processes:
        output, _ = process.communicate()
        if process.returncode != 0:
            failures.append(
                f"quarto render {' '.join(map(str, _arguments(process)[2:]))} in {pages}:\n"
                f"{(output or '').strip()[-3000:]}"
            )
    if failures:
        raise QuartoError("\n".join(failures))
    log.info(
        "render: quarto %s: %d process(es), %.1f s, %.1f s CPU",
        stage,
        len(processes),
        time.perf_counter() - started,
        _cpu_seconds() - cpu,
    )


def _write_profile(pages: Path, name: str, excluded: list[str]) -> None:
    """A Quarto profile that leaves ``excluded`` out of the project's pages."""
    # A leading "/" anchors a pattern at the project folder (else Quarto matches it anywhere).
    profile = {"project": {"render": [f"!/{pattern}" for pattern in excluded]}}
    (pages / f"_quarto-{name}.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")


def _linked_copy(pages: Path, target: Path) -> None:
    """Copy ``pages`` to ``target`` with hard links (Quarto only adds files, never edits)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        pages,
        target,
        copy_function=os.link,
        ignore=shutil.ignore_patterns(".quarto", "site_libs", "_quarto-*.yml"),
    )


def render_with_quarto(pages: Path, output: Path, workers: int = 2) -> int:
    """Render ``pages`` (``output-dir`` in its ``_quarto.yml`` is ``output``) with Quarto.

    Returns the number of HTML pages written; raises QuartoError when Quarto fails.
    """
    if output.exists():
        shutil.rmtree(output)
    la_pages = sorted(p.parent.relative_to(pages).as_posix() for p in pages.glob("la/*/index.qmd"))
    if workers < 2 or len(la_pages) < MIN_PAGES_TO_SPLIT:
        _wait([(pages, _start(pages))], "all pages")
        return sum(1 for _ in output.rglob("*.html"))
    _write_profile(pages, "rest", ["la/**"])
    try:
        _wait([(pages, _start(pages, "--profile", "rest"))], "pages other than LA pages")
    finally:
        (pages / "_quarto-rest.yml").unlink()
    groups = [la_pages[k::workers] for k in range(workers)]
    copies = [pages.with_name(f"{pages.name}-part{k}") for k in range(workers)]
    try:
        for k, copy in enumerate(copies):
            _linked_copy(pages, copy)
            others = [f"{page}/**" for j, group in enumerate(groups) if j != k for page in group]
            _write_profile(copy, "part", others)
        running = [(copy, _start(copy, "la", "--profile", "part")) for copy in copies]
        _wait(running, f"{len(la_pages)} LA pages in {workers} groups")
    finally:
        for copy in copies:
            shutil.rmtree(copy, ignore_errors=True)
    return sum(1 for _ in output.rglob("*.html"))
