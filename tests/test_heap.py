"""pipeline.heap: free heap pages given back, large blocks mapped on their own (glibc only).

Each check runs in a fresh Python process: the allocator settings are process-wide, and the
resident size of a test process that has run other tests says little.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pipeline.heap import MALLOC_TRIM, MALLOPT

glibc_only = pytest.mark.skipif(
    MALLOC_TRIM is None or MALLOPT is None or not sys.platform.startswith("linux"),
    reason="malloc_trim and mallopt are glibc's",
)


def run_python(code: str) -> str:
    """Run ``code`` in a new interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@glibc_only
def test_release_free_heap_returns_freed_blocks_below_a_live_one() -> None:
    # 200 blocks of 1 MB are taken from the heap (the mmap threshold is raised past them
    # first), every block but the last is freed: glibc keeps those pages resident, because
    # the live block above them stops it trimming the heap's top. The trim gives them back.
    printed = run_python(
        """
        from pipeline.heap import release_free_heap

        def resident_mb():
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) // 1024

        del_me = bytearray(8 << 20)
        del del_me  # freeing a mapped 8 MB block raises the mmap threshold to 8 MB
        blocks = [bytearray(1 << 20) for _ in range(200)]
        last = blocks.pop()
        blocks.clear()
        before = resident_mb()
        release_free_heap()
        print(before - resident_mb(), len(last))
        """
    )
    returned_mb, kept = (int(value) for value in printed.split())
    assert kept == 1 << 20
    assert returned_mb >= 150


@glibc_only
def test_map_large_blocks_serves_large_allocations_from_their_own_mappings() -> None:
    # After a mapped 16 MB block is freed, glibc raises its threshold and grows its heap for a
    # 4 MB block; with map_large_blocks (1 MB), a block larger than the heap's free space
    # (12 MB) is a mapping of its own instead.
    printed = run_python(
        """
        import ctypes

        from pipeline.heap import map_large_blocks

        class MallInfo(ctypes.Structure):
            _fields_ = [(name, ctypes.c_int) for name in
                        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks "
                        "fordblks keepcost".split()]

        mallinfo = ctypes.CDLL(None).mallinfo
        mallinfo.restype = MallInfo

        def mapped_growth(size):
            before = mallinfo().hblkhd
            block = bytearray(size)
            grown = mallinfo().hblkhd - before
            del block
            return grown

        del_me = bytearray(16 << 20)
        del del_me
        default = mapped_growth(4 << 20)
        print(map_large_blocks(1 << 20), default, mapped_growth(12 << 20))
        """
    )
    was_set, default, mapped = printed.split()
    assert was_set == "True"
    assert int(default) == 0
    assert int(mapped) >= 12 << 20
