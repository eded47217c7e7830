"""The build's synthetic cache is reused only when the generator's code is unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import pipeline.build
from pipeline.build import synthetic_inputs
from pipeline.synth import GENERATOR_VERSION
from pipeline.synth import fingerprint as fp

YEARS = [2023, 2024]
#: The real ``pipeline/`` folder (the tests point the fingerprint at copies of it).
PIPELINE = fp._PIPELINE
SOURCES = fp._source_files()


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the generator by one that writes only a manifest; return the folders it wrote."""
    calls: list[Path] = []

    def fake_generate(out_dir: Path, seed: int, scale: float, years: list[int]) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest = {
            "seed": seed,
            "years": years,
            "generator": f"pipeline.synth {GENERATOR_VERSION}",
        }
        (out_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        calls.append(out_dir)
        return out_dir

    monkeypatch.setattr(pipeline.build, "generate", fake_generate)
    monkeypatch.setattr(pipeline.build, "generator_fingerprint", lambda: "a" * 64)
    return calls


def test_same_fingerprint_reuses_the_files(tmp_path: Path, generated: list[Path]) -> None:
    first = synthetic_inputs(tmp_path, 7, 0.5, YEARS)
    second = synthetic_inputs(tmp_path, 7, 0.5, YEARS)
    assert first == second == tmp_path / ".cache/synthetic/seed7-scale0.5-2023-2024"
    assert generated == [first]
    stamp = tmp_path / ".cache/synthetic/seed7-scale0.5-2023-2024.fingerprint"
    assert stamp.read_text(encoding="utf-8") == "a" * 64 + "\n"


def test_changed_fingerprint_regenerates(
    tmp_path: Path, generated: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    monkeypatch.setattr(pipeline.build, "generator_fingerprint", lambda: "b" * 64)
    synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    assert generated == [folder, folder]
    assert folder.with_name(folder.name + ".fingerprint").read_text(encoding="utf-8") == (
        "b" * 64 + "\n"
    )


def test_a_cache_without_fingerprint_is_regenerated(tmp_path: Path, generated: list[Path]) -> None:
    """A folder written before fingerprints (same version string) may be stale: regenerate."""
    folder = synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    folder.with_name(folder.name + ".fingerprint").unlink()
    synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    assert generated == [folder, folder]


def test_other_version_or_years_regenerate(tmp_path: Path, generated: list[Path]) -> None:
    folder = synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["generator"] = "pipeline.synth 1.9.0"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    manifest["years"] = [2022, 2024]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    synthetic_inputs(tmp_path, 7, 1.0, YEARS)
    assert generated == [folder] * 3


def _copy_of_sources(root: Path) -> Path:
    """A copy of the files the fingerprint reads, laid out as under ``pipeline/``."""
    for path in SOURCES:
        target = root / path.relative_to(PIPELINE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def _fingerprint_of(root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(fp, "_PIPELINE", root)
    return fp.generator_fingerprint.__wrapped__()


def test_fingerprint_follows_the_generator_code_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fp.generator_fingerprint()
    root = _copy_of_sources(tmp_path / "pipeline")
    assert _fingerprint_of(root, monkeypatch) == real
    calibration = root / "synth" / "areas.py"
    calibration.write_text(calibration.read_text(encoding="utf-8") + "\n# recalibrated\n")
    changed_code = _fingerprint_of(root, monkeypatch)
    _copy_of_sources(root)
    table = root / "data" / "geography.csv"
    table.write_bytes(table.read_bytes().replace(b",", b";", 1))
    changed_data = _fingerprint_of(root, monkeypatch)
    assert len({real, changed_code, changed_data}) == 3


def test_fingerprint_covers_a_new_generator_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy_of_sources(tmp_path / "pipeline")
    (root / "synth" / "extra.py").write_text('"""A new part of the generator."""\n')
    assert _fingerprint_of(root, monkeypatch) != fp.generator_fingerprint()
