"""The validation report: every problem found in the inputs, and what was read.

The report is for the analyst's own machine: its ``child`` column holds the ``CHILD`` identifier
so a problem can be traced in the case-management system. It is never published; the
published data quality table uses only :meth:`ValidationReport.warnings_by_la_year`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.inputs.problems import ERROR, PROBLEM_COLUMNS, WARNING, Rule, empty_found

ROWS_COLUMNS = ["file", "rows_read"]
EXCLUSION_COLUMNS = ["file", "rows", "reason"]


class InputError(ValueError):
    """The inputs cannot be used: raised by :meth:`ValidationReport.raise_for_errors`."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            f"the inputs have {report.errors:,} error(s) and {report.warnings:,} warning(s)\n"
            + report.to_text()
        )
        self.report = report


def _severity_order(severity: pd.Series) -> pd.Series:
    return severity.map({ERROR: 0, WARNING: 1}).astype("int64")


@dataclass
class ValidationReport:
    """Every problem found, with file, row, column, value, rule, message, severity and child.

    Attributes:
        problems: one row per problem (columns of :data:`PROBLEM_COLUMNS`), sorted by
            severity, rule, file and row.
        rows: rows read per file (``file, rows_read``).
        exclusions: rows or files not used, with the reason (``file, rows, reason``).
        la_years: ``(LA, YEAR)`` pairs present in the inputs (for :meth:`warnings_by_la_year`).
    """

    problems: pd.DataFrame = field(default_factory=lambda: build_problems(empty_found(), {}))
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROWS_COLUMNS))
    exclusions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=EXCLUSION_COLUMNS)
    )
    la_years: list[tuple[str, int]] = field(default_factory=list)
    #: ``LA, YEAR, CHILD, rule`` of children left out by ``--exclude-invalid`` (internal)
    excluded_children: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "CHILD", "rule"])
    )
    #: ``LA, YEAR, CHILD`` of children whose open episode the YEAR return left out (internal)
    ended_not_in_return: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["LA", "YEAR", "CHILD"])
    )

    def excluded_summary(self) -> str:
        """One line: how many children were left out, by rule (blank when none)."""
        if self.excluded_children.empty:
            return ""
        excluded = self.excluded_children
        children = excluded[["LA", "CHILD"]].drop_duplicates().shape[0]
        by_rule = excluded.drop_duplicates(["LA", "CHILD", "rule"]).groupby("rule").size()
        rules = ", ".join(f"{rule} {count:,}" for rule, count in by_rule.items())
        return f"Left out (--exclude-invalid): {children:,} child(ren) with errors ({rules})."

    @property
    def errors(self) -> int:
        """Number of problems with severity ``error``."""
        return int((self.problems["severity"] == ERROR).sum())

    @property
    def warnings(self) -> int:
        """Number of problems with severity ``warning``."""
        return int((self.problems["severity"] == WARNING).sum())

    def to_text(self, max_examples: int = 5) -> str:
        """Summarise the problems: per rule its count, message and the first few examples."""
        total_rows = int(self.rows["rows_read"].sum()) if len(self.rows) else 0
        lines = [
            f"Read {len(self.rows):,} file(s), {total_rows:,} row(s): "
            f"{self.errors:,} error(s), {self.warnings:,} warning(s)."
        ]
        if self.excluded_summary():
            lines.append(self.excluded_summary())
        for exclusion in self.exclusions.itertuples(index=False):
            rows = "" if pd.isna(exclusion.rows) else f" ({int(exclusion.rows):,} rows)"
            lines.append(f"Not used: {exclusion.file}{rows}: {exclusion.reason}")
        if self.problems.empty:
            lines.append("No problems found.")
            return "\n".join(lines)
        for (severity, rule), group in self.problems.groupby(
            ["severity", "rule"], sort=False, observed=True
        ):
            lines.append("")
            lines.append(f"{severity.upper()} {rule}: {len(group):,} problem(s)")
            lines.append(f"  {group['message'].iloc[0]}")
            for _, problem in group.head(max_examples).iterrows():
                lines.append("  - " + _describe(problem))
            if len(group) > max_examples:
                lines.append(f"  ... and {len(group) - max_examples:,} more (see --report FILE)")
        return "\n".join(lines)

    def to_csv(self, path: Path | str) -> Path:
        """Write every problem to ``path`` (CSV, UTF-8) and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.problems.to_csv(path, index=False)
        return path

    def warnings_by_la_year(self) -> pd.DataFrame:
        """Count warnings per ``LA`` and ``YEAR`` (every LA-year in the inputs, zeros included)."""
        warned = self.problems[
            (self.problems["severity"] == WARNING)
            & self.problems["LA"].notna()
            & self.problems["YEAR"].notna()
        ]
        counts = warned.groupby(["LA", "YEAR"], observed=True).size().rename("warnings")
        frame = pd.DataFrame(self.la_years, columns=["LA", "YEAR"]).astype(
            {"LA": "string", "YEAR": "int64"}
        )
        counts = counts.reset_index().astype({"LA": "string", "YEAR": "int64"})
        frame = frame.merge(counts, on=["LA", "YEAR"], how="outer")
        frame["warnings"] = frame["warnings"].fillna(0).astype("int64")
        return frame.sort_values(["LA", "YEAR"]).reset_index(drop=True)

    def raise_for_errors(self) -> None:
        """Raise :class:`InputError` when the report holds any error."""
        if self.errors:
            raise InputError(self)


def _describe(problem: pd.Series) -> str:
    parts = [str(problem["file"])]
    if not pd.isna(problem["row"]):
        parts.append(f"row {int(problem['row'])}")
    if not pd.isna(problem["column"]):
        parts.append(f"column {problem['column']}")
    if not pd.isna(problem["value"]):
        parts.append(f"value {problem['value']!r}")
    if not pd.isna(problem["child"]):
        parts.append(f"child {problem['child']}")
    return ", ".join(parts)


def build_problems(found: pd.DataFrame, rules: dict[str, Rule]) -> pd.DataFrame:
    """Add ``message`` and ``severity`` from ``rules`` and sort (errors first, then by rule)."""
    unknown = set(found["rule"].dropna()) - set(rules)
    if unknown:
        raise KeyError(f"problems name unregistered rule(s): {sorted(unknown)}")
    frame = found.copy()
    frame["message"] = frame["rule"].map({r.id: r.message for r in rules.values()})
    frame["severity"] = frame["rule"].map({r.id: r.severity for r in rules.values()})
    frame = frame.astype({"message": "string", "severity": "string"})
    if not frame.empty:
        frame["_order"] = _severity_order(frame["severity"])
        frame = frame.sort_values(["_order", "rule", "file", "row"], na_position="first")
        frame = frame.drop(columns="_order")
    return frame[PROBLEM_COLUMNS].reset_index(drop=True)
