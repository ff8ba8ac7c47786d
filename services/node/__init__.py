"""The node: terminates charger websockets and streams their events to the manager.

Thin by design (docs/adr/0002-thin-node.md): subprotocol negotiation, charger id
from the URL, OCPP-J framing and schema validation at the edge, the event stream
to the manager, and ``Node.Send`` for tasks. No business rule lives here.
"""

from services.node._config import NodeSettings
from services.node._node import Node, NodeServicer, charger_id_from_path

__all__ = ["Node", "NodeServicer", "NodeSettings", "charger_id_from_path"]
