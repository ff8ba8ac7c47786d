"""The charger id is the whole path after /ocpp/ (issue 11): OCPP-J appends one
percent-encoded segment to the CSMS's endpoint URL, so /ocpp/site1/CP-1 does not name
CP-1, and a path outside /ocpp/ names no charger. Checked on the function and over a
real websocket handshake to a node."""

from __future__ import annotations

import pytest
import websockets
from websockets.typing import Subprotocol

from services.node import Node, charger_id_from_path
from services.node._node import InvalidChargerId
from services.registry import RedisRegistry
from tests.harness import UNIT, Charger16, connected
from tests.test_gateway_limits import stack as gateway_stack


@pytest.mark.parametrize(
    ("path", "charger_id"),
    [
        ("/ocpp/CP-1", "CP-1"),
        ("/ocpp/CP-1/", "CP-1"),
        ("/ocpp/CP-1?x=1", "CP-1"),
        ("/ocpp/CP%201", "CP 1"),
        ("/ocpp/%C3%A9t%C3%A9", "été"),
    ],
)
def test_the_charger_id_is_the_decoded_segment_after_ocpp(path: str, charger_id: str) -> None:
    """One percent-decoded segment after /ocpp/ is the charger id."""
    assert charger_id_from_path(path) == charger_id


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/ocpp/site1/CP-1", "whole path after /ocpp/"),
        ("/ocpp/a/b/c", "whole path after /ocpp/"),
        ("/CP-1", "chargers connect at /ocpp/"),
        ("/other/CP-1", "chargers connect at /ocpp/"),
        ("/ocppCP-1", "chargers connect at /ocpp/"),
        ("/ocpp/", "must end in the charger id"),
        ("/ocpp/site1%2FCP-1", "must not contain '/'"),
    ],
)
def test_other_paths_name_no_charger(path: str, says: str) -> None:
    """Several segments, a path outside /ocpp/, an empty id or an encoded '/' are refused
    with a reason that names the rule."""
    with pytest.raises(InvalidChargerId, match=says.replace("(", r"\(")):
        charger_id_from_path(path)


@pytest.mark.parametrize("path", ["/ocpp/site1/CP-1", "/CP-1", "/cs/CP-1"])
async def test_a_handshake_on_another_path_is_404_and_registers_nothing(
    node: Node, registry: RedisRegistry, path: str
) -> None:
    """The node answers the handshake 404 with the rule in the body; no charger is
    registered under the last segment."""
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            f"ws://127.0.0.1:{node.ws_port}{path}",
            subprotocols=[Subprotocol("ocpp1.6")],
            open_timeout=4 * UNIT,
        ):
            pass
    assert refused.value.response.status_code == 404
    assert b"/ocpp/" in refused.value.response.body
    assert await registry.lookup("CP-1") is None


async def test_a_charger_on_its_own_path_connects(node: Node) -> None:
    """/ocpp/<id> still connects and boots."""
    url = f"ws://127.0.0.1:{node.ws_port}/ocpp/CP-PATH"
    async with connected(Charger16, url, "CP-PATH") as cp:
        assert (await cp.boot()).status == "Accepted"


async def test_through_the_gateway_the_same_rule_holds(sqlite_url: str) -> None:
    """Envoy forwards /ocpp/... to a node unchanged, so /ocpp/site1/CP-1 is the node's 404
    naming the rule there too, and /ocpp/CP-1 connects."""
    async with gateway_stack(sqlite_url) as (_, envoy):
        base = f"ws://127.0.0.1:{envoy.settings.listen_port}"
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(
                f"{base}/ocpp/site1/CP-1",
                subprotocols=[Subprotocol("ocpp1.6")],
                open_timeout=4 * UNIT,
            ):
                pass
        assert refused.value.response.status_code == 404
        assert b"whole path after /ocpp/" in refused.value.response.body
        async with connected(Charger16, f"{base}/ocpp/CP-GW", "CP-GW") as cp:
            assert (await cp.boot()).status == "Accepted"
