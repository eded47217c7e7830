"""``generate``: write the synthetic England in the input layout of docs/contracts.md section 1."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.arrow_memory import system_allocator
from pipeline.logs import log
from pipeline.synth.areas import Areas, build_areas, la_context
from pipeline.synth.children import Population, Window, simulate_population
from pipeline.synth.dates import NO_DATE
from pipeline.synth.draws import stream
from pipeline.synth.episodes import build_episodes
from pipeline.synth.mothers import first_births, mother_columns
from pipeline.synth.placements import clear_postcode_cache, postcode_districts
from pipeline.synth.returns import (
    ChildIds,
    census_order,
    census_table,
    child_ids,
    episode_order,
    episode_table,
    header_table,
    header_upns,
    social_worker_order,
    social_worker_table,
    uasc_table,
    write_csv,
    year_children,
)
from pipeline.synth.schools import build_schools, census_rows, pupil_numbers, school_histories
from pipeline.synth.short_breaks import add_short_break_children
from pipeline.synth.social_workers import build_social_workers

GENERATOR_VERSION = "2.0.0"
DEFAULT_YEARS = list(range(2016, 2025))
#: Largest scale: issue 11 asks the pipeline to run at ten times England. CHILD serials (6
#: digits per LA) and UPN serials (below 9,000,000 per LA) leave room far beyond it.
MAX_SCALE = 10.0


@system_allocator()
def generate(
    out_dir: Path, seed: int = 2024, scale: float = 1.0, years: list[int] | None = None
) -> Path:
    """Write a synthetic England (all 153 LAs) for ``years`` into ``out_dir`` and return it.

    Layout: the 903 tables as LAs export them, ``<year>/header.csv, episodes.csv, uasc.csv,
    sw_episodes.csv`` and the NPD-style ``school_census.csv`` (each with an ``LA`` column first,
    one file for all of England), then ``school_links.csv``, ``la_context.csv``,
    ``postcode_lookup.csv`` (each made-up postcode district's LA) and ``manifest.json``.
    The latest year has about ``83,600 * scale`` children looked after at 31 March. The same
    ``seed``, ``scale`` and ``years`` always give byte-identical files.
    """
    years = _checked_years(years)
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be above 0 and at most {MAX_SCALE}, got {scale}")
    out_dir = Path(out_dir)
    window = Window(years)
    areas = build_areas(stream(seed, "areas"))
    population = simulate_population(areas, window, scale, stream(seed, "children"))
    population = add_short_break_children(population, areas, window, scale, stream(seed, "breaks"))
    episodes = build_episodes(population, areas, window, stream(seed, "episodes"))
    social = build_social_workers(population, episodes, areas, window, stream(seed, "social"))
    identity = stream(seed, "identity")
    ids = child_ids(population, areas, identity)
    permanent = pupil_numbers(population.children, areas)
    upn_draws = identity.uniform(0, 1, len(population.children))
    births = first_births(population, window.last_day, stream(seed, "mothers"))
    in_year = {year: year_children(episodes, year) for year in years}
    headers, known = _headers(
        population, episodes, ids, areas, in_year, permanent, upn_draws, births
    )
    _clear_stale_years(out_dir, years)

    rows = episode_order(episodes, ids), social_worker_order(social, ids)
    # The years' files are written in threads while the schools and census are simulated.
    with _YearFiles(out_dir) as files:
        for year in years:
            tables = _return_tables(
                year, headers, episodes, social, population, ids, areas, in_year[year], rows
            )
            for name, make in tables.items():
                files.add(year, name, make)
        schools = build_schools(areas, window, stream(seed, "schools"))
        histories = school_histories(
            population, episodes, schools, areas, window, stream(seed, "histories")
        )
        census = census_rows(population, histories, schools, known, stream(seed, "census"))
        in_order = census_order(census, population.children["la"].to_numpy(), permanent, areas)
        for year in years:
            files.add(
                year,
                "school_census.csv",
                partial(census_table, census, population, schools, in_order, areas, year),
            )
    links = schools.links().sort_values("URN", kind="stable")
    write_csv(links, out_dir / "school_links.csv")
    lookup = pd.DataFrame({"DISTRICT": postcode_districts(areas.count), "LA": areas.codes})
    write_csv(lookup, out_dir / "postcode_lookup.csv")
    write_csv(la_context(areas, stream(seed, "context")), out_dir / "la_context.csv")
    supplied = {str(y): sorted(areas.codes[areas.sw_supplied(y)].tolist()) for y in years}
    _write_manifest(out_dir, seed, scale, years, supplied)
    clear_postcode_cache()
    log.info(
        "synth: %s children looked after at 31 March %s (short breaks excluded), %s LAs",
        f"{int(_looked_after_at_end(episodes, window.last_day)):,}",
        years[-1],
        areas.count,
    )
    return out_dir


def _headers(
    population: Population,
    episodes: pd.DataFrame,
    ids: ChildIds,
    areas: Areas,
    in_year: dict[int, np.ndarray],
    permanent: np.ndarray,
    upn_draws: np.ndarray,
    births: np.ndarray,
) -> tuple[dict[int, pa.Table], pd.DataFrame]:
    """Each year's header table and the ``child, YEAR`` pairs whose header has the child's
    permanent UPN (the pupils the school census is matched to)."""
    headers: dict[int, pa.Table] = {}
    known = []
    for year, children in in_year.items():
        upns = header_upns(population, permanent, children, year, upn_draws)
        mother = mother_columns(population, births, episodes, year, children)
        headers[year] = header_table(population, ids, areas, children, upns, mother)
        with_upn = children[upns == permanent[children]]
        known.append(pd.DataFrame({"child": with_upn, "YEAR": year}))
    return headers, pd.concat(known, ignore_index=True)


def _return_tables(
    year: int,
    headers: dict[int, pa.Table],
    episodes: pd.DataFrame,
    social: pd.DataFrame,
    population: Population,
    ids: ChildIds,
    areas: Areas,
    children: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
) -> dict[str, Callable[[], pa.Table]]:
    """The functions making ``year``'s 903 tables (``children``: the year's children; ``rows``:
    the episodes' and social worker episodes' return order)."""
    supplied = areas.sw_supplied(year)
    return {
        "header.csv": partial(headers.__getitem__, year),
        "episodes.csv": partial(episode_table, episodes, ids, areas, year, rows[0]),
        "uasc.csv": partial(uasc_table, population, ids, areas, children),
        "sw_episodes.csv": partial(
            social_worker_table, social, population, ids, areas, children, year, supplied, rows[1]
        ),
    }


class _YearFiles:
    """Writes the years' files, each ``add``-ed as the function making its table, in threads:
    one at a time while the caller goes on (so the caller keeps a core), two at a time once it
    waits. Arrow and numpy do most of the work without the GIL, and no random number is drawn
    here, so the files are the same bytes in any order. Leaving the ``with`` block waits for
    them and logs them by year, then in the order added."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.threads = min(2, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(max_workers=self.threads)
        self.slots = threading.Semaphore(1)
        self.written: list[tuple[int, int, Future[tuple[Path, int]]]] = []

    def add(self, year: int, name: str, make: Callable[[], pa.Table]) -> None:
        """Write ``year``'s file ``name`` with the table ``make()`` returns."""
        path = self.out_dir / str(year) / name
        job = self.pool.submit(self._write, make, path)
        self.written.append((year, len(self.written), job))

    def _write(self, make: Callable[[], pa.Table], path: Path) -> tuple[Path, int]:
        with self.slots:
            return write_csv(make(), path, quiet=True)

    def __enter__(self) -> _YearFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        for _ in range(self.threads - 1):
            self.slots.release()
        self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        if exc[0] is None:
            for _, _, job in sorted(self.written, key=lambda item: item[:2]):
                path, rows = job.result()
                log.info("synth: %s/%s %s rows", path.parent.name, path.name, f"{rows:,}")


def _write_manifest(
    out_dir: Path, seed: int, scale: float, years: list[int], supplied: dict[str, list[str]]
) -> None:
    """Write ``manifest.json``: the run's settings and the LAs that supplied social workers."""
    manifest = {
        "synthetic": True,
        "seed": seed,
        "scale": scale,
        "years": years,
        "sw_supplied": supplied,
        "generator": f"pipeline.synth {GENERATOR_VERSION}",
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _checked_years(years: list[int] | None) -> list[int]:
    """Sorted distinct collection years; an error for an empty list or implausible years."""
    chosen = sorted({int(y) for y in (DEFAULT_YEARS if years is None else years)})
    if not chosen:
        raise ValueError("years must name at least one collection year")
    if chosen[0] < 2000 or chosen[-1] > 2100:
        raise ValueError(f"collection years must be between 2000 and 2100, got {chosen}")
    return chosen


def _clear_stale_years(out_dir: Path, years: list[int]) -> None:
    """Remove year folders of an earlier synthetic run that this run does not write."""
    if not (out_dir / "manifest.json").exists():
        return
    for child in out_dir.iterdir():
        if child.is_dir() and re.fullmatch(r"\d{4}", child.name) and int(child.name) not in years:
            shutil.rmtree(child)


def _looked_after_at_end(episodes: pd.DataFrame, last_day: int) -> int:
    """Children with an episode open at the end of the window, short breaks excluded."""
    open_episode = (episodes["end"].to_numpy() == NO_DATE) & ~episodes["LS"].isin(
        ["V3", "V4"]
    ).to_numpy()
    open_episode &= episodes["start"].to_numpy() <= last_day
    return len(np.unique(episodes["child"].to_numpy()[open_episode]))
