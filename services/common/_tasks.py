"""Stopping a background task for good, even when a cancellation is lost."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

#: How long to wait for a cancelled task before cancelling it again.
RECANCEL_AFTER = 0.1


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended, cancelling it again while it runs on.

    ``task.cancel(); await task`` can wait forever on Python 3.11: ``asyncio.wait_for``
    returns its operation's result instead of raising CancelledError when the operation
    finishes in the same loop iteration as the cancellation (CPython gh-86296, fixed in
    3.12), and redis-py sends every command through ``wait_for`` when the client has a
    socket timeout. A loop like the node's lease renewal then goes on as if nothing had
    been asked, and the shutdown waiting for it hangs (60 s test timeouts in teardown,
    1 run in about 30). A task that ends with an error other than its cancellation raises
    it here, as awaiting it would.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=RECANCEL_AFTER)
    with contextlib.suppress(asyncio.CancelledError):
        await task
