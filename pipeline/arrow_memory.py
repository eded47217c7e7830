"""Which allocator Arrow takes its memory from while a step runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]


@contextmanager
def system_allocator() -> Iterator[None]:
    """Arrow's memory from the C library's allocator for the duration (also a decorator).

    Arrow's default allocator (mimalloc) gets fresh memory in 2 MB transparent huge pages; on
    a virtual machine that hands freed memory back to its host, faulting such a page in again
    costs far more system time than small pages (here about 7 s a GB against 0.5 s), and the
    steps that read the inputs, generate the synthetic England and compute the measures
    allocate and free gigabytes. Validating the scale-1 England took a median 9.2 s CPU with
    mimalloc and 7.3 s with this; generating it, 6-8 s of system time against 2.4-2.7 s.
    Each buffer frees into the pool that allocated it, so switching back is safe.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@contextmanager
def numpy_small_pages() -> Iterator[None]:
    """NumPy's new large arrays in ordinary 4 kB pages for the duration (also a decorator).

    NumPy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every
    allocation of 4 MB or more; on this kind of virtual machine a freshly faulted huge page
    costs several times the system time of the same memory in small pages (see
    :func:`system_allocator`). Converting the measures' Arrow results to pandas allocates
    about 1 GB of new arrays at scale 1: 3.8-4.7 s of system time with huge pages, 0.9-1.7 s
    without. The previous setting is put back afterwards (also when the step fails).
    """
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)
