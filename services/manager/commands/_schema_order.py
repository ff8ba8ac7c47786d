"""OCPP payloads with their members in the order of the OCPP JSON schema's properties.

Some charger firmware parses JSON positionally, and one canonical order makes frames
comparable. Tasks (CSMS-initiated calls, not on the hot path) are put in order when they
are sent (``in_schema_order``, applied to every task whatever built it); the replies the
manager answers chargers with are BUILT in schema order by their handlers (no reorder per
message on the event path), which ``tests/test_payload_order.py`` checks for every action
of 1.6, 2.0.1 and 2.1 against the same schemas. The schemas are the ones the ``ocpp``
package ships (and the node validates against).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import ocpp

from services.common import OcppVersion

_PACKAGES = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}
_OCPP_ROOT = Path(ocpp.__file__).parent


def schema_path(version: OcppVersion, action: str, *, response: bool = False) -> Path:
    """Where the ``ocpp`` package keeps the schema of `action`'s request or response."""
    directory = _OCPP_ROOT / _PACKAGES[version] / "schemas"
    if response:
        return directory / f"{action}Response.json"
    if version.is_16:
        return directory / f"{action}.json"
    path = directory / f"{action}Request.json"
    # 2.1 SEND messages (NotifyPeriodicEventStream) have no response and no "Request" suffix.
    return path if path.is_file() else directory / f"{action}.json"


@functools.cache
def schema(version: OcppVersion, action: str, *, response: bool = False) -> dict[str, Any] | None:
    """The JSON schema of `action`'s request (or response) in `version`; None if none."""
    if version not in _PACKAGES:
        return None
    path = schema_path(version, action, response=response)
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return loaded


def in_schema_order(
    version: OcppVersion, action: str, payload: dict[str, Any], *, response: bool = False
) -> dict[str, Any]:
    """`payload` with every object's members in its schema's property order (members the
    schema does not name keep their order, after the others); as is when there is no
    schema for `action`. Returns a new dict when anything moved; `payload` is not changed."""
    root = schema(version, action, response=response)
    if root is None:
        return payload
    ordered: dict[str, Any] = _ordered(payload, root, root.get("definitions", {}))
    return ordered


def _resolve(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = definitions[str(node["$ref"]).rsplit("/", 1)[-1]]
    return node


def _ordered(value: Any, node: dict[str, Any], definitions: dict[str, Any]) -> Any:
    node = _resolve(node, definitions)
    if isinstance(value, dict):
        properties = node.get("properties")
        if not properties:
            return value
        out = {
            key: _ordered(value[key], sub, definitions)
            for key, sub in properties.items()
            if key in value
        }
        if len(out) != len(value):
            out.update((key, item) for key, item in value.items() if key not in properties)
        return out
    if isinstance(value, list):
        items = node.get("items")
        if isinstance(items, dict):
            return [_ordered(item, items, definitions) for item in value]
    return value


def ordered_call(
    version: OcppVersion, action: str, payload: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """(action, payload in schema order): for builders whose tasks are sent as built."""
    return action, in_schema_order(version, action, payload)
