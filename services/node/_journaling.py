"""The node's side of the frame journal: one `Exchange` per exchange, built when it ends.

The node sees both halves of every exchange and times them, so it writes the journal
(docs/adr/0014). `NodeJournal` turns what the node already holds (the frame text as it
came, the answer bytes it wrote, the event it forwarded) into an `Exchange` and hands it
to the `JournalWriter`: a deque append. The node calls it only when it has a journal
(``node.journal is not None``), so a node without one pays a None check per frame.

Frames are journaled as they crossed the websocket; only the few actions that carry a
secret (services.journal._frames) are serialised again, with the secret as ``***``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import orjson
from csms.v1 import events_pb2
from websockets.typing import Data

from services.common import without_password
from services.common._framing import (
    UNREADABLE_ID,
    FrameRejected,
    InboundError,
    InboundResult,
    call_frame,
    result_frame,
)
from services.journal import (
    Direction,
    Exchange,
    Journal,
    JournalError,
    JournalSettings,
    JournalWriter,
    Outcome,
    cut,
    open_journal,
    redact_malformed,
    redact_request,
    redact_response,
)
from services.journal._frames import SECRET_REQUESTS, SECRET_RESPONSES

log = logging.getLogger(__name__)

__all__ = ["NodeJournal"]

#: Why an exchange got no answer (`Exchange.error_code` with Outcome.NO_ANSWER).
TIMEOUT: Final = "Timeout"  # the charger did not answer a task in time
CONNECTION_CLOSED: Final = "ConnectionClosed"  # the socket closed before the answer
CANCELLED: Final = "Cancelled"  # the manager gave up waiting (its deadline, its shutdown)
SUPERSEDED: Final = "Superseded"  # a newer connection holds the charger: not answered here
MAX_ACTION_LENGTH: Final = 64  # an action read from a malformed frame is cut to this

# Enum members as module constants: ``Direction.CHARGER`` is a class attribute lookup
# through the enum's metaclass, which cost more than building the Exchange itself.
_CHARGER: Final = Direction.CHARGER
_CSMS: Final = Direction.CSMS
_RESULT: Final = Outcome.RESULT
_ERROR: Final = Outcome.ERROR
_NO_ANSWER: Final = Outcome.NO_ANSWER


def _text(frame: Data) -> str:
    return frame if isinstance(frame, str) else frame.decode(errors="replace")


class NodeJournal:
    """Builds the node's exchanges; `open` it with the JOURNAL_* settings, `aclose` last."""

    def __init__(
        self, journal: Journal, writer: JournalWriter, *, node_id: str, max_frame_bytes: int
    ) -> None:
        self.journal = journal
        self.writer = writer
        self.node_id = node_id
        self.limit = max_frame_bytes  # a longer frame is cut (JOURNAL_MAX_FRAME_BYTES)
        # Tasks sent and not yet ended: message id -> (charger id, epoch, the CALL as
        # journaled, its at_ms, its perf_counter time).
        self._tasks: dict[str, tuple[str, int, str, int, float]] = {}

    @classmethod
    async def open(cls, settings: JournalSettings, *, node_id: str, timeout: float) -> NodeJournal:
        """Open the journal JOURNAL_URL names and start its writer; OSError naming the
        journal (never its password) when it cannot be reached within `timeout`."""
        shown = without_password(settings.url)
        journal = open_journal(settings.url, retention_s=settings.retention_s)
        try:
            async with asyncio.timeout(timeout):
                await journal.open()
        except (JournalError, TimeoutError) as exc:
            await journal.aclose()
            raise OSError(
                f"cannot open the frame journal at {shown} "
                f"({exc or f'no answer within {timeout:g} s'}); check JOURNAL_URL, or set "
                "JOURNAL_URL=off to run without a journal"
            ) from exc
        writer = JournalWriter(
            journal,
            queue_size=settings.queue_size,
            batch=settings.batch,
            flush_interval=settings.flush_interval,
            retention_s=settings.retention_s,
        )
        await writer.start()
        log.info("frames are journaled to %s", shown)
        return cls(journal, writer, node_id=node_id, max_frame_bytes=settings.max_frame_bytes)

    async def aclose(self) -> None:
        """Write what is queued (bounded wait), then close the journal."""
        try:
            await self.writer.aclose()
        finally:
            await self.journal.aclose()

    # -- charger → CSMS ---------------------------------------------------------------------

    def call(
        self,
        event: events_pb2.Event,
        call: Data,
        started: float,
        answer: bytes | None,
        error_code: str = "",
    ) -> None:
        """A charger's call (`event`, forwarded; `call`, its frame; `started`, perf_counter
        when it came) and the node's answer: a CallResult, a CallError (`error_code`), or
        None when it was not answered (`error_code` says why)."""
        action = event.action
        if action in SECRET_REQUESTS and (
            redacted := redact_request(action, orjson.loads(event.payload))
        ):
            call = call_frame(event.message_id, action, redacted)
        if answer is None:
            outcome, answered_at_ms, latency_ms = _NO_ANSWER, None, None
        else:
            outcome = _ERROR if error_code else _RESULT
            answered_at_ms = int(time.time() * 1000)
            latency_ms = (time.perf_counter() - started) * 1000
        self.writer.record(
            Exchange(
                charger_id=event.charger_id,
                node_id=self.node_id,
                epoch=event.epoch,
                direction=_CHARGER,
                outcome=outcome,
                action=action,
                message_id=event.message_id,
                at_ms=event.received_at_ms,
                call=cut(call, self.limit),
                answer=None if answer is None else cut(answer, self.limit),
                answered_at_ms=answered_at_ms,
                latency_ms=latency_ms,
                error_code=error_code,
            )
        )

    def malformed(
        self,
        charger_id: str,
        epoch: int,
        frame: Data,
        rejected: FrameRejected,
        answer: bytes | None,
        started: float,
        pending: Mapping[str, tuple[str, Any]],
    ) -> None:
        """A frame the framer refused and the CallError the node answered it with (None: a
        bad response, which is never answered). Its action and direction as far as they can
        be read: a bad answer to a task (`pending`: the connection's tasks) names the task."""
        message_id = "" if rejected.message_id == UNREADABLE_ID else rejected.message_id
        direction, action = _CHARGER, ""
        try:
            message = orjson.loads(frame)
        except orjson.JSONDecodeError:
            message = None
        if type(message) is list and message:
            if message[0] in (3, 4):  # an answer to a task: the CSMS sent the CALL
                direction = _CSMS
                task = pending.get(message_id)
                action = task[0] if task is not None else ""
            elif len(message) > 2 and type(message[2]) is str:
                action = message[2][:MAX_ACTION_LENGTH]
        now_ms = int(time.time() * 1000)
        self.writer.record(
            Exchange(
                charger_id=charger_id,
                node_id=self.node_id,
                epoch=epoch,
                direction=direction,
                outcome=Outcome.MALFORMED,
                action=action,
                message_id=message_id,
                at_ms=now_ms,
                call=cut(redact_malformed(_text(frame)), self.limit),
                answer=None if answer is None else cut(answer, self.limit),
                answered_at_ms=None if answer is None else now_ms,
                latency_ms=None if answer is None else (time.perf_counter() - started) * 1000,
                error_code=rejected.code,
            )
        )

    # -- CSMS → charger (tasks) -------------------------------------------------------------

    def task_sent(
        self,
        charger_id: str,
        epoch: int,
        message_id: str,
        action: str,
        payload: dict[str, Any],
        frame: bytes,
    ) -> None:
        """A task's CALL is about to be written; kept until `task_ended` or `task_dropped`."""
        if action in SECRET_REQUESTS and (redacted := redact_request(action, payload)):
            frame = call_frame(message_id, action, redacted)
        self._tasks[message_id] = (
            charger_id,
            epoch,
            cut(frame, self.limit),
            int(time.time() * 1000),
            time.perf_counter(),
        )

    def task_dropped(self, message_id: str) -> None:
        """Forget a task that was never written (the socket closed first), or has ended."""
        self._tasks.pop(message_id, None)

    def task_answered(
        self, message: InboundResult | InboundError, action: str, answer: Data
    ) -> None:
        """The charger answered the task: a CallError, or a CallResult (checked against
        the action's schema by the node; `error_code` names what broke when it is not)."""
        if isinstance(message, InboundError):
            self.task_ended(message.message_id, action, answer, _ERROR, message.code)
            return
        if action in SECRET_RESPONSES and (redacted := redact_response(action, message.payload)):
            answer = result_frame(message.message_id, redacted)
        self.task_ended(message.message_id, action, answer, _RESULT)

    def task_ended(
        self,
        message_id: str,
        action: str,
        answer: Data | None,
        outcome: Outcome,
        error_code: str = "",
    ) -> None:
        """A task's CALL and how it ended; journaled once, by the first path that ends it."""
        sent = self._tasks.pop(message_id, None)
        if sent is None:
            return
        charger_id, epoch, call, at_ms, started = sent
        answered = answer is not None
        self.writer.record(
            Exchange(
                charger_id=charger_id,
                node_id=self.node_id,
                epoch=epoch,
                direction=_CSMS,
                outcome=outcome,
                action=action,
                message_id=message_id,
                at_ms=at_ms,
                call=call,
                answer=cut(answer, self.limit) if answer is not None else None,
                answered_at_ms=int(time.time() * 1000) if answered else None,
                latency_ms=(time.perf_counter() - started) * 1000 if answered else None,
                error_code=error_code,
            )
        )

    def unsolicited(
        self, charger_id: str, epoch: int, message: InboundResult | InboundError, answer: Data
    ) -> None:
        """An answer to no task waiting here (an unknown id, or a task that timed out). Its
        action is unknown, so an answer naming a secret field is journaled as ``***``."""
        self.writer.record(
            Exchange(
                charger_id=charger_id,
                node_id=self.node_id,
                epoch=epoch,
                direction=_CSMS,
                outcome=Outcome.UNSOLICITED,
                action="",
                message_id=message.message_id,
                at_ms=int(time.time() * 1000),
                answer=cut(redact_malformed(_text(answer)), self.limit),
                error_code=message.code if isinstance(message, InboundError) else "",
            )
        )
