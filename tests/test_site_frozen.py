"""Frozen versions: each version's pages kept at v/<version>/, byte for byte, with a banner."""

from __future__ import annotations

from pathlib import Path

from pipeline.packaging.archive import file_hashes
from pipeline.site.api import API_ARCHIVE_FOLDER
from pipeline.site.frozen import (
    ARCHIVE_FOLDER,
    archive_version,
    freeze_page,
    keep_versions,
    publish_frozen,
)

PAGE = (
    '<html><body><a href="../../index.html">Home</a><main id="content"><h1>Kent</h1>'
    '<a href="../../downloads.html">Downloads</a>'
    '<a href="../../downloads/1.0.0/data/x.csv">CSV</a>'
    '<div id="compare-app" data-api="../../api/v1/"></div>'
    '<a href="../../v/1.0.0/index.html">kept</a><img src="../../assets/logo.svg" alt="">'
    '<a href="./api/index.html">API, linked as Quarto writes it</a>'
    "</main></body></html>"
)


def test_a_frozen_page_gets_the_banner_and_climbs_out_for_shared_files() -> None:
    frozen = freeze_page(PAGE, "1.0.0", "28 November 2024", depth=2)
    main = frozen.split('<main id="content">', 1)[1]
    assert main.startswith('<div class="frozen-banner" role="note"')
    assert "Version 1.0.0</strong>, as published on 28 November 2024" in main
    assert '<a href="../../../../">See the latest version' in main  # depth 2 + v/1.0.0/
    assert 'href="../../../../downloads/1.0.0/data/x.csv"' in frozen
    assert 'data-api="../../../../api/v1/"' in frozen
    assert 'href="../../../../v/1.0.0/index.html"' in frozen
    assert 'href="./../../api/index.html"' in frozen
    # pages and assets of the version itself stay inside its copy
    assert 'href="../../downloads.html"' in frozen and 'src="../../assets/logo.svg"' in frozen
    assert 'href="../../index.html"' in frozen


def make_site(root: Path, words: str) -> Path:
    """A small rendered site: two pages, an asset, and the shared folders left out."""
    site = root / "_site"
    (site / "la" / "kent").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "downloads").mkdir()
    (site / "api").mkdir()
    (site / "index.html").write_text(f"<main>{words}</main>", encoding="utf-8")
    (site / "la" / "kent" / "index.html").write_text(f"<main>Kent {words}</main>")
    (site / "assets" / "site.js").write_text(f"// {words}")
    (site / "downloads" / "big.csv").write_text("a,b")
    (site / "api" / "index.json").write_text("{}")
    return site


def test_a_later_version_leaves_the_earlier_pages_byte_identical(tmp_path: Path) -> None:
    package_dir = tmp_path / "stability-index" / "1.0.0"
    site = make_site(tmp_path / "first", "first build")
    assert keep_versions(package_dir, site, "1.0.0", "2024-11-28") == ["1.0.0"]
    archive = tmp_path / "stability-index" / ARCHIVE_FOLDER
    before = file_hashes(site / "v" / "1.0.0")
    assert before == file_hashes(archive / "1.0.0")
    assert sorted(before) == ["assets/site.js", "index.html", "la/kent/index.html"]
    assert "frozen-banner" in (site / "v" / "1.0.0" / "index.html").read_text()

    # version 1.0.1: a new render with other pages; 1.0.0 is published from the archive
    later = make_site(tmp_path / "second", "second build, other bytes")
    kept = keep_versions(tmp_path / "stability-index" / "1.0.1", later, "1.0.1", "2024-12-05")
    assert kept == ["1.0.0", "1.0.1"]
    assert file_hashes(later / "v" / "1.0.0") == before
    assert "second build" in (later / "v" / "1.0.1" / "index.html").read_text()

    # rebuilding 1.0.0 never rewrites its archived pages
    again = make_site(tmp_path / "third", "changed renderer")
    assert archive_version(again, archive, "1.0.0", "2024-11-28") is False
    assert file_hashes(archive / "1.0.0") == before
    assert publish_frozen(archive, again) == ["1.0.0", "1.0.1"]


def test_the_build_keeps_its_version_and_links_it(synthetic_build) -> None:  # noqa: ANN001
    site = synthetic_build.site_dir
    version = synthetic_build.package_dir.name
    archive = synthetic_build.package_dir.parent / ARCHIVE_FOLDER / version
    assert file_hashes(site / "v" / version) == file_hashes(archive)
    page = (site / "v" / version / "index.html").read_text(encoding="utf-8")
    assert "frozen-banner" in page and "See the latest version" in page
    assert not (site / "v" / version / "downloads").exists()
    releases = (site / "releases.html").read_text(encoding="utf-8")
    assert f'href="v/{version}/index.html"' in releases
    feed = (site / "releases.xml").read_text(encoding="utf-8")
    assert f'href="v/{version}/"' in feed
    la = next((site / "v" / version / "la").iterdir())
    assert 'href="../../../../downloads/' in (la / "index.html").read_text(encoding="utf-8")


def test_the_build_keeps_its_api_documents_beside_the_pages(synthetic_build) -> None:  # noqa: ANN001
    version = synthetic_build.package_dir.name
    archive = synthetic_build.package_dir.parent / API_ARCHIVE_FOLDER / version
    api = synthetic_build.site_dir / "api" / "v1" / version
    kept = file_hashes(archive)
    assert kept == file_hashes(api)
    assert "headline.json" in kept and sum(name.startswith("la/") for name in kept) > 1
