"""What every generated page shares: front matter, release line, synthetic banner, citation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from pipeline.site.area_tables import AreaTables
from pipeline.site.charts import VEGA_FOLDER, ChartWriter
from pipeline.site.html_blocks import raw_html, symbol_key
from pipeline.site.key_points import KeyPointsBlock, choose_points
from pipeline.site.package import SitePackage

SYNTHETIC_BANNER = (
    "These statistics are built from synthetic data: they are made up by a computer model "
    "to look like England's children in care, and are not real figures about any child, "
    "local authority or region."
)


def templates() -> Environment:
    """The Jinja2 environment of the page templates (``pipeline/site/templates``)."""
    environment = Environment(
        loader=PackageLoader("pipeline.site", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Quarto uses ``{#id}`` for heading anchors, so Jinja comments use another marker.
        comment_start_string="<%#",
        comment_end_string="#%>",
    )
    environment.filters["yaml_string"] = lambda text: json.dumps(str(text), ensure_ascii=False)
    return environment


def long_date(iso: str) -> str:
    """``2025-03-27`` -> ``27 March 2025`` (the text itself when it is not an ISO date)."""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


class AreaPages:
    """What the pages of England, a region and an LA start from.

    Attributes:
        package: the data package the pages are written from.
        areas: its area tables (time series and headline totals by area).
        site_dir: the Quarto project folder the ``.qmd`` files go in.
        charts: the writer of the pages' charts.
        frame: the release-level facts every page shows.
        template: the page template (``template_name`` of the subclass).
    """

    template_name = ""

    def __init__(
        self, package: SitePackage, areas: AreaTables, site_dir: Path, charts: ChartWriter
    ) -> None:
        self.package = package
        self.areas = areas
        self.site_dir = site_dir
        self.charts = charts
        self.frame = PageFrame(package)
        self.template = templates().get_template(self.template_name)

    def write(self, page_path: str, context: Mapping[str, object], used: set[str]) -> Path:
        """Write ``<page_path>index.qmd`` from the template, ``context`` and the key to the
        ``used`` symbols; return its path."""
        key = raw_html(symbol_key(used)) if used else ""
        path = self.site_dir / page_path / "index.qmd"
        return write_page(path, self.template.render(**context, symbol_key=key))


@dataclass
class PageFrame:
    """The release-level facts every page shows."""

    package: SitePackage

    def banner(self) -> str:
        """The synthetic-data banner (empty for real data)."""
        if not self.package.synthetic:
            return ""
        return (
            '<div class="synthetic-banner" role="note" aria-label="Synthetic data" '
            "data-pagefind-ignore>"
            f"<p><strong>Synthetic data.</strong> {escape(SYNTHETIC_BANNER)}</p></div>"
        )

    def release_line(self, root: str) -> str:
        """Which release and version the page shows, with a link to the downloads."""
        p = self.package
        return (
            '<p class="release-line" data-pagefind-ignore>'
            f"Release: <strong>{escape(p.release_title)}</strong>, "
            f"version <strong>{escape(p.version)}</strong>, "
            f"published {escape(long_date(p.release_date))}. "
            f'<a href="{root}downloads.html">All versions and downloads</a>.</p>'
        )

    def header(self, root: str) -> str:
        """Banner and release line, as one HTML fragment."""
        return self.banner() + self.release_line(root)

    def citation_text(self, page_title: str) -> str:
        """The plain citation of a page."""
        p = self.package
        year = p.release_date[:4]
        return (
            f"Stability Index team ({year}). {p.release_title}: {page_title}. "
            f"Data package version {p.version} ({self.version_address()}), published "
            f"{long_date(p.release_date)}." + (" Built from synthetic data." if p.synthetic else "")
        )

    def version_address(self) -> str:
        """The permanent address of this version's descriptor (``downloads/<version>/...``)."""
        release = self.package.descriptor.get("release") or {}
        fallback = self.address(f"downloads/{self.package.version}/datapackage.json")
        return str(release.get("url") or fallback)

    def address(self, page_path: str) -> str:
        """The permanent address of a page: the package's ``homepage`` and the page's path.

        Without a homepage it is the path from the site root (``/la/...``), which the site
        script turns into a full address in the browser.
        """
        homepage = str(self.package.descriptor.get("homepage") or "")
        if homepage and not homepage.endswith("/"):
            homepage += "/"
        return f"{homepage}{page_path}" if homepage else f"/{page_path}"

    def key_points(self, area: str, figures: list, page_title: str, page_path: str) -> str:
        """The key points of an area (:mod:`pipeline.site.key_points`) with their citation."""
        points = choose_points(
            area,
            figures,
            self.package.latest_year,
            {f.measure: f.measure in self.package.higher_is_better for f in figures},
        )
        block = KeyPointsBlock(
            points, self.citation_text(page_title), self.address(page_path), page_path
        )
        return block.html()

    def cite_box(self, page_title: str, page_path: str) -> str:
        """The "cite this page" box: citation, permanent address and a copy button.

        ``page_path`` is the page's address relative to the site root (e.g. ``la/E1-x/``); the
        permanent address is the package's ``homepage`` followed by it (without a homepage the
        script turns the path into a full address in the browser).
        """
        text = self.citation_text(page_title)
        address = self.address(page_path)
        return (
            '<section class="cite-box" aria-labelledby="cite-heading" data-pagefind-ignore>'
            '<h2 id="cite-heading">Cite this page</h2>'
            f'<p id="citation">{escape(text)} Available at: '
            f'<span class="permanent-address" data-path="{escape(page_path)}">'
            f"{escape(address)}</span></p>"
            f"<dl><dt>Title</dt><dd>{escape(page_title)}</dd>"
            f"<dt>Release</dt><dd>{escape(self.package.release_title)}</dd>"
            f"<dt>Version</dt><dd>{escape(self.package.version)}</dd>"
            f"<dt>Data of this version</dt><dd>{escape(self.version_address())}</dd>"
            f"<dt>Date</dt><dd>{escape(long_date(self.package.release_date))}</dd></dl>"
            '<button type="button" class="copy-button" data-copy-target="citation">'
            "Copy the citation</button>"
            '<span class="copy-status" role="status" aria-live="polite"></span></section>'
        )

    @staticmethod
    def scripts(root: str, charts: bool) -> str:
        """Script tags for a generated page (the vega bundle only when it has charts)."""
        tags = []
        if charts:
            tags.append(f'<script src="{root}{VEGA_FOLDER}/vega-bundle.js" defer></script>')
        tags.append(f'<script src="{root}assets/site.js" defer></script>')
        return "".join(tags)


def write_page(path: Path, text: str) -> Path:
    """Write a generated page (creating its folder) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
