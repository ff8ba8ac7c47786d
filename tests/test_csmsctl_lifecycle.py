"""csmsctl's charger lifecycle and id tag edits against the real system (manager on
PostgreSQL, node, Redis registry, chargers played by the `ocpp` library): charger add, edit,
show, retire, restore, approve; tag edit and unblock."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from services import csmsctl
from services.common._passwords import verify_password
from services.manager import Manager
from services.node import Node
from tests.harness import ADMIN_TOKEN, UNIT, charger_url, connected, eventually
from tests.test_charger_lifecycle import Booting16

PASSWORD = "correct-horse-battery-1"


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


async def test_charger_add_reads_the_password_from_stdin_and_never_prints_it(
    manager: Manager, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """charger add --password-stdin stores the password's hash and prints a summary without
    it; a profile that needs a password without one is the server's error naming the field."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = await ctl(
        manager,
        capsys,
        "charger",
        "add",
        "CP-A",
        "--profile",
        "1",
        "--password-stdin",
        "--description",
        "bay 1",
        "--status",
        "pending",
    )
    assert (code, out.strip(), err) == (0, "CP-A added (profile 1, Pending, password set)", "")
    admission = await manager.stores.chargers.admission("CP-A")
    assert admission is not None
    assert admission.password_hash is not None
    assert verify_password(admission.password_hash, PASSWORD)

    code, out, err = await ctl(manager, capsys, "--json", "charger", "show", "CP-A")
    assert code == 0
    shown = json.loads(out)
    assert (shown["description"], shown["hasPassword"]) == ("bay 1", True)
    assert PASSWORD not in out

    code, out, err = await ctl(manager, capsys, "charger", "add", "CP-B", "--profile", "2")
    assert code == csmsctl.EXIT_RPC_ERROR
    assert err.startswith("csmsctl: password: security profile 2 needs a Basic auth password")

    code, out, err = await ctl(manager, capsys, "charger", "add", "CP-A", "--profile", "0")
    assert code == csmsctl.EXIT_RPC_ERROR
    assert "ALREADY_EXISTS" in err


async def test_charger_edit_changes_only_what_is_given(
    manager: Manager, capsys: pytest.CaptureFixture[str]
) -> None:
    """charger edit sends a mask of the options given; with none it is a usage error."""
    assert (await ctl(manager, capsys, "charger", "add", "CP-E", "--profile", "0"))[0] == 0
    code, out, _ = await ctl(
        manager, capsys, "charger", "edit", "CP-E", "--description", "moved", "--status", "rejected"
    )
    assert (code, out.strip()) == (0, "CP-E updated (profile 0, Rejected, no password)")
    code, out, _ = await ctl(
        manager, capsys, "charger", "edit", "CP-E", "--profile", "2", "--password", PASSWORD
    )
    assert (code, out.strip()) == (0, "CP-E updated (profile 2, Rejected, password set)")
    code, out, _ = await ctl(manager, capsys, "charger", "CP-E")  # the older "charger ID"
    assert code == 0
    assert "Description:      moved" in out
    assert "Security profile: 2" in out
    code, _, err = await ctl(manager, capsys, "charger", "edit", "CP-E")
    assert code == csmsctl.EXIT_USAGE
    assert "nothing to change" in err


async def test_charger_retire_and_restore(
    manager: Manager, node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    """charger retire closes a connected charger and hides it from `chargers` (shown with
    --retired); charger restore brings it back."""
    async with connected(Booting16, charger_url(node, "CP-T"), "CP-T") as cp:
        assert (await cp.boot()).status == "Accepted"  # auto-registered (make run's policy)
        code, out, _ = await ctl(manager, capsys, "charger", "retire", "CP-T")
        assert code == 0
        assert out.startswith("CP-T retired (profile 0, Accepted, no password, retired ")
        async with asyncio.timeout(4 * UNIT):
            await cp._connection.wait_closed()
    code, out, _ = await ctl(manager, capsys, "chargers")
    assert "CP-T" not in out
    code, out, _ = await ctl(manager, capsys, "chargers", "--retired")
    assert out.splitlines()[1].split()[0] == "CP-T"
    code, out, _ = await ctl(manager, capsys, "charger", "restore", "CP-T")
    assert (code, out.strip()) == (0, "CP-T restored (profile 0, Accepted, no password)")


async def test_charger_approve_lets_a_pending_charger_in(
    manager: Manager, node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    """charger approve accepts a pending charger, which is asked to boot again and is
    Accepted."""
    code, _, _ = await ctl(
        manager, capsys, "charger", "add", "CP-W", "--profile", "0", "--status", "pending"
    )
    assert code == 0
    async with connected(Booting16, charger_url(node, "CP-W"), "CP-W") as cp:
        assert (await cp.boot()).status == "Pending"
        code, out, _ = await ctl(manager, capsys, "charger", "approve", "CP-W")
        assert (code, out.strip()) == (0, "CP-W approved (profile 0, Accepted, no password)")
        await eventually(lambda: _booted_accepted(cp))


async def _booted_accepted(cp: Booting16) -> bool:
    return "Accepted" in cp.boots


async def test_tag_edit_and_unblock(manager: Manager, capsys: pytest.CaptureFixture[str]) -> None:
    """tag unblock sets a blocked tag back to Accepted; tag edit changes only the options
    given."""
    assert (await ctl(manager, capsys, "tag", "add", "PARENT"))[0] == 0
    assert (await ctl(manager, capsys, "tag", "add", "TAG-1", "--max-active", "1"))[0] == 0
    assert (await ctl(manager, capsys, "tag", "block", "TAG-1"))[1].strip() == "TAG-1 Blocked"
    code, out, _ = await ctl(manager, capsys, "tag", "unblock", "TAG-1")
    assert (code, out.strip()) == (0, "TAG-1 Accepted")
    code, out, _ = await ctl(
        manager,
        capsys,
        "--json",
        "tag",
        "edit",
        "TAG-1",
        "--parent",
        "PARENT",
        "--expires",
        "2027-01-31T00:00:00Z",
    )
    assert code == 0
    edited = json.loads(out)
    assert (edited["parentIdTag"], edited["expiryDate"]) == ("PARENT", "2027-01-31T00:00:00Z")
    assert (edited["status"], edited["maxActiveTransactions"]) == ("ID_TAG_STATUS_ACCEPTED", 1)
    code, _, err = await ctl(manager, capsys, "tag", "edit", "TAG-1")
    assert code == csmsctl.EXIT_USAGE
    assert "nothing to change" in err
