"""Small, direct tests of the site's building blocks: display rules and the pandoc renderer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.site import render
from pipeline.site.display import (
    cell_html,
    change_phrase,
    count_text,
    one_in_n,
    percent_text,
    points_text,
    year_label,
)
from pipeline.site.package import PackageError, SitePackage
from pipeline.site.pages_downloads import shift_headings
from pipeline.site.pandoc_renderer import (
    RenderError,
    accessible_tables,
    expand_includes,
    render_with_pandoc,
    split_front_matter,
)
from pipeline.site.quarto_config import page_sources, read_site_config
from pipeline.site.render import RendererError, choose_renderer


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("12.500000", "13%"),
        ("12.499999", "12%"),
        ("0.500000", "1%"),
        ("99.5", "100%"),
        ("c", "c"),
        ("x", "x"),
        ("low", "low"),
    ],
)
def test_percentages_round_half_up_and_symbols_stay(cell: str, shown: str) -> None:
    assert percent_text(cell) == shown


def test_counts_points_and_years_are_formatted_for_display() -> None:
    assert count_text("8860") == "8,860"
    assert count_text("83630") == "83,630"
    assert points_text("1.25") == "+1.3 pp"
    assert points_text("-0.35") == "−0.4 pp"
    assert points_text("0.0") == "±0.0 pp"
    assert year_label("2024") == "2023-24"
    with pytest.raises(ValueError, match="not a number or a symbol"):
        percent_text("twelve")


def test_cells_keep_the_csv_value_and_explain_symbols() -> None:
    assert cell_html("10.4", "percent") == (
        '<data value="10.4" data-source="la" data-kind="percent">10%</data>'
    )
    suppressed = cell_html("c", "count", "package")
    assert 'value="c"' in suppressed and "suppressed to protect confidentiality" in suppressed


def test_plain_english_phrases_follow_the_rounded_figures() -> None:
    assert one_in_n("10.4") == "About 1 in 10"
    assert one_in_n("25.2") == "About 1 in 4"
    assert one_in_n("68.0") == "About 7 in 10"
    assert change_phrase("10.4", "9.6", "2023") == "the same as in 2022-23"
    assert change_phrase("11.6", "9.6", "2023") == "up from 10% in 2022-23"
    assert change_phrase("8.2", "9.6", "2023") == "down from 10% in 2022-23"
    assert change_phrase("8.2", "z", "2023") == "the first year with this measure"
    assert change_phrase("8.2", "c", "2023").startswith("no comparison with 2022-23")


def test_included_markdown_keeps_one_h1_per_page() -> None:
    text = "# Decisions\n\n## One\n\n```\n# not a heading\n```\n"
    assert shift_headings(text, 2) == "### Decisions\n\n#### One\n\n```\n# not a heading\n```\n"


def test_front_matter_errors_name_the_file(tmp_path: Path) -> None:
    meta, body = split_front_matter('---\ntitle: "A"\n---\nBody\n', tmp_path / "a.qmd")
    assert meta == {"title": "A"} and body == "Body\n"
    with pytest.raises(RenderError, match="b.qmd: front matter is not valid YAML"):
        split_front_matter("---\ntitle: [unclosed\n---\n", tmp_path / "b.qmd")


def test_includes_are_expanded_and_missing_ones_reported(tmp_path: Path) -> None:
    (tmp_path / "_part.md").write_text("Included text.\n", encoding="utf-8")
    assert expand_includes("A\n{{< include _part.md >}}\n", tmp_path) == "A\nIncluded text.\n\n"
    with pytest.raises(RenderError, match="included file _missing.md not found"):
        expand_includes("{{< include _missing.md >}}", tmp_path)


def test_markdown_tables_get_header_scopes_and_a_named_wrapper() -> None:
    html = (
        '<table><caption>Symbols</caption><thead><tr><th>Symbol</th><th style="x">Meaning'
        "</th></tr></thead><tbody><tr><td>c</td><td>suppressed</td></tr></tbody></table>"
        "<pre><code>x</code></pre>"
    )
    fixed = accessible_tables(html)
    assert fixed.count('<th scope="col"') == 2
    assert "<thead>" in fixed
    assert 'aria-label="Symbols"' in fixed
    assert '<pre tabindex="0">' in fixed


SITE_CONFIG = """
project:
  type: website
  output-dir: ../_site
  render: ["*.qmd", "**/*.qmd"]
  resources: [assets/**]
website:
  title: "Test Site"
  navbar:
    left:
      - {text: Home, href: index.qmd}
      - {text: An LA, href: la/E1-x/index.qmd}
  page-footer:
    left: "Footer words."
    right:
      - {text: Feed, href: feed.xml}
format:
  html:
    css: styles.css
"""


def test_pandoc_renderer_handles_callouts_links_and_folders(tmp_path: Path) -> None:
    source, output = tmp_path / "site", tmp_path / "_site"
    (source / "la" / "E1-x").mkdir(parents=True)
    (source / "assets").mkdir()
    (source / "assets" / "a.js").write_text("//", encoding="utf-8")
    (source / "_quarto.yml").write_text(SITE_CONFIG, encoding="utf-8")
    (source / "styles.css").write_text("body{}", encoding="utf-8")
    (source / "index.qmd").write_text(
        '---\ntitle: "Home"\n---\n\n::: {.callout-note title="Read me"}\nA note.\n:::\n\n'
        "[An LA](la/E1-x/index.qmd#top)\n",
        encoding="utf-8",
    )
    (source / "la" / "E1-x" / "index.qmd").write_text(
        '---\ntitle: "An LA"\n---\n\n## Part {#top}\n\n[Home](../../index.qmd)\n',
        encoding="utf-8",
    )
    assert render_with_pandoc(source, output) == 2
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "<h1>Home</h1>" in home and '<html lang="en-GB">' in home
    assert 'class="callout-note callout"' in home and "<strong>Read me</strong>" in home
    assert 'href="la/E1-x/index.html#top"' in home
    # Title, navbar and footer come from _quarto.yml.
    assert "<title>Home | Test Site</title>" in home and "Footer words." in home
    assert '<a href="la/E1-x/index.html">An LA</a>' in home and 'href="feed.xml">Feed</a>' in home
    la = (output / "la" / "E1-x" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../index.html"' in la and 'href="../../styles.css"' in la
    assert '<a href="../../index.html">Home</a>' in la
    assert (output / "styles.css").exists() and (output / "assets" / "a.js").exists()


def test_site_config_names_the_pages_to_render(tmp_path: Path) -> None:
    (tmp_path / "_generated").mkdir()
    (tmp_path / "_generated" / "part.qmd").write_text("x", encoding="utf-8")
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "CHANGELOG.md").write_text("x", encoding="utf-8")
    (tmp_path / "a.qmd").write_text("x", encoding="utf-8")
    (tmp_path / "region" / "r").mkdir(parents=True)
    (tmp_path / "region" / "r" / "index.qmd").write_text("x", encoding="utf-8")
    (tmp_path / "_quarto.yml").write_text(SITE_CONFIG, encoding="utf-8")
    config = read_site_config(tmp_path)
    assert config.title == "Test Site" and config.navigation[0] == ("Home", "index.html")
    found = [p.relative_to(tmp_path).as_posix() for p in page_sources(tmp_path, config)]
    assert found == ["a.qmd", "region/r/index.qmd"]


def test_an_unclosed_div_is_an_error_not_a_lost_page(tmp_path: Path) -> None:
    source = tmp_path / "site"
    source.mkdir()
    (source / "a.qmd").write_text('---\ntitle: "A"\n---\n\n::: {.callout-note}\nOpen\n')
    (source / "b.qmd").write_text('---\ntitle: "B"\n---\n\nB\n')
    with pytest.raises(RenderError, match="unbalanced"):
        render_with_pandoc(source, tmp_path / "_site")


def test_render_says_which_renderer_it_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "_pages"
    pages.mkdir()
    (pages / "_quarto.yml").write_text(SITE_CONFIG, encoding="utf-8")
    (pages / "index.qmd").write_text('---\ntitle: "Only page"\n---\n\nText.\n')
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_renderer("auto") == "pandoc"
    with pytest.raises(RendererError, match="quarto is not on PATH|`quarto` is not on PATH"):
        choose_renderer("quarto")
    with pytest.raises(RendererError, match="unknown renderer 'word'"):
        choose_renderer("word")
    assert render(tmp_path) == "pandoc"
    assert (tmp_path / "_site" / "index.html").exists()
    assert "built-in renderer" in (pages / "_generated" / "renderer.md").read_text()


def test_a_folder_without_a_descriptor_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="datapackage.json: not found"):
        SitePackage.open(tmp_path)
    descriptor = {"name": "p", "title": "P", "version": "1.0.0", "created": "2025-01-01"}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(PackageError, match="no 'resources' property"):
        SitePackage.open(tmp_path)


def test_quarto_renders_the_pages_folder_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--renderer quarto`` runs ``quarto render`` in ``_pages/``; its output is left as it is.

    A stand-in ``quarto`` writes where the real one does for ``output-dir: ../_site``.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo 9.9.9; exit 0; fi\n'
        "test -f _quarto.yml || exit 3\n"
        "mkdir -p ../_site/la/E1-x ../_site/site_libs\n"
        "echo '<a href=\"la/E1-x/index.html\">x</a>' > ../_site/index.html\n"
        "echo '<a href=\"../../index.html\">home</a>' > ../_site/la/E1-x/index.html\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    (tmp_path / "_pages").mkdir()
    (tmp_path / "_pages" / "_quarto.yml").write_text(SITE_CONFIG, encoding="utf-8")
    assert render(tmp_path, "quarto") == "quarto"
    site = tmp_path / "_site"
    assert (site / "index.html").read_text() == '<a href="la/E1-x/index.html">x</a>\n'
    assert (
        (site / "la" / "E1-x" / "index.html").read_text().startswith('<a href="../../index.html"')
    )
    note = (tmp_path / "_pages" / "_generated" / "renderer.md").read_text()
    assert "Quarto](https://quarto.org) 9.9.9" in note


def test_site_check_finds_broken_links_missing_anchors_and_external_loads(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.site.linkcheck import check_site

    site = tmp_path / "_site"
    (site / "la" / "E1-x").mkdir(parents=True)
    (site / "site_libs").mkdir()
    (site / "site_libs" / "lib.html").write_text('<a href="nowhere.html">x</a>')
    (site / "index.html").write_text(
        '<h2 id="top">T</h2><a href="la/E1-x/">LA</a> <a href="#top">up</a>'
        '<a href="https://quarto.org">a link, not a load</a><link href="style.css" rel="stylesheet">'
    )
    (site / "style.css").write_text("body{}")
    (site / "la" / "E1-x" / "index.html").write_text(
        '<a href="../../index.html#top">ok</a><a href="../../index.html#gone">no anchor</a>'
        '<a href="../../missing.html">missing</a><img src="https://example.org/x.png">'
    )
    result = check_site(site)
    assert result.pages == ["index.html", "la/E1-x/index.html"]
    assert result.links["index.html"] == {"la/E1-x/index.html", "index.html#top"}
    assert sorted(result.broken) == [
        "la/E1-x/index.html -> ../../index.html#gone (no such anchor)",
        "la/E1-x/index.html -> ../../missing.html",
    ]
    assert result.external == ["la/E1-x/index.html: loads https://example.org/x.png"]
    outcome = CliRunner().invoke(app, ["check-site", str(site)])
    assert outcome.exit_code == 1 and "2 broken, 1 loads from other hosts" in outcome.output
    (site / "style.css").write_text('@import url("https://fonts.example/a.css");')
    assert check_site(site).external[-1] == "style.css: loads https://fonts.example/a.css"


def test_quarto_renders_la_pages_in_parallel_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other pages first (profile ``rest``), then each group of LA pages in its own linked copy,
    leaving out the other groups' pages; the copies are removed afterwards."""
    from pipeline.site import quarto_renderer

    logs = tmp_path / "logs"
    logs.mkdir()
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'log={logs}/$(basename "$PWD").log\n'
        'echo "$*" >> "$log"\n'
        'for p in _quarto-*.yml; do [ -f "$p" ] && cat "$p" >> "$log"; done\n'
        "exit 0\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.setattr(quarto_renderer, "MIN_PAGES_TO_SPLIT", 2)
    pages = tmp_path / "_pages"
    for name in ["E1-a", "E2-b", "E3-c"]:
        (pages / "la" / name).mkdir(parents=True)
        (pages / "la" / name / "index.qmd").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (pages / "_quarto.yml").write_text(SITE_CONFIG, encoding="utf-8")
    quarto_renderer.render_with_quarto(pages, tmp_path / "_site", workers=2)
    calls = {log.stem: log.read_text(encoding="utf-8") for log in logs.iterdir()}
    assert calls["_pages"] == "render --profile rest --quiet\nproject:\n  render:\n  - '!/la/**'\n"
    assert calls["_pages-part0"].startswith("render la --profile part --quiet\n")
    assert "'!/la/E2-b/**'" in calls["_pages-part0"]
    assert "E1-a" not in calls["_pages-part0"] and "E3-c" not in calls["_pages-part0"]
    assert "'!/la/E1-a/**'" in calls["_pages-part1"] and "'!/la/E3-c/**'" in calls["_pages-part1"]
    assert "E2-b" not in calls["_pages-part1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_pages", "bin", "logs"]
    assert not (pages / "_quarto-rest.yml").exists()
