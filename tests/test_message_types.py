"""The handlers' payload types (v16/messages.py, v201/messages.py) say what the schemas say.

Each request/response TypedDict, and every TypedDict nested in one, has exactly its
schema object's members (``customData`` aside) in the schema's order, with the same ones
required: a handler reading a member its type calls required reads one the framer has
checked is there. Schemas are the ones the ``ocpp`` package ships and the framer uses.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import ocpp
import pytest

from services.manager.v16 import messages as v16
from services.manager.v201 import messages as v201

SCHEMAS = Path(ocpp.__file__).parent


def schema_file(version: str, name: str) -> Path:
    """The schema of a TypedDict named <Action>Request / <Action>Response."""
    if version == "v16" and name.endswith("Request"):
        return SCHEMAS / version / "schemas" / f"{name.removesuffix('Request')}.json"
    return SCHEMAS / version / "schemas" / f"{name}.json"


def is_typed_dict(value: object) -> bool:
    return isinstance(value, type) and typing.is_typeddict(value)


def nested(annotation: Any) -> type | None:
    """The TypedDict a member holds (itself or as list items), if any."""
    if typing.get_origin(annotation) in (typing.NotRequired, typing.Required):
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    return annotation if is_typed_dict(annotation) else None


def mismatches(cls: type, schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    """How `cls` differs from the schema object `schema` (its nested TypedDicts too)."""
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("type") == "array":
        return mismatches(cls, schema["items"], root, path + "[]")
    properties = [p for p in schema.get("properties", {}) if p != "customData"]
    found: list[str] = []
    hints = typing.get_type_hints(cls, include_extras=True)
    if list(hints) != properties:
        found.append(f"{path}: members {list(hints)}, schema {properties}")
    required = set(schema.get("required", ())) - {"customData"}
    if set(cls.__required_keys__) != required:  # type: ignore[attr-defined]
        found.append(f"{path}: required {sorted(cls.__required_keys__)}, schema {sorted(required)}")  # type: ignore[attr-defined]
    for member, annotation in hints.items():
        inner = nested(annotation)
        if inner is not None and member in schema.get("properties", {}):
            found += mismatches(inner, schema["properties"][member], root, f"{path}.{member}")
    return found


def message_types(module: types.ModuleType) -> list[str]:
    return [n for n in module.__all__ if n.endswith(("Request", "Response"))]


@pytest.mark.parametrize(
    ("version", "module", "name"),
    [("v16", v16, name) for name in message_types(v16)]
    + [("v201", v201, name) for name in message_types(v201)],
)
def test_payload_type_matches_its_schema(version: str, module: types.ModuleType, name: str) -> None:
    """Members, their order and which are required are the schema's, all the way down."""
    root = json.loads(schema_file(version, name).read_text(encoding="utf-8-sig"))
    assert mismatches(getattr(module, name), root, root, name) == []
