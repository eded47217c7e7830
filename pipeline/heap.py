"""The C heap between the build's steps: large blocks mapped on their own, free pages returned.

glibc keeps most of the memory a process frees. Blocks below its mmap threshold come from its
heaps, and a freed block stays mapped (and counted in the resident set) until ``malloc_trim``
hands its pages back; the threshold itself rises (up to 32 MB) each time a mapped block is freed,
so after a few large arrays nearly every column of a scale-1 frame lands in the heap. The build
allocates and frees gigabytes (Arrow buffers on the system allocator, NumPy arrays, Python
objects), and each step started on top of what the previous ones left: at scale 1 the heap held
800 MB of free pages after aggregation and 600 MB after disclosure control.

:func:`map_large_blocks` fixes the threshold at 1 MB for the process (a block of 1 MB or more
that the heap's free space cannot hold is then a mapping of its own, returned to the system
when freed, instead of growing the heap) and :func:`release_free_heap` trims the heaps where
the build has just freed a lot. Neither touches memory in use, so results do not change; both
are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

#: ``mallopt`` parameter number of the mmap threshold (glibc's ``M_MMAP_THRESHOLD``).
M_MMAP_THRESHOLD = -3
#: Blocks of this many bytes or more get mappings of their own (:func:`map_large_blocks`).
LARGE_BLOCK_BYTES = 1 << 20


def _libc_function(name: str) -> Callable[..., Any] | None:
    """A function of the C library by name, or None where it has none (macOS, musl)."""
    try:
        return getattr(ctypes.CDLL(None), name, None)
    except OSError:
        return None


MALLOC_TRIM = _libc_function("malloc_trim")
MALLOPT = _libc_function("mallopt")


def release_free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc keeps them otherwise)."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


def map_large_blocks(threshold: int = LARGE_BLOCK_BYTES) -> bool:
    """Give blocks of ``threshold`` bytes or more mappings of their own when the heap's free
    space cannot hold them (glibc otherwise grows the heap for blocks up to its threshold,
    which rises by itself up to 32 MB). Such a block goes back to the system as soon as it is
    freed. Process-wide; returns True when the threshold was set.
    """
    if MALLOPT is None:
        return False
    return bool(MALLOPT(M_MMAP_THRESHOLD, threshold))
