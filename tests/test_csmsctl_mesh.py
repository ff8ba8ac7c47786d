"""csmsctl against the real system: manager on PostgreSQL, node, Redis registry, and a 1.6
charger played by the `ocpp` library's ChargePoint. The operator's everyday loop: add an id
tag, start charging, see the transaction, stop it, block the tag."""

from __future__ import annotations

import asyncio
import json

import pytest
from ocpp.v16 import call

from services import csmsctl
from services.manager import Manager
from services.node import Node
from tests.harness import ADMIN_TOKEN, UNIT, Station16, charger_url, connected


async def ctl(
    manager: Manager, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run csmsctl in a thread (it is a blocking gRPC client); returns (exit, stdout, stderr)."""
    argv = [
        "--manager",
        f"127.0.0.1:{manager.port}",
        "--token",
        ADMIN_TOKEN,
        "--timeout",
        str(8 * UNIT),
        *args,
    ]
    code = await asyncio.to_thread(csmsctl.main, argv)
    out, err = capsys.readouterr()
    return code, out, err


async def test_operator_starts_sees_and_stops_a_session(
    manager: Manager, node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    """tag add, start, transactions, transaction and stop drive a real charger and read back
    what it reported."""
    code, out, _ = await ctl(manager, capsys, "tag", "add", "TAG-1")
    assert (code, out.strip()) == (0, "TAG-1 Accepted")

    async with connected(Station16, charger_url(node, "CP-CTL"), "CP-CTL") as cp:
        assert (await cp.boot()).status == "Accepted"
        code, out, _ = await ctl(
            manager, capsys, "start", "CP-CTL", "--tag", "TAG-1", "--connector", "1"
        )
        assert (code, out.strip()) == (0, "Accepted")
        assert cp.requests("RemoteStartTransaction") == [{"id_tag": "TAG-1", "connector_id": 1}]

        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp="2026-11-24T10:00:00Z"
            )
        )
        tx = started.transaction_id
        code, out, _ = await ctl(manager, capsys, "transactions", "--active")
        assert code == 0
        row = out.splitlines()[1].split()
        assert row[:4] == [str(tx), "CP-CTL", "1", "TAG-1"]
        assert "active" in row

        code, out, _ = await ctl(manager, capsys, "stop", "CP-CTL", str(tx))
        assert (code, out.strip()) == (0, "Accepted")
        assert cp.requests("RemoteStopTransaction") == [{"transaction_id": tx}]
        await cp.call(
            call.StopTransaction(
                transaction_id=tx, meter_stop=8500, timestamp="2026-11-24T11:00:00Z"
            )
        )

    code, out, _ = await ctl(manager, capsys, "transaction", str(tx))
    assert code == 0
    assert "Energy:      7.500 kWh" in out
    assert "Stop reason: Local" in out

    code, out, _ = await ctl(manager, capsys, "--json", "transactions", "--finished")
    assert code == 0
    assert [t["transactionId"] for t in json.loads(out)["transactions"]] == [str(tx)]


async def test_tags_block_and_list(manager: Manager, capsys: pytest.CaptureFixture[str]) -> None:
    """tag block changes the stored status and tags lists it."""
    assert (await ctl(manager, capsys, "tag", "add", "TAG-2", "--max-active", "1"))[0] == 0
    code, out, _ = await ctl(manager, capsys, "tag", "block", "TAG-2")
    assert (code, out.strip()) == (0, "TAG-2 Blocked")
    code, out, _ = await ctl(manager, capsys, "tags")
    assert code == 0
    assert out.splitlines()[1].split() == ["TAG-2", "Blocked", "-", "-", "1"]


async def test_errors_name_the_problem(
    manager: Manager, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad status is refused before sending; unknown ids and offline chargers are one line."""
    code, _, err = await ctl(manager, capsys, "tag", "add", "TAG-3", "--status", "Maybe")
    assert code == 2
    assert "unknown STATUS 'Maybe'" in err
    assert "Accepted" in err

    code, _, err = await ctl(manager, capsys, "transaction", "424242")
    assert code == 1
    assert "424242" in err
    assert "NOT_FOUND" in err

    code, _, err = await ctl(manager, capsys, "start", "CP-NOWHERE", "--tag", "TAG-3")
    assert code == 1
    assert "CP-NOWHERE" in err
