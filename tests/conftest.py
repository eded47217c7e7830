"""Shared fixtures: the synthetic England is built once per test session."""

from __future__ import annotations

import resource
import shutil
import time
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


#: Every renderer the site tests run against (Quarto only where it is installed).
RENDERERS = ["pandoc", "quarto"]
QUARTO_MISSING = (
    "Quarto is not installed (no `quarto` on PATH): the site tests run with the built-in "
    "pandoc renderer only. Install Quarto (https://quarto.org) to run them with Quarto too."
)


@dataclass
class RenderedSite:
    """One renderer's ``_site`` built from the same assembled pages."""

    renderer: str
    site_dir: Path
    seconds: float


def copy_site_sources(project: Path) -> None:
    """Copy the hand-written site sources (``site/`` with its ``_quarto.yml``) into a project."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "site", project / "site", ignore=shutil.ignore_patterns(".quarto"))


def render_copy(
    pages: Path, project: Path, renderer: str, package_dir: Path | None = None
) -> RenderedSite:
    """Render a copy of the assembled ``pages`` in ``project`` with ``renderer``.

    With ``package_dir``, the build's "versions" step follows, as in ``build_site``: the
    archived versions of that package's archive are published at ``_site/v/<version>/``.
    """
    from pipeline.site import render
    from pipeline.site.frozen import keep_package_versions
    from pipeline.site.layout import PAGES

    if renderer == "quarto" and shutil.which("quarto") is None:
        pytest.skip(QUARTO_MISSING)
    shutil.copytree(pages, project / PAGES, ignore=shutil.ignore_patterns(".quarto"))
    started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    used = render(project, renderer)
    if package_dir is not None:
        keep_package_versions(package_dir, project / "_site")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    print(f"\n{renderer} render of {pages}: {seconds:.1f} s wall, {cpu:.1f} s CPU in its processes")
    return RenderedSite(used, project / "_site", seconds)


@pytest.fixture(scope="session")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> SessionBuild:
    """Build the synthetic England end to end (package and site) once for the session."""
    from pipeline.build import BuildInputs, run_build

    project = tmp_path_factory.mktemp("project")
    copy_site_sources(project)
    result = run_build(
        BuildInputs(scale=SESSION_SCALE, years=SESSION_YEARS),
        packages_root=project / "datapackages",
        with_site=True,
        project_root=project,
        renderer="pandoc",
    )
    assert result.package_dir is not None and result.site_dir is not None
    inputs = next((project / ".cache" / "synthetic").iterdir())
    return SessionBuild(project, inputs, result.package_dir, result.site_dir, result.renderer or "")


@pytest.fixture(scope="session")
def sample_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small package of the site and LA report tests (``tests/fixtures/sample_package``),
    made once a session by the build's own steps; its version folder. Read it, never change
    it (copy it first)."""
    from tests.fixtures.sample_package import build_sample_package

    return build_sample_package(tmp_path_factory.mktemp("sample-package"))


class SiteRenders:
    """Each renderer's site from one set of assembled pages, rendered at most once."""

    def __init__(
        self,
        pages: Path,
        factory: pytest.TempPathFactory,
        package_dir: Path | None = None,
        **ready: Path,
    ) -> None:
        self.pages, self.factory, self.package_dir = pages, factory, package_dir
        self.done = {name: RenderedSite(name, site, 0.0) for name, site in ready.items()}

    def get(self, renderer: str) -> RenderedSite:
        """The site ``renderer`` made (skips when that renderer is not installed)."""
        if renderer not in self.done:
            project = self.factory.mktemp(f"{renderer}-site")
            self.done[renderer] = render_copy(self.pages, project, renderer, self.package_dir)
        return self.done[renderer]


@pytest.fixture(scope="session")
def synthetic_renders(
    synthetic_build: SessionBuild, tmp_path_factory: pytest.TempPathFactory
) -> SiteRenders:
    """The synthetic England's site per renderer (the session build is pandoc's)."""
    return SiteRenders(
        synthetic_build.project / "_pages",
        tmp_path_factory,
        synthetic_build.package_dir,
        pandoc=synthetic_build.site_dir,
    )


@pytest.fixture(scope="session", params=RENDERERS)
def rendered_site(request: pytest.FixtureRequest, synthetic_renders: SiteRenders) -> RenderedSite:
    """The synthetic England's site from each renderer present (each rendered once a session)."""
    return synthetic_renders.get(request.param)
