"""The website's ``_quarto.yml``, read once for both renderers.

Quarto reads it itself; the built-in pandoc renderer takes from it the site title, the navbar,
the footer, which pages to render and which resources to publish, so nothing is written twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONFIG = "_quarto.yml"


class SiteConfigError(Exception):
    """``_quarto.yml`` is missing or lacks what the site needs (the message says what)."""


@dataclass
class SiteConfig:
    """What a renderer needs from ``_quarto.yml``; hrefs are relative to the site root."""

    title: str
    lang: str = "en-GB"
    output_dir: str = "_site"
    render: list[str] = field(default_factory=lambda: ["**/*.qmd"])
    resources: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)
    navigation: list[tuple[str, str]] = field(default_factory=list)
    footer_text: str = ""
    footer_links: list[tuple[str, str]] = field(default_factory=list)


def html_href(href: str) -> str:
    """A Quarto source link as its published address (``la/x/index.qmd`` -> ``.html``)."""
    return re.sub(r"\.qmd(?=$|#)", ".html", href)


def _links(items: object, where: str) -> list[tuple[str, str]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and "text" in i and "href" in i for i in items
    ):
        raise SiteConfigError(f"{CONFIG}: {where} must be a list of items with text and href")
    return [(str(item["text"]), html_href(str(item["href"]))) for item in items]


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def read_site_config(pages: Path) -> SiteConfig:
    """Read ``pages/_quarto.yml`` (a missing file gives an untitled site of every page)."""
    path = Path(pages) / CONFIG
    if not path.exists():
        return SiteConfig(title="")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SiteConfigError(f"{path}: not valid YAML ({error})") from error
    project, website = data.get("project") or {}, data.get("website") or {}
    html = (data.get("format") or {}).get("html") or {}
    footer = website.get("page-footer") or {}
    return SiteConfig(
        title=str(website.get("title", "")),
        lang=str(data.get("lang", "en-GB")),
        output_dir=str(project.get("output-dir", "_site")),
        render=_strings(project.get("render")) or ["**/*.qmd"],
        resources=_strings(project.get("resources")),
        css=_strings(html.get("css")),
        navigation=_links((website.get("navbar") or {}).get("left"), "website.navbar.left"),
        footer_text=str(footer.get("left", "")) if isinstance(footer, dict) else str(footer),
        footer_links=_links(
            footer.get("right") if isinstance(footer, dict) else None, "website.page-footer.right"
        ),
    )


def _hidden(relative: Path) -> bool:
    return any(part.startswith(("_", ".")) for part in relative.parts)


def page_sources(pages: Path, config: SiteConfig) -> list[Path]:
    """The ``.qmd`` pages ``project.render`` names (files under ``_`` or ``.`` folders never)."""
    found: set[Path] = set()
    for pattern in config.render:
        for path in Path(pages).glob(pattern):
            if path.is_file() and path.suffix == ".qmd" and not _hidden(path.relative_to(pages)):
                found.add(path)
    return sorted(found)


def resource_files(pages: Path, config: SiteConfig) -> list[Path]:
    """Every file that ``project.resources`` and ``format.html.css`` publish as it is."""
    found: set[Path] = set()
    for pattern in [*config.resources, *config.css]:
        for path in Path(pages).glob(pattern):
            found.update(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file())
    return sorted(found)
