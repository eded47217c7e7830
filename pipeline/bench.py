"""``stability-index bench``: time every stage of the build at several scales.

Each scale runs in a fresh process (so peak memory is that scale's own), through the same
functions the build uses. Reported per stage: wall time, peak resident memory (sampled from
``/proc/self/status`` while the stage runs) and rows per second; then the ratios of issue 11:
(measures + aggregate) / plain CSV read, time at the largest scale / time at the smallest
(scaled to a 4x ratio), and page generation and render time per page.

The two read floors (a pyarrow and a pandas read of every input file, which are not part of
the build) run each in a process of their own, so that what they leave behind (memory glibc
keeps after it is freed, the floors' peaks) is not counted in the stages measured after them;
their own peak is that child's. The staged run gives memory back where the build does
(:mod:`pipeline.heap`): after the synthetic England is generated, when the child-level rows
are released, and before disclosure control.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from pyarrow import csv
from rich.table import Table

from pipeline import logs
from pipeline.aggregate import build_tables
from pipeline.build import (
    BuildInputs,
    release_child_rows,
    release_measures_children,
    release_metadata,
    run_build,
)
from pipeline.heap import release_free_heap
from pipeline.inputs import load
from pipeline.packaging import write_package
from pipeline.site import generate_pages, render
from pipeline.site.layout import assemble_pages
from pipeline.steps import measure, protect_and_audit
from pipeline.synth import DEFAULT_YEARS, generate

STAGES = [
    "synth",
    "read",
    "read_pandas",
    "validate",
    "measures",
    "aggregate",
    "disclose",
    "package",
    "pages",
    "render",
]


#: Stages that only measure a floor (not part of the build).
READ_FLOORS = {"read", "read_pandas"}

#: Issue 11's targets on the synthetic England default (scale 1): name -> (limit, unit).
TARGETS = {
    "pipeline_seconds": (20, "s, inputs to validated package"),
    "synth_seconds": (20, "s, generating the synthetic England (issue 19)"),
    "build_seconds": (90, "s, whole `stability-index build`, cold caches"),
    "second_build_seconds": (10, "s, second build with unchanged inputs"),
    "peak_rss_mb": (2048, "MB, peak memory of the build"),
    "compute_over_read": (3, "x the pyarrow CSV read"),
    "pipeline_time_ratio": (4.5, "x, scale 4 / scale 1 (scaled to a 4x step)"),
}


def _rss_bytes() -> int:
    """Resident memory of this process now (Linux), 0 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class _PeakSampler:
    """Sample resident memory every 20 ms in a thread; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _timed(
    record: dict[str, Any], name: str, rows: Callable[[Any], int], fn: Callable[[], Any]
) -> Any:
    """Run ``fn`` as stage ``name``; store seconds, peak RSS and rows/s in ``record``."""
    with _PeakSampler() as sampler:
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
    count = rows(value)
    record[name] = {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "rows": count,
        "rows_per_second": round(count / seconds) if seconds > 0 and count else None,
    }
    return value


def _read_floor(input_dir: Path) -> int:
    """Read every input CSV into memory with pyarrow (the floor no pipeline can beat)."""
    rows = 0
    for path in sorted(input_dir.rglob("*.csv")):
        table = csv.read_csv(path, convert_options=csv.ConvertOptions(strings_can_be_null=True))
        rows += table.num_rows
    return rows


def _read_floor_pandas(input_dir: Path) -> int:
    """Read every input CSV with ``pandas.read_csv`` (the usual way; a second reference)."""
    return sum(len(pd.read_csv(path, dtype=str)) for path in sorted(input_dir.rglob("*.csv")))


def _timed_floor(floor: Callable[[Path], int], input_dir: Path) -> dict[str, Any]:
    """Child process body: time ``floor(input_dir)``; its stage record (seconds, peak, rows)."""
    record: dict[str, Any] = {}
    _timed(record, "floor", lambda n: n, lambda: floor(input_dir))
    return record["floor"]


def bench_scale(scale: float, years: list[int], with_site: bool) -> dict[str, Any]:
    """Run every stage once at ``scale`` in a scratch folder and return the measurements."""
    record: dict[str, Any] = {"scale": scale, "years": years, "stages": {}}
    stages = record["stages"]
    scratch = Path(tempfile.mkdtemp(prefix="stability-bench-"))
    try:
        package_dir = _bench_pipeline(stages, scratch, scale, years)
        if with_site:
            _bench_site(record, scratch / "project", package_dir)
        record["pipeline_seconds"] = round(
            sum(
                stages[s]["seconds"]
                for s in ["validate", "measures", "aggregate", "disclose", "package"]
            ),
            3,
        )
        record["peak_rss_mb"] = max(
            stage["peak_rss_mb"] for name, stage in stages.items() if name not in READ_FLOORS
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return record


def _bench_pipeline(stages: dict[str, Any], scratch: Path, scale: float, years: list[int]) -> Path:
    """Synth, the read floors, then the build's steps (``pipeline.steps``), each timed."""
    inputs = scratch / "inputs"
    _timed(
        stages,
        "synth",
        lambda _: sum(1 for _ in inputs.rglob("*.csv")),
        lambda: generate(inputs, seed=2024, scale=scale, years=years),
    )
    release_free_heap()  # as the build does once the synthetic England is written
    stages["read"] = _in_child(_timed_floor, (_read_floor, inputs), "the pyarrow read floor")
    stages["read_pandas"] = _in_child(
        _timed_floor, (_read_floor_pandas, inputs), "the pandas read floor"
    )
    tables, report = _timed(stages, "validate", lambda v: len(v[0].episodes), lambda: load(inputs))
    if tables is None:
        raise RuntimeError("synthetic inputs failed validation:\n" + report.to_text())
    # As the build does: the child-level input frames are emptied once the measures no
    # longer read them, before the measures' results are stacked.
    release = partial(release_child_rows, tables)
    result = _timed(
        stages, "measures", lambda r: len(r.children), partial(measure, tables, release=release)
    )
    raw = _timed(
        stages,
        "aggregate",
        lambda t: sum(len(x.frame) for x in t.values()),
        partial(
            build_tables,
            result,
            tables,
            report,
            release=partial(release_measures_children, result),
        ),
    )
    del result  # as the build does: nothing holds the child-level tables past this point
    release_free_heap()
    protected, summary = _timed(
        stages,
        "disclose",
        lambda v: sum(len(x.frame) for x in v[0].values()),
        partial(protect_and_audit, raw),
    )
    del raw
    metadata = release_metadata(
        tables, summary, synthetic=True, seed=2024, scale=scale, published=protected
    )
    del tables, report
    return _timed(
        stages,
        "package",
        lambda _: sum(len(x.frame) for x in protected.values()),
        lambda: write_package(protected, scratch / "datapackages", metadata),
    )


def _bench_site(record: dict[str, Any], project: Path, package_dir: Path) -> None:
    """Generate and render the site from the package, timed."""
    stages = record["stages"]
    _copy_site_sources(project)
    pages = _timed(
        stages, "pages", len, lambda: generate_pages(package_dir, assemble_pages(project))
    )
    record["pages"] = len(pages)
    record["renderer"] = _timed(stages, "render", lambda _: len(pages), lambda: render(project))


def bench_build(scale: float, years: list[int], with_site: bool) -> dict[str, Any]:
    """Time ``stability-index build`` twice in a scratch project with cold user caches.

    The first build generates the synthetic inputs and renders everything; the second, with
    the same inputs, should reuse the content-hashed caches. ``XDG_CACHE_HOME`` points into
    the scratch folder so the chart caches start empty, as on a fresh machine.
    """
    scratch = Path(tempfile.mkdtemp(prefix="stability-bench-build-"))
    os.environ["XDG_CACHE_HOME"] = str(scratch / "xdg")
    record: dict[str, Any] = {}
    try:
        project = scratch / "project"
        _copy_site_sources(project)
        for name in ["build", "second_build"]:

            def build() -> Any:
                return run_build(
                    BuildInputs(scale=scale, years=years),
                    packages_root=project / "datapackages",
                    with_site=with_site,
                    project_root=project,
                )

            _timed(record, name, lambda _: 0, build)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return record


def _copy_site_sources(project: Path) -> None:
    """Copy the hand-written site sources (``site/``, with its ``_quarto.yml``) into a project."""
    root = Path(__file__).resolve().parents[1]
    project.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "site", project / "site", ignore=shutil.ignore_patterns(".quarto"))


def _run_and_send(
    connection: Any, function: Callable[..., dict[str, Any]], args: tuple[Any, ...]
) -> None:
    """Child process body: run ``function(*args)`` and send back its result or its error."""
    try:
        connection.send(("ok", function(*args)))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _in_child(
    function: Callable[..., dict[str, Any]], args: tuple[Any, ...], what: str
) -> dict[str, Any]:
    """Run ``function(*args)`` in a new (non-daemon) spawned process and return its result.

    Non-daemon, because the build itself starts a process (the spreadsheet is written in the
    background) and daemon processes may not have children. ``what`` names the work in the
    error raised when it fails.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(sender, function, args))
    process.start()
    sender.close()
    status, value = receiver.recv()
    process.join()
    if status != "ok":
        raise RuntimeError(f"bench: {what} failed: {value}")
    return value


def _in_fresh_process(
    function: Callable[..., dict[str, Any]], scale: float, years: list[int], with_site: bool
) -> dict[str, Any]:
    """Run ``function(scale, years, with_site)`` in a fresh process (:func:`_in_child`)."""
    return _in_child(function, (scale, years, with_site), f"the run at scale {scale:g}")


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The ratios of issue 11 from per-scale records (smallest scale first)."""
    first, last = records[0], records[-1]
    stages = first["stages"]
    compute = stages["measures"]["seconds"] + stages["aggregate"]["seconds"]
    ratios: dict[str, Any] = {
        "compute_over_read": round(compute / stages["read"]["seconds"], 2),
        "compute_over_read_target": 3,
        "compute_over_read_pandas": round(compute / stages["read_pandas"]["seconds"], 2),
    }
    if len(records) > 1:
        size = last["scale"] / first["scale"]
        ratios["scale_factor"] = size
        ratios["pipeline_time_ratio"] = round(
            last["pipeline_seconds"] / first["pipeline_seconds"], 2
        )
        ratios["pipeline_time_ratio_target"] = round(4.5 * size / 4, 2)
    if "pages" in first:
        ratios["page_generation_seconds_per_page"] = round(
            stages["pages"]["seconds"] / first["pages"], 4
        )
        ratios["render_seconds_per_page"] = round(stages["render"]["seconds"] / first["pages"], 4)
        ratios["renderer"] = first.get("renderer")
    return ratios


def check_targets(result: dict[str, Any]) -> dict[str, Any]:
    """Compare the run at scale 1 (if any) with issue 11's targets: value, limit, met."""
    at_one = [run for run in result["runs"] if run["scale"] == 1]
    if not at_one:
        return {}
    run = at_one[0]
    values = {
        "pipeline_seconds": run["pipeline_seconds"],
        "synth_seconds": run.get("stages", {}).get("synth", {}).get("seconds"),
        "build_seconds": run.get("build_seconds"),
        "second_build_seconds": run.get("second_build_seconds"),
        "peak_rss_mb": max(run["peak_rss_mb"], run.get("build_peak_rss_mb", 0)),
        "compute_over_read": result["ratios"].get("compute_over_read"),
        "pipeline_time_ratio": result["ratios"].get("pipeline_time_ratio"),
    }
    return {
        name: {
            "value": values[name],
            "limit": limit,
            "unit": unit,
            "met": None if values[name] is None else values[name] <= limit,
        }
        for name, (limit, unit) in TARGETS.items()
    }


def run_bench(scales: list[float], quick: bool, out: Path) -> dict[str, Any]:
    """Benchmark the build at ``scales`` (``quick``: tiny scales, three years, no site)."""
    if quick:
        scales, years, with_site = [0.02, 0.08], [2022, 2023, 2024], False
    else:
        years, with_site = list(DEFAULT_YEARS), True
    scales = sorted(scales)
    records = []
    for scale in scales:
        logs.log.info("bench: scale %g", scale)
        record = _in_fresh_process(bench_scale, scale, years, with_site and scale == scales[0])
        if scale == scales[0]:
            logs.log.info("bench: whole build twice at scale %g", scale)
            builds = _in_fresh_process(bench_build, scale, years, with_site)
            record["build_seconds"] = builds["build"]["seconds"]
            record["second_build_seconds"] = builds["second_build"]["seconds"]
            record["build_peak_rss_mb"] = builds["build"]["peak_rss_mb"]
        records.append(record)
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": multiprocessing.cpu_count(),
            "platform": platform.platform(),
        },
        "quick": quick,
        "runs": records,
        "ratios": summarise(records),
    }
    result["targets"] = check_targets(result)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _print_table(result)
    logs.console.print(f"Results written to {out}")
    return result


def _print_table(result: dict[str, Any]) -> None:
    table = Table(title="stability-index bench")
    table.add_column("scale", justify="right")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("peak RSS (MB)", justify="right")
    table.add_column("rows/s", justify="right")
    for run in result["runs"]:
        for name in STAGES:
            stage = run["stages"].get(name)
            if stage is None:
                continue
            rate = stage["rows_per_second"]
            table.add_row(
                f"{run['scale']:g}",
                name,
                f"{stage['seconds']:.2f}",
                f"{stage['peak_rss_mb']:.0f}",
                f"{rate:,}" if rate else "",
            )
    logs.console.print(table)
    for key, value in result["ratios"].items():
        logs.console.print(f"{key}: {value}")
    for name, target in result.get("targets", {}).items():
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[target["met"]]
        logs.console.print(
            f"target {name}: {target['value']} (limit {target['limit']} {target['unit']}): "
            f"{verdict}"
        )
