"""csmsctl's API tokens against a real manager: --token / CSMS_TOKEN on every call, clear
refusals, and token create / list / revoke (issue 11)."""

from __future__ import annotations

import asyncio
import re

import pytest

from services import csmsctl
from services.manager import Manager
from tests.harness import ADMIN_TOKEN, UNIT


async def ctl(
    manager: Manager, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run csmsctl in a thread against `manager`; returns (exit, stdout, stderr)."""
    argv = ["--manager", f"127.0.0.1:{manager.port}", "--timeout", str(8 * UNIT), *args]
    code = await asyncio.to_thread(csmsctl.main, argv)
    out, err = capsys.readouterr()
    return code, out, err


async def test_without_a_token_the_refusal_says_what_to_do(
    manager: Manager, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With neither --token nor CSMS_TOKEN, a command exits 1 saying UNAUTHENTICATED and how
    to pass a token."""
    monkeypatch.delenv("CSMS_TOKEN", raising=False)
    code, out, err = await ctl(manager, capsys, "chargers")
    assert code == 1
    assert out == ""
    assert "(UNAUTHENTICATED)" in err
    assert "--token or CSMS_TOKEN" in err


async def test_token_create_list_use_and_revoke(
    manager: Manager, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin creates a viewer token (the secret alone on stdout), lists it, the viewer
    reads but is refused a reset naming the role, and after revoke the token is refused."""
    monkeypatch.setenv("CSMS_TOKEN", ADMIN_TOKEN)
    code, out, err = await ctl(
        manager, capsys, "token", "create", "wall-screen", "--role", "viewer"
    )
    assert code == 0, err
    secret = out.strip()
    assert re.fullmatch(r"csms_[A-Za-z0-9_\-]{43}", secret), out
    assert "shown only now" in err
    token_id = re.search(r"token (tok_[a-z0-9]{12})", err)
    assert token_id, err

    code, out, _ = await ctl(manager, capsys, "token", "list")
    assert code == 0
    assert token_id[1] in out
    assert "wall-screen" in out
    assert "viewer" in out
    assert secret not in out

    code, out, err = await ctl(manager, capsys, "--token", secret, "whoami")
    assert (code, out.strip()) == (0, "wall-screen (viewer)"), err
    code, _, err = await ctl(manager, capsys, "--token", secret, "chargers")
    assert code == 0, err
    code, _, err = await ctl(manager, capsys, "--token", secret, "reset", "CP-1")
    assert code == 1
    assert "needs role operator" in err
    assert "(PERMISSION_DENIED)" in err

    code, out, err = await ctl(manager, capsys, "token", "revoke", token_id[1])
    assert code == 0, err
    assert "revoked" in out
    code, _, err = await ctl(manager, capsys, "--token", secret, "chargers")
    assert code == 1
    assert "(UNAUTHENTICATED)" in err
    code, out, _ = await ctl(manager, capsys, "token", "list", "--all")
    assert token_id[1] in out
