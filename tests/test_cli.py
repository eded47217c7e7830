"""The command line: every subcommand explains itself and rejects bad arguments clearly."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app, parse_years

runner = CliRunner()

SUBCOMMANDS = ["synth", "validate", "measures", "build", "serve", "bench"]


def test_top_level_help_lists_every_subcommand() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in SUBCOMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help_for_a_new_user(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    # The first line of the help says what the command does, in words.
    assert len(result.output.split()) > 15


def test_parse_years_accepts_ranges_and_lists() -> None:
    assert parse_years("2019-2022") == [2019, 2020, 2021, 2022]
    assert parse_years("2024,2023") == [2023, 2024]


@pytest.mark.parametrize("text", ["twenty", "2019-", ""])
def test_parse_years_rejects_nonsense(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_years(text)


def test_validate_on_a_missing_folder_fails_with_a_message(tmp_path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code != 0


def test_build_refuses_report_options_without_input() -> None:
    result = runner.invoke(app, ["build", "--report", "out.html"])
    assert result.exit_code != 0
