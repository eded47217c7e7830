"""Render chart files for :class:`pipeline.site.charts.ChartWriter` in a separate process.

Run as a script (``python svg_worker.py``), never imported by the pipeline: starting it then
imports only ``vl_convert`` (importing the ``pipeline.site`` package takes more than a second
of CPU). It reads one JSON task a line from its standard input, either
``{"path": FILE, "spec": {...}}`` (render the Vega-Lite spec as SVG) or
``{"path": FILE, "bundle": true}`` (the vega, vega-lite and vega-embed JavaScript bundle),
writes FILE atomically (a partial file renamed into place; removed when rendering fails) and
answers every task, in order, with one line: ``ok``, or ``error`` followed by the traceback as a
JSON string. It stops at an empty line or at the end of its input.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import BinaryIO, TextIO

import vl_convert


def render(task: dict) -> str:
    """The text of the file a task asks for (an SVG, or the JavaScript bundle)."""
    if task.get("bundle"):
        return str(vl_convert.javascript_bundle())  # type: ignore[call-arg]
    return str(vl_convert.vegalite_to_svg(task["spec"]))


def write_task(task: dict) -> None:
    """Render a task into its file, atomically: no partial file is left when it fails."""
    target = Path(task["path"])
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(render(task), encoding="utf-8")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def serve(tasks: BinaryIO, answers: TextIO) -> None:
    """Do every task read from ``tasks`` and answer each on ``answers`` (see the module)."""
    for line in iter(tasks.readline, b""):
        if not line.strip():  # the end of the tasks
            break
        try:
            write_task(json.loads(line))
        except Exception:  # reported to the caller, which raises it
            answer = "error " + json.dumps(traceback.format_exc())
        else:
            answer = "ok"
        answers.write(answer + "\n")
        answers.flush()


def main() -> None:
    """Serve standard input; answers go to the original standard output only."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # Anything else written to standard output (warnings) goes to standard error instead,
    # so that it can never be read as an answer.
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
