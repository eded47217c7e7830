"""Orchestration of the whole build: inputs -> package -> site (DESIGN.md's flow).

Each step is a function of another module; this module only wires them together, logs row
counts and turns known failures into a clear message and a non-zero exit code without
leaving partial outputs behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline import build_cache
from pipeline.aggregate import build_tables
from pipeline.aggregate.coverage import record_source_years
from pipeline.aggregate.neighbour_sets import neighbour_set
from pipeline.disclosure import SuppressionSummary
from pipeline.heap import release_free_heap
from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.logs import log, step
from pipeline.measures import MeasuresResult
from pipeline.measures.catalogue import HEADLINE_MEASURES, MEASURES
from pipeline.packaging import (
    PackageBuildError,
    PackageExistsError,
    ReleaseMetadata,
    ledger,
    write_package,
)
from pipeline.packaging.archive import ArchiveError
from pipeline.packaging.archive import verify as verify_archive
from pipeline.packaging.metadata import DEFAULT_SOURCES, PACKAGE_NAME, SYNTHETIC_SOURCE
from pipeline.published import PublishedTable
from pipeline.site import generate_pages
from pipeline.site.frozen import keep_package_versions
from pipeline.site.layout import OUTPUT, assemble_pages
from pipeline.site.render import RendererError, choose_renderer, render
from pipeline.steps import StepError, aggregate, measure, protect_and_audit, validate
from pipeline.synth import DEFAULT_YEARS, GENERATOR_VERSION, generate
from pipeline.synth.fingerprint import generator_fingerprint

#: Where the synthetic England is generated (git-ignored), relative to the project root.
SYNTHETIC_CACHE = Path(".cache") / "synthetic"
#: Where the published tables of the last build are kept for reuse (git-ignored).
BUILD_CACHE = Path(".cache") / "build"


class BuildError(StepError):
    """A build step failed for a reason the user can act on (the message says which)."""


@dataclass
class BuildResult:
    """What a build produced, for the CLI, the benchmark and the tests."""

    package_dir: Path | None = None
    site_dir: Path | None = None
    renderer: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildInputs:
    """What a build or a release is computed from.

    Attributes:
        input_dir: real SSDA903 extracts (``INPUT/<year>/*.csv``); None for the synthetic
            England of ``seed``, ``scale`` and ``years`` (default :data:`DEFAULT_YEARS`).
        la: DfE 3-digit code of the LA the files belong to, when they have no ``LA`` column.
        neighbours: the basis of the statistical neighbours (``dfe``, ``dfe-2021``, ``computed``).
        exclude_invalid: leave out children with errors (``pipeline.inputs.exclusion``).
    """

    input_dir: Path | None = None
    la: str | None = None
    seed: int = 2024
    scale: float = 1.0
    years: list[int] | None = None
    neighbours: str = "dfe"
    exclude_invalid: bool = False


def synthetic_inputs(project_root: Path, seed: int, scale: float, years: list[int]) -> Path:
    """Return the folder of the synthetic England for these settings, generating it once.

    The folder name encodes the settings, so a second build reuses the files (the generator
    is deterministic, so reuse gives the same result as regenerating). Files are written
    again when they were made by another generator version or by other generator code: a
    file beside the folder (``<folder>.fingerprint``) records
    :func:`~pipeline.synth.fingerprint.generator_fingerprint` of the run that wrote them
    (not ``manifest.json``, whose bytes are an input of the package).
    """
    name = f"seed{seed}-scale{scale:g}-{years[0]}-{years[-1]}"
    folder = project_root / SYNTHETIC_CACHE / name
    if _cached_synthetic_is_current(folder, seed, years):
        log.info("synth: reusing %s", folder)
        return folder
    stamp = _fingerprint_file(folder)
    stamp.unlink(missing_ok=True)
    with step("synth"):
        generate(folder, seed=seed, scale=scale, years=years)
        release_free_heap()
    stamp.write_text(generator_fingerprint() + "\n", encoding="utf-8")
    return folder


def _fingerprint_file(folder: Path) -> Path:
    """The file beside a synthetic folder that records the generator fingerprint it was made with."""
    return folder.with_name(folder.name + ".fingerprint")


def _cached_synthetic_is_current(folder: Path, seed: int, years: list[int]) -> bool:
    """True when ``folder`` holds a synthetic England this generator code would write."""
    manifest = folder / "manifest.json"
    stamp = _fingerprint_file(folder)
    if not (manifest.exists() and stamp.exists()):
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    same = recorded.get("years") == years and recorded.get("seed") == seed
    if not same or recorded.get("generator") != f"pipeline.synth {GENERATOR_VERSION}":
        return False
    if stamp.read_text(encoding="utf-8").strip() != generator_fingerprint():
        log.info("synth: the generator's code changed since %s was written", folder)
        return False
    return True


def compute_child_table(input_dir: Path, out: Path, la: str | None = None) -> int:
    """Validate inputs, compute the child-level measures and write them to ``out``.

    ``out`` ends in ``.csv`` or ``.parquet``. Returns the number of rows written.
    """
    tables, _ = validate(input_dir, la)
    result = measure(tables)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        result.children.to_parquet(out, index=False)
    elif out.suffix == ".csv":
        result.children.to_csv(out, index=False)
    else:
        raise BuildError(f"--out must end in .csv or .parquet, not {out.suffix!r}")
    return len(result.children)


def release_child_rows(tables: InputTables) -> None:
    """Empty the child-level input frames that no step after the measures reads.

    Aggregation reads only the header's ``LA`` and ``YEAR`` (which LA-years made a return),
    the social worker module flags and the LA context; the release metadata reads the years,
    the synthetic flag and the file hashes. Everything else is dropped, in place, and the
    freed memory given back to the system (:func:`~pipeline.heap.release_free_heap`).
    """
    record_source_years(tables)
    tables.header = tables.header[["LA", "YEAR"]].drop_duplicates().reset_index(drop=True)
    tables.episodes = _emptied(tables.episodes)
    tables.social_workers = _emptied(tables.social_workers)
    tables.school_census = _emptied(tables.school_census)
    release_free_heap()


def _emptied(frame: pd.DataFrame) -> pd.DataFrame:
    """A new frame with ``frame``'s columns and dtypes and no rows.

    Not ``frame.iloc[0:0]``: that is a view, which keeps every column's buffers alive.
    """
    return pd.DataFrame(columns=frame.columns).astype(frame.dtypes.to_dict())


def publishable_tables(
    tables: InputTables, report: ValidationReport, neighbours: str = "dfe"
) -> tuple[dict[str, PublishedTable], SuppressionSummary]:
    """Run measures, aggregation, disclosure control, the derived tables and the audit.

    Returns ``(published tables, suppression summary)``; the tables are safe to write (the
    audit has passed). To keep memory down, ``tables`` loses its child-level rows as soon as
    the measures no longer read them (:func:`release_child_rows`, before the measures' results
    are stacked), and the measures' child-level table as soon as aggregation has its compact
    copy (:func:`release_measures_children`). ``neighbours`` is the basis of the statistical neighbours
    (``dfe``, ``dfe-2021`` or ``computed``).
    """
    result = measure(tables, release=partial(release_child_rows, tables))
    make_tables = partial(build_tables, release=partial(release_measures_children, result))
    raw = aggregate(make_tables, result, tables, report, neighbours)
    del result
    release_free_heap()  # what the measures and aggregation freed, before disclosure control
    return protect_and_audit(raw)


def release_measures_children(result: MeasuresResult) -> None:
    """Empty ``result.children`` (aggregation calls this once it has its compact copy) and
    give the freed memory back to the system."""
    result.children = _emptied(result.children)
    release_free_heap()


def _publish_from_inputs(
    inputs: BuildInputs, input_dir: Path
) -> tuple[dict[str, PublishedTable], ReleaseMetadata]:
    """Validate the inputs (in ``input_dir``: the synthetic England's folder when
    ``inputs.input_dir`` is None) and make the published tables and release metadata.

    A function of its own so the input tables are freed before the package is written.
    """
    tables, report = validate(input_dir, inputs.la, inputs.exclude_invalid)
    published, summary = publishable_tables(tables, report, inputs.neighbours)
    metadata = release_metadata(
        tables,
        summary,
        synthetic=inputs.input_dir is None,
        seed=inputs.seed,
        scale=inputs.scale,
        published=published,
        neighbours=inputs.neighbours,
    )
    return published, metadata


def check_archive(packages_root: Path) -> list[dict]:
    """Verify every version in the release archive; :class:`BuildError` names a changed file."""
    try:
        return verify_archive(packages_root / PACKAGE_NAME)
    except ArchiveError as error:
        raise BuildError(f"the release archive {packages_root} is not intact: {error}") from error


def publishable(
    inputs: BuildInputs, project_root: Path
) -> tuple[dict[str, PublishedTable], ReleaseMetadata, str, bool]:
    """The published tables and release metadata of the inputs, their cache key, and whether
    they were reused from an identical earlier build."""
    try:
        neighbour_set(inputs.neighbours)
    except ValueError as error:
        raise BuildError(f"--neighbours: {error}") from error
    synthetic = inputs.input_dir is None
    input_dir = inputs.input_dir or synthetic_inputs(
        project_root, inputs.seed, inputs.scale, inputs.years or DEFAULT_YEARS
    )
    cache_dir = project_root / BUILD_CACHE
    options: dict[str, object] = {
        "la": inputs.la,
        "synthetic": synthetic,
        "neighbours": inputs.neighbours,
    }
    if inputs.exclude_invalid:  # only when set, so the keys of earlier builds stay the same
        options["exclude_invalid"] = True
    key = build_cache.inputs_key(input_dir, options)
    cached = build_cache.load_tables(cache_dir, key)
    if cached is not None:
        published, metadata = cached
        log.info("measures, aggregate, disclose: reusing the results of an identical earlier build")
        return published, metadata, key, True
    published, metadata = _publish_from_inputs(inputs, input_dir)
    build_cache.save_tables(cache_dir, key, (published, metadata))
    return published, metadata, key, False


def write_version(
    published: dict[str, PublishedTable],
    metadata: ReleaseMetadata,
    packages_root: Path,
    *,
    version: str | None,
    bump: str | None,
    new_only_if_changed: bool = False,
) -> Path:
    """Write (or keep) the package version; :class:`BuildError` for a refused version."""
    try:
        with step("package", rows_in=sum(len(t.frame) for t in published.values())):
            return write_package(
                published,
                packages_root,
                metadata,
                version=version,
                bump=bump,
                only_if_tables_changed=new_only_if_changed,
            )
    except (PackageExistsError, PackageBuildError) as error:
        raise BuildError(str(error)) from error


def run_build(
    inputs: BuildInputs,
    *,
    version: str | None = None,
    bump: str | None = None,
    packages_root: Path = Path("datapackages"),
    with_site: bool = True,
    project_root: Path = Path("."),
    renderer: str = "auto",
) -> BuildResult:
    """Run every step; raise :class:`BuildError` (a :class:`StepError`) on a failure the user
    can act on.

    ``packages_root`` is the release archive: it is verified first (a changed file of a
    published version stops the build, named). With no ``version`` and no ``bump``, a version
    recorded in the archive's ``releases.json`` but not yet in the archive is written (the
    publish workflow's release step); otherwise the latest version is rebuilt and kept.
    """
    entries = check_archive(packages_root)
    build = BuildResult()
    published, metadata, cache_key, cached = publishable(inputs, project_root)
    pending = ledger.pending(packages_root, entries) if version is None and bump is None else None
    if pending is not None:
        version = pending["version"]
        metadata = dataclasses.replace(metadata, changes=pending["changes"])
        log.info("package: writing version %s recorded in the release ledger", version)
    cache_dir = project_root / BUILD_CACHE
    reused = None
    if cached and version is None and bump is None:
        reused = build_cache.reusable_package(cache_dir, cache_key, packages_root)
    if reused is not None:
        build.package_dir = reused
        log.info("package: %s was written from these same tables and is intact, reusing it", reused)
    else:
        build.package_dir = write_version(
            published,
            metadata,
            packages_root,
            version=version,
            bump=bump,
            new_only_if_changed=bump is not None or pending is not None,
        )
        build_cache.save_package_stamp(cache_dir, cache_key, build.package_dir)

    if with_site:
        build.site_dir = project_root / "_site"
        build.renderer = build_site(build.package_dir, project_root, renderer)
    return build


def build_site(package_dir: Path, project_root: Path, renderer: str = "auto") -> str:
    """Assemble and generate the pages, render ``_site/``; skip all when nothing changed.

    ``renderer`` is ``quarto``, ``pandoc`` or ``auto`` (Quarto when on PATH). The hand-written
    ``site/`` is copied into ``_pages/`` and the generated pages are written beside it there.
    """
    try:
        chosen = choose_renderer(renderer)
    except RendererError as error:
        raise BuildError(str(error)) from error
    site_dir = project_root / OUTPUT
    stamp = site_dir / ".build-stamp"
    key = build_cache.site_key(package_dir, project_root)
    if stamp.exists() and stamp.read_text(encoding="utf-8").split() == [key, chosen]:
        log.info("pages, render: site unchanged since the last build, reusing %s", site_dir)
        return chosen
    with step("pages") as counts:
        pages = generate_pages(package_dir, assemble_pages(project_root), keep_versions=True)
        counts["pages"] = len(pages)
    with step("render") as counts:
        chosen = render(project_root, chosen)
        counts["html_files"] = sum(1 for _ in site_dir.rglob("*.html"))
    with step("versions") as counts:
        kept = keep_package_versions(package_dir, site_dir)
        counts["versions"] = len(kept)
    stamp.write_text(f"{key} {chosen}\n", encoding="utf-8")
    return chosen


def release_date_for(latest_year: int) -> str:
    """The release date recorded in the package: the last Thursday of November after the year.

    It is derived from the data (never the clock) so that the same inputs give the same bytes;
    DfE's children looked after statistics are published in late November.
    """
    day = dt.date(latest_year, 11, 30)
    while day.weekday() != 3:  # Thursday
        day -= dt.timedelta(days=1)
    return day.isoformat()


def headline_figures(
    published: dict[str, PublishedTable], latest_year: int
) -> tuple[tuple[str, str], ...]:
    """England's published headline percentages for the latest year, for the release note."""
    frame = published["stability_measures"].frame
    rows = frame[
        (frame["geographic_level"] == "National")
        & (frame["time_period"].astype(str) == str(latest_year))
        & (frame["period"] == "During the year")
        & (frame["breakdown"] == "Total")
    ]
    figures = []
    for code in HEADLINE_MEASURES:
        row = rows[rows["measure"] == code]
        if len(row):
            number, cohort, percent = (row.iloc[0][c] for c in ["number", "cohort", "percent"])
            try:
                shown = f"{float(percent):.1f}% ({int(number):,} of {int(cohort):,} children)"
            except ValueError:
                shown = str(percent)
            figures.append((MEASURES[code].label, shown))
    return tuple(figures)


def release_metadata(
    tables: InputTables,
    summary: SuppressionSummary,
    *,
    synthetic: bool,
    seed: int,
    scale: float,
    published: dict[str, PublishedTable] | None = None,
    neighbours: str = "dfe",
) -> ReleaseMetadata:
    """Describe the release for the package: title, years, provenance and the synthetic flag.

    The sources are the defaults, then the statistical neighbours' basis (the DfE version used,
    or "computed from la_context"), then the synthetic England when it is one.
    """
    years = sorted(int(y) for y in tables.years)
    latest = years[-1]
    synthetic = synthetic or bool(tables.synthetic)
    return ReleaseMetadata(
        synthetic=synthetic,
        sources=tuple(DEFAULT_SOURCES)
        + (neighbour_set(neighbours).source(),)
        + ((SYNTHETIC_SOURCE,) if synthetic else ()),
        collection_years=tuple(years),
        latest_year=latest,
        release_date=release_date_for(latest),
        seed=seed if synthetic else None,
        scale=scale if synthetic else None,
        input_files=dict(sorted(tables.source_files.items())),
        suppression_markdown=summary.to_markdown(),
        headline_figures=headline_figures(published, latest) if published else (),
    )
