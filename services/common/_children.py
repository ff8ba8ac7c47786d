"""Child processes a service starts and owns (Envoy for the gateway, extra node processes
for ``EMBEDDED_NODES``): started so they die with their parent, stopped with SIGTERM and
killed when they do not stop in time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys

log = logging.getLogger(__name__)


def die_with_parent() -> list[str]:
    """A command prefix asking Linux to SIGTERM the child when its parent dies.

    ``setpriv --pdeathsig`` (util-linux, present on Debian) sets PR_SET_PDEATHSIG and execs
    the program, so the child's pid is the program's; a preexec_fn would force fork() in a
    process full of gRPC threads instead of the vfork() Python uses otherwise.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


async def stop_child(proc: asyncio.subprocess.Process, timeout: float, what: str) -> None:
    """SIGTERM `proc`, then SIGKILL it if it has not exited within `timeout` seconds
    (logged, naming `what`). Nothing to do once it has exited."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        log.warning("%s did not stop within %g s; killing it", what, timeout)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
