"""Data downloads, release notes and revisions, the Atom feed and the methodology includes."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path
from xml.etree import ElementTree as ET

from pipeline.site.display import year_label
from pipeline.site.html_blocks import html_table, raw_html
from pipeline.site.layout import link_or_copy
from pipeline.site.package import SitePackage, VersionInfo
from pipeline.site.page_common import PageFrame, long_date, templates, write_page

DOWNLOADS_FOLDER = "downloads"
FEED_NAME = "releases.xml"
#: Top-level pages written by the generator (into the assembled ``_pages/``, never ``site/``).
GENERATED_TOP_PAGES = {"index", "downloads", "releases"}


def shift_headings(markdown: str, levels: int) -> str:
    """Demote every ATX heading by ``levels`` (so an included file keeps one h1 per page).

    Lines inside fenced code blocks are left alone; headings stop at level 6.
    """
    out, fenced = [], False
    for line in markdown.splitlines():
        if re.match(r"^(```|~~~)", line):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#{1,6})(\s.*)$", line)
        if match:
            depth = min(6, len(match.group(1)) + levels)
            line = "#" * depth + match.group(2)
        out.append(line)
    return "\n".join(out) + "\n"


def human_size(size: int) -> str:
    """Bytes in words: ``2,048`` -> ``2.0 KB``."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def copy_versions(package: SitePackage, site_dir: Path) -> list[VersionInfo]:
    """Put every available version's package files into ``site/downloads/<version>/``.

    The files are hard links to the release archive's where possible (:func:`link_or_copy`):
    published versions never change, and the site's copy is only read.
    """
    versions = package.versions()
    for info in versions:
        if info.folder is None:
            continue
        target = site_dir / DOWNLOADS_FOLDER / info.version
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(info.folder, target, copy_function=link_or_copy)
    return versions


def resource_rows(info: VersionInfo, root: str) -> list[list[str]]:
    """Rows of a version's resource table: file link, description, size, SHA-256."""
    descriptor = SitePackage.open(info.folder).descriptor if info.folder else {}
    rows = []
    for resource in descriptor.get("resources", []):
        path = str(resource.get("path", ""))
        digest = str(resource.get("hash", "")).removeprefix("sha256:")
        size = resource.get("bytes")
        href = f"{root}{DOWNLOADS_FOLDER}/{info.version}/{path}"
        rows.append(
            [
                f'<a href="{escape(href)}" download>{escape(path)}</a>',
                escape(str(resource.get("description") or resource.get("title") or "")),
                escape(human_size(int(size))) if size is not None else "not recorded",
                f"<code>{escape(digest)}</code>" if digest else "not recorded",
            ]
        )
    return rows


def downloads_page(package: SitePackage, site_dir: Path, versions: list[VersionInfo]) -> Path:
    """Write ``downloads.qmd``: every version, every resource with size and checksum."""
    sections = []
    for info in versions:
        anchor = "v" + info.version.replace(".", "-")
        rows = resource_rows(info, "")
        base = f"{DOWNLOADS_FOLDER}/{info.version}"
        extras = []
        if info.folder is not None:
            for name, text in [
                ("datapackage.json", "Data package descriptor (datapackage.json)"),
                ("CHANGELOG.md", "Changelog"),
                ("release-note.md", "Release note"),
                ("stability-index.xlsx", "All tables in one spreadsheet (Excel)"),
            ]:
                if (info.folder / name).exists():
                    extras.append(f'<li><a href="{base}/{name}" download>{escape(text)}</a></li>')
        sections.append(
            {
                "anchor": anchor,
                "heading": f"Version {info.version}"
                + (f" ({long_date(info.date)})" if info.date else ""),
                "title": info.title,
                "current": info.version == package.version,
                "files": raw_html("<ul>" + "".join(extras) + "</ul>") if extras else "",
                "table": raw_html(
                    html_table(
                        f"Files of version {info.version}",
                        ["File", "Contents", "Size", "SHA-256 checksum"],
                        rows,
                    )
                )
                if rows
                else "The files of this version are not in this build of the site.",
            }
        )
    frame = PageFrame(package)
    licence = package.licence
    context = {
        "header": frame.header(""),
        "sections": sections,
        "version": package.version,
        "licence_title": licence.get("title") or licence.get("name", ""),
        "licence_path": licence.get("path", ""),
        "cite_box": frame.cite_box("Data downloads", "downloads.html"),
        "scripts": PageFrame.scripts("", charts=False),
    }
    text = templates().get_template("downloads.qmd.j2").render(**context)
    return write_page(site_dir / "downloads.qmd", text)


def releases_page(
    package: SitePackage,
    site_dir: Path,
    versions: list[VersionInfo],
    frozen: frozenset[str] = frozenset(),
) -> Path:
    """Write ``releases.qmd``: the release note, the changelog and every version.

    Versions in ``frozen`` link to their pages as published (``v/<version>/``).
    """
    frame = PageFrame(package)
    context = {
        "header": frame.header(""),
        "release_note": shift_headings(package.text_file("release-note.md"), 2),
        "changelog": shift_headings(package.text_file("CHANGELOG.md"), 2),
        "versions": [
            {
                "version": v.version,
                "date": long_date(v.date) if v.date else "date not recorded",
                "title": v.title,
                "anchor": "v" + v.version.replace(".", "-"),
                "pages": f"v/{v.version}/index.html" if v.version in frozen else "",
            }
            for v in versions
        ],
        "cite_box": frame.cite_box("Release notes and revisions", "releases.html"),
        "scripts": PageFrame.scripts("", charts=False),
    }
    text = templates().get_template("releases.qmd.j2").render(**context)
    return write_page(site_dir / "releases.qmd", text)


def _changes_of(info: VersionInfo) -> str:
    """A version's changelog text from its ``versions.json`` entry (blank when not recorded)."""
    if info.folder is None:
        return ""
    path = info.folder.parent / "versions.json"
    if not path.exists():
        return ""
    entries = json.loads(path.read_text(encoding="utf-8")).get("versions", [])
    found = [e for e in entries if e.get("version") == info.version]
    return " ".join(str(found[0].get("changes", "")).split()) if found else ""


def atom_feed(
    package: SitePackage,
    site_dir: Path,
    versions: list[VersionInfo],
    frozen: frozenset[str] = frozenset(),
) -> Path:
    """Write ``releases.xml``, an Atom feed with one entry per published version.

    Links are relative to the feed (the site's address is not known at build time); a version
    in ``frozen`` also links to its pages as published (``v/<version>/``).
    """
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")

    def add(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text:
            element.text = text
        return element

    add(feed, "title", "Stability Index releases")
    add(feed, "id", f"tag:stability-index,2024:{package.descriptor.get('name', 'stability-index')}")
    newest = max((v.date for v in versions if v.date), default=package.release_date)
    add(feed, "updated", f"{newest}T00:00:00Z")
    add(feed, "link", href="releases.html", rel="alternate", type="text/html")
    author = add(feed, "author")
    add(author, "name", "Stability Index team")
    for info in versions:
        entry = add(feed, "entry")
        add(entry, "title", f"{info.title or package.release_title} (version {info.version})")
        add(entry, "id", f"tag:stability-index,2024:version-{info.version}")
        add(entry, "updated", f"{info.date or package.release_date}T00:00:00Z")
        anchor = "v" + info.version.replace(".", "-")
        add(entry, "link", href=f"downloads.html#{anchor}", rel="alternate", type="text/html")
        if info.version in frozen:
            add(entry, "link", href=f"v/{info.version}/", rel="related", type="text/html")
        summary = f"Version {info.version} of the Stability Index data package"
        if package.synthetic:
            summary += " (built from synthetic data)"
        changes = _changes_of(info)
        add(entry, "summary", summary + "." + (f" {changes}" if changes else ""))
    path = site_dir / FEED_NAME
    ET.ElementTree(feed).write(path, encoding="utf-8", xml_declaration=True)
    return path


def methodology_includes(package: SitePackage, site_dir: Path) -> list[Path]:
    """Write the generated parts of the methodology page into ``_pages/_generated/``.

    ``odds-ratios.md``: the case-mix model's odds ratios (``case_mix_coefficients``);
    ``methodology-decisions.md``: ``docs/methodology-decisions.md`` of the project (next to
    ``site_dir``, else of this checkout), read at generation time (headings demoted to sit
    under the page's own).
    """
    folder = site_dir / "_generated"
    folder.mkdir(parents=True, exist_ok=True)
    blocks = []
    if package.has_table("case_mix_coefficients"):
        table = package.table("case_mix_coefficients")
        table = table[table["time_period"] == package.latest_year]
        for measure, part in table.groupby("measure", sort=False):
            rows = [
                [
                    escape(r.term),
                    escape(_ratio(r.odds_ratio)),
                    f"{escape(_ratio(r.odds_ratio_lower_ci))} to "
                    f"{escape(_ratio(r.odds_ratio_upper_ci))}",
                    escape(_p_value(r.p_value)),
                    escape(r.reference_category or "—"),
                ]
                for r in part.itertuples(index=False)
            ]
            blocks.append(
                f"### {package.label(str(measure))}\n"
                + raw_html(
                    html_table(
                        f"Odds ratios of the case-mix model: {package.label(str(measure))}, "
                        f"{year_label(package.latest_year)}",
                        ["Term", "Odds ratio", "95% interval", "p-value", "Compared with"],
                        rows,
                    )
                )
            )
    odds = folder / "odds-ratios.md"
    odds.write_text(
        "\n".join(blocks) if blocks else "The package has no case-mix coefficients.\n",
        encoding="utf-8",
    )
    candidates = [
        site_dir.parent / "docs" / "methodology-decisions.md",
        Path(__file__).resolve().parents[2] / "docs" / "methodology-decisions.md",
    ]
    decisions_source = next((path for path in candidates if path.exists()), None)
    decisions = folder / "methodology-decisions.md"
    if decisions_source is not None:
        text = shift_headings(decisions_source.read_text(encoding="utf-8"), 2)
    else:
        text = "The record of methodology decisions is not available in this build.\n"
    decisions.write_text(text, encoding="utf-8")
    return [odds, decisions]


def hand_written_includes(package: SitePackage, site_dir: Path) -> list[Path]:
    """Write the release header and a citation box for each hand-written page.

    Hand-written pages include ``_generated/release-header.md`` at the top and
    ``_generated/cite-<page>.md`` at the bottom, so they show the banner, the release and
    version and how to cite them, from the package like every generated page.
    """
    import yaml

    frame = PageFrame(package)
    folder = site_dir / "_generated"
    written = [folder / "release-header.md"]
    written[0].write_text(raw_html(frame.header("")), encoding="utf-8")
    for page in sorted(site_dir.glob("*.qmd")):
        if page.stem in GENERATED_TOP_PAGES:
            continue
        text = page.read_text(encoding="utf-8")
        match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
        meta = yaml.safe_load(match.group(1)) if match else {}
        title = str((meta or {}).get("title", page.stem))
        path = folder / f"cite-{page.stem}.md"
        path.write_text(
            raw_html(
                frame.cite_box(title, f"{page.stem}.html") + PageFrame.scripts("", charts=False)
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written


def _ratio(cell: str) -> str:
    from pipeline.site.display import ratio_text

    return ratio_text(cell)


def _p_value(cell: str) -> str:
    from pipeline.site.display import is_symbol, round_half_up

    if is_symbol(cell):
        return cell
    value = round_half_up(cell, 3)
    return "< 0.001" if value is not None and value < 0.001 else str(value)
