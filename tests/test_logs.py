"""The step logger: timings, row counts and the CPU each step used."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

from pipeline.logs import configure, log, step


def test_a_step_logs_its_rows_and_the_cpu_of_its_children(caplog: pytest.LogCaptureFixture) -> None:
    """A step's debug line counts CPU spent in a child process it waited for."""
    configure(verbose=True)
    log.propagate = True
    try:
        burn = "s = 0\nfor i in range(3_000_000):\n    s += i * i\n"
        with caplog.at_level(logging.DEBUG, logger="stability_index"), step("busy", 3) as counts:
            subprocess.run([sys.executable, "-c", burn], check=True)
            counts["rows_out"] = 2
    finally:
        configure()
    messages = [record.getMessage() for record in caplog.records]
    assert any(re.fullmatch(r"busy: rows in 3, rows out 2 \(\d+\.\d s\)", m) for m in messages)
    cpu = next(m for m in messages if m.startswith("busy: CPU"))
    user = float(re.search(r"CPU (\d+\.\d) s user", cpu).group(1))
    assert user >= 0.1, cpu
    assert re.search(r"[\d,]+ minor page faults$", cpu), cpu
