"""The validation report (text summary, CSV, warnings per LA-year) and the validate command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.inputs.editing import VALID, copy_valid, set_cell
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.inputs import InputError, ValidationReport, load
from pipeline.inputs.problems import PROBLEM_COLUMNS
from pipeline.inputs.rules import RULES


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    """Seven bad LS codes (error) and one temporary placement with a provider (warning)."""
    root = copy_valid(tmp_path)
    for line in range(2, 8):
        set_cell(root, "2024/episodes.csv", line, "LS", "ZZ")
    set_cell(root, "2023/episodes.csv", 2, "LS", "zz")
    set_cell(root, "2024/episodes.csv", 5, "PLACE_PROVIDER", "PR1")
    return root


def test_problems_frame_columns_and_counts(broken: Path) -> None:
    tables, report = load(broken)
    assert tables is None
    assert list(report.problems.columns) == PROBLEM_COLUMNS
    assert report.errors == 7 and report.warnings == 1
    first = report.problems.iloc[0]
    assert first["severity"] == "error"  # errors are listed first
    assert first["message"] == RULES["CODE_LS"].message
    assert first["value"] == "ZZ"  # normalised (upper-cased) value


def test_to_text_groups_by_rule_with_examples(broken: Path) -> None:
    _, report = load(broken)
    text = report.to_text(max_examples=3)
    assert "7 error(s), 1 warning(s)" in text
    assert "ERROR CODE_LS: 7 problem(s)" in text
    assert "WARNING TEMPORARY_WITH_PROVIDER: 1 problem(s)" in text
    assert text.index("ERROR CODE_LS") < text.index("WARNING TEMPORARY_WITH_PROVIDER")
    examples = [line for line in text.splitlines() if line.startswith("  - ") and "LS" in line]
    assert len(examples) == 3
    assert "... and 4 more" in text
    assert "2023/episodes.csv, row 2, column LS, value 'ZZ', child C1" in text


def test_to_csv_is_complete(broken: Path, tmp_path: Path) -> None:
    _, report = load(broken)
    path = report.to_csv(tmp_path / "out" / "problems.csv")
    written = pd.read_csv(path, dtype=str)
    assert list(written.columns) == PROBLEM_COLUMNS
    assert len(written) == 8
    assert (written["rule"] == "CODE_LS").sum() == 7


def test_warnings_by_la_year_counts_every_la_year(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    set_cell(root, "2024/episodes.csv", 5, "PLACE_PROVIDER", "PR1")
    set_cell(root, "2024/episodes.csv", 5, "REASON_PLACE_CHANGE", "CARPL")
    set_cell(root, "2023/header.csv", 4, "UPN", "BAD")
    _, report = load(root)
    counts = report.warnings_by_la_year()
    assert list(counts.columns) == ["LA", "YEAR", "warnings"]
    as_dict = {(la, year): n for la, year, n in counts.itertuples(index=False)}
    assert as_dict == {("202", 2023): 1, ("202", 2024): 0, ("886", 2023): 0, ("886", 2024): 2}


def test_empty_report() -> None:
    report = ValidationReport()
    assert report.errors == 0 and report.warnings == 0
    assert "No problems found." in report.to_text()
    report.raise_for_errors()  # does not raise


def test_raise_for_errors(broken: Path) -> None:
    _, report = load(broken)
    with pytest.raises(InputError, match="CODE_LS"):
        report.raise_for_errors()


# --- the command line ----------------------------------------------------------------------


def test_cli_validate_valid_inputs() -> None:
    result = CliRunner().invoke(app, ["validate", str(VALID)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_cli_validate_errors_exit_1_and_write_report(broken: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "problems.csv"
    result = CliRunner().invoke(app, ["validate", str(broken), "--report", str(report_path)])
    assert result.exit_code == 1
    assert "CODE_LS" in result.output
    written = pd.read_csv(report_path, dtype=str)
    assert len(written) == 8


def test_cli_validate_with_la_option(tmp_path: Path) -> None:
    root = copy_valid(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(root), "--la", "999"])
    assert result.exit_code == 1
    assert "LA_UNKNOWN" in result.output
