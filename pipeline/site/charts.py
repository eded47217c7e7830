"""Write charts into the site: Vega-Lite spec, static SVG fallback, data CSV and table.

A chart on a page is a ``<figure>`` holding the static SVG (shown when JavaScript is off),
the spec inline (drawn interactively by the bundled vega-embed when JavaScript is on), a text
description, the table of the data behind it in a ``<details>`` element and links to the CSV
and SVG. SVGs are rendered by ``vl_convert`` when :meth:`flush` runs (part of them in a spawned
process when many are not cached).
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from html import escape
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from pipeline.site.html_blocks import html_table, raw_html

#: Folder (inside the site source) that holds generated chart files.
CHART_FOLDER = "_generated/charts"
#: Folder (inside the site source) that holds the bundled JavaScript.
VEGA_FOLDER = "_generated/vega"
#: The installed vl-convert version (part of the cache keys of the bundle and SVGs).
VL_CONVERT_VERSION = str(getattr(vl_convert, "__version__", "unknown"))
#: Width of the static SVG fallbacks, in pixels.
SVG_WIDTH = 640


def write_vega_bundle(site_dir: Path) -> Path:
    """Write vega, vega-lite and vega-embed as one local script (no CDN) and return it."""
    path = site_dir / VEGA_FOLDER / "vega-bundle.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    version = "-".join(
        [VL_CONVERT_VERSION, vl_convert.get_vega_version(), vl_convert.get_vega_embed_version()]
    )
    cache = bundle_cache_dir() / f"vega-bundle-{version}.js"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        bundle = vl_convert.javascript_bundle()  # type: ignore[call-arg]
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(cache)
    shutil.copyfile(cache, path)
    return path


def bundle_cache_dir() -> Path:
    """Where the JavaScript bundle is cached between builds (it takes seconds to make)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stability-index"


#: Fewer charts to render than this are all rendered in this process (starting a process
#: with its own ``vl_convert`` takes about a second).
MIN_CHARTS_TO_SPAWN = 40


def svg_digest(spec: dict) -> str:
    """The cache key of a spec's SVG (the vl-convert version and the spec)."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{VL_CONVERT_VERSION}|{text}".encode()).hexdigest()


def render_into_cache(items: list[tuple[str, dict]]) -> None:
    """Render each ``(cache file, spec)`` to SVG into its cache file (written atomically)."""
    for name, spec in items:
        target = Path(name)
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")
        partial.replace(target)


def _may_spawn(workers: int, charts: int) -> bool:
    """True when ``charts`` SVGs are worth a second process and this process may start one."""
    return (
        workers > 1
        and charts >= MIN_CHARTS_TO_SPAWN
        and not multiprocessing.current_process().daemon
    )


def _fixed_width(spec: dict) -> dict:
    """A copy of a spec with ``width: container`` replaced by a fixed width (for SVG)."""
    fixed = copy.deepcopy(spec)
    if fixed.get("width") == "container":
        fixed["width"] = SVG_WIDTH
        fixed.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    return fixed


class SpecTemplates:
    """Reuse one Altair-built spec for many pages that differ only in data and title.

    Building an Altair chart takes tens of milliseconds; the 153 LA pages share two chart
    designs, so each design is built once (with fixed scale domains) and its dataset, title
    and description are swapped for each page.
    """

    def __init__(self) -> None:
        self._specs: dict[str, dict] = {}

    def has(self, keys: Sequence[str]) -> bool:
        """True when every design of ``keys`` has been built."""
        return all(key in self._specs for key in keys)

    def spec(
        self,
        key: str,
        build: Callable[[pd.DataFrame, str, str], alt.TopLevelMixin],
        data: pd.DataFrame,
        title: str,
        description: str,
    ) -> dict:
        """The spec of ``build(data, title, description)``, from the cached design ``key``."""
        template = self._specs.get(key)
        if template is None:
            template = build(data, title, description).to_dict(validate=False)
            if len(template.get("datasets", {})) != 1:
                raise ValueError(f"chart design {key!r} must have exactly one dataset")
            self._specs[key] = template
            return template
        spec = dict(template)
        (name,) = template["datasets"]
        spec["datasets"] = {name: json.loads(data.to_json(orient="records"))}
        spec["description"] = description
        # The chart as a whole carries the description; its marks are left out of the
        # accessibility tree (each point is in the data table beside the chart), so an
        # all-suppressed chart has no unlabelled empty mark groups (axe: svg-img-alt).
        labelled = without_mark_aria(spec)
        assert isinstance(labelled, dict)
        return labelled


def without_mark_aria(node: object) -> object:
    """A copy of a Vega-Lite spec whose every mark has ``aria: false``."""
    if isinstance(node, list):
        return [without_mark_aria(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: without_mark_aria(value) for key, value in node.items() if key != "datasets"}
    if "datasets" in node:
        out["datasets"] = node["datasets"]
    mark = node.get("mark")
    if isinstance(mark, str):
        out["mark"] = {"type": mark, "aria": False}
    elif isinstance(mark, dict):
        out["mark"] = {**mark, "aria": False}
    return out


class ChartWriter:
    """Collect the charts of a site build and write their files."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.folder = site_dir / CHART_FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pending: list[tuple[Path, dict]] = []
        self.count = 0

    def figure(
        self,
        name: str,
        chart: alt.TopLevelMixin | dict,
        *,
        title: str,
        description: str,
        table_columns: Sequence[str],
        table_rows: Sequence[Sequence[str]],
        data: pd.DataFrame,
        root: str,
        sortable: bool = False,
    ) -> str:
        """Queue a chart and return its figure as a raw HTML block for a ``.qmd`` page.

        ``name`` is the file stem inside ``_generated/charts`` (may contain ``/``); ``root``
        is the relative path from the page to the site root (e.g. ``../../``); ``data`` is
        written as the chart's CSV; ``table_rows`` are HTML cells of the data table.
        """
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
        # The figure's caption carries the title (it wraps on a phone): none inside the chart.
        spec = {key: value for key, value in spec.items() if key != "title"}
        svg_path = self.folder / f"{name}.svg"
        csv_path = self.folder / f"{name}.csv"
        svg_path.parent.mkdir(parents=True, exist_ok=True)
        data.to_csv(csv_path, index=False)
        self._pending.append((svg_path, _fixed_width(spec)))
        self.count += 1
        href = f"{root}{CHART_FOLDER}/{name}"
        element_id = "chart-" + name.replace("/", "-")
        spec_json = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
        table = html_table(
            f"Data behind the chart: {title}", table_columns, table_rows, sortable=sortable
        )
        html = (
            f'<figure class="chart" id="{element_id}" aria-labelledby="{element_id}-title" '
            "data-pagefind-ignore>"
            f'<figcaption><p class="chart-title" id="{element_id}-title">{escape(title)}</p>'
            f'<p class="chart-description">{escape(description)}</p></figcaption>'
            f'<div class="chart-canvas" data-spec="{element_id}-spec">'
            f'<img src="{href}.svg" alt="Chart: {escape(title)}. {escape(description)} '
            'The figures are in the data table below the chart." loading="lazy"></div>'
            f'<script type="application/json" id="{element_id}-spec">{spec_json}</script>'
            f"<details><summary>Show the data behind this chart</summary>{table}</details>"
            f'<p class="chart-links"><a href="{href}.csv" download>Download the data (CSV)</a>'
            f' <a href="{href}.svg" download>Download the chart (SVG)</a></p></figure>'
        )
        return raw_html(html)

    @property
    def queued(self) -> int:
        """How many charts wait for their SVG."""
        return len(self._pending)

    def hand_over(self, path: Path, since: int) -> None:
        """Write the charts queued after the first ``since`` to ``path`` and unqueue them.

        A forked writer hands its charts to the process that forked it, which renders them
        (:meth:`take_over`, :meth:`flush`): ``vl_convert`` started in a process does not run
        in a process forked from it.
        """
        handed, self._pending = self._pending[since:], self._pending[:since]
        path.write_bytes(pickle.dumps(handed, protocol=pickle.HIGHEST_PROTOCOL))

    def take_over(self, path: Path) -> None:
        """Queue the charts another writer handed over in ``path`` (:meth:`hand_over`)."""
        self._pending += pickle.loads(path.read_bytes())

    def flush(self, workers: int = 2) -> int:
        """Render every queued SVG and return how many were written.

        SVGs are cached by the hash of their spec (and the vl-convert version), so a rebuild
        from the same package reuses them instead of rendering them again. ``vl_convert``
        renders one chart at a time in a process, so when many charts are not cached and
        ``workers`` allows, part of them is rendered in a spawned process (its own
        ``vl_convert``) meanwhile (:func:`render_into_cache`).
        """
        pending, self._pending = self._pending, []
        cache = bundle_cache_dir() / "svg"
        cache.mkdir(parents=True, exist_ok=True)
        cached = [cache / f"{svg_digest(spec)}.svg" for _, spec in pending]
        missing = list(
            {
                str(c): spec for c, (_, spec) in zip(cached, pending, strict=True) if not c.exists()
            }.items()
        )
        elsewhere = missing[len(missing) // 2 :] if _may_spawn(workers, len(missing)) else []
        here = missing[: len(missing) - len(elsewhere)]
        if elsewhere:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                spawned = pool.submit(render_into_cache, elsewhere)
                render_into_cache(here)
                spawned.result()
        else:
            render_into_cache(here)
        for path, source in zip(pending, cached, strict=True):
            shutil.copyfile(source, path[0])
        return len(pending)
