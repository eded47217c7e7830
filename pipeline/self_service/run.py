"""``build_la_report``: an LA analyst runs the index on their own SSDA903 extract (issue 12).

Steps (docs/contracts.md section 6), the national build's own (``pipeline.steps``): read and
validate the LA's files; compute the measures and the LA's tables; with ``--publish``, protect
and audit them as the national publication does;
compare with a published package; write one HTML report (and, on request, the internal
``--explain`` table). Nothing is written when the inputs have errors or a check fails.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import logs
from pipeline.disclosure import DisclosureError, audit_files
from pipeline.geography import la_lookup
from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.measures import MeasuresResult
from pipeline.packaging.reader import DataPackage, PackageError
from pipeline.published import PublishedTable
from pipeline.self_service.comparison import (
    compare_with_package,
    read_package,
    region_of,
)
from pipeline.self_service.explain import explain_excluded, explain_placement_moves, write_explain
from pipeline.self_service.figures import (
    cohort_summary,
    exclusion_summary,
    headline_figures,
    input_exclusions,
    la_tables,
    missing_year_tables,
    only_la_rows,
    rows_read,
    suppress_small_counts,
)
from pipeline.self_service.report_page import ReportInputs, render_report
from pipeline.steps import StepError, aggregate, measure, protect_and_audit, validate


class SelfServiceError(Exception):
    """A reason the LA report cannot be produced that the analyst can act on."""


def default_report_path(la: str) -> Path:
    """Where the report goes without ``--report``: ``la-report-<code>/index.html`` here."""
    return Path(f"la-report-{la}") / "index.html"


def build_la_report(
    input_dir: Path,
    *,
    la: str | None,
    compare: Path | None,
    report: Path | None,
    publish: bool,
    explain: Path | None,
    exclude_invalid: bool = False,
) -> int:
    """Run the index on one LA's own files and write its report; return the exit code.

    Args:
        input_dir: the LA's extract, ``INPUT/<year>/<table>.csv`` (docs/contracts.md section 1).
        la: DfE 3-digit code of the LA (needed when the files have no ``LA`` column).
        compare: a published package version folder to compare with (optional).
        report: the HTML file to write (default :func:`default_report_path`).
        publish: protect the figures as the national publication does and check the report
            for identifiers; without it the report shows unsuppressed figures under an
            internal-use banner.
        explain: a CSV file for the episodes behind each child's 2+ placement moves
            (internal: it holds ``CHILD``); not allowed with ``publish``. With
            ``exclude_invalid`` it also lists the children left out.
        exclude_invalid: leave out children with errors and go on (``pipeline.inputs.exclusion``).

    Returns 0 when the report was written, 1 when nothing was written (the reason is printed).
    """
    try:
        written = _run(_Request(input_dir, la, compare, report, publish, explain, exclude_invalid))
    except SelfServiceError as error:
        logs.console.print(f"[bold red]LA report not written:[/] {error}", highlight=False)
        return 1
    for line in written:
        logs.console.print(line, highlight=False)
    return 0


@dataclass(frozen=True)
class _Request:
    """The arguments of one :func:`build_la_report` call."""

    input_dir: Path
    la: str | None
    compare: Path | None
    report: Path | None
    publish: bool
    explain: Path | None
    exclude_invalid: bool


def _run(request: _Request) -> list[str]:
    """Do the work of :func:`build_la_report`; return the messages to print."""
    la, publish, explain = request.la, request.publish, request.explain
    if publish and explain is not None:
        raise SelfServiceError(
            "--explain writes child identifiers (CHILD) and cannot be combined with --publish; "
            "run once with --publish for the report and once without it for --explain."
        )
    package = _read_package(request.compare) if request.compare is not None else None
    try:
        tables, validation = validate(Path(request.input_dir), la, request.exclude_invalid)
        code = _the_la(tables.las, la)
        result = measure(tables)
        built = aggregate(la_tables, result, tables)
        # Region and England rows built from one LA only repeat the LA: protect the LA's own
        # rows, as they are what the report shows.
        shown = only_la_rows(built, code)
        if publish:
            shown = only_la_rows(protect_and_audit(shown, derived=False)[0], code)
    except StepError as error:
        raise SelfServiceError(str(error)) from error
    html = render_report(_report_inputs(shown, result, tables, validation, code, package, publish))
    target = Path(request.report) if request.report is not None else default_report_path(code)
    _write_checked(html, target, check=audit_files if publish else None)
    messages = [f"LA report written to {target}"]
    if not publish:
        messages.append(
            "The report shows unsuppressed figures: for internal use only, do not publish it."
        )
    if explain is not None:
        table = pd.concat(
            [explain_placement_moves(result, tables), explain_excluded(tables)], ignore_index=True
        )
        write_explain(table, Path(explain))
        messages.append(
            f"Placement moves explained in {explain} ({len(table):,} episodes). INTERNAL USE "
            "ONLY: the file holds CHILD identifiers; do not publish or share it."
        )
    return messages


def _report_inputs(
    shown: dict[str, PublishedTable],
    result: MeasuresResult,
    tables: InputTables,
    validation: ValidationReport,
    code: str,
    package: DataPackage | None,
    publish: bool,
) -> ReportInputs:
    """Everything the report shows, from the LA's (protected, with ``publish``) tables."""
    figures = headline_figures(shown["stability_measures"].frame, code)
    exclusions = pd.concat(
        [exclusion_summary(result, code), input_exclusions(tables, code)], ignore_index=True
    )
    if publish:
        exclusions = suppress_small_counts(exclusions, "children", "year")
    years = sorted(int(y) for y in tables.years)
    names = la_lookup()[code]
    region_name = names["region_name"]
    comparison = None
    if package is not None:
        comparison = compare_with_package(package, code, years)
        region_name = region_of(package, code)[1]
    return ReportInputs(
        la_code=code,
        la_name=names["la_name"],
        region_name=region_name,
        internal=not publish,
        figures=figures,
        comparison=comparison,
        package=package,
        cohorts=cohort_summary(figures),
        exclusions=exclusions,
        missing_tables=missing_year_tables(tables),
        files=rows_read(validation),
        validation=validation,
    )


def _read_package(folder: Path) -> DataPackage:
    """Read the comparison package, turning its problems into a :class:`SelfServiceError`."""
    try:
        return read_package(Path(folder))
    except PackageError as error:
        raise SelfServiceError(str(error)) from error


def _the_la(present: list[str], la: str | None) -> str:
    """The one LA the inputs hold (``--la`` or the files' ``LA`` column)."""
    if la is not None and la in present:
        return la
    if len(present) != 1:
        listed = ", ".join(present) if present else "none"
        raise SelfServiceError(
            f"the LA report is for one local authority, but the inputs hold LAs {listed}: "
            "give the files of one LA (and --la CODE when they have no LA column)."
        )
    return present[0]


def _write_checked(html: str, target: Path, check: Callable[[Path], object] | None) -> None:
    """Write ``html`` to ``target`` atomically, after ``check`` passed on the written bytes.

    The page is first written to a temporary file beside ``target``; when ``check`` (the
    identifier scan) raises, the temporary file is removed and ``target`` is left untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".html", dir=target.parent)
    os.close(handle)
    scratch = Path(temporary)
    try:
        scratch.write_text(html, encoding="utf-8")
        if check is not None:
            check(scratch)
        scratch.replace(target)
    except DisclosureError as error:
        raise SelfServiceError(f"the report failed the identifier check: {error}") from error
    finally:
        scratch.unlink(missing_ok=True)
