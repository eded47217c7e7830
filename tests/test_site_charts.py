"""ChartWriter: SVGs rendered by worker processes while the pages are written, cached, copied."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pandas as pd
import pytest
import vl_convert

from pipeline.packaging.background import BackgroundWrite
from pipeline.site import charts


def bar_spec(index: int) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 200,
        "data": {"values": [{"x": x, "y": (x * (index + 3)) % 7} for x in range(5)]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "x", "type": "ordinal", "title": f"Year {index}"},
            "y": {"field": "y", "type": "quantitative"},
        },
    }


def queue_chart(writer: charts.ChartWriter, name: str, spec: dict) -> None:
    writer.figure(
        name,
        spec,
        title=f"Chart {name}",
        description="Bars.",
        table_columns=["x"],
        table_rows=[["1"]],
        data=pd.DataFrame({"x": [1]}),
        root="",
    )


def queue_charts(writer: charts.ChartWriter, count: int, first: int = 0) -> None:
    for index in range(first, first + count):
        queue_chart(writer, f"c{index}", bar_spec(index))


def svgs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.svg"))}


def in_process_svg(spec: dict) -> str:
    """The SVG that vl_convert draws in this process (these charts' text measures the same
    with the system's Liberation Sans as with the vendored one)."""
    return str(vl_convert.vegalite_to_svg(spec))


class CountingWorkers(charts.SvgWorkers):
    """SvgWorkers that remember every instance (to count the tasks each was given)."""

    made: list[CountingWorkers] = []

    def __init__(self) -> None:
        super().__init__()
        CountingWorkers.made.append(self)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> type[CountingWorkers]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(charts, "SvgWorkers", CountingWorkers)
    CountingWorkers.made = []
    return CountingWorkers


def cache_files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache" / "stability-index" / "svg").iterdir())


def test_workers_render_each_chart_once_with_the_bytes_vl_convert_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: type[CountingWorkers]
) -> None:
    monkeypatch.setattr(charts, "MIN_CHARTS_PER_WORKER", 1)
    writer = charts.ChartWriter(tmp_path / "site")
    queue_charts(writer, 4)
    queue_chart(writer, "again", bar_spec(2))  # the same spec as c2: rendered once
    assert writer.flush(workers=2) == 5
    (workers,) = counted.made
    assert workers.workers == 2  # the second started at flush, for the charts left
    assert (workers.submitted, workers.answered) == (4, 4)
    expected = {
        f"c{index}.svg": in_process_svg(charts._fixed_width(bar_spec(index))).encode()
        for index in range(4)
    }
    assert svgs(writer.folder) == {**expected, "again.svg": expected["c2.svg"]}
    assert cache_files(tmp_path) == sorted(
        f"{charts.svg_digest(charts._fixed_width(bar_spec(index)))}.svg" for index in range(4)
    )  # no partial files left


def test_cached_charts_are_copied_not_rendered_again(
    tmp_path: Path, counted: type[CountingWorkers]
) -> None:
    first = charts.ChartWriter(tmp_path / "site1")
    queue_charts(first, 2)
    first.flush()
    cached = tmp_path / "cache" / "stability-index" / "svg"
    marked = cached / f"{charts.svg_digest(charts._fixed_width(bar_spec(1)))}.svg"
    marked.write_text("<svg>from the cache</svg>", encoding="utf-8")
    second = charts.ChartWriter(tmp_path / "site2")
    queue_charts(second, 3)  # c0 and c1 cached, c2 new
    assert second.flush() == 3
    assert len(counted.made) == 2
    assert (counted.made[1].submitted, counted.made[1].workers) == (1, 1)
    assert (second.folder / "c1.svg").read_text(encoding="utf-8") == "<svg>from the cache</svg>"
    assert (second.folder / "c0.svg").read_bytes() == (first.folder / "c0.svg").read_bytes()
    third = charts.ChartWriter(tmp_path / "site3")
    queue_charts(third, 3)
    third.flush()
    assert len(counted.made) == 2  # everything cached: no worker started
    assert svgs(third.folder) == svgs(second.folder)


def test_a_chart_that_fails_is_named_and_leaves_no_svg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: type[CountingWorkers]
) -> None:
    writer = charts.ChartWriter(tmp_path / "site")
    queue_charts(writer, 2)
    broken = {"data": {"values": [{"x": 1}]}, "mark": "no-such-mark"}
    queue_chart(writer, "broken", broken)
    queue_charts(writer, 1, first=2)
    with pytest.raises(
        charts.ChartRenderError, match=f"(?s){charts.CHART_FOLDER}/broken.svg: .*failed"
    ):
        writer.flush()
    # The other charts were rendered and cached; nothing of the broken one is left.
    assert cache_files(tmp_path) == sorted(
        f"{charts.svg_digest(charts._fixed_width(bar_spec(index)))}.svg" for index in range(3)
    )
    assert svgs(writer.folder) == {}


def test_a_worker_that_dies_is_an_error_naming_its_charts(tmp_path: Path) -> None:
    workers = charts.SvgWorkers()
    workers.add_worker()
    process, _ = workers._workers[0]
    process.kill()
    target = tmp_path / "lost.svg"
    workers.submit(target, {"spec": bar_spec(0)}, "the lost chart")
    with pytest.raises(charts.ChartRenderError, match="worker ended .*the lost chart"):
        workers.finish()
    assert list(tmp_path.iterdir()) == []


def test_charts_of_a_forked_writer_are_rendered_by_the_taker(
    tmp_path: Path, counted: type[CountingWorkers]
) -> None:
    writer = charts.ChartWriter(tmp_path / "site")
    queue_charts(writer, 1)  # starts a worker before the fork
    queue = tmp_path / "queue.pickle"

    def forked() -> None:
        queue_charts(writer, 2, first=1)  # sent to no worker: handed over
        writer.hand_over(queue, since=1)

    with BackgroundWrite(forked):
        pass
    assert writer.queued == 1
    writer.take_over(queue)
    assert writer.queued == 3
    assert writer.flush() == 3
    assert sorted(svgs(writer.folder)) == ["c0.svg", "c1.svg", "c2.svg"]
    assert counted.made[0].submitted == 3


def test_the_vega_bundle_is_made_by_a_worker_and_cached(
    tmp_path: Path, counted: type[CountingWorkers]
) -> None:
    writer = charts.ChartWriter(tmp_path / "site")
    path = writer.write_vega_bundle()
    writer.flush()
    assert path.read_bytes() == charts.vega_bundle_cache().read_bytes()
    assert path.read_text(encoding="utf-8") == vl_convert.javascript_bundle()
    again = charts.ChartWriter(tmp_path / "site2")
    assert again.write_vega_bundle().read_bytes() == path.read_bytes()  # copied at once
    again.flush()
    assert len(counted.made) == 1


def test_workers_end_when_another_process_still_holds_their_input(tmp_path: Path) -> None:
    # A process forked while the workers run (the LA pages' writer) holds copies of their
    # input pipes; the workers must end on the empty line all the same.
    workers = charts.SvgWorkers()
    workers.add_worker()
    process, _ = workers._workers[0]
    assert process.stdin is not None
    held = os.dup(process.stdin.fileno())
    try:
        workers.submit(tmp_path / "c.svg", {"spec": bar_spec(0)}, "c")
        finishing = threading.Thread(target=workers.finish, daemon=True)
        finishing.start()
        finishing.join(timeout=300)
        assert not finishing.is_alive()
        assert process.returncode == 0
    finally:
        os.close(held)
        workers.close()
    assert (tmp_path / "c.svg").read_bytes().startswith(b"<svg")


def text_spec(text: str) -> dict:
    """A chart as wide as ``text`` at 2048 px (a font unit a pixel), plus half a pixel."""
    return {
        "autosize": {"type": "pad"},
        "padding": 0,
        "width": 1,
        "height": 1,
        "data": {"values": [{"s": text}]},
        "mark": {"type": "text", "fontSize": 2048, "align": "left"},
        "encoding": {"text": {"field": "s"}},
    }


def test_workers_measure_text_with_the_vendored_liberation_sans(tmp_path: Path) -> None:
    workers = charts.SvgWorkers()
    workers.add_worker()
    for text in ["1", "11", "111"]:
        workers.submit(tmp_path / f"{text}.svg", {"spec": text_spec(text)}, text)
    workers.finish()
    widths = {}
    for text in ["1", "11", "111"]:
        svg = (tmp_path / f"{text}.svg").read_text(encoding="utf-8")
        widths[text] = int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))
    # The view is ceil(0.5 + the text's width) wide; a digit advances 1139 units.
    advance = widths["1"] - 1
    assert advance == 1139
    # The vendored Liberation Sans 2 kerns "11" by 152 units, as Arial does (the system's
    # fonts-liberation 1.07 does not: it would give 2 x 1139).
    assert widths["11"] == 2 * advance - 152 + 1
    assert widths["111"] == 3 * advance - 2 * 152 + 1
