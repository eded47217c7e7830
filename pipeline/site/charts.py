"""Write charts into the site: Vega-Lite spec, static SVG fallback, data CSV and table.

A chart on a page is a ``<figure>`` holding the static SVG (shown when JavaScript is off),
the spec inline (drawn interactively by the bundled vega-embed when JavaScript is on), a text
description, the table of the data behind it in a ``<details>`` element and links to the CSV
and SVG. SVGs are rendered by ``vl_convert`` in worker processes while the pages are written
(:class:`ChartWriter`, :mod:`pipeline.site.svg_worker`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from pipeline.logs import log
from pipeline.site.html_blocks import html_table, raw_html

#: Folder (inside the site source) that holds generated chart files.
CHART_FOLDER = "_generated/charts"
#: Folder (inside the site source) that holds the bundled JavaScript.
VEGA_FOLDER = "_generated/vega"
#: The installed vl-convert version (part of the cache keys of the bundle and SVGs).
VL_CONVERT_VERSION = str(getattr(vl_convert, "__version__", "unknown"))
#: Width of the static SVG fallbacks, in pixels.
SVG_WIDTH = 640


def vega_bundle_cache() -> Path:
    """Where the vega, vega-lite and vega-embed bundle of this vl-convert is cached."""
    version = "-".join(
        [VL_CONVERT_VERSION, vl_convert.get_vega_version(), vl_convert.get_vega_embed_version()]
    )
    return bundle_cache_dir() / f"vega-bundle-{version}.js"


def bundle_cache_dir() -> Path:
    """Where the JavaScript bundle is cached between builds (it takes seconds to make)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stability-index"


#: Part of the SVG cache key: the charts' text is measured with the fonts vendored in
#: vl-convert only (:func:`vendored_fonts_config`).
FONTS = "vendored-fonts"


def svg_digest(spec: dict) -> str:
    """The cache key of a spec's SVG (the vl-convert version, its fonts and the spec)."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{VL_CONVERT_VERSION}|{FONTS}|{text}".encode()).hexdigest()


def vendored_fonts_config() -> Path:
    """A fontconfig file that lists no font folder that exists, for the chart workers.

    With it ``vl_convert`` (fontdb) loads no system font and measures every text with the
    Liberation Sans it carries (held in memory): the SVGs are the same on every machine,
    whatever fonts it has, and each glyph measured no longer opens and maps a font file (the
    332 charts of the scale-1 site: 24.6 s of CPU with the system's fonts, 10.4 s with these).
    """
    folder = bundle_cache_dir()
    path = folder / "fonts.conf"
    text = (
        '<?xml version="1.0"?>\n<fontconfig><dir>'
        f"{escape(str(folder / 'no-system-fonts'))}</dir></fontconfig>\n"
    )
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"fonts.conf.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return path


#: The script the rendering processes run (:mod:`pipeline.site.svg_worker`).
WORKER_SCRIPT = Path(__file__).with_name("svg_worker.py")
#: Tasks sent to a worker ahead of its answers, so that it never waits for its next one.
TASKS_IN_FLIGHT = 2
#: A worker is added at :meth:`ChartWriter.flush` only for at least this many charts still to
#: render (starting one costs about as much as rendering ten charts).
MIN_CHARTS_PER_WORKER = 10


class ChartRenderError(RuntimeError):
    """Charts (or the JavaScript bundle) could not be rendered; the message says which and why."""


class SvgWorkers:
    """Render files in worker processes fed from one queue, while the caller goes on.

    Each worker (:data:`WORKER_SCRIPT`, its own ``vl_convert``) is fed by a thread of this
    process that takes the next task from the shared queue whenever the worker has fewer than
    :data:`TASKS_IN_FLIGHT` unanswered, so the work is split between the workers as they go.
    Failures are collected and raised by :meth:`finish`.
    """

    def __init__(self) -> None:
        self._tasks: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._workers: list[tuple[subprocess.Popen[bytes], threading.Thread]] = []
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self.submitted = 0
        self.answered = 0

    @property
    def workers(self) -> int:
        """How many workers were started."""
        return len(self._workers)

    @property
    def outstanding(self) -> int:
        """How many submitted tasks are not answered yet."""
        with self._lock:
            return self.submitted - self.answered

    def submit(self, path: Path, task: dict, label: str) -> None:
        """Queue a task (see :mod:`pipeline.site.svg_worker`) that writes ``path``; errors
        name it by ``label``."""
        line = json.dumps({**task, "path": str(path)}, separators=(",", ":")) + "\n"
        with self._lock:
            self.submitted += 1
        self._tasks.put((label, line.encode("ascii")))

    def add_worker(self) -> None:
        """Start one more worker, fed from the same queue."""
        process = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "FONTCONFIG_FILE": str(vendored_fonts_config())},
        )
        feeder = threading.Thread(target=self._feed, args=(process,), daemon=True)
        self._workers.append((process, feeder))
        feeder.start()

    def _feed(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        waiting: deque[str] = deque()
        try:
            for label, line in iter(self._tasks.get, None):
                waiting.append(label)
                process.stdin.write(line)
                process.stdin.flush()
                if len(waiting) >= TASKS_IN_FLIGHT:
                    self._answer(process, waiting)
            while waiting:
                self._answer(process, waiting)
            # An empty line ends the worker even if a forked process still holds its input.
            process.stdin.write(b"\n")
        except (OSError, EOFError) as error:  # the worker ended: its tasks are not done
            lost = ", ".join(waiting)
            self._errors.append(f"a chart worker ended ({error!r}) before rendering {lost}")
        finally:
            with contextlib.suppress(OSError):  # it ended already
                process.stdin.close()

    def _answer(self, process: subprocess.Popen[bytes], waiting: deque[str]) -> None:
        """Read the worker's answer to the oldest task in ``waiting`` and unqueue it."""
        assert process.stdout is not None
        answer = process.stdout.readline().decode("utf-8")
        if not answer:
            raise EOFError(f"exit code {process.wait()}")
        label = waiting.popleft()
        if answer.strip() != "ok":
            message = answer.partition(" ")[2]
            detail = json.loads(message) if message.startswith('"') else answer
            self._errors.append(f"{label}: {detail}")
        with self._lock:
            self.answered += 1

    def finish(self) -> None:
        """Wait until every task is done and the workers have ended; raise
        :class:`ChartRenderError` naming every task that failed."""
        for _ in self._workers:
            self._tasks.put(None)
        for process, feeder in self._workers:
            feeder.join()
            process.wait()
        if self._errors:
            raise ChartRenderError("could not render:\n" + "\n".join(self._errors))
        if self.answered != self.submitted:
            raise ChartRenderError(f"{self.submitted - self.answered} charts were not rendered")

    def close(self) -> None:
        """Stop the workers that are still running (after an error elsewhere)."""
        for process, _ in self._workers:
            if process.poll() is None:
                process.kill()
                process.wait()


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
    """Collect the charts of a site build and write their files.

    SVGs are cached by the hash of their spec (with the vl-convert version and its fonts,
    :func:`svg_digest`), so a rebuild from the same package reuses them. A chart not in the
    cache is rendered by a worker process (:class:`SvgWorkers`) as soon as it is queued, while
    the pages are still being written; :meth:`flush` waits for the rest (with more workers)
    and copies every SVG into the site. No chart is rendered in this process, so it may fork
    at any time (``vl_convert`` does not run in a process forked after it started).
    """

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.folder = site_dir / CHART_FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cache = bundle_cache_dir() / "svg"
        self.cache.mkdir(parents=True, exist_ok=True)
        #: (SVG in the site, its spec, its cached SVG) of every chart queued.
        self._pending: list[tuple[Path, dict, Path]] = []
        self._sent: set[Path] = set()
        self._copies: list[tuple[Path, Path]] = []
        self._workers: SvgWorkers | None = None
        self._owner = os.getpid()
        self.count = 0

    def _render(self, cached: Path, task: dict, label: str) -> None:
        """Have ``cached`` (``label`` in errors) rendered by a worker unless it is cached or
        already on its way.

        Only the process that made this writer sends work: a forked writer keeps its charts
        until it hands them over (:meth:`hand_over`)."""
        if os.getpid() != self._owner or cached in self._sent or cached.exists():
            return
        if self._workers is None:
            self._workers = SvgWorkers()
            self._workers.add_worker()
        self._sent.add(cached)
        self._workers.submit(cached, task, label)

    def _label(self, svg: Path) -> str:
        """How errors name a chart: its SVG's path in the site."""
        return str(svg.relative_to(self.site_dir))

    def write_vega_bundle(self) -> Path:
        """Write vega, vega-lite and vega-embed as one local script (no CDN); return its path.

        The bundle is cached between builds; when it is not, a worker makes it (it takes over
        a second) and :meth:`flush` copies it."""
        path = self.site_dir / VEGA_FOLDER / "vega-bundle.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        cached = vega_bundle_cache()
        cached.parent.mkdir(parents=True, exist_ok=True)
        if cached.exists():
            shutil.copyfile(cached, path)
        else:
            self._render(cached, {"bundle": True}, str(path.relative_to(self.site_dir)))
            self._copies.append((cached, path))
        return path

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
        fixed = _fixed_width(spec)
        cached = self.cache / f"{svg_digest(fixed)}.svg"
        self._pending.append((svg_path, fixed, cached))
        self._render(cached, {"spec": fixed}, self._label(svg_path))
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

        A forked writer hands its charts to the process that forked it, whose workers render
        them (:meth:`take_over`, :meth:`flush`).
        """
        handed, self._pending = self._pending[since:], self._pending[:since]
        path.write_bytes(pickle.dumps(handed, protocol=pickle.HIGHEST_PROTOCOL))

    def take_over(self, path: Path) -> None:
        """Queue the charts another writer handed over in ``path`` (:meth:`hand_over`) and
        send those not cached to the workers."""
        handed: list[tuple[Path, dict, Path]] = pickle.loads(path.read_bytes())
        self._pending += handed
        for svg, spec, cached in handed:
            self._render(cached, {"spec": spec}, self._label(svg))

    def flush(self, workers: int = 2) -> int:
        """Render every queued SVG not cached yet, copy them into the site, return how many.

        The charts handed over by a forked writer are sent to the workers here; up to
        ``workers`` workers render what is left (one more for every
        :data:`MIN_CHARTS_PER_WORKER` charts still to render). Raises
        :class:`ChartRenderError` when a chart could not be rendered (no partial SVG is left).
        """
        pending, self._pending = self._pending, []
        for path, spec, cached in pending:
            self._render(cached, {"spec": spec}, self._label(path))
        running, self._workers = self._workers, None
        if running is not None:
            try:
                while (
                    running.workers < workers
                    and running.outstanding >= MIN_CHARTS_PER_WORKER * running.workers
                ):
                    running.add_worker()
                log.debug(
                    "SVG charts: %d of %d rendered while the pages were written; %d workers",
                    running.submitted - running.outstanding,
                    running.submitted,
                    running.workers,
                )
                running.finish()
            finally:
                running.close()
        copies, self._copies = self._copies, []
        for source, target in copies + [(cached, path) for path, _, cached in pending]:
            shutil.copyfile(source, target)
        return len(pending)

    def close(self) -> None:
        """Stop the workers (when the build stops before :meth:`flush`)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None
