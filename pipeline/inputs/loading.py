"""``load``: find the input files, read them, validate them, and build :class:`InputTables`.

The layout is described in :mod:`pipeline.inputs.discovery` (docs/contracts.md section 1).
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import geography
from pipeline.arrow_memory import system_allocator
from pipeline.frames import empty_frame
from pipeline.inputs.causes import one_error_per_cause
from pipeline.inputs.columns import fold_column_name
from pipeline.inputs.derive import (
    absent_from_next_return,
    end_absent_episodes,
    placement_la_column,
    read_postcode_lookup,
    uasc_column,
)
from pipeline.inputs.discovery import Found, find_inputs
from pipeline.inputs.exclusion import (
    blocking_errors,
    children_with_errors,
    drop_children,
    excluded_by_rule,
    excluded_per_la_year,
)
from pipeline.inputs.keys import la_years as la_years_of
from pipeline.inputs.layout import table_from_name
from pipeline.inputs.problems import combine, found_in_file, found_in_rows
from pipeline.inputs.raw import RawInputs
from pipeline.inputs.reading import (
    STRING,
    FileRead,
    Source,
    TableColumn,
    read_file_group,
    read_table_years,
    text_values,
)
from pipeline.inputs.report import EXCLUSION_COLUMNS, ValidationReport, build_problems
from pipeline.inputs.rules import RULES, run_checks
from pipeline.inputs.stacking import stack_years
from pipeline.inputs.tables import (
    OPTIONAL_YEAR_TABLES,
    SCHOOL_LINK_COLUMNS,
    YEAR_TABLES,
    InputTables,
)
from pipeline.logs import log


class _Collector:
    """Gathers problems, row counts, exclusions and file hashes while loading."""

    def __init__(self) -> None:
        self.problems: list[pd.DataFrame] = []
        self.rows: list[tuple[str, int]] = []
        self.exclusions: list[tuple[str, int | None, str]] = []
        self.hashes: dict[str, str] = {}

    def add(self, relpath: str, rule: str, **details: object) -> None:
        self.problems.append(found_in_file(relpath, rule=rule, **details))  # type: ignore[arg-type]

    def report(self, la_years: list[tuple[str, int]]) -> ValidationReport:
        return ValidationReport(
            problems=build_problems(one_error_per_cause(combine(self.problems)), RULES),
            rows=pd.DataFrame(self.rows, columns=["file", "rows_read"]),
            exclusions=pd.DataFrame(self.exclusions, columns=EXCLUSION_COLUMNS),
            la_years=la_years,
        )


def _la_codes() -> tuple[set[str], dict[str, str]]:
    table = geography.local_authorities()
    return set(table["old_la_code"]), dict(
        zip(table["new_la_code"], table["old_la_code"], strict=True)
    )


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _read_small_csv(path: Path, relpath: str, out: _Collector) -> pd.DataFrame | None:
    """Read a small top-level CSV as trimmed text with folded column names and a ``ROW``."""
    data = path.read_bytes()
    out.hashes[relpath] = hashlib.sha256(data).hexdigest()
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        out.add(relpath, "UNREADABLE_FILE", value=str(error)[:200])
        return None
    frame.columns = [fold_column_name(str(name)) for name in frame.columns]
    frame = frame.apply(lambda column: column.str.strip().str.upper()).replace("", pd.NA)
    frame = frame.astype(STRING)
    frame["ROW"] = range(2, len(frame) + 2)  # physical lines: blank lines are kept, then dropped
    frame = frame[frame.drop(columns="ROW").notna().any(axis=1)].reset_index(drop=True)
    out.rows.append((relpath, len(frame)))
    return frame


def _read_school_links(root: Path, out: _Collector) -> pd.DataFrame:
    empty = empty_frame(dict.fromkeys(SCHOOL_LINK_COLUMNS, STRING))
    path = root / "school_links.csv"
    if not path.is_file():
        return empty
    frame = _read_small_csv(path, "school_links.csv", out)
    if frame is None:
        return empty
    for column in SCHOOL_LINK_COLUMNS:
        if column not in frame.columns:
            out.add("school_links.csv", "MISSING_COLUMN", column=column, row=1)
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype=STRING)
        blank = frame.loc[frame[column].isna(), "ROW"]
        out.problems.append(
            found_in_rows("school_links.csv", blank, rule="LINK_BLANK", column=column)
        )
    return frame[[*SCHOOL_LINK_COLUMNS, "ROW"]]


def _read_la_context(root: Path, out: _Collector) -> pd.DataFrame:
    path = root / "la_context.csv"
    if not path.is_file():
        return empty_frame({"LA_CODE": STRING})
    frame = _read_small_csv(path, "la_context.csv", out)
    if frame is None:
        return empty_frame({"LA_CODE": STRING})
    if "LA_CODE" not in frame.columns:
        out.add("la_context.csv", "MISSING_COLUMN", column="LA_CODE", row=1)
        return empty_frame({"LA_CODE": STRING})
    result = pd.DataFrame({"LA_CODE": frame["LA_CODE"]})
    for column in frame.columns:
        if column in {"LA_CODE", "ROW"}:
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column].notna() & numbers.isna()
        out.problems.append(
            found_in_rows(
                "la_context.csv",
                frame.loc[bad, "ROW"],
                rule="CONTEXT_NOT_NUMBER",
                column=column,
                values=frame.loc[bad, column],
            )
        )
        result[column] = numbers.astype("float64")
    return result


def _read_manifest(root: Path, out: _Collector) -> tuple[bool, set[tuple[str, int]] | None]:
    """Return ``synthetic`` and the ``sw_supplied`` pairs (None when not given)."""
    path = root / "manifest.json"
    if not path.is_file():
        return False, None
    data = path.read_bytes()
    out.hashes["manifest.json"] = hashlib.sha256(data).hexdigest()
    try:
        manifest = json.loads(data)
        synthetic = bool(manifest.get("synthetic", False))
        supplied_by_year = manifest.get("sw_supplied")
        if supplied_by_year is None:
            return synthetic, None
        supplied = {
            (str(code).strip().upper(), int(year))
            for year, codes in supplied_by_year.items()
            for code in codes
        }
    except (ValueError, AttributeError, TypeError) as error:
        out.add("manifest.json", "MANIFEST", value=str(error)[:200])
        return False, None
    return synthetic, supplied


def _check_la_option(
    la: str | None, known: set[str], new_to_old: dict[str, str], out: _Collector
) -> str | None:
    if la is None:
        return None
    code = la.strip().upper()
    code = new_to_old.get(code, code)
    if code not in known:
        out.add("--la", "LA_UNKNOWN", column="LA", value=la)
    return code


def load(
    input_dir: Path, la: str | None = None, exclude_invalid: bool = False
) -> tuple[InputTables | None, ValidationReport]:
    """Read and validate every input file under ``input_dir``.

    Args:
        input_dir: the folder of inputs (layout in :mod:`pipeline.inputs.discovery`).
        la: DfE 3-digit LA code (or ONS code) for files without an ``LA`` column.
        exclude_invalid: leave out the children with an error and go on with the rest
            (:mod:`pipeline.inputs.exclusion`); errors that belong to no child still stop.

    Returns:
        ``(tables, report)``; ``tables`` is None when the report holds an error that stops
        the run (any error, without ``exclude_invalid``).
    """
    with system_allocator():
        return _load(input_dir, la, exclude_invalid)


def _load(
    input_dir: Path, la: str | None, exclude_invalid: bool
) -> tuple[InputTables | None, ValidationReport]:
    """:func:`load`, with Arrow's memory pool chosen."""
    root = Path(input_dir)
    out = _Collector()
    known, new_to_old = _la_codes()
    la = _check_la_option(la, known, new_to_old, out)
    if not root.is_dir():
        out.add(str(input_dir), "NO_INPUT")
        return None, out.report([])
    layout = find_inputs(root, la, known, new_to_old)
    out.problems.extend(layout.problems)
    out.exclusions.extend(layout.exclusions)
    if not layout.years:
        out.add(".", "NO_INPUT")
        return None, out.report([])
    _note_not_used(root, layout.not_used, out)
    raw = _read_tables(layout, known, new_to_old, out)
    school_links = _read_school_links(root, out)
    la_context = _read_la_context(root, out)
    synthetic, sw_supplied = _read_manifest(root, out)
    try:
        out.problems.extend(run_checks(raw))
    finally:
        raw.close()
    la_years = la_years_of(raw, "header")
    report = out.report(la_years)
    if report.errors and (not exclude_invalid or not blocking_errors(report.problems).empty):
        return None, report
    tables = _usable_tables(root, raw, report, new_to_old)
    tables.school_links, tables.la_context = school_links, la_context
    tables.years, tables.synthetic = sorted(layout.years), synthetic
    tables.source_files = dict(sorted(out.hashes.items()))
    if sw_supplied is None:
        workers = tables.social_workers[["LA", "YEAR"]].dropna().drop_duplicates()
        sw_supplied = {(str(a), int(y)) for a, y in workers.itertuples(index=False)}
    tables.sw_supplied = sw_supplied
    return tables, report


def _usable_tables(
    root: Path, raw: RawInputs, report: ValidationReport, new_to_old: dict[str, str]
) -> InputTables:
    """Leave out children with errors, derive UASC and PL_LA, end episodes left out later."""
    excluded = children_with_errors(report.problems)
    report.excluded_children = excluded
    excluded_la_years = excluded_per_la_year(excluded, raw["header"])
    drop_children(raw, excluded)
    if not excluded.empty:
        log.info(
            "inputs: %d child(ren) with errors left out (--exclude-invalid): %s",
            excluded[["LA", "CHILD"]].drop_duplicates().shape[0],
            ", ".join(f"{r.rule} {r.children}" for r in excluded_by_rule(excluded).itertuples()),
        )
    ended = _derive(root, raw, new_to_old)
    report.ended_not_in_return = ended
    return InputTables(
        header=raw["header"],
        episodes=raw["episodes"],
        social_workers=raw["social_workers"],
        school_census=raw["school_census"],
        uasc=raw["uasc"],
        excluded_children=excluded,
        excluded_per_la_year=excluded_la_years,
        ended_not_in_return=ended,
    )


def _derive(root: Path, raw: RawInputs, new_to_old: dict[str, str]) -> pd.DataFrame:
    """Derive ``UASC`` and ``PL_LA`` and end the episodes left out of the next return.

    The three are found in threads (each only reads ``raw``), then written into the tables.
    """

    def placement_la() -> pa.Array | None:
        lookup = read_postcode_lookup(root / "postcode_lookup.csv", raw["episodes"]["PL_POST"])
        return placement_la_column(raw, lookup, new_to_old)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        absent = pool.submit(absent_from_next_return, raw)
        uasc = pool.submit(uasc_column, raw)
        placement = pool.submit(placement_la)
        columns = [("header", "UASC", uasc.result()), ("episodes", "PL_LA", placement.result())]
        positions = absent.result()
    for table, name, column in columns:
        if column is not None:
            raw[table][name] = text_values(column)
    return end_absent_episodes(raw, positions)


def _note_not_used(root: Path, paths: list[Path], out: _Collector) -> None:
    """Hash the 903 tables the measures do not read, and list them once in the report."""
    for path in paths:
        out.hashes[_relative(path, root)] = hashlib.sha256(path.read_bytes()).hexdigest()
    if paths:
        tables = sorted({table_from_name(p.name) or "903 table" for p in paths})
        out.exclusions.append(
            (f"{len(paths):,} file(s): {', '.join(tables)}", None, "903 tables read, not used")
        )


def _read_tables(
    layout: Found, known: set[str], new_to_old: dict[str, str], out: _Collector
) -> RawInputs:
    """Read every table file (in threads) and stack each table's years into :class:`RawInputs`."""
    wanted: list[tuple[list[Source], str, int]] = []
    for year, year_tables in sorted(layout.years.items()):
        for table in YEAR_TABLES:
            if table not in year_tables:
                if table not in OPTIONAL_YEAR_TABLES:
                    out.add(f"{year}/{table}.csv", "MISSING_FILE", year=year)
                continue
            wanted.append((year_tables[table], table, year))
        _check_la_folders(year, year_tables, out)
    # Files are read in threads (pyarrow's parsing and compute kernels release the GIL); the
    # results are taken in the order above, so the report does not depend on the threads.
    tasks = _reading_tasks(wanted)
    done: dict[tuple[str, int], list[FileRead]] = {}
    joined: dict[str, dict[str, TableColumn]] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = pool.map(lambda task: _read_task(task, known, new_to_old), tasks)
        for task, (task_reads, columns) in zip(tasks, results, strict=True):
            for read in task_reads:
                done.setdefault((task[1], read.year), []).append(read)
            if columns is not None:
                joined[task[1]] = columns
    reads: dict[str, list[FileRead]] = {table: [] for table in YEAR_TABLES}
    for _, table, year in wanted:
        for read in done[(table, year)]:
            _collect(read, out)
            reads[table].append(read)
    raw = RawInputs(
        tables={},
        files={table: _files_of(files) for table, files in reads.items()},
        missing_columns={
            table: {r.year: r.missing_columns for r in files} for table, files in reads.items()
        },
    )
    for table, files in reads.items():  # each file's columns are freed as they are stacked
        pieces = [r.columns for r in files if r.columns is not None]
        raw.tables[table] = stack_years([joined.pop(table)] if table in joined else pieces, table)
        for read in files:
            read.columns = None
    return raw


#: A reading task: the files of a table, by year, and whether to read the years as one.
_Task = tuple[list[tuple[int, list[Source]]], str, bool]


def _reading_tasks(wanted: list[tuple[list[Source], str, int]]) -> list[_Task]:
    """The reads to do: a table with one file a year is read in one go (biggest first), one
    with LA folders a year at a time."""
    by_table: dict[str, list[tuple[int, list[Source]]]] = {}
    for sources, table, year in wanted:
        by_table.setdefault(table, []).append((year, sources))
    whole = [
        (years, table, True)
        for table, years in by_table.items()
        if all(len(sources) == 1 for _, sources in years)
    ]
    whole.sort(key=lambda task: -sum(s.path.stat().st_size for _, ss in task[0] for s in ss))
    by_year = [
        ([(year, sources)], table, False)
        for sources, table, year in wanted
        if not all(len(s) == 1 for _, s in by_table[table])
    ]
    return whole + by_year


def _read_task(
    task: _Task, known: set[str], new_to_old: dict[str, str]
) -> tuple[list[FileRead], dict[str, TableColumn] | None]:
    """Do one reading task: the reads of its files, and the table's columns when read in one."""
    years, table, at_once = task
    if at_once:
        items = [(year, sources[0]) for year, sources in years]
        read = read_table_years(items, table, known, new_to_old)
        if read is not None:
            return read.reads, read.columns
    reads = [
        read
        for year, sources in years
        for read in read_file_group(sources, table, year, known, new_to_old)
    ]
    return reads, None


def _check_la_folders(year: int, year_tables: dict[str, list[Source]], out: _Collector) -> None:
    """Every LA folder of a year needs its own header and episodes files."""
    folders = {source.relpath.rsplit("/", 1)[0]: source.la for sources in year_tables.values()
               for source in sources if source.relpath.count("/") == 2}  # fmt: skip
    for table in YEAR_TABLES:
        if table in OPTIONAL_YEAR_TABLES or table not in year_tables:
            continue
        having = {source.relpath.rsplit("/", 1)[0] for source in year_tables[table]}
        for folder in sorted(set(folders) - having):
            out.add(f"{folder}/{table}.csv", "MISSING_FILE", la=folders[folder], year=year)


def _files_of(reads: list[FileRead]) -> dict:
    files: dict = {}
    for read in reads:
        files.update(read.files)
    return files


def _collect(read: FileRead, out: _Collector) -> None:
    """Take one read's problems, row counts and hashes into ``out``."""
    out.problems.extend(read.problems)
    if read.sha256s:  # joined files: one entry per file
        out.rows.extend(read.row_counts.items())
        out.hashes.update(read.sha256s)
    else:
        out.rows.append((read.relpath, read.rows_read))
        out.hashes[read.relpath] = read.sha256
    if read.skipped_lines:
        out.exclusions.append(
            (read.relpath, read.skipped_lines, "lines with the wrong number of fields")
        )
    if read.columns is None and not read.joined_years:
        out.exclusions.append((read.relpath, None, "file could not be read"))
