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


def test_a_read_floor_is_timed_in_a_process_of_its_own(tmp_path) -> None:
    import os

    from pipeline.bench import _in_child, _read_floor, _read_floor_pandas, _timed_floor

    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "header.csv").write_text("CHILD,SEX\n1,1\n2,2\n3,1\n")
    (tmp_path / "2024" / "episodes.csv").write_text("CHILD,LS\n1,C2\n2,V2\n")
    for floor in [_read_floor, _read_floor_pandas]:
        record = _in_child(_timed_floor, (floor, tmp_path), "a floor")
        assert record["rows"] == 5
        assert record["seconds"] > 0
        assert record["peak_rss_mb"] > 0
    # what the floor reports comes from another process than this one
    assert _in_child(_pid_record, (), "the pid")["pid"] != os.getpid()


def test_a_failing_child_raises_naming_the_work(tmp_path) -> None:
    from pipeline.bench import _in_child, _read_floor, _timed_floor

    (tmp_path / "broken.csv").write_text("A,B\n1,2,3\n")
    with pytest.raises(RuntimeError, match="bench: the pyarrow read floor failed"):
        _in_child(_timed_floor, (_read_floor, tmp_path), "the pyarrow read floor")


def _pid_record() -> dict[str, int]:
    import os

    return {"pid": os.getpid()}
