"""The hex map: its layout data, its bands (hand-worked), its SVG and the built map pages."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.site.hexmap import HexCell, hex_svg, load_layout, quartile_bands
from pipeline.site.package import SitePackage

ROOT = Path(__file__).resolve().parents[1]


def test_layout_holds_every_current_la_once_on_its_own_hexagon() -> None:
    layout = load_layout()
    geography = pd.read_csv(ROOT / "pipeline" / "data" / "geography.csv", dtype=str)
    assert len(geography) == 153
    assert sorted(layout["new_la_code"]) == sorted(geography["new_la_code"])
    assert not layout.duplicated(["col", "row"]).any()
    assert (layout[["col", "row"]] >= 0).all().all()


def test_each_region_is_one_block_of_touching_hexagons() -> None:
    layout = load_layout()

    def neighbours(col: int, row: int) -> set[tuple[int, int]]:
        shift = row % 2  # odd rows sit half a hexagon to the right
        return {
            (col - 1, row), (col + 1, row),
            (col - 1 + shift, row - 1), (col + shift, row - 1),
            (col - 1 + shift, row + 1), (col + shift, row + 1),
        }  # fmt: skip

    for region, cells in layout.groupby("region_name"):
        places = set(zip(cells["col"], cells["row"], strict=True))
        seen, todo = set(), [next(iter(places))]
        while todo:
            here = todo.pop()
            if here in seen:
                continue
            seen.add(here)
            todo += [n for n in neighbours(*here) if n in places]
        assert seen == places, region


def test_quartile_bands_by_hand() -> None:
    # 8 LAs, lower is better: ranks 1..8 -> bands floor((rank-1)*4/8) = A A B B C C D D
    percent = pd.Series(["10", "20", "30", "40", "50", "60", "70", "80"])
    assert quartile_bands(percent, higher_is_better=False).tolist() == list("AABBCCDD")
    assert quartile_bands(percent, higher_is_better=True).tolist() == list("DDCCBBAA")
    # symbols get no band and are not counted: 4 ranked -> one per band; ties share a rank
    mixed = pd.Series(["5", "c", "5", "9", "x", "12"])
    assert quartile_bands(mixed, higher_is_better=False).tolist() == ["A", "", "A", "C", "", "D"]


def test_svg_links_every_hexagon_in_reading_order_and_hatches_symbols() -> None:
    cells = [
        HexCell("E1", "Beta", 1, 1, "../la/e1/", "12%", "B", "", "North East"),
        HexCell("E2", "Alpha", 0, 0, "../la/e2/", "c", "", "c", "North East"),
    ]
    svg = hex_svg(cells, "Test map", {"c": "Suppressed"}, "k")
    # the <title> is each link's name (and tooltip): no aria-label repeating it
    links = re.findall(r'<a href="([^"]+)"><title>([^<]+)</title>', svg)
    assert " aria-label=" not in svg
    assert links == [
        ("../la/e2/", "Alpha: c (suppressed)"),
        ("../la/e1/", "Beta: 12%, band B (second most stable quarter)"),
    ]
    assert svg.count('fill="url(#hatch-k)"') == 1 and svg.count('id="hatch-k"') == 1
    assert 'aria-labelledby="map-title-k"' in svg and "<script" not in svg
    assert ">North East</text>" in svg


@pytest.fixture(scope="module")
def package(synthetic_build) -> SitePackage:  # noqa: ANN001
    return SitePackage.open(synthetic_build.package_dir)


def test_map_pages_are_one_per_measure_and_year_small_and_link_every_la(
    synthetic_build,  # noqa: ANN001
    package,  # noqa: ANN001
) -> None:
    site = synthetic_build.site_dir
    years = sorted(package.table("time_series")["time_period"].unique())
    latest, measures = years[-1], package.headline_measures
    index = (site / "map" / "index.html").read_text(encoding="utf-8")
    assert "<svg" not in index  # the index links the maps; it draws none
    for measure in measures:
        pages = {year: site / "map" / measure / year / "index.html" for year in years[:-1]}
        pages[latest] = site / "map" / measure / "index.html"
        assert f'href="../map/{measure}/"' in index
        for year, page in pages.items():
            html = page.read_text(encoding="utf-8")
            assert page.stat().st_size < 200_000, page
            main = html.split("<main", 1)[-1].split("</main>", 1)[0]
            assert "<script" not in main
            assert main.count('<svg class="hexmap"') == 1, page
            assert f'aria-labelledby="map-title-{measure}-{year}"' in main
    assert not (site / "map" / latest).exists()
    first = (site / "map" / measures[0] / "index.html").read_text(encoding="utf-8")
    svg = first.split(f'aria-labelledby="map-title-{measures[0]}-{latest}"', 1)[1]
    svg = svg.split("</svg>")[0]
    hrefs = re.findall(r'<a href="\.\./\.\./(la/[^"]+)"', svg)
    assert sorted(hrefs) == sorted(package.geography["page"])
    for href in hrefs[:5]:
        assert (site / href / "index.html").exists()
    # every LA in the table alternative too, and links to the other measures and years
    table = first.split('id="map-table"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r'<th scope="row"><a href="\.\./\.\./la/', table)) == 153
    for measure in measures[1:]:
        assert f'href="../../map/{measure}/"' in first
    for year in years[:-1]:
        assert f'href="../../map/{measures[0]}/{year}/"' in first


def test_map_csv_bands_match_the_published_la_comparison(synthetic_build, package) -> None:  # noqa: ANN001
    data = pd.read_csv(
        synthetic_build.site_dir / "map" / "map-data.csv", dtype=str, keep_default_na=False
    )
    latest = data[data["time_period"] == package.latest_year]
    published = package.table("la_comparison")
    merged = latest.merge(published, on=["new_la_code", "measure"], suffixes=("", "_pub"))
    assert len(merged) == len(published) == 153 * len(package.headline_measures)
    numeric = merged["quartile_band_pub"].isin(["A", "B", "C", "D"])
    assert (merged.loc[numeric, "quartile_band"] == merged.loc[numeric, "quartile_band_pub"]).all()
    assert (merged.loc[~numeric, "quartile_band"] == "").all()
    assert (merged["percent"] == merged["percent_pub"]).all()


def test_overview_shows_the_map_of_the_first_headline_measure(synthetic_build, package) -> None:  # noqa: ANN001
    html = (synthetic_build.site_dir / "index.html").read_text(encoding="utf-8")
    key = f"{package.headline_measures[0]}-{package.latest_year}"
    svg = html.split(f'aria-labelledby="map-title-{key}"', 1)[1].split("</svg>")[0]
    assert len(re.findall(r'<a href="la/[^"]+/"', svg)) == 153
    assert 'href="map/"' in html
    # the table alternative is the map page's (not repeated on the overview)
    assert f'href="map/{package.headline_measures[0]}/#map-table"' in html
    section = html.split(f'aria-labelledby="h-{key}"', 1)[1].split("</section>", 1)[0]
    assert "<table" not in section
