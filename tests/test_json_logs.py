"""LOG_FORMAT=json: one JSON object per log line, with the charger, node, message and task
the line is about, read from context variables set where the work is done."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from ocpp.v16 import call as call16

from services.common._logging import (
    ContextFilter,
    JsonFormatter,
    bind,
    current_event,
    log_context,
)
from services.registry import RedisRegistry
from tests.harness import (
    MESH_SECRET,
    ROOT,
    UNIT,
    Charger16,
    accepts,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
)


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines, through the context filter, into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_record_is_one_json_line(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    """A record is one line of JSON with time, level, logger and message, even when the
    message holds newlines and a traceback comes with it; no context field when none is
    set."""
    logger, buffer = json_log
    logger.warning("charger %s said %r", "CP-\n1", "two\nlines")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("handler failed")
    first, second = lines(buffer)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "WARNING"
    assert first["logger"] == "tests.json_logs"
    assert first["message"] == "charger CP-\n1 said 'two\\nlines'"
    assert first["time"].endswith("Z")
    assert second["level"] == "ERROR"
    assert "ValueError: boom" in second["exception"]


async def test_context_fields_follow_the_task(json_log: tuple[logging.Logger, io.StringIO]) -> None:
    """Fields bound in a task are on its lines and its children's, not on another task's;
    the event being handled gives its charger and message id; `log_context` undoes itself."""
    logger, buffer = json_log

    class Event:
        charger_id = "CP-EV"
        message_id = "m-42"

    async def connection() -> None:
        bind(charger_id="CP-1", node_id="N1")
        logger.info("in the connection")
        await asyncio.create_task(child())

    async def child() -> None:
        logger.info("in a task it started")

    async def other() -> None:
        logger.info("elsewhere")

    await asyncio.gather(connection(), other())
    current_event.set(Event())
    with log_context(node_id="N2", task_id="t-7"):
        logger.info("handling")
    current_event.set(None)
    logger.info("after")
    got = {
        line["message"]: {k: v for k, v in line.items() if k.endswith("_id")}
        for line in lines(buffer)
    }
    assert got == {
        "in the connection": {"charger_id": "CP-1", "node_id": "N1"},
        "in a task it started": {"charger_id": "CP-1", "node_id": "N1"},
        "elsewhere": {},
        "handling": {
            "charger_id": "CP-EV",
            "message_id": "m-42",
            "node_id": "N2",
            "task_id": "t-7",
        },
        "after": {},
    }


async def test_a_node_process_logs_json_lines_with_the_charger_id(
    redis_client: aioredis.Redis, redis_server_url: str, redis_prefix: str, sqlite_url: str
) -> None:
    """`python -m services.node` with LOG_FORMAT=json writes only JSON lines; those about a
    charger's connection carry its id and the node's, and no line holds the mesh secret."""
    registry = RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=2 * UNIT)
    ws_port = free_port()
    async with running_manager(registry, sqlite_url) as manager:
        env = {
            **os.environ,
            "REDIS_URL": redis_server_url,
            "REGISTRY_PREFIX": redis_prefix,
            "LEASE_SECONDS": str(2 * UNIT),
            "MANAGER_ADDRESS": f"127.0.0.1:{manager.port}",
            "NODE_ID": "N-json",
            "NODE_HOST": "127.0.0.1",
            "NODE_PORT": str(ws_port),
            "NODE_GRPC_HOST": "127.0.0.1",
            "NODE_GRPC_PORT": str(free_port()),
            "NODE_ADVERTISE_HOST": "127.0.0.1",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            "MESH_SECRET": MESH_SECRET,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.node",
            cwd=ROOT,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        try:
            await eventually(lambda: accepts(ws_port), timeout=30 * UNIT)
            url = f"ws://127.0.0.1:{ws_port}/ocpp/CP-JSON"
            async with connected(Charger16, url, "CP-JSON") as cp:
                await cp.boot()
        finally:
            proc.terminate()
            _, err = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    await registry.aclose()
    text = err.decode()
    assert MESH_SECRET not in text
    records = [json.loads(line) for line in text.splitlines()]
    about = [r for r in records if r.get("charger_id") == "CP-JSON"]
    messages = [r["message"] for r in about]
    assert any("connected" in m for m in messages), records
    assert any("disconnected" in m for m in messages), records
    assert all(r["node_id"] == "N-json" for r in about), about
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


async def test_a_managers_line_about_an_event_names_its_charger_node_and_message(
    json_log: tuple[logging.Logger, io.StringIO],
    redis_client: aioredis.Redis,
    redis_prefix: str,
    sqlite_url: str,
) -> None:
    """A line the manager logs while handling a charger's call (a StopTransaction for a
    transaction it does not know) carries that charger, the node it came through and the
    call's OCPP message id, though the log call names only the charger in its text."""
    _, buffer = json_log
    handler = logging.getLogger("tests.json_logs").handlers[0]
    manager_log = logging.getLogger("services.manager")
    manager_log.addHandler(handler)
    registry = RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=2 * UNIT)
    try:
        async with (
            running_manager(registry, sqlite_url) as manager,
            running_node(registry, manager.port, "N-ctx") as node,
            connected(Charger16, charger_url(node, "CP-CTX"), "CP-CTX") as cp,
        ):
            await cp.boot()
            await cp.call(
                call16.StopTransaction(
                    meter_stop=10, timestamp="2026-12-03T10:00:00Z", transaction_id=987654
                )
            )
    finally:
        manager_log.removeHandler(handler)
        await registry.aclose()
    stops = [r for r in lines(buffer) if "stopped unknown transaction 987654" in r["message"]]
    assert len(stops) == 1, lines(buffer)
    stop = stops[0]
    assert stop["charger_id"] == "CP-CTX"
    assert stop["node_id"] == "N-ctx"
    assert stop["message_id"], stop  # the OCPP unique id the charger's library chose
    assert stop["level"] == "WARNING"


async def test_an_unknown_log_format_stops_the_start() -> None:
    """LOG_FORMAT other than text or json ends the process with status 2 and says which
    values it takes."""
    env = {**os.environ, "LOG_FORMAT": "xml", "MESH_SECRET": MESH_SECRET}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.registry",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    assert proc.returncode == 2
    assert "LOG_FORMAT is 'xml'; use one of text, json" in err.decode()
