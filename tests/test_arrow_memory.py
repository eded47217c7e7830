"""Arrow's allocator switch used by the memory-heavy steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from numpy._core.multiarray import _set_madvise_hugepage

from pipeline.arrow_memory import numpy_small_pages, system_allocator


def _numpy_asks_for_huge_pages() -> bool:
    """NumPy's current setting (read by setting it and putting it back)."""
    current = _set_madvise_hugepage(False)
    _set_madvise_hugepage(current)
    return bool(current)


def test_the_system_allocator_is_used_inside_and_the_previous_pool_restored() -> None:
    before = pa.default_memory_pool().backend_name
    with system_allocator():
        assert pa.default_memory_pool().backend_name == "system"
        array = pa.array(range(1000))
    assert pa.default_memory_pool().backend_name == before
    assert array.sum().as_py() == sum(range(1000))  # freed later into its own pool


def test_the_pool_is_restored_when_the_step_fails() -> None:
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), system_allocator():
        raise RuntimeError("step failed")
    assert pa.default_memory_pool().backend_name == before


def test_the_synthetic_generator_runs_on_the_system_allocator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipeline.synth import generator

    seen: list[str] = []

    def recording(*args: object, **kwargs: object) -> object:
        seen.append(pa.default_memory_pool().backend_name)
        raise RuntimeError("stop after the pool is known")

    monkeypatch.setattr(generator, "build_areas", recording)
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError):
        generator.generate(tmp_path / "england", scale=0.01, years=[2023, 2024])
    assert seen == ["system"]
    assert pa.default_memory_pool().backend_name == before


@pytest.mark.parametrize("setting", [True, False])
def test_numpy_small_pages_inside_and_the_setting_restored(setting: bool) -> None:
    previous = _set_madvise_hugepage(setting)
    try:
        with numpy_small_pages():
            assert _numpy_asks_for_huge_pages() is False
            array = np.arange(1_000_000)
        assert _numpy_asks_for_huge_pages() is setting
        with pytest.raises(RuntimeError), numpy_small_pages():
            raise RuntimeError("step failed")
        assert _numpy_asks_for_huge_pages() is setting
    finally:
        _set_madvise_hugepage(previous)
    assert int(array.sum()) == 999_999 * 1_000_000 // 2
