"""ChartWriter: SVGs rendered here or in a spawned process are the same files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.site import charts


def queue_charts(writer: charts.ChartWriter, count: int) -> None:
    for index in range(count):
        spec = {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": 200,
            "data": {"values": [{"x": x, "y": (x * (index + 3)) % 7} for x in range(5)]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "x", "type": "ordinal"},
                "y": {"field": "y", "type": "quantitative"},
            },
        }
        writer.figure(
            f"c{index}",
            spec,
            title=f"Chart {index}",
            description="Bars.",
            table_columns=["x"],
            table_rows=[["1"]],
            data=pd.DataFrame({"x": [1]}),
            root="",
        )


def svgs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.svg"))}


def test_spawned_rendering_writes_the_same_svgs_and_caches_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "MIN_CHARTS_TO_SPAWN", 2)
    results = {}
    for workers in [1, 2]:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache{workers}"))
        writer = charts.ChartWriter(tmp_path / f"site{workers}")
        queue_charts(writer, 4)
        assert writer.flush(workers=workers) == 4
        results[workers] = svgs(writer.folder)
        cached = sorted((tmp_path / f"cache{workers}" / "stability-index" / "svg").iterdir())
        assert [p.suffix for p in cached] == [".svg"] * 4  # no partial files left
    assert len(results[1]) == 4
    assert all(text.startswith(b"<svg") for text in results[1].values())
    assert results[2] == results[1]


def test_a_handed_over_queue_is_rendered_by_the_taker(tmp_path: Path) -> None:
    giver = charts.ChartWriter(tmp_path / "site")
    taker = charts.ChartWriter(tmp_path / "site")
    queue_charts(taker, 1)
    queue_charts(giver, 3)
    giver.hand_over(tmp_path / "queue.pickle", since=1)
    assert giver.queued == 1
    taker.take_over(tmp_path / "queue.pickle")
    assert taker.queued == 3
