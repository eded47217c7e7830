"""Run one slow, self-contained write in a forked process while the caller goes on.

The spreadsheet (gptables writes it cell by cell in Python) takes longer than every other file
of a package together, and it depends on nothing they write, so :func:`write_package` starts it
first in a child process (``fork``: the tables are inherited, not copied or pickled) and waits
for it before the disclosure file audit. Where ``fork`` is not available, or the caller is a
daemon process (which may not start children), the write runs in the calling process when the
work is waited for, with the same result.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from pipeline.heap import release_free_heap

log = logging.getLogger(__name__)

#: How long to wait for the child before doing the work in this process instead.
CHILD_TIMEOUT_SECONDS = 600


class BackgroundWriteError(Exception):
    """The background write failed; the message carries the child's traceback."""


def _run(connection: Connection, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # The inherited objects are shared with the parent until written to; keep the child's
    # garbage collector off them so it does not copy every page it would otherwise visit.
    gc.freeze()
    try:
        work(*args)
    except BaseException:  # report everything to the parent, which raises it
        connection.send(traceback.format_exc())
    else:
        connection.send(None)
    finally:
        connection.close()


def can_fork() -> bool:
    """True when this process may start a forked child process."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


class BackgroundWrite:
    """``work(*args)`` in a forked process; :meth:`wait` joins it and raises its error.

    Use as a context manager: leaving the block normally waits (as :meth:`wait`); leaving it
    with an error stops the child.
    """

    def __init__(self, work: Callable[..., Any], *args: Any) -> None:
        self._work = work
        self._args = args
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receiver: Connection | None = None
        self._done = False

    def __enter__(self) -> BackgroundWrite:
        if can_fork():
            # Free pages the steps before left mapped would be counted in the child too.
            release_free_heap()
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_run, args=(sender, self._work, self._args), daemon=True
            )
            self._process.start()
            sender.close()
        return self

    def _run_here(self) -> None:
        """Do the work in this process, raising :class:`BackgroundWriteError` on failure."""
        try:
            self._work(*self._args)
        except Exception as error:
            raise BackgroundWriteError(traceback.format_exc()) from error

    def wait(self) -> None:
        """Wait for the write to finish; raise :class:`BackgroundWriteError` when it failed."""
        if self._done:
            return
        self._done = True
        if self._process is None:
            self._run_here()
            return
        assert self._receiver is not None
        try:
            if not self._receiver.poll(CHILD_TIMEOUT_SECONDS):
                # A forked child can hang on a lock another thread held at the fork: never
                # wait for ever; do the write here instead.
                self._process.terminate()
                self._process.join()
                log.warning(
                    "the background write did not finish in %d s; writing it in this process",
                    CHILD_TIMEOUT_SECONDS,
                )
                self._process = None
                self._run_here()
                return
            error = self._receiver.recv()
        except EOFError:
            error = "the process ended without reporting"
        finally:
            self._receiver.close()
            if self._process is not None:
                self._process.join()
        if error is not None:
            raise BackgroundWriteError(error)
        process = self._process
        if process is not None and process.exitcode != 0:
            raise BackgroundWriteError(f"the process exited with code {process.exitcode}")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.wait()
        elif self._process is not None and not self._done:
            self._done = True
            self._process.terminate()
            self._process.join()
            if self._receiver is not None:
                self._receiver.close()
