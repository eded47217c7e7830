"""The map and comparison pages in a real browser: axe, keyboard, addresses, no JS, budget."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_accessibility import AXE_TAGS, SHARED_BUNDLE_MARKERS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPARE_LINK = "compare/?la=886,887&m=sw_2plus&from=2022&to=2024"
#: A map page (first headline measure, latest year) and one of an earlier year.
MAP_PAGE = "map/placement_2plus/"
EARLIER_MAP_PAGE = "map/sw_2plus/2022/"


def wait_for_compare(page) -> None:  # noqa: ANN001
    page.wait_for_function(
        "document.getElementById('compare-status').textContent.startsWith('Showing')",
        timeout=15_000,
    )


def table_text(page) -> list[list[str]]:  # noqa: ANN001
    return page.evaluate(
        "Array.from(document.querySelectorAll('#compare-table tr')).map(r => "
        "Array.from(r.children).map(c => c.textContent.trim()))"
    )


def test_map_and_compare_have_no_axe_violations(browser, site_url) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_page()
    problems = []
    for path in ["map/", MAP_PAGE, COMPARE_LINK]:
        page.goto(site_url + path, wait_until="networkidle")
        if path.startswith("compare"):
            wait_for_compare(page)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        print(path, "axe violations:", result.violations_count)
        if result.violations_count:
            problems.append(f"{path}:\n{result.generate_snapshot()}")
    page.close()
    assert not problems, "\n".join(problems)


def test_map_hexagons_are_reached_by_keyboard_and_open_the_la_page(browser, site_url) -> None:
    page = browser.new_page()
    page.goto(site_url + MAP_PAGE, wait_until="load")
    for _ in range(200):
        page.keyboard.press("Tab")
        inside = page.evaluate("!!document.activeElement.closest('svg.hexmap')")
        if inside:
            break
    assert inside, "no hexagon took the keyboard focus"
    label = page.evaluate("document.activeElement.querySelector('title').textContent")
    assert "band" in label or "(" in label
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/la/" in page.url
    page.close()


def test_a_comparison_link_reproduces_its_view(browser, site_url) -> None:
    page = browser.new_page()
    page.goto(site_url + COMPARE_LINK, wait_until="networkidle")
    wait_for_compare(page)
    rows = table_text(page)
    assert rows[0] == ["Area", "2021-22", "2022-23", "2023-24"]
    assert [r[0] for r in rows[1:]] == ["Kent", "Medway", "England"]
    chosen = page.evaluate(
        "Array.from(document.getElementById('compare-la').selectedOptions).map(o => o.value)"
    )
    assert chosen == ["886", "887"]
    assert page.input_value("#compare-measure") == "sw_2plus"
    # choose by keyboard-free form use, submit: the address carries the new choice
    page.select_option("#compare-la", ["201", "886"])
    page.select_option("#compare-measure", "placement_2plus")
    page.click("button[type=submit]")
    wait_for_compare(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["la"] == ["201,886"] and query["m"] == ["placement_2plus"]
    shown = table_text(page)
    other = browser.new_page()
    other.goto(page.url, wait_until="networkidle")
    wait_for_compare(other)
    assert table_text(other) == shown
    assert [r[0] for r in shown[1:]] == ["City of London", "Kent", "England"]
    other.close()
    page.close()


def test_compare_shows_a_plain_table_without_javascript(browser, site_url) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "compare/", wait_until="load")
    assert not page.is_visible("#compare-form")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('#compare-table tbody tr th')).map(c => c.textContent)"
    )
    context.close()
    assert rows[0] == "Kent" and rows[-1] == "England" and len(rows) >= 3


def test_map_and_compare_load_under_1_mb_without_outside_requests(browser, site_url) -> None:
    host = urlparse(site_url).netloc
    for path in ["map/", MAP_PAGE, EARLIER_MAP_PAGE, COMPARE_LINK]:
        page = browser.new_page()
        outside: list[str] = []
        page.on(
            "request",
            lambda request, seen=outside: (
                seen.append(request.url)
                if urlparse(request.url).netloc not in {host, ""}
                and not request.url.startswith(("data:", "blob:", "about:"))
                else None
            ),
        )
        page.goto(site_url + path, wait_until="networkidle")
        entries = page.evaluate(
            "performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".map(e => ({name: e.name, size: e.encodedBodySize || e.transferSize || 0}))"
        )
        page.close()
        own = sum(
            e["size"] for e in entries if not any(m in e["name"] for m in SHARED_BUNDLE_MARKERS)
        )
        print(f"{path}: {own / 1024:.0f} KiB")
        assert own < 1_000_000, path
        assert outside == [], path
