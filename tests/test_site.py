"""The website built from the small sample package: pages, links, numbers, symbols, sources."""

from __future__ import annotations

import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import yaml

from pipeline.site import generate_pages
from pipeline.site.display import (
    FORMATTERS,
    count_text,
    percent_text,
    points_text,
    ratio_text,
)
from pipeline.site.layout import PAGES, assemble_pages
from pipeline.site.linkcheck import check_site
from pipeline.site.package import SitePackage
from tests.conftest import RENDERERS, SiteRenders, copy_site_sources
from tests.fixtures.sample_package import LAS, NO_SW_LA, SUPPRESSED_LA
from tests.test_site_renderers import page_links

ROOT = Path(__file__).resolve().parents[1]


class Built:
    """The sample package, the generated pages and the rendered site of one session."""

    def __init__(self, project: Path, package: Path, pages: list[Path], renderer: str) -> None:
        self.project = project
        self.package = package
        self.pages = pages
        self.renderer = renderer
        self.site = project / "_site"


@pytest.fixture(scope="session")
def sample_pages(
    sample_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[Path]]:
    """The sample package and its assembled pages (``_pages/``), generated once."""
    project = tmp_path_factory.mktemp("site-project")
    copy_site_sources(project)
    package = sample_package
    pages = generate_pages(package, assemble_pages(project))
    return project, package, pages


@pytest.fixture(scope="session")
def sample_renders(
    sample_pages: tuple[Path, Path, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> SiteRenders:
    """The sample site per renderer, each rendered at most once a session."""
    return SiteRenders(sample_pages[0] / PAGES, tmp_path_factory)


@pytest.fixture(scope="session", params=RENDERERS)
def built(
    request: pytest.FixtureRequest,
    sample_pages: tuple[Path, Path, list[Path]],
    sample_renders: SiteRenders,
) -> Built:
    """The sample site rendered by each renderer present (Quarto skipped when not installed)."""
    _, package, pages = sample_pages
    rendered = sample_renders.get(request.param)
    return Built(rendered.site_dir.parent, package, pages, rendered.renderer)


class _Collector(HTMLParser):
    """Collect links, resource loads, ``<data>`` cells, headings and ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[tuple[str, str]] = []
        self.cells: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self._cell: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif "src" in values:
            self.loads.append((tag, values["src"]))
        elif tag == "link" and "href" in values:
            self.loads.append((tag, values["href"]))
        if tag == "data":
            self._cell = {**values, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "data" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def html_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "pagefind" not in p.parts]


def la_page(built: Built, old_code: str) -> Path:
    la = next(la for la in LAS if la[0] == old_code)
    return built.site / "la" / f"{la[1]}-{la[3]}" / "index.html"


def test_every_page_is_generated_and_rendered(built: Built) -> None:
    expected = [
        "index.html",
        "downloads.html",
        "releases.html",
        "methodology.html",
        "about.html",
        "accessibility.html",
        "glossary.html",
        "region/london/index.html",
        "region/north-east/index.html",
        "rankings/index.html",
    ]
    expected += [la_page(built, la[0]).relative_to(built.site).as_posix() for la in LAS]
    missing = [page for page in expected if not (built.site / page).exists()]
    assert missing == []
    # overview, a page per region and per LA of the package's geography (every area of England),
    # rankings, downloads, releases, the input specification, then the API page, the map pages
    # (the list, then one per headline measure and year) and the comparison page
    years = pd.read_csv(built.package / "data" / "time_series.csv", dtype=str)["time_period"]
    levels = pd.read_csv(built.package / "data" / "geography.csv", dtype=str)["geographic_level"]
    regions, las = (levels == "Regional").sum(), (levels == "Local authority").sum()
    assert (regions, las) == (9, 153)
    maps = 1 + len(SitePackage.open(built.package).headline_measures) * years.nunique()
    assert len(built.pages) == 1 + regions + las + 3 + 1 + 1 + maps + 1
    for page in ["api/index.html", "map/index.html", "compare/index.html"]:
        assert (built.site / page).exists(), page
    assert built.renderer in RENDERERS
    about = (built.site / "about.html").read_text(encoding="utf-8")
    if built.renderer == "quarto":
        assert re.search(r"rendered with <a [^>]*>Quarto</a> \d+\.\d+", about), "about page"
    else:
        assert "built-in renderer (pandoc)" in about
    assert (built.site / "pagefind" / "pagefind-ui.js").exists()


def test_package_files_and_la_extracts_are_copied_into_downloads(built: Built) -> None:
    folder = built.site / "downloads" / "1.0.0"
    assert (folder / "datapackage.json").read_bytes() == (
        built.package / "datapackage.json"
    ).read_bytes()
    for old, *_ in LAS:
        assert (folder / "la" / f"{old}.csv").exists()
    downloads = (built.site / "downloads.html").read_text(encoding="utf-8")
    descriptor = yaml.safe_load((built.package / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        assert resource["hash"].removeprefix("sha256:") in downloads, resource["path"]


def test_no_broken_internal_links_or_resources(built: Built) -> None:
    broken = []
    for page in html_files(built.site):
        collected = parse(page)
        targets = collected.links + [src for _, src in collected.loads]
        for href in targets:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "data:")):
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in collected.ids:
                    broken.append(f"{page}: #{parts.fragment}")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(built.site)} -> {href}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and parts.fragment not in parse(target).ids
            ):
                broken.append(f"{page.relative_to(built.site)} -> {href} (no anchor)")
    assert broken == []


def test_nothing_is_loaded_from_another_host(built: Built) -> None:
    external = re.compile(r"^(https?:)?//", re.I)
    loads = []
    for page in html_files(built.site):
        loads += [f"{page}: <{tag}> {src}" for tag, src in parse(page).loads if external.match(src)]
    for sheet in built.site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        loads += [
            f"{sheet}: {u}" for u in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", text)
        ]
        loads += [f"{sheet}: @import" for _ in re.findall(r"@import\s+url\(\s*['\"]?https?:", text)]
    for svg in built.site.rglob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        loads += [f"{svg}: {u}" for u in re.findall(r"(?:xlink:)?href=\"(https?://[^\"]+)", text)]
    assert loads == []


def _cells_of_extract(built: Built, old_code: str) -> set[str]:
    extract = pd.read_csv(
        built.package / "la" / f"{old_code}.csv", dtype=str, keep_default_na=False
    )
    return set(extract.drop(columns="table_name").to_numpy().ravel())


FORMAT = {
    "percent": percent_text,
    "count": count_text,
    "points": points_text,
    "ratio": ratio_text,
    "text": lambda cell: cell,
    "change": FORMATTERS["change"],
    "ordinal": FORMATTERS["ordinal"],
    "whole": FORMATTERS["whole"],
    "percent1": FORMATTERS["percent1"],
}


@pytest.mark.parametrize("old_code", [la[0] for la in LAS])
def test_every_number_on_an_la_page_is_a_cell_of_its_csv(built: Built, old_code: str) -> None:
    cells = parse(la_page(built, old_code)).cells
    own = [cell for cell in cells if cell["data-source"] == "la"]
    assert len(own) > 50
    extract = _cells_of_extract(built, old_code)
    not_in_csv = [cell["value"] for cell in own if cell["value"] not in extract]
    assert not_in_csv == []
    for cell in own:
        kind = cell["data-kind"]
        expected = cell["value"] if kind == "symbol" else FORMAT[kind](cell["value"])
        assert cell["text"].strip() == expected, cell


def test_la_breakdowns_are_labelled_as_the_downloaded_files_label_them(built: Built) -> None:
    # the files use the EES data dictionary's names since 2.0.0 ("Sex", "Unknown"); a reader
    # who downloads the CSV finds the same labels as on the page
    measures = pd.read_csv(
        built.package / "data" / "stability_measures.csv", dtype=str, keep_default_na=False
    )
    in_files = set(measures["breakdown_topic"])
    assert "Sex" in in_files and "Gender" not in in_files
    headings = re.findall(r"<h3[^>]*>(.*?)</h3>", la_page(built, "202").read_text("utf-8"))
    assert "Sex" in headings and "Gender" not in headings
    assert {"Age at 31 March", "Placement location"} <= set(headings)


def test_neighbour_and_area_numbers_come_from_the_package(built: Built) -> None:
    comparison = pd.read_csv(
        built.package / "data" / "la_comparison.csv", dtype=str, keep_default_na=False
    )
    measures = pd.read_csv(
        built.package / "data" / "stability_measures.csv", dtype=str, keep_default_na=False
    )
    areas = measures[measures["geographic_level"] != "Local authority"]
    # Neighbours' figures (la_comparison) and England's and the region's, with their
    # intervals, in the key points (stability_measures).
    values = set(comparison["children_percent"]) | set(
        areas[["children_percent", "percent_lower_ci", "percent_upper_ci"]].to_numpy().ravel()
    )
    cells = parse(la_page(built, "202")).cells
    package_cells = [c for c in cells if c["data-source"] == "package"]
    assert package_cells
    assert [c for c in package_cells if c["value"] not in values] == []


def test_suppressed_and_unavailable_cells_are_shown_as_symbols(built: Built) -> None:
    small = parse(la_page(built, SUPPRESSED_LA)).cells
    assert any(c["value"] == "c" and c["text"] == "c" for c in small)
    text = la_page(built, SUPPRESSED_LA).read_text(encoding="utf-8")
    assert "suppressed to protect confidentiality" in text
    no_sw = parse(la_page(built, NO_SW_LA)).cells
    assert any(c["value"] == "x" and c["text"] == "x" for c in no_sw)
    assert not any(re.fullmatch(r"\d", c["value"] or "") and c["text"] == "x" for c in no_sw)


def test_headline_summary_uses_the_published_percentages(built: Built) -> None:
    series = pd.read_csv(
        built.package / "data" / "time_series.csv", dtype=str, keep_default_na=False
    )
    row = series[
        (series["geographic_level"] == "National")
        & (series["time_period"] == "2024")
        & (series["measure"] == "placement_2plus")
    ].iloc[0]
    text = (built.site / "index.html").read_text(encoding="utf-8")
    shown = percent_text(row["children_percent"])
    before = percent_text(row["percent_previous_year"])
    sentence = re.search(
        r"About 1 in \d+ children in care \((\d+%)\) had two or more placement "
        r"moves in 2023-24, ([^.<]+)\.",
        text,
    )
    assert sentence is not None
    assert sentence.group(1) == shown
    if shown == before:
        assert sentence.group(2).startswith("the same as")
    else:
        assert before in sentence.group(2)


def test_latest_school_figures_are_marked_provisional(built: Built) -> None:
    """The package ends in 2024, so 2024's mid-year school moves wait for the 2025 return:
    marked provisional on the overview and LA tiles, never compared with last year."""
    overview = (built.site / "index.html").read_text(encoding="utf-8")
    sentence = re.search(r"had a mid-year school move in 2023-24([^<]*)", overview)
    assert sentence is not None
    assert "This figure is provisional and is not compared with last year" in sentence.group(1)
    assert "2022-23" not in sentence.group(1)
    assert "(provisional)" in overview
    assert "mid-year school move" in overview and "are provisional: they can change" in overview
    la_text = la_page(built, LAS[0][0]).read_text(encoding="utf-8")
    assert "Not compared: provisional" in la_text and "(provisional)" in la_text


def test_every_page_has_the_synthetic_banner_release_and_citation(built: Built) -> None:
    for page in html_files(built.site):
        if "downloads" in page.relative_to(built.site).parts:
            continue
        text = page.read_text(encoding="utf-8")
        assert "These statistics are built from synthetic data" in text, page
        assert "version <strong>1.0.0</strong>" in text, page
        assert "Cite this page" in text, page
        assert text.count("<h1") == 1, page
        assert re.search(r'<html[^>]* lang="en-GB"', text), page


def test_charts_have_svg_fallback_description_table_and_csv(built: Built) -> None:
    text = (built.site / "index.html").read_text(encoding="utf-8")
    # Quarto adds its own "figure" class; the chart's markup is otherwise the generator's.
    figures = re.findall(r'<figure class="chart[ "].*?</figure>', text, re.S)
    assert len(figures) >= 6
    for figure in figures:
        assert re.search(r'<img src="[^"]+\.svg" alt="Chart: ', figure)
        assert "<details><summary>" in figure and "<caption>" in figure
        assert re.search(r'href="[^"]+\.csv" download', figure)
        assert 'type="application/json"' in figure
    svgs = list((built.site / "_generated" / "charts").rglob("*.svg"))
    assert svgs and all(p.read_text(encoding="utf-8").lstrip().startswith("<svg") for p in svgs)
    assert (built.site / "_generated" / "vega" / "vega-bundle.js").stat().st_size > 100_000


def test_la_page_weight_is_under_budget(built: Built) -> None:
    for la in LAS:
        page = la_page(built, la[0])
        charts = built.site / "_generated" / "charts" / "la"
        size = page.stat().st_size + sum(p.stat().st_size for p in charts.glob(f"{la[0]}-*.svg"))
        assert size < 1_000_000


def test_atom_feed_lists_every_version(built: Built) -> None:
    feed = ET.parse(built.site / "releases.xml").getroot()
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("atom:entry", ns)
    recorded = json.loads((built.package.parent / "versions.json").read_text(encoding="utf-8"))
    title = recorded["versions"][0]["title"]
    assert title.endswith(": 2024")  # the release of the package's latest year
    assert [e.find("atom:title", ns).text for e in entries] == [f"{title} (version 1.0.0)"]
    link = entries[0].find("atom:link", ns).get("href")
    assert link.startswith("downloads.html#v1-0-0")


def _fenced_divs_balanced(text: str) -> bool:
    depth, in_code = 0, False
    for line in text.splitlines():
        if re.match(r"^\s*```", line):
            in_code = not in_code
            continue
        if in_code:
            continue
        if re.match(r"^:{3,}\s*\S", line):
            depth += 1
        elif re.match(r"^:{3,}\s*$", line):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not in_code


def test_qmd_sources_are_valid_quarto_markdown(built: Built) -> None:
    sources = list((built.project / PAGES).rglob("*.qmd"))
    assert len(sources) >= len(built.pages) + 4
    for source in sources:
        text = source.read_text(encoding="utf-8")
        match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
        assert match, f"{source}: no front matter"
        meta = yaml.safe_load(match.group(1))
        assert isinstance(meta, dict) and meta.get("title"), source
        assert _fenced_divs_balanced(text), f"{source}: unbalanced ::: or ``` fences"
        assert not re.search(r"^# ", text, re.M), f"{source}: a second h1 (the title is the h1)"


def test_fence_checker_catches_an_unclosed_div() -> None:
    assert _fenced_divs_balanced("::: {.callout-note}\ntext\n:::\n")
    assert not _fenced_divs_balanced("::: {.callout-note}\ntext\n")
    assert not _fenced_divs_balanced("```{=html}\n<p>\n")


def test_quarto_project_file_is_a_valid_website_project() -> None:
    config = yaml.safe_load((ROOT / "site" / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "website"
    # The project is the pages folder: its paths are the addresses, written straight to _site.
    assert config["project"]["output-dir"] == "../_site"
    # One search on both renderers (pagefind): Quarto's own is off.
    assert config["website"]["search"] is False
    hrefs = [item["href"] for item in config["website"]["navbar"]["left"]]
    assert hrefs and all(not href.startswith(("site/", "/", "..")) for href in hrefs)
    assert config["format"]["html"]["embed-resources"] is False
    assert config["format"]["html"]["html-math-method"] == "plain"
    for hand_written in ["methodology", "about", "accessibility", "glossary"]:
        assert (ROOT / "site" / f"{hand_written}.qmd").exists()
    assert not (ROOT / "_quarto.yml").exists(), "one _quarto.yml, in site/"


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_browser_draws_charts_without_console_errors(built: Built) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    from pipeline.site.serve import make_server

    server = make_server(built.site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    la = la_page(built, SUPPRESSED_LA).relative_to(built.site).as_posix()
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            for path in ["index.html", la]:
                page = browser.new_page()
                page.on(
                    "console",
                    lambda m, p=path: (
                        problems.append(f"{p}: {m.text}") if m.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda e, p=path: problems.append(f"{p}: {e}"))
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_selector(".chart-drawn svg", timeout=15_000)
                assert page.locator(".chart-drawn svg").count() >= 2
                assert page.locator("h1").count() == 1
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert problems == []


def test_both_renderers_give_the_same_pages_and_internal_links(sample_renders) -> None:
    pandoc = check_site(sample_renders.get("pandoc").site_dir)
    quarto = check_site(sample_renders.get("quarto").site_dir)
    assert pandoc.pages == quarto.pages
    assert page_links(pandoc) == page_links(quarto)
    assert pandoc.ok and quarto.ok, (
        pandoc.broken + quarto.broken + pandoc.external + quarto.external
    )
