"""Bench processes stop by themselves: when their parent is gone, or after a time limit."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for subprocesses: the kernel sends SIGTERM when the parent exits."""
    with contextlib.suppress(OSError):  # not Linux: the parent's cleanup still stops us
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def exit_with_parent(parent_pid: int | None, max_seconds: float) -> None:
    """Return when SIGTERM/SIGINT arrives, the parent process is gone, or time runs out."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    deadline = time.monotonic() + max_seconds
    while not stop.is_set() and time.monotonic() < deadline:
        if parent_pid is not None and os.getppid() != parent_pid:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await stop.wait()
