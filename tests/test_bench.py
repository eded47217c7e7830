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
        stages = ["synth", "read", "read_pandas", "validate", "measures", "aggregate"]
        for stage in [*stages, "disclose", "package"]:
            timing = run["stages"][stage]
            assert timing["seconds"] > 0
            assert timing["peak_rss_mb"] > 0
    first = data["runs"][0]
    assert first["build_seconds"] > 0
    assert 0 < first["second_build_seconds"] < first["build_seconds"]
    ratios = data["ratios"]
    assert ratios["scale_factor"] == 4
    assert ratios["compute_over_read"] > 0
    assert ratios["pipeline_time_ratio"] > 0


def test_targets_are_judged_only_at_the_default_scale() -> None:
    from pipeline.bench import TARGETS, check_targets

    run = {
        "scale": 1,
        "pipeline_seconds": 25.0,
        "build_seconds": 80.0,
        "second_build_seconds": 4.0,
        "peak_rss_mb": 1500.0,
        "build_peak_rss_mb": 2500.0,
    }
    result = {"runs": [run], "ratios": {"compute_over_read": 2.0}}
    targets = check_targets(result)
    assert set(targets) == set(TARGETS)
    assert targets["pipeline_seconds"]["met"] is False
    assert targets["build_seconds"]["met"] is True
    assert targets["peak_rss_mb"] == {
        "value": 2500.0,
        "limit": 2048,
        "unit": TARGETS["peak_rss_mb"][1],
        "met": False,
    }
    assert targets["pipeline_time_ratio"]["met"] is None
    assert check_targets({"runs": [{**run, "scale": 0.5}], "ratios": {}}) == {}
