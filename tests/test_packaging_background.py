"""BackgroundWrite: a write in a forked process, waited for, with its errors raised."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from pipeline.packaging.background import BackgroundWrite, BackgroundWriteError, can_fork


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def fail(message: str) -> None:
    raise ValueError(message)


def slow_write(path: Path) -> None:
    time.sleep(5)
    path.write_text("late", encoding="utf-8")


def test_the_write_is_done_when_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    with BackgroundWrite(write_text, path, "hello") as background:
        assert background is not None
    assert path.read_text(encoding="utf-8") == "hello"


def test_an_error_in_the_child_is_raised_by_wait_with_its_traceback() -> None:
    with (
        BackgroundWrite(fail, "broken sheet") as background,
        pytest.raises(BackgroundWriteError, match="ValueError: broken sheet"),
    ):
        background.wait()


def test_an_error_in_the_caller_stops_the_child(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    started = time.perf_counter()
    with pytest.raises(RuntimeError), BackgroundWrite(slow_write, path):
        raise RuntimeError("the package failed validation")
    assert time.perf_counter() - started < 4
    time.sleep(0.2)
    assert not path.exists()


def test_without_fork_the_write_runs_when_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    path = tmp_path / "out.txt"
    with BackgroundWrite(write_text, path, "inline") as background:
        assert not path.exists()
        background.wait()
        assert path.read_text(encoding="utf-8") == "inline"
    with pytest.raises(BackgroundWriteError, match="ValueError: no fork"):
        BackgroundWrite(fail, "no fork").__enter__().wait()


def test_a_daemon_process_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    assert can_fork()

    class Daemon:
        daemon = True

    monkeypatch.setattr(multiprocessing, "current_process", lambda: Daemon())
    assert not can_fork()


def hang_in_child_then_write(path: Path) -> None:
    if multiprocessing.parent_process() is not None:
        time.sleep(60)
    path.write_text("written here", encoding="utf-8")


def test_a_child_that_hangs_is_stopped_and_the_write_done_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.packaging.background as background_module

    monkeypatch.setattr(background_module, "CHILD_TIMEOUT_SECONDS", 1)
    path = tmp_path / "out.txt"
    started = time.perf_counter()
    with BackgroundWrite(hang_in_child_then_write, path):
        pass
    assert path.read_text(encoding="utf-8") == "written here"
    assert time.perf_counter() - started < 30
