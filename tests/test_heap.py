"""pipeline.heap: free heap pages given back to the system (glibc only).

Each check runs in a fresh Python process: the heap's state is process-wide, and the
resident size of a test process that has run other tests says little.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pipeline.heap import MALLOC_TRIM

glibc_only = pytest.mark.skipif(
    MALLOC_TRIM is None or not sys.platform.startswith("linux"),
    reason="malloc_trim is glibc's",
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
