"""Console output for the pipeline: one rich console, step logging with row counts."""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler

console = Console(stderr=True)
log = logging.getLogger("stability_index")


def configure(verbose: bool = False, quiet: bool = False) -> None:
    """Set the log level for the whole run: ``--verbose`` shows debug, ``--quiet`` only errors."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    log.handlers.clear()
    handler = RichHandler(console=console, show_path=False, show_time=False, markup=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


@contextmanager
def step(name: str, rows_in: int | None = None) -> Iterator[dict[str, int]]:
    """Time a pipeline step and log its row counts in and out.

    Use as ``with step("measures", rows_in=n) as counts: ...; counts["rows_out"] = m``.
    """
    counts: dict[str, int] = {}
    if rows_in is not None:
        counts["rows_in"] = rows_in
    started = time.perf_counter()
    usage_before = _usage()
    log.debug("%s: started", name)
    yield counts
    seconds = time.perf_counter() - started
    user, system, faults = (
        after - before for after, before in zip(_usage(), usage_before, strict=True)
    )
    log.debug(
        "%s: CPU %.1f s user + %.1f s system (this process and its finished children), "
        "%s minor page faults",
        name,
        user,
        system,
        f"{int(faults):,}",
    )
    parts = [f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items()]
    log.info("%s: %s (%.1f s)", name, ", ".join(parts) if parts else "done", seconds)


def _usage() -> tuple[float, float, float]:
    """User seconds, system seconds and minor page faults so far of this process and of its
    children that have been waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        own.ru_utime + children.ru_utime,
        own.ru_stime + children.ru_stime,
        float(own.ru_minflt + children.ru_minflt),
    )
