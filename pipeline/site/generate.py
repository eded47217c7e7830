"""Generate the website's pages (``.qmd``) from a published data package."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pipeline.inputs.spec import write_specification_page
from pipeline.logs import log
from pipeline.site.api import (
    API_ARCHIVE_FOLDER,
    API_FOLDER,
    VersionWriter,
    api_folder,
    archive_api,
    write_api,
)
from pipeline.site.area_tables import AREA_ROWS, AreaTables
from pipeline.site.charts import CHART_FOLDER, ChartWriter
from pipeline.site.frozen import ARCHIVE_FOLDER, archived_versions
from pipeline.site.package import ONE_YEAR_TOTALS, SitePackage, VersionInfo
from pipeline.site.pages_api import api_page
from pipeline.site.pages_compare import COMPARE_FOLDER, compare_page
from pipeline.site.pages_downloads import (
    DOWNLOADS_FOLDER,
    atom_feed,
    copy_versions,
    downloads_page,
    hand_written_includes,
    methodology_includes,
    releases_page,
)
from pipeline.site.pages_la import LocalAuthorityPages
from pipeline.site.pages_map import MAP_FOLDER, map_pages
from pipeline.site.pages_overview import OverviewPage
from pipeline.site.pages_rankings import PAGE_PATH as RANKINGS_PATH
from pipeline.site.pages_rankings import generate_rankings
from pipeline.site.pages_region import RegionPages

#: Folders of the site source that the generator owns and rewrites on every run.
GENERATED_FOLDERS = [
    "la", "region", RANKINGS_PATH.strip("/"), CHART_FOLDER, DOWNLOADS_FOLDER, API_FOLDER,
    MAP_FOLDER, COMPARE_FOLDER,
]  # fmt: skip


def site_wide_pages(
    package: SitePackage,
    areas: AreaTables,
    site_dir: Path,
    api: VersionWriter,
    versions: list[VersionInfo],
    frozen: frozenset[str],
    api_archive: Path | None = None,
) -> list[Path]:
    """Write the rankings, downloads, releases, includes, JSON API (with ``api``, whose LA
    documents the LA pages write), maps and comparison pages; return the pages.

    ``versions`` are the package's versions and ``frozen`` those whose pages are kept;
    ``api_archive`` holds the versions' kept API documents (see :func:`write_api`)."""
    pages = [generate_rankings(package, areas, site_dir)]
    pages.append(downloads_page(package, site_dir, versions))
    pages.append(releases_page(package, site_dir, versions, frozen))
    atom_feed(package, site_dir, versions, frozen)
    methodology_includes(package, site_dir)
    pages.append(write_specification_page(site_dir))
    hand_written_includes(package, site_dir)
    write_api(package, site_dir, current=api, archive=api_archive)
    pages.append(api_page(package, site_dir))
    pages += map_pages(package, site_dir)
    pages.append(compare_page(package, site_dir))
    return pages


def generate_pages(package_dir: Path, site_dir: Path, keep_versions: bool = False) -> list[Path]:
    """Write the site's generated pages from the data package in ``package_dir``.

    ``site_dir`` is the assembled pages folder (``_pages/``, see :mod:`pipeline.site.layout`),
    never the hand-written ``site/``: each page is written at the path of its final address.

    Reads only the package folder (and ``../versions.json``); writes ``index.qmd``,
    ``downloads.qmd``, ``releases.qmd``, ``region/<slug>/index.qmd``,
    ``la/<new_la_code>-<slug>/index.qmd``, the JSON API (``api/v1/``), the chart files,
    the map pages (``map/``), the comparison page (``compare/``), the methodology includes, the Atom feed and a copy of every
    package version under ``site/downloads/``. Returns the ``.qmd`` pages written.

    With ``keep_versions`` (the build), the versions' API documents are kept beside the
    packages (``../api/<version>/``, see :mod:`pipeline.site.api`): this version's once all
    are written, unless kept already, and an older version's kept documents are copied.
    """
    package_dir, site_dir = Path(package_dir), Path(site_dir)
    package = SitePackage.open(package_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    for folder in GENERATED_FOLDERS:
        if (site_dir / folder).exists():
            shutil.rmtree(site_dir / folder)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    charts = ChartWriter(site_dir)
    try:
        # Made by a chart worker when it is not cached, while this process goes on.
        charts.write_vega_bundle()
        # The big table is read once for the rows of England and the regions and the one-year
        # totals of every area, which the pages and the API ask for.
        package.select_where("stability_measures", [AREA_ROWS, ONE_YEAR_TOTALS])
        areas = AreaTables(package)
        versions = copy_versions(package, site_dir)
        lap("setup")
        pages = [OverviewPage(package, areas, site_dir, charts).generate()]
        pages += RegionPages(package, areas, site_dir, charts).generate()
        lap("overview and regions")
        frozen: frozenset[str] = frozenset()
        api_archive = package_dir.parent / API_ARCHIVE_FOLDER if keep_versions else None
        if keep_versions:
            archived = archived_versions(package_dir.parent / ARCHIVE_FOLDER)
            frozen = frozenset([*archived, package.version])
        api = VersionWriter(package, api_folder(site_dir))
        with LocalAuthorityPages(package, areas, site_dir, charts).generate_with(api) as la_pages:
            pages += la_pages
            lap("local authorities (pages and API documents, this process's share)")
            pages += site_wide_pages(package, areas, site_dir, api, versions, frozen, api_archive)
            lap("rankings, downloads, releases, includes, JSON API, maps and comparison")
        lap("local authorities (the forked process's share)")
        if api_archive is not None:  # every LA document is written now
            archive_api(api_folder(site_dir), api_archive, package.version)
        charts.flush()
    finally:
        charts.close()
    svgs = sum(1 for _ in (site_dir / CHART_FOLDER).rglob("*.svg"))
    lap("SVG charts")
    log.info(
        "pages: %d pages, %d charts from package %s (version %s); %s",
        len(pages),
        svgs,
        package_dir,
        package.version,
        ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items()),
    )
    return pages
