"""The built-in renderer: Quarto markdown pages to HTML with pandoc, when Quarto is absent.

Reads the same ``_quarto.yml`` as Quarto (title, navbar, footer, pages to render, resources)
and handles the Quarto features the site's pages use: YAML front matter (title, description),
``{{< include FILE >}}`` shortcodes, raw HTML blocks, callouts (``::: {.callout-note}``, via a
Lua filter) and ``.qmd`` links (rewritten to ``.html``). Pages are converted in a few batches
(one pandoc process per batch, split on markers) in a small thread pool, so ~170 pages take
seconds, then wrapped in an accessible Jinja2 layout (skip link, navigation, search, footer).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pypandoc
import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pipeline.site.layout import link_or_copy
from pipeline.site.quarto_config import SiteConfig, page_sources, read_site_config, resource_files

PANDOC_FORMAT = "markdown-auto_identifiers+raw_html+fenced_divs+bracketed_spans"
LUA_FILTER = Path(__file__).with_name("callouts.lua")
INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+?)\s*>\}\}")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
QMD_LINK = re.compile(r'(href="[^"#:]*?)\.qmd(#[^"]*)?"')
MARKER = "<!--PAGE-SPLIT-{index}-->"
MARKER_PATTERN = re.compile(r"<!--PAGE-SPLIT-(\d+)-->")


class RenderError(Exception):
    """A page could not be rendered (the message names the file and the problem)."""


@dataclass
class SourcePage:
    """One ``.qmd`` page: where it comes from, where it goes, its metadata and markdown."""

    source: Path
    output: Path
    root: str
    meta: dict
    markdown: str


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    """Return ``(front matter, body)`` of a Quarto page; raise RenderError on bad YAML."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise RenderError(f"{path}: front matter is not valid YAML ({error})") from error
    if not isinstance(meta, dict):
        raise RenderError(f"{path}: front matter must be a mapping")
    return meta, text[match.end() :]


def expand_includes(text: str, folder: Path, seen: tuple[Path, ...] = ()) -> str:
    """Replace ``{{< include FILE >}}`` with the file's text (relative to ``folder``)."""

    def replace(match: re.Match[str]) -> str:
        path = (folder / match.group(1)).resolve()
        if path in seen:
            raise RenderError(f"{path}: included from itself")
        if not path.exists():
            raise RenderError(f"{folder}: included file {match.group(1)} not found")
        included = path.read_text(encoding="utf-8")
        return expand_includes(included, path.parent, (*seen, path))

    return INCLUDE.sub(replace, text)


def check_fenced_divs(markdown: str, path: Path) -> None:
    """Raise RenderError when a page's ``:::`` divs or code fences are not balanced.

    Pages are converted together in batches, so an unclosed div would swallow the next page.
    """
    depth, fence = 0, ""
    for number, line in enumerate(markdown.splitlines(), start=1):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker:
            if not fence:
                fence = marker.group(1)
            elif marker.group(1).startswith(fence) and not line.strip()[len(fence) :].strip():
                fence = ""
            continue
        if fence:
            continue
        if re.match(r"^:{3,}\s*\S", line):
            depth += 1
        elif re.match(r"^:{3,}\s*$", line):
            depth -= 1
            if depth < 0:
                raise RenderError(f"{path}: line {number}: ':::' closes a div that is not open")
    if fence:
        raise RenderError(f"{path}: a code block ({fence}) is not closed (unbalanced fences)")
    if depth:
        raise RenderError(f"{path}: {depth} '::: {{...}}' div(s) not closed (unbalanced divs)")


def collect_pages(source: Path, output: Path, config: SiteConfig | None = None) -> list[SourcePage]:
    """The pages ``project.render`` of ``_quarto.yml`` names (never under ``_`` or ``.`` folders)."""
    config = config or read_site_config(source)
    pages = []
    for path in page_sources(source, config):
        relative = path.relative_to(source)
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
        body = expand_includes(body, path.parent)
        check_fenced_divs(body, path)
        depth = len(relative.parts) - 1
        pages.append(
            SourcePage(
                source=path,
                output=output / relative.with_suffix(".html"),
                root="../" * depth,
                meta=meta,
                markdown=body,
            )
        )
    return pages


def convert_batch(pages: list[SourcePage]) -> list[str]:
    """Convert several pages' markdown with one pandoc run; return each page's HTML body."""
    document = "\n\n".join(
        f"{MARKER.format(index=index)}\n\n{page.markdown}\n" for index, page in enumerate(pages)
    )
    command = [
        pypandoc.get_pandoc_path(),
        "--from",
        PANDOC_FORMAT,
        "--to",
        "html5",
        "--wrap=none",
        "--lua-filter",
        str(LUA_FILTER),
    ]
    result = subprocess.run(command, input=document, capture_output=True, text=True)
    if result.returncode != 0:
        names = ", ".join(str(p.source) for p in pages[:3])
        raise RenderError(f"pandoc failed on {names}...: {result.stderr.strip()}")
    parts = MARKER_PATTERN.split(result.stdout)
    bodies: dict[int, str] = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    if sorted(bodies) != list(range(len(pages))):
        raise RenderError("pandoc output lost a page marker: check for unbalanced ::: divs")
    return [bodies[index].strip() for index in range(len(pages))]


BARE_TABLE = re.compile(r"(<table(?:\s[^>]*)?>.*?</table>)", re.S)
THEAD = re.compile(r"<thead>.*?</thead>", re.S)


def accessible_tables(html: str) -> str:
    """Make pandoc's own output (from markdown) match the generator's accessible markup.

    Tables get ``scope="col"`` on their header cells and a scrolling wrapper named after the
    caption; code blocks become keyboard-focusable so they can be scrolled. Tables built by the
    generator already have both (class ``data-table``).
    """
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        table = match.group(1)
        if 'class="data-table"' in table[:80]:
            return table
        count += 1
        table = THEAD.sub(
            lambda head: re.sub(r"<th(?=[\s>])(?![^>]*\bscope=)", '<th scope="col"', head.group(0)),
            table,
        )
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
        label = re.sub(r"<[^>]+>", "", caption.group(1)).strip() if caption else f"Table {count}"
        return (
            f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(label)}">'
            f"{table}</div>"
        )

    html = BARE_TABLE.sub(fix, html)
    return re.sub(r"<pre(?=[\s>])(?![^>]*tabindex)", '<pre tabindex="0"', html)


def _layout() -> Environment:
    return Environment(
        loader=PackageLoader("pipeline.site", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def copy_resources(source: Path, output: Path, config: SiteConfig) -> int:
    """Copy the files ``project.resources`` and ``format.html.css`` name; return how many.

    Each is a hard link to the assembled file where possible (:func:`link_or_copy`): they are
    build products, written once and never edited in place.
    """
    files = resource_files(source, config)
    for path in files:
        target = output / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(path, target)
    return len(files)


def render_with_pandoc(source: Path, output: Path, batches: int = 4, workers: int = 2) -> int:
    """Render every page of ``source`` into ``output``; return the number of pages.

    ``output`` is emptied first (it is a build product).
    """
    config = read_site_config(source)
    pages = collect_pages(source, output, config)
    if not pages:
        raise RenderError(f"{source}: no .qmd pages to render")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    size = max(1, -(-len(pages) // batches))
    chunks = [pages[i : i + size] for i in range(0, len(pages), size)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        bodies = [body for chunk in pool.map(convert_batch, chunks) for body in chunk]
    template = _layout().get_template("layout.html.j2")
    version = ".".join(str(part) for part in pypandoc.get_pandoc_version().split(".")[:2])
    for page, body in zip(pages, bodies, strict=True):
        body = accessible_tables(
            QMD_LINK.sub(lambda m: f'{m.group(1)}.html{m.group(2) or ""}"', body)
        )
        current = page.output.relative_to(output).as_posix()
        html = template.render(
            title=str(page.meta.get("title", page.source.stem)),
            description=str(page.meta.get("description", "")),
            root=page.root,
            body=Markup(body),
            site=config,
            nav=[
                {"text": text, "href": href, "current": href == current}
                for text, href in config.navigation
            ],
            has_site_js="assets/site.js" in body,
            pandoc_version=version,
        )
        page.output.parent.mkdir(parents=True, exist_ok=True)
        page.output.write_text(html, encoding="utf-8")
    copy_resources(source, output, config)
    return len(pages)
