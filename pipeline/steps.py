"""The steps every run shares: validate -> measures -> aggregate -> protect -> audit.

The national build (``pipeline.build``) and the LA report (``pipeline.self_service``) run the
same functions in the same order; they differ only in the aggregation (every table of England,
or the tables that make sense for one LA) and in what they do with the protected tables. Each
step is logged with its row counts (``pipeline.logs.step``); a failure the user can act on is a
:class:`StepError` whose message says what to do, and nothing is written after it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.aggregate import derive_comparisons
from pipeline.disclosure import DisclosureError, audit, protect
from pipeline.disclosure.summary import SuppressionSummary
from pipeline.heap import release_free_heap
from pipeline.inputs import load
from pipeline.inputs.report import ValidationReport
from pipeline.inputs.tables import InputTables
from pipeline.logs import log, step
from pipeline.measures import MeasuresResult, compute_measures
from pipeline.published import PublishedTable

Tables = dict[str, PublishedTable]


class StepError(Exception):
    """A step failed for a reason the user can act on (the message says which)."""


def validate(
    input_dir: Path, la: str | None = None, exclude_invalid: bool = False
) -> tuple[InputTables, ValidationReport]:
    """Read and validate the inputs; raise :class:`StepError` listing the problems if any.

    With ``exclude_invalid`` the children with errors are left out (and counted) instead,
    unless an error belongs to no child (``pipeline.inputs.exclusion``).
    """
    with step("validate") as counts:
        tables, report = load(Path(input_dir), la=la, exclude_invalid=exclude_invalid)
        counts["errors"] = int(report.errors)
        counts["warnings"] = int(report.warnings)
    if tables is None:
        raise StepError(
            f"The inputs in {input_dir} have {report.errors:,} error(s); nothing was written. "
            "Fix them and run again:\n" + report.to_text()
        )
    return tables, report


def measure(tables: InputTables, release: Callable[[], None] | None = None) -> MeasuresResult:
    """Compute the child-level measures of every child, year and period.

    ``release``: called once the measures no longer read the input frames, before their
    results are stacked (``compute_measures``); the build empties the child-level frames there.
    """
    with step("measures", rows_in=len(tables.episodes)) as counts:
        result = compute_measures(tables, release=release)
        counts["rows_out"] = len(result.children)
    return result


def aggregate(
    make_tables: Callable[..., Tables], result: MeasuresResult, *inputs: object
) -> Tables:
    """``make_tables(result, *inputs)`` as a logged step (``build_tables`` or the LA's tables).

    A ``ValueError`` of the aggregation (inputs it cannot use) becomes a :class:`StepError`.
    """
    with step("aggregate", rows_in=len(result.children)) as counts:
        try:
            raw = make_tables(result, *inputs)
        except ValueError as error:
            raise StepError(f"aggregation failed: {error}") from error
        counts["rows_out"] = sum(len(t.frame) for t in raw.values())
    return raw


def protect_and_audit(raw: Tables, *, derived: bool = True) -> tuple[Tables, SuppressionSummary]:
    """Disclosure control, then (with ``derived``) the tables derived from published cells,
    then the audit of everything to be published (the interval audit of the primary-suppressed
    counts included).

    Returns ``(protected tables, suppression summary)``; raises :class:`StepError` when the
    audit fails. The C heap's free pages are given back before the audit
    (:func:`~pipeline.heap.release_free_heap`): disclosure control leaves hundreds of MB free
    but resident, and the audit would otherwise peak on top of them.
    """
    with step("disclose", rows_in=sum(len(t.frame) for t in raw.values())) as counts:
        try:
            protected, summary = protect(raw)
            if derived:
                protected.update(derive_comparisons(protected))
                protected["suppression_summary"] = summary.to_table()
            release_free_heap()  # what disclosure control freed, before the audit's own work
            audit_report = audit(protected, summary.primary)
        except DisclosureError as error:
            raise StepError(f"disclosure audit failed, nothing was written: {error}") from error
        counts["rows_out"] = sum(len(t.frame) for t in protected.values())
        log.info("disclose: audit passed (%s)", audit_report)
    return protected, summary
