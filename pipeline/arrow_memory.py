"""Which allocator Arrow takes its memory from while a step runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


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
