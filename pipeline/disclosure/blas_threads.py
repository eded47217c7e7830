"""Run numpy's linear algebra on one thread while the audit's many small solves run.

OpenBLAS starts a thread per core for each call; for thousands of small matrices on a shared
machine those threads mostly wait for each other (measured: the rank test of a 280,000-row
table took 48 s of wall time with the default threads and under 1 s of CPU on one thread).
:func:`one_blas_thread` sets numpy's bundled OpenBLAS to one thread and restores the previous
setting afterwards; where that library cannot be found it does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTERS = (
    "scipy_openblas_get_num_threads64_",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)


@cache
def _openblas() -> tuple[object, object] | None:
    """numpy's bundled OpenBLAS ``(set_num_threads, get_num_threads)``, or None."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("libscipy_openblas*.so*")) + sorted(
        folder.glob("libopenblas*.so*")
    ):
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        setter = next((getattr(library, n) for n in _SETTERS if hasattr(library, n)), None)
        getter = next((getattr(library, n) for n in _GETTERS if hasattr(library, n)), None)
        if setter is not None and getter is not None:
            return setter, getter
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, numpy's BLAS uses a single thread (best effort)."""
    functions = _openblas()
    if functions is None:
        yield
        return
    setter, getter = functions
    previous = int(getter())  # type: ignore[operator]
    setter(1)  # type: ignore[operator]
    try:
        yield
    finally:
        setter(previous)  # type: ignore[operator]
