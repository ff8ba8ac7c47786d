"""The load generator: worker processes, each playing many chargers over real websockets.

A worker is a child process (``multiprocessing`` spawn) driven by its parent through a
pipe: ``connect`` (connect and boot a list of chargers, ramped by a semaphore or all at
once), ``run`` (play a message mix back to back in a common time window), ``close``,
``exit``. Frames are raw OCPP-J built and parsed with orjson; each charger sends its next
call only once the previous one is answered, as real chargers do, and answers any call
the CSMS sends it (Reset, TriggerMessage, ...) while it waits.

Clocks: ``time.monotonic`` is CLOCK_MONOTONIC, shared by every process on the machine, so
the parent can give all workers one start time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import orjson
import uvloop
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench._lifetime import die_with_parent
from bench.stats import Histogram

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
MIXES = ("heartbeat", "status", "session")


@dataclass
class ConnectSpec:
    """Connect (and boot) these chargers."""

    url: str  # ws://host:port/ocpp (the charger id is appended)
    ids: list[str]
    subprotocol: str
    ramp: int | None  # at most this many connecting at once in this worker; None = all (storm)
    start_at: float  # monotonic time to begin
    deadline: float = 120.0  # give up on a charger after this many seconds of retries
    boot: bool = True


@dataclass
class RunSpec:
    """Play a message mix on every connected charger in a common window."""

    mix: str  # heartbeat | status | session
    start_at: float  # monotonic: chargers start sending
    warmup: float  # seconds not counted
    duration: float  # seconds counted
    call_timeout: float = 10.0
    meter_interval: float = 0.0  # seconds between MeterValues in the session mix
    meters_per_session: int = 5


@dataclass
class Tally:
    """What one worker saw in the measured window."""

    per_action: dict[str, Histogram] = field(default_factory=dict)
    results: int = 0  # CallResults in the window
    errors: int = 0  # CallErrors in the window
    error_codes: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0
    disconnects: int = 0
    commands_answered: int = 0  # CSMS-initiated calls the chargers answered

    def hist(self, action: str) -> Histogram:
        h = self.per_action.get(action)
        if h is None:
            h = self.per_action[action] = Histogram()
        return h


class _Clock:
    """An ISO-8601 UTC timestamp, rebuilt at most once a second (it is in every payload)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._text


_CLOCK = _Clock()


def _answer_to(action: str) -> dict[str, Any]:
    """What our chargers answer to a CSMS-initiated call."""
    if action == "GetConfiguration":
        return {"configurationKey": [], "unknownKey": []}
    if action in ("Reset", "TriggerMessage", "ChangeConfiguration", "ChangeAvailability"):
        return {"status": "Accepted"}
    return {}


class Charger:
    """One simulated charger: its websocket and its message counter."""

    __slots__ = ("charger_id", "meter", "seq", "subprotocol", "ws")

    def __init__(self, charger_id: str, subprotocol: str, ws: ClientConnection) -> None:
        self.charger_id = charger_id
        self.subprotocol = subprotocol
        self.ws = ws
        self.seq = 0
        self.meter = 0

    async def call(
        self, action: str, payload: dict[str, Any], timeout: float, tally: Tally | None
    ) -> tuple[bool, Any]:
        """Send one call, wait for its answer: (True, payload) or (False, error code).

        Raises TimeoutError and ConnectionClosed. Answers stale results (of a call that
        timed out earlier) by ignoring them, and CSMS calls by answering them.
        """
        self.seq += 1
        message_id = str(self.seq)
        ws = self.ws
        await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
        async with asyncio.timeout(timeout):
            while True:
                message = orjson.loads(await ws.recv(decode=False))
                kind = message[0]
                if kind == 2:  # a call from the CSMS: answer at once
                    await ws.send(orjson.dumps([3, message[1], _answer_to(message[2])]).decode())
                    if tally is not None:
                        tally.commands_answered += 1
                    continue
                if message[1] != message_id:
                    continue  # the late answer of a call that timed out
                if kind == 3:
                    return True, message[2]
                return False, message[2] if len(message) > 2 else "?"


def _boot_payload(subprotocol: str) -> dict[str, Any]:
    if subprotocol == OCPP16:
        return {"chargePointVendor": "Bench", "chargePointModel": "Load"}
    return {"reason": "PowerUp", "chargingStation": {"model": "Load", "vendorName": "Bench"}}


def _status_payload(ch: Charger) -> dict[str, Any]:
    """Alternate between two statuses so every notification is a real change."""
    if ch.subprotocol == OCPP16:
        status = "Available" if ch.seq % 2 else "Preparing"
        return {"connectorId": 1, "errorCode": "NoError", "status": status}
    status = "Available" if ch.seq % 2 else "Occupied"
    return {"timestamp": _CLOCK.now(), "connectorStatus": status, "evseId": 1, "connectorId": 1}


class LoadWorker:
    """The chargers of one worker process."""

    def __init__(self) -> None:
        self.chargers: list[Charger] = []

    # -- connect ---------------------------------------------------------------

    async def connect(self, spec: ConnectSpec) -> dict[str, Any]:
        """Connect and boot every charger of ``spec``; return counts and times."""
        ramp = asyncio.Semaphore(spec.ramp) if spec.ramp else None
        stats: dict[str, Any] = {
            "attempts_failed": 0,
            "boot_errors": 0,
            "failure_reasons": {},
        }
        connect_hist = Histogram()
        delay = spec.start_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        started = time.monotonic()
        results = await asyncio.gather(
            *(self._connect_one(cid, spec, ramp, stats, connect_hist) for cid in spec.ids)
        )
        booted_at = [t for t in results if t is not None]
        stats.update(
            connected=len(booted_at),
            failed=len(spec.ids) - len(booted_at),
            first_start=started,
            last_booted=max(booted_at, default=started),
            connect_hist=connect_hist.to_wire(),
        )
        return stats

    async def _connect_one(
        self,
        charger_id: str,
        spec: ConnectSpec,
        ramp: asyncio.Semaphore | None,
        stats: dict[str, Any],
        hist: Histogram,
    ) -> float | None:
        """Connect (retrying with jittered back-off) and boot; the monotonic boot time."""
        give_up = time.monotonic() + spec.deadline
        backoff = 0.05
        while time.monotonic() < give_up:
            began = time.monotonic()
            try:
                async with ramp if ramp is not None else contextlib.nullcontext():
                    began = time.monotonic()
                    ws = await websockets.connect(
                        f"{spec.url}/{charger_id}",
                        subprotocols=[Subprotocol(spec.subprotocol)],
                        open_timeout=30,
                        ping_interval=None,
                        close_timeout=2,
                        compression=None,
                        max_queue=64,
                    )
                    charger = Charger(charger_id, spec.subprotocol, ws)
                    if spec.boot:
                        ok, answer = await charger.call(
                            "BootNotification", _boot_payload(spec.subprotocol), 30, None
                        )
                        if not ok or answer.get("status") != "Accepted":
                            stats["boot_errors"] += 1
                done = time.monotonic()
                hist.add(done - began)
                self.chargers.append(charger)
                return done
            except (OSError, TimeoutError, websockets.InvalidHandshake, ConnectionClosed) as exc:
                stats["attempts_failed"] += 1
                reason = type(exc).__name__
                stats["failure_reasons"][reason] = stats["failure_reasons"].get(reason, 0) + 1
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, 2.0)
        return None

    # -- run ---------------------------------------------------------------------

    async def run(self, spec: RunSpec) -> dict[str, Any]:
        """Play ``spec.mix`` on every charger; count only what completes in the window."""
        if spec.mix not in MIXES:
            raise ValueError(f"unknown mix {spec.mix!r}; one of {MIXES}")
        tally = Tally()
        window = (spec.start_at + spec.warmup, spec.start_at + spec.warmup + spec.duration)
        cpu_task = asyncio.create_task(_cpu_in_window(*window))
        await asyncio.gather(*(self._play(ch, spec, window, tally) for ch in self.chargers))
        self.chargers = [ch for ch in self.chargers if ch.ws.close_code is None]
        cpu_seconds = await cpu_task
        return {
            "results": tally.results,
            "errors": tally.errors,
            "error_codes": tally.error_codes,
            "timeouts": tally.timeouts,
            "disconnects": tally.disconnects,
            "commands_answered": tally.commands_answered,
            "per_action": {a: h.to_wire() for a, h in tally.per_action.items()},
            "cpu_seconds": cpu_seconds,
        }

    async def _play(
        self, ch: Charger, spec: RunSpec, window: tuple[float, float], tally: Tally
    ) -> None:
        start, end = window
        delay = spec.start_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay + random.random() * 0.05)  # do not start in lockstep

        async def one(action: str, payload: dict[str, Any]) -> Any:
            began = time.monotonic()
            try:
                ok, answer = await ch.call(action, payload, spec.call_timeout, tally)
            except TimeoutError:
                if start <= time.monotonic() < end + spec.call_timeout:
                    tally.timeouts += 1
                return None
            done = time.monotonic()
            if start <= done < end:
                tally.hist(action).add(done - began)
                if ok:
                    tally.results += 1
                else:
                    tally.errors += 1
                    tally.error_codes[str(answer)] = tally.error_codes.get(str(answer), 0) + 1
            return answer if ok else None

        try:
            if spec.mix == "heartbeat":
                while time.monotonic() < end:
                    await one("Heartbeat", {})
            elif spec.mix == "status":
                while time.monotonic() < end:
                    await one("StatusNotification", _status_payload(ch))
            elif ch.subprotocol == OCPP16:
                while time.monotonic() < end:
                    await _session16(ch, spec, end, one)
            else:
                while time.monotonic() < end:
                    await _session201(ch, spec, end, one)
        except ConnectionClosed:
            tally.disconnects += 1

    # -- close -------------------------------------------------------------------

    async def close(self) -> dict[str, Any]:
        """Close every connection (1000), a bounded number at a time."""
        gate = asyncio.Semaphore(500)

        async def close_one(ch: Charger) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    await ch.ws.close()

        count = len(self.chargers)
        await asyncio.gather(*(close_one(ch) for ch in self.chargers))
        self.chargers = []
        return {"closed": count}


async def _session16(ch: Charger, spec: RunSpec, end: float, one: Any) -> None:
    """OCPP 1.6 charging session: Authorize, StartTransaction, MeterValues xN, StopTransaction."""
    tag = f"T{ch.charger_id[-16:]}"[:20]
    await one("Authorize", {"idTag": tag})
    start = await one(
        "StartTransaction",
        {"connectorId": 1, "idTag": tag, "meterStart": ch.meter, "timestamp": _CLOCK.now()},
    )
    transaction_id = start.get("transactionId", 0) if isinstance(start, dict) else 0
    for _ in range(spec.meters_per_session):
        if time.monotonic() >= end:
            break
        if spec.meter_interval:
            await asyncio.sleep(spec.meter_interval)
        ch.meter += 100
        await one(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": transaction_id,
                "meterValue": [
                    {
                        "timestamp": _CLOCK.now(),
                        "sampledValue": [
                            {
                                "value": str(ch.meter),
                                "measurand": "Energy.Active.Import.Register",
                                "unit": "Wh",
                            }
                        ],
                    }
                ],
            },
        )
    await one(
        "StopTransaction",
        {
            "transactionId": transaction_id,
            "meterStop": ch.meter,
            "timestamp": _CLOCK.now(),
            "idTag": tag,
            "reason": "Local",
        },
    )


async def _session201(ch: Charger, spec: RunSpec, end: float, one: Any) -> None:
    """OCPP 2.0.1 charging session: Authorize, TransactionEvent Started/Updated xN/Ended."""
    token = {"idToken": f"T{ch.charger_id[-16:]}", "type": "ISO14443"}
    await one("Authorize", {"idToken": token})
    transaction_id = f"{ch.charger_id}-{ch.seq}"[-36:]
    seq_no = 0

    def event(kind: str, trigger: str) -> dict[str, Any]:
        nonlocal seq_no
        seq_no += 1
        ch.meter += 100
        return {
            "eventType": kind,
            "timestamp": _CLOCK.now(),
            "triggerReason": trigger,
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": transaction_id},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": token,
            "meterValue": [
                {
                    "timestamp": _CLOCK.now(),
                    "sampledValue": [{"value": float(ch.meter)}],
                }
            ],
        }

    await one("TransactionEvent", event("Started", "Authorized"))
    for _ in range(spec.meters_per_session):
        if time.monotonic() >= end:
            break
        if spec.meter_interval:
            await asyncio.sleep(spec.meter_interval)
        await one("TransactionEvent", event("Updated", "MeterValuePeriodic"))
    await one("TransactionEvent", event("Ended", "StopAuthorized"))


async def _cpu_in_window(start: float, end: float) -> float:
    """This process's CPU seconds spent between two monotonic times."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    before = time.process_time()
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    return time.process_time() - before


async def _serve(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    worker = LoadWorker()
    try:
        while True:
            try:
                command: dict[str, Any] = await loop.run_in_executor(None, conn.recv)
            except EOFError:  # the parent is gone
                return
            op = command["op"]
            if op == "exit":
                return
            if op == "connect":
                conn.send(await worker.connect(command["spec"]))
            elif op == "run":
                conn.send(await worker.run(command["spec"]))
            elif op == "close":
                conn.send(await worker.close())
            else:
                conn.send({"error": f"unknown op {op!r}"})
    finally:
        await worker.close()


def worker_main(conn: Connection) -> None:
    """Entry point of a load worker process (it dies with its parent)."""
    die_with_parent()
    uvloop.run(_serve(conn))
