"""A scripted reader in a real browser: the journalist, the policy officer and the councillor.

* search "Stoke" and reach Stoke-on-Trent's page in two interactions (type, choose), with
  readable results (a light panel, the page's description, 0 axe violations while it is open);
* find a quotable key point and its citation on an LA page;
* sort the rankings table with the keyboard and filter it by region;
* read Kent's page on a 375 px phone: no horizontal page scroll, no clipped chart legend, no
  title repeated inside a chart.
"""

from __future__ import annotations

import re

import pytest

from pipeline.geography import la_page_path, local_authorities

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def la_code(name: str) -> str:
    """The old 3-digit code of the LA called ``name``."""
    las = local_authorities()
    return las.loc[las["la_name"] == name, "old_la_code"].iloc[0]


def search(page, term: str) -> list[dict]:  # noqa: ANN001 - a Playwright page
    """Type ``term`` into the site search and return the results shown (title, text, href)."""
    page.fill("#site-search-input", term)
    page.wait_for_function(
        "term => { const s = document.querySelector('#search-results .search-status');"
        " return s && s.textContent.includes('\"' + term + '\"')"
        " && document.querySelector('#search-results .search-list li'); }",
        arg=term,
        timeout=15_000,
    )
    return page.evaluate(
        "Array.from(document.querySelectorAll('#search-results .search-list li')).map(li => ({"
        "title: li.querySelector('a').textContent, href: li.querySelector('a').href,"
        "text: li.querySelector('p').textContent}))"
    )


def test_search_reaches_stoke_in_two_interactions_with_readable_results(browser, site_url) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    results = search(page, "Stoke")  # interaction 1: type
    first = results[0]
    assert first["title"].startswith("Stoke-on-Trent"), results
    # The excerpt is the page's description, not the synthetic banner or a wall of numbers.
    assert "Stoke-on-Trent" in first["text"] and "synthetic" not in first["text"].lower()
    assert len(re.findall(r"\d+%", first["text"])) == 0
    colours = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('#search-results'));"
        " const a = getComputedStyle(document.querySelector('#search-results a'));"
        " const header = document.querySelector('header');"
        " return {background: s.backgroundColor, link: a.color, position: s.position,"
        " inHeader: header.contains(document.querySelector('#search-results')),"
        " headerHeight: header.getBoundingClientRect().height}; })()"
    )
    assert colours["background"] == "rgb(255, 255, 255)" and not colours["inHeader"], colours
    assert colours["position"] == "absolute" and colours["headerHeight"] < 300, colours
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, result.generate_snapshot()
    page.click("#search-results .search-list a >> nth=0")  # interaction 2: choose
    page.wait_for_load_state("load")
    assert "stoke-on-trent" in page.url
    assert "Stoke-on-Trent" in page.inner_text("h1")
    page.close()


def test_search_by_keyboard_and_terms_find_the_glossary_first(browser, site_url) -> None:
    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    for term in ["quartile", "statistical neighbours"]:
        results = search(page, term)
        assert results[0]["title"] == "Glossary", (term, [r["title"] for r in results])
    status = page.inner_text("#search-results .search-status")
    assert re.match(r"\d+ results? for", status), status
    assert page.get_attribute("#search-results .search-status", "role") == "status"
    page.focus("#site-search-input")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('#search-results') !== null")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    assert page.is_hidden("#search-results")
    page.close()


def test_la_page_has_quotable_key_points_and_their_citation(browser, site_url) -> None:
    page = browser.new_page()
    page.goto(site_url + la_page_path(la_code("Stoke-on-Trent")), wait_until="networkidle")
    points = page.eval_on_selector_all(
        "#key-points ~ .key-points li", "e => e.map(l => l.innerText)"
    )
    if not points:
        points = page.eval_on_selector_all(".key-points li", "e => e.map(l => l.innerText)")
    assert 3 <= len(points) <= 5, points
    quote = points[0]
    assert re.match(
        r"In \d{4}-\d\d \(the year to 31 March \d{4}\), \d+% of children .* in Stoke-on-Trent",
        quote,
    ), quote
    assert re.search(r"(the same as|up from|down from) .*in \d{4}-\d\d|first year", quote), quote
    assert "England" in quote and "chance" in quote, quote
    citation = page.inner_text("#key-points-citation")
    version = page.inner_text(".cite-box dd:nth-of-type(3)")
    assert version in citation and citation.endswith("#key-points"), citation
    assert "stoke-on-trent" in citation
    links = page.eval_on_selector_all(".tile a.term", "e => e.map(a => a.getAttribute('href'))")
    assert any(h.endswith("glossary.html#percentage-points") for h in links), links
    assert any(h.endswith("glossary.html#quartile-band") for h in links), links
    assert re.search(r"\d+(st|nd|rd|th) of the \d+ local authorities with a published figure",
                     page.inner_text(".tiles"))  # fmt: skip
    page.close()


def _column(page, table: int, column: int) -> list[float | None]:  # noqa: ANN001
    return page.evaluate(
        f"Array.from(document.querySelectorAll('table.sortable')[{table}].tBodies[0].rows)"
        f".filter(r => !r.hidden).map(r => {{ const d = r.cells[{column}].querySelector('data');"
        " const v = parseFloat(d ? d.getAttribute('value') : ''); return isNaN(v) ? null : v; })"
    )


def test_rankings_sort_by_keyboard_and_filter_by_region(browser, site_url) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page()
    page.goto(site_url + "rankings/", wait_until="networkidle")
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, result.generate_snapshot()
    for _ in range(200):  # Tab to the first table's "Percent" sort button
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.className, document.activeElement.textContent.trim()]"
        )
        if focused == ["sort-button", "Percent"]:
            break
    else:
        pytest.fail("the Percent sort button cannot be reached with Tab")
    page.keyboard.press("Enter")
    values = [v for v in _column(page, 0, 3) if v is not None]
    assert values == sorted(values) and len(values) > 10
    assert page.get_attribute("table.sortable th:nth-child(4)", "aria-sort") == "ascending"
    page.keyboard.press("Enter")
    values = [v for v in _column(page, 0, 3) if v is not None]
    assert values == sorted(values, reverse=True)
    assert "highest first" in page.inner_text(".sort-status")
    page.select_option("#rankings-region", "North East")
    regions = page.evaluate(
        "Array.from(document.querySelectorAll('table.sortable')[0].tBodies[0].rows)"
        ".filter(r => !r.hidden).map(r => r.dataset.region)"
    )
    assert regions and set(regions) == {"North East"}
    assert "North East" in page.inner_text(".rankings-status")
    page.close()


def test_kent_on_a_375px_phone_has_no_page_scroll_and_no_clipped_legend(browser, site_url) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2)
    page = context.new_page()
    page.goto(site_url + la_page_path(la_code("Kent")), wait_until="networkidle")
    page.wait_for_selector(".chart-drawn", timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    charts = page.evaluate(
        "Array.from(document.querySelectorAll('.chart-drawn')).map(c => {"
        " const box = c.getBoundingClientRect();"
        " const legend = Array.from(c.querySelectorAll('.role-legend text, .role-legend-label text'));"
        " return {left: box.left, right: box.right,"
        " titles: c.querySelectorAll('.role-title text').length,"
        " labels: legend.map(t => ({text: t.textContent, left: t.getBoundingClientRect().left,"
        " right: t.getBoundingClientRect().right}))}; })"
    )
    assert charts, "no chart was drawn"
    for chart in charts:
        assert chart["titles"] == 0, "a chart repeats its title inside the graphic"
        for label in chart["labels"]:
            assert not label["text"].endswith("…"), label
            assert chart["left"] - 1 <= label["left"] and label["right"] <= chart["right"] + 1, (
                label,
                chart,
            )
    key = page.evaluate(
        "(() => { const key = document.querySelector('.symbol-key');"
        " const table = document.querySelector('main table');"
        " return key && table ? !!(key.compareDocumentPosition(table) & 4) : null; })()"
    )
    assert key is True, "the symbol key does not come before the first table"
    context.close()


def test_overview_table_of_every_la_sorts_and_its_text_is_true(browser, site_url) -> None:
    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    description = page.inner_text("#chart-england-la-spread .chart-description")
    assert "cannot be reached with the keyboard" in description
    page.click("#chart-england-la-spread summary")
    page.click("#chart-england-la-spread th:nth-child(2) .sort-button")
    values = page.evaluate(
        "Array.from(document.querySelectorAll('#chart-england-la-spread tbody tr'))"
        ".map(r => parseFloat(r.cells[1].querySelector('data').getAttribute('value')))"
        ".filter(v => !isNaN(v))"
    )
    assert values == sorted(values) and len(values) > 10
    page.close()
