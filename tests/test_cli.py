"""The command line: every subcommand explains itself and rejects bad arguments clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app, parse_years, refused_options

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


def _words(text: str) -> str:
    """The output with the box drawing and line breaks of rich's panels removed."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def test_validate_on_a_missing_folder_fails_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "No inputs found" in _words(result.output)
    assert "nowhere" in result.output


def test_build_refuses_report_options_without_input() -> None:
    result = runner.invoke(app, ["build", "--report", "out.html"])
    assert result.exit_code != 0
    assert "--report: the LA report needs --input" in _words(result.output)


def test_build_refuses_synthetic_options_with_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--input", str(tmp_path), "--seed", "7", "--scale", "2"])
    assert result.exit_code != 0
    assert "--scale, --seed cannot be used with --input" in _words(result.output)


def test_build_refuses_release_options_with_the_la_report(tmp_path: Path) -> None:
    arguments = ["build", "--input", str(tmp_path), "--report", "r.html", "--bump", "minor"]
    result = runner.invoke(app, [*arguments, "--archive", str(tmp_path)])
    assert result.exit_code != 0
    assert "--archive, --bump cannot be used with --report" in _words(result.output)


@pytest.mark.parametrize(
    ("given", "with_input"),
    [({"seed", "version"}, False), ({"version", "bump", "packages", "site"}, True), (set(), True)],
)
def test_options_that_go_together_are_accepted(given: set[str], with_input: bool) -> None:
    assert refused_options(given, with_input=with_input) is None


def test_release_refuses_synthetic_options_with_input(tmp_path: Path) -> None:
    arguments = ["release", "--bump", "minor", "--input", str(tmp_path), "--years", "2023,2024"]
    result = runner.invoke(app, arguments)
    assert result.exit_code != 0
    assert "--years cannot be used with --input" in _words(result.output)


def test_release_and_build_default_to_the_same_synthetic_years() -> None:
    defaults = {
        command.name: {param.name: param.default for param in command.params}
        for command in typer.main.get_command(app).commands.values()
        if command.name in {"build", "release"}
    }
    assert defaults["release"]["years"] == defaults["build"]["years"] == "2016-2024"
