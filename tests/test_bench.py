"""`stability-index bench --quick` runs every data stage and writes valid JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

pytestmark = pytest.mark.slow


def test_quick_bench_writes_every_stage_and_the_ratios(tmp_path) -> None:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(app, ["bench", "--quick", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [run["scale"] for run in data["runs"]] == [0.02, 0.08]
    for run in data["runs"]:
        for stage in ["synth", "read", "validate", "measures", "aggregate", "disclose", "package"]:
            timing = run["stages"][stage]
            assert timing["seconds"] > 0
            assert timing["peak_rss_mb"] > 0
    ratios = data["ratios"]
    assert ratios["scale_factor"] == 4
    assert ratios["compute_over_read"] > 0
    assert ratios["pipeline_time_ratio"] > 0
