"""Arrow's allocator switch used by the memory-heavy steps."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.arrow_memory import system_allocator


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
