"""The comparison page as built: the static default table and the bundled script."""

from __future__ import annotations

import re

from pipeline.site.api import neighbours_of
from pipeline.site.package import SitePackage


def test_compare_page_shows_the_default_la_and_its_neighbours(synthetic_build) -> None:  # noqa: ANN001
    package = SitePackage.open(synthetic_build.package_dir)
    site = synthetic_build.site_dir
    html = (site / "compare" / "index.html").read_text(encoding="utf-8")
    kent = package.geography[package.geography["old_la_code"] == "886"].iloc[0]
    expected = (
        [kent["la_name"]]
        + [n["la_name"] for n in neighbours_of(package)[kent["new_la_code"]]]
        + ["England"]
    )
    table = html.split('id="compare-table"', 1)[1]
    names = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert names == expected
    assert 'src="../assets/compare.js"' in html
    assert (site / "assets" / "compare.js").exists()
    assert f'data-version="{package.version}"' in html
    # the script reads the document of the measure it shows
    folder = site / "api" / "v1" / package.version / "headline"
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(package.headline_measures)
    assert 'id="compare-form" class="compare-form" method="get" hidden' in html
