"""Repository hygiene: workflows are valid, code is lint-clean with no function over 80 lines, CI runs the tests."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_workflows_match_the_github_workflow_schema() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"ci.yml", "publish.yml"}
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_publish_workflow_sets_up_quarto_and_deploys_pages() -> None:
    text = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    assert "quarto-dev/quarto-actions/setup" in text
    assert "actions/deploy-pages" in text
    assert "stability-index build --renderer quarto" in text
    # The deployed site is checked before upload: a broken link or external load fails the job.
    check = text.index("stability-index check-site _site")
    assert text.index("stability-index build") < check < text.index("upload-pages-artifact")


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    """The formatting check the GitHub workflow runs (``ruff format --check``) passes here too."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


#: The longest function allowed in pipeline/, decorators and docstring included (issue 20).
MAX_FUNCTION_LINES = 80


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (N lines)`` of every function under ``root`` longer than ``limit``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - start + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root)}:{start} {node.name} ({lines} lines)")
    return found


def test_long_functions_are_found(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    (tmp_path / "a.py").write_text(
        f"@staticmethod\ndef long():\n{body}\n\ndef short():\n    pass\n"
    )
    assert long_functions(tmp_path) == ["a.py:1 long (82 lines)"]
    assert long_functions(tmp_path, limit=82) == []


def test_no_function_in_pipeline_is_over_80_lines() -> None:
    assert long_functions(ROOT / "pipeline") == []


def test_mypy_is_clean() -> None:
    """The type check the GitHub workflow runs passes here too."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "pipeline"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_script_installs_and_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "set -euo pipefail" in script
    assert "pip install" in script and "chromium" in script
    assert "python -m pytest" in script
    assert "python -m pytest" in readme


def test_every_data_file_of_the_package_is_installed() -> None:
    # a file the code reads but package-data leaves out works in an editable install and
    # fails in a wheel (seen: the LA report's template and the pandoc callout filter)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["pipeline"]
    package = ROOT / "pipeline"
    data_files = [
        path.relative_to(package)
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert data_files
    missing = [str(f) for f in data_files if not any(f.match(p) for p in patterns)]
    assert missing == []
