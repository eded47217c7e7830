"""A second build with unchanged inputs reuses the cached tables and the written package."""

from __future__ import annotations

import pytest
from conftest import SESSION_SCALE, SESSION_YEARS

pytestmark = pytest.mark.slow


def _rebuild(synthetic_build):  # noqa: ANN001, ANN202 - fixture object, BuildResult
    from pipeline.build import BuildInputs, run_build

    return run_build(
        BuildInputs(scale=SESSION_SCALE, years=SESSION_YEARS),
        packages_root=synthetic_build.project / "datapackages",
        with_site=False,
        project_root=synthetic_build.project,
    )


def test_second_build_reuses_the_intact_package_without_writing(
    synthetic_build, monkeypatch
) -> None:
    import pipeline.packaging

    def must_not_write(*args: object, **kwargs: object) -> None:
        raise AssertionError("write_package called although nothing changed")

    monkeypatch.setattr(pipeline.packaging, "write_package", must_not_write)
    result = _rebuild(synthetic_build)
    assert result.package_dir.resolve() == synthetic_build.package_dir.resolve()


def test_an_edited_package_file_is_not_reused(synthetic_build) -> None:
    from pipeline.build import BuildError

    target = next((synthetic_build.package_dir / "data").glob("*.csv"))
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"edited\n")
        # Every file of a published version is checked against versions.json first: the
        # build stops, naming the edited file, rather than silently accepting it.
        with pytest.raises(BuildError, match=rf"{target.name} has changed since version"):
            _rebuild(synthetic_build)
    finally:
        target.write_bytes(original)
    assert _rebuild(synthetic_build).package_dir.resolve() == synthetic_build.package_dir.resolve()


def test_site_key_ignores_generated_pages_but_not_sources(tmp_path) -> None:
    from pipeline.build_cache import site_key

    package = tmp_path / "datapackages" / "stability-index" / "1.0.0"
    package.mkdir(parents=True)
    (package / "datapackage.json").write_text("{}", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "about.qmd").write_text("About\n", encoding="utf-8")
    before = site_key(package, tmp_path)
    # What a build writes (the assembled pages in _pages/) must not change the key ...
    (tmp_path / "_pages" / "la").mkdir(parents=True)
    (tmp_path / "_pages" / "index.qmd").write_text("generated\n", encoding="utf-8")
    (tmp_path / "_pages" / "la" / "x.qmd").write_text("generated\n", encoding="utf-8")
    assert site_key(package, tmp_path) == before
    # ... but an edited hand-written source must.
    (site / "about.qmd").write_text("About, edited\n", encoding="utf-8")
    assert site_key(package, tmp_path) != before
