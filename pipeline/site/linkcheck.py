"""Check a built site: every internal link and load resolves, and nothing loads from elsewhere.

Used by ``stability-index check-site`` (the publish workflow runs it over ``_site`` and fails on
any problem) and by the tests, which also compare the pages and links the two renderers give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Folders of tools' own files: not pages (the search index, Quarto's libraries).
NOT_PAGES = ("pagefind", "site_libs")
EXTERNAL = re.compile(r"^(https?:)?//", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", re.I)
CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?((?:https?:)?//[^)'\"\s;]+)", re.I)
SVG_HREF = re.compile(r"(?:xlink:)?href=\"((?:https?:)?//[^\"]+)\"")
#: Attributes whose URL the browser fetches when the page loads.
LOAD_ATTRIBUTES = {"src", "srcset", "poster", "data"}


class _Page(HTMLParser):
    """The links, loads and ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.loads: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "link" and "href" in values:
            self.loads.append(values["href"])
        for attribute in LOAD_ATTRIBUTES & values.keys():
            if tag == "data" and attribute == "data":
                continue
            self.loads.extend(values[attribute].split(",")[0].split()[:1])


@dataclass
class SiteCheck:
    """What :func:`check_site` found; ``links`` maps each page to its internal link targets."""

    pages: list[str] = field(default_factory=list)
    links: dict[str, set[str]] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no internal link is broken and nothing loads from another host."""
        return not self.broken and not self.external


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of the site (not the search index's or Quarto's library files)."""
    return sorted(
        p for p in site.rglob("*.html") if not set(p.relative_to(site).parts) & set(NOT_PAGES)
    )


def _target(site: Path, page: Path, path: str) -> Path:
    target = (page.parent / unquote(path)).resolve() if path else page.resolve()
    return target / "index.html" if target.is_dir() else target


def _check_href(
    site: Path, page: Path, href: str, parsed: dict[Path, _Page]
) -> tuple[str | None, Path | None]:
    """(why an internal href is broken or None, the site file it points at or None)."""
    parts = urlsplit(href)
    if parts.scheme or not href.strip() or href.startswith("//"):
        return None, None
    target = _target(site, page, parts.path)
    if site not in target.parents:
        return f"-> {href} (outside the site)", None
    if not target.exists():
        return f"-> {href}", target
    if target.suffix == ".qmd":
        return f"-> {href} (a page's source, not the page)", target
    if parts.fragment and target in parsed and parts.fragment not in parsed[target].ids:
        return f"-> {href} (no such anchor)", target
    return None, target


def check_site(site: Path) -> SiteCheck:
    """Check every page's links and loads under ``site``; return what was found."""
    site = Path(site).resolve()
    parsed = {page: _Page() for page in site_pages(site)}
    for page, collected in parsed.items():
        collected.feed(page.read_text(encoding="utf-8"))
    result = SiteCheck(pages=[p.relative_to(site).as_posix() for p in parsed])
    for page, collected in parsed.items():
        name = page.relative_to(site).as_posix()
        result.external += [
            f"{name}: loads {src}" for src in collected.loads if EXTERNAL.match(src)
        ]
        targets: set[str] = set()
        for href in collected.links + collected.loads:
            problem, target = _check_href(site, page, href, parsed)
            if problem:
                result.broken.append(f"{name} {problem}")
            if target is not None and href in collected.links:
                fragment = urlsplit(href).fragment
                targets.add(target.relative_to(site).as_posix() + (f"#{fragment}" * bool(fragment)))
        result.links[name] = targets
    result.external += _external_in_files(site)
    return result


def _external_in_files(site: Path) -> list[str]:
    """Loads from other hosts written in style sheets and SVG files."""
    found = []
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        urls = CSS_URL.findall(text) + CSS_IMPORT.findall(text)
        found += [f"{sheet.relative_to(site).as_posix()}: loads {url}" for url in urls]
    for svg in site.rglob("*.svg"):
        text = svg.read_text(encoding="utf-8", errors="replace")
        found += [
            f"{svg.relative_to(site).as_posix()}: loads {url}" for url in SVG_HREF.findall(text)
        ]
    return found
