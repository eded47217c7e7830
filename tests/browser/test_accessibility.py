"""The built site in a real browser: WCAG 2.2 AA (axe), keyboard, mobile, print, requests, budget.

Pages audited: the overview, a region page, three LA pages (one with suppressed cells, one
without social worker data, the smallest LA), methodology and downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from pipeline.geography import la_page_path, local_authorities, region_slug, regions
from pipeline.packaging.dictionary import internal_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: Files every page shares and the browser caches (charting library, search UI).
SHARED_BUNDLE_MARKERS = ("vega", "pagefind", "/assets/")


def _published(package_dir: Path, name: str) -> pd.DataFrame:
    """A published table with the pipeline's names (``number``...), whatever the version."""
    frame = pd.read_csv(package_dir / "data" / f"{name}.csv", dtype=str, keep_default_na=False)
    return internal_frame(frame, name)


def audited_pages(package_dir: Path) -> dict[str, str]:
    """Page label -> path under the site root, chosen from the published data."""
    las = local_authorities()
    measures = _published(package_dir, "stability_measures")
    la_rows = measures[measures.geographic_level == "Local authority"]
    suppressed = la_rows[la_rows.number == "c"].old_la_code.value_counts()
    no_sw = la_rows[(la_rows.measure == "sw_2plus") & (la_rows.number == "x")]
    latest = la_rows.time_period.max()
    no_sw = no_sw[no_sw.time_period == latest].old_la_code
    smallest = las.sort_values("children_looked_after_2024").old_la_code.iloc[0]
    pages = {
        "overview": "",
        "region": f"region/{region_slug(regions().region_name.iloc[0])}/",
        "LA with suppressed cells": la_page_path(suppressed.index[0]),
        "smallest LA": la_page_path(smallest),
        "methodology": "methodology.html",
        "downloads": "downloads.html",
    }
    if len(no_sw):
        pages["LA without social worker data"] = la_page_path(no_sw.iloc[0])
    return pages


@pytest.fixture(scope="module")
def pages(synthetic_build, rendered_site) -> dict[str, str]:
    chosen = audited_pages(synthetic_build.package_dir)
    site = rendered_site.site_dir
    for label, path in list(chosen.items()):
        if path.endswith(".html") and not (site / path).exists():
            # Quarto and the built-in renderer may use a folder for hand-written pages.
            folder = path.removesuffix(".html") + "/"
            assert (site / folder / "index.html").exists(), f"{label}: {path} not built"
            chosen[label] = folder
    return chosen


def test_pages_have_no_axe_violations_at_wcag_22_aa(
    browser, site_url, pages, rendered_site
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    counts: dict[str, int] = {}
    problems = []
    page = browser.new_page()
    for label, path in pages.items():
        page.goto(site_url + path, wait_until="load")
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        counts[label] = result.violations_count
        if result.violations_count:
            problems.append(f"{label} ({path}):\n{result.generate_snapshot()}")
    page.close()
    print(f"axe violations per page ({rendered_site.renderer}):", json.dumps(counts))
    assert not problems, "\n".join(problems)


def test_no_request_leaves_the_local_server(browser, site_url, pages) -> None:
    host = urlparse(site_url).netloc
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if urlparse(request.url).netloc not in {host, ""}
            and not request.url.startswith(("data:", "blob:", "about:"))
            else None
        ),
    )
    for path in pages.values():
        page.goto(site_url + path, wait_until="networkidle")
    page.close()
    assert outside == []


def test_no_console_errors_and_charts_draw(browser, site_url, pages) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    for label in ["overview", "LA with suppressed cells"]:
        page.goto(site_url + pages[label], wait_until="networkidle")
        page.wait_for_selector("svg, canvas", timeout=10_000)
    page.close()
    assert errors == []


def test_mobile_375px_has_no_horizontal_overflow(browser, site_url, pages) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2)
    page = context.new_page()
    overflowing = {}
    for label, path in pages.items():
        page.goto(site_url + path, wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            overflowing[label] = width
    context.close()
    assert overflowing == {}


def test_keyboard_skip_link_focus_and_heading_order(browser, site_url, pages) -> None:
    page = browser.new_page()
    for label, path in pages.items():
        page.goto(site_url + path, wait_until="load")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {text: e.textContent.trim().toLowerCase(), href: e.getAttribute('href'),"
            " outline: s.outlineStyle + ' ' + s.outlineWidth, shadow: s.boxShadow}; })()"
        )
        assert "skip" in focused["text"], f"{label}: first Tab stop is not a skip link: {focused}"
        visible = focused["outline"].split()[0] != "none" or focused["shadow"] != "none"
        assert visible, f"{label}: the focused skip link has no visible focus indicator"
        levels = page.evaluate(
            "Array.from(document.querySelectorAll('main h1, main h2, main h3, main h4'))"
            ".map(h => Number(h.tagName[1]))"
        )
        assert levels and levels[0] == 1 and levels.count(1) == 1, f"{label}: {levels}"
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (
            f"{label}: {levels}"
        )
        tables = page.evaluate(
            "Array.from(document.querySelectorAll('main table')).map(t => "
            "[!!t.querySelector('caption'), t.querySelectorAll('th').length])"
        )
        assert all(caption and headers for caption, headers in tables), f"{label}: {tables}"
    page.close()


def test_la_page_budget_and_first_render(browser, site_url, pages) -> None:
    page = browser.new_page()
    page.goto(site_url + pages["LA with suppressed cells"], wait_until="networkidle")
    entries = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".map(e => ({name: e.name, size: e.encodedBodySize || e.transferSize || 0}))"
    )
    paint = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
    )
    page.close()
    own = sum(e["size"] for e in entries if not any(m in e["name"] for m in SHARED_BUNDLE_MARKERS))
    print(f"LA page transfer excluding shared bundle: {own / 1024:.0f} KiB; first paint {paint} ms")
    assert own < 1_000_000
    assert paint is not None and paint < 1000


def test_la_page_reads_correctly_without_javascript(browser, site_url, pages) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + pages["LA with suppressed cells"], wait_until="load")
    text = page.inner_text("main")
    images = page.evaluate(
        "Array.from(document.querySelectorAll('main img, main svg')).filter(e => e.getBoundingClientRect().width > 0).length"
    )
    context.close()
    assert "%" in text and "c" in text
    assert images > 0, "no static chart is visible with JavaScript off"


def test_la_page_prints_on_a4_without_navigation(browser, site_url, pages, tmp_path) -> None:
    page = browser.new_page()
    page.goto(site_url + pages["smallest LA"], wait_until="load")
    page.emulate_media(media="print")
    nav_visible = page.evaluate(
        "Array.from(document.querySelectorAll('nav, .skip-link, header nav')).some(e => getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0)"
    )
    pdf = page.pdf(format="A4", path=str(tmp_path / "la.pdf"))
    page.close()
    assert not nav_visible
    assert pdf[:4] == b"%PDF"
