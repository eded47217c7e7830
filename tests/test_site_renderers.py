"""Each renderer's synthetic England site is sound, and both renderers give the same site.

The pandoc run always happens; the Quarto run is skipped (with the reason) where Quarto is not
installed. Each site is rendered once a session (``synthetic_renders`` in conftest.py).
"""

from __future__ import annotations

import re

import pytest

from pipeline.geography import la_page_path, local_authorities
from pipeline.site.linkcheck import SiteCheck, check_site

pytestmark = pytest.mark.slow
#: pandoc's anchors on each line of a code block (``#cb<block>-<line>``): blocks are numbered
#: per pandoc run, and the built-in renderer converts several pages in one run.
CODE_LINE = re.compile(r"#cb\d+-\d+$")


def page_links(result: SiteCheck) -> dict[str, set[str]]:
    """Each page's internal links, without the code-line anchors."""
    return {
        page: {link for link in links if not CODE_LINE.search(link)}
        for page, links in result.links.items()
    }


def test_every_la_has_its_page_and_no_link_or_load_is_broken(rendered_site) -> None:
    result = check_site(rendered_site.site_dir)
    la_pages = [page for page in result.pages if page.startswith("la/")]
    print(
        f"{rendered_site.renderer}: {len(result.pages)} pages, {len(la_pages)} LA pages, "
        f"{sum(map(len, result.links.values()))} internal links, {len(result.broken)} broken, "
        f"{len(result.external)} external loads"
    )
    expected = {f"{la_page_path(code)}index.html" for code in local_authorities()["old_la_code"]}
    assert set(la_pages) == expected
    assert result.broken == []
    assert result.external == []


def test_both_renderers_give_the_same_pages_and_internal_links(synthetic_renders) -> None:
    pandoc = check_site(synthetic_renders.get("pandoc").site_dir)
    quarto = check_site(synthetic_renders.get("quarto").site_dir)
    print(
        f"pandoc {len(pandoc.pages)} pages / quarto {len(quarto.pages)} pages; links "
        f"{sum(map(len, pandoc.links.values()))} / {sum(map(len, quarto.links.values()))}"
    )
    assert pandoc.pages == quarto.pages
    ours, theirs = page_links(pandoc), page_links(quarto)
    differences = {
        page: (sorted(ours[page] - theirs[page]), sorted(theirs[page] - ours[page]))
        for page in pandoc.pages
        if ours[page] != theirs[page]
    }
    assert differences == {}, (
        f"{len(differences)} pages differ, e.g. {next(iter(differences.items()))}"
    )
