"""Shared fixtures: the synthetic England is built once per test session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Scale and years of the session build: big enough for every LA to have children in every
#: breakdown, small enough to keep the suite fast.
SESSION_SCALE = 0.25
SESSION_YEARS = [2021, 2022, 2023, 2024]


@dataclass
class SessionBuild:
    """The outputs of one full build of the synthetic England in a scratch project."""

    project: Path
    inputs: Path
    package_dir: Path
    site_dir: Path
    renderer: str


def copy_site_sources(project: Path) -> None:
    """Copy the hand-written site sources and ``_quarto.yml`` into a scratch project folder."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "_quarto.yml", project / "_quarto.yml")
    shutil.copytree(
        ROOT / "site", project / "site", ignore=shutil.ignore_patterns("la", "region", "_generated")
    )


@pytest.fixture(scope="session")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> SessionBuild:
    """Build the synthetic England end to end (package and site) once for the session."""
    from pipeline.build import run_build

    project = tmp_path_factory.mktemp("project")
    copy_site_sources(project)
    result = run_build(
        input_dir=None,
        la=None,
        seed=2024,
        scale=SESSION_SCALE,
        years=SESSION_YEARS,
        version=None,
        bump=None,
        packages_root=project / "datapackages",
        with_site=True,
        project_root=project,
    )
    assert result.package_dir is not None and result.site_dir is not None
    inputs = next((project / ".cache" / "synthetic").iterdir())
    return SessionBuild(project, inputs, result.package_dir, result.site_dir, result.renderer or "")
