"""Hypothesis strategies for OCPP-J frames, built from the ``ocpp`` library's JSON schemas.

``payloads(version, action)`` draws payloads that are valid under the *official* schema
(which sets almost no ranges) but pick adversarial values wherever the schema lets them:
negative and 64-bit integers, integral floats, NUL and non-ASCII characters, dates at the
ends of the calendar. ``frames(version)`` mixes such Calls with malformed frames.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

import ocpp
import orjson
from hypothesis import strategies as st

from services.common import OcppVersion
from services.common._framing import CHARGER_ACTIONS

__all__ = ["CALL_ERROR_CODES", "action_calls", "frames", "payloads"]

_DIRS = {"1.6": "v16", "2.0.1": "v201", "2.1": "v21"}
_ROOT = Path(ocpp.__file__).parent

#: The CallError codes each OCPP-J version defines.
CALL_ERROR_CODES: dict[str, frozenset[str]] = {
    "1.6": frozenset(
        {
            "NotImplemented",
            "NotSupported",
            "InternalError",
            "ProtocolError",
            "SecurityError",
            "FormationViolation",
            "PropertyConstraintViolation",
            "OccurenceConstraintViolation",
            "TypeConstraintViolation",
            "GenericError",
        }
    ),
    "2.0.1": frozenset(
        {
            "FormatViolation",
            "GenericError",
            "InternalError",
            "MessageTypeNotSupported",
            "NotImplemented",
            "NotSupported",
            "OccurrenceConstraintViolation",
            "PropertyConstraintViolation",
            "ProtocolError",
            "RpcFrameworkError",
            "SecurityError",
            "TypeConstraintViolation",
        }
    ),
}
CALL_ERROR_CODES["2.1"] = CALL_ERROR_CODES["2.0.1"]

_INTEGERS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([-(2**31) - 1, -(2**31), 2**31 - 1, 2**31, 99_999_999_999, 2**63 - 1]),
    st.integers(-(2**63), 2**63 - 1),
)
_NUMBERS = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.1, -0.0, 1e308, -1e308, 2.0**31, 3.0]),
)
_DATE_TIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
    st.sampled_from(
        [
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:00:00",
            "2026-11-24t10:00:00.123456789z",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59-01:00",
            "2016-12-31T23:59:60Z",
            "2026-02-31T00:00:00Z",
            "2026-11-24T10:00:00+14:00",
        ]
    ),
)
_CHARACTERS = st.characters(codec="utf-8")  # no lone surrogates: they are not UTF-8
# Tame values: what a real charger sends, so that payloads get past the edge and the
# manager's handlers run with every optional field combination.
_TAME_INTEGERS = st.integers(0, 5)
_TAME_NUMBERS = st.one_of(st.integers(0, 100), st.floats(0, 1e6, allow_nan=False))
_TAME_DATE_TIMES = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.isoformat(timespec="milliseconds") + "Z"
)


def _text(max_size: int) -> st.SearchStrategy[str]:
    short = min(max_size, 12)
    return st.one_of(
        st.text(st.sampled_from("AB1-_. "), min_size=0, max_size=short),
        st.text(_CHARACTERS, max_size=short),
        st.just("x\x00y"[:max_size]),
    )


@functools.cache
def _schema(version: str, action: str) -> dict[str, Any]:
    directory = _ROOT / _DIRS[version] / "schemas"
    name = f"{action}.json" if version == "1.6" else f"{action}Request.json"
    schema: dict[str, Any] = orjson.loads((directory / name).read_text(encoding="utf-8-sig"))
    return schema


def _from_schema(
    node: dict[str, Any], root: dict[str, Any], depth: int, tame: bool
) -> st.SearchStrategy[Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _from_schema(root["definitions"][ref.rsplit("/", 1)[-1]], root, depth, tame)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties: dict[str, Any] = node.get("properties", {})
        required = set(node.get("required", ()))
        if depth > 6:
            properties = {k: v for k, v in properties.items() if k in required}
        fields = {k: _from_schema(v, root, depth + 1, tame) for k, v in properties.items()}
        return st.fixed_dictionaries(
            {k: s for k, s in fields.items() if k in required},
            optional={k: s for k, s in fields.items() if k not in required},
        )
    if kind == "array":
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", low + 2), low + 2)
        return st.lists(
            _from_schema(node["items"], root, depth + 1, tame), min_size=low, max_size=high
        )
    if kind == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        if tame:
            return _TAME_INTEGERS.filter(
                lambda n: (low is None or n >= low) and (high is None or n <= high)
            )
        if low is not None or high is not None:
            return st.integers(
                -(2**63) if low is None else low, 2**63 - 1 if high is None else high
            )
        # Draft-06 schemas (2.x) count 2.0 as an integer; draft-04 (1.6) does not.
        if "draft-04" in str(root.get("$schema", "")):
            return _INTEGERS
        return st.one_of(_INTEGERS, st.integers(-3, 3).map(float))
    if kind == "number":
        return _TAME_NUMBERS if tame else _NUMBERS
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        if node.get("format") == "date-time":
            return _TAME_DATE_TIMES if tame else _DATE_TIMES
        low, high = node.get("minLength", 0), node.get("maxLength", 64)
        if tame:
            return st.text(st.sampled_from("ABC123-"), min_size=max(low, 1), max_size=min(high, 8))
        return _text(high).filter(lambda s: low <= len(s) <= high)
    return st.none()


@functools.cache
def payloads(version: str, action: str, *, tame: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Payloads of ``action`` valid under the official OCPP ``version`` schema; ``tame``
    ones hold only values a real charger would send."""
    schema = _schema(version, action)
    strategy: st.SearchStrategy[dict[str, Any]] = _from_schema(schema, schema, 0, tame)
    return strategy


@functools.cache
def action_calls(
    version: str, *, tame: bool = False
) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(action, payload) of any action a charger sends in ``version``."""
    return st.sampled_from(sorted(CHARGER_ACTIONS[OcppVersion(version)])).flatmap(
        lambda action: payloads(version, action, tame=tame).map(lambda p: (action, p))
    )


@functools.cache
def frames(version: str) -> st.SearchStrategy[str]:
    """Text frames: schema-valid Calls, Calls with random payloads, and malformed JSON."""
    message_ids = st.one_of(st.text(min_size=1, max_size=40), _INTEGERS, st.just(""))
    json_values = st.recursive(
        st.none() | st.booleans() | _INTEGERS | _NUMBERS | _text(20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text(8), inner, max_size=3),
        max_leaves=8,
    )
    valid = st.tuples(st.text(min_size=1, max_size=36), action_calls(version)).map(
        lambda t: orjson.dumps([2, t[0], t[1][0], t[1][1]]).decode()
    )
    random_calls = st.tuples(
        st.sampled_from([2, 3, 4, 5, 6, 9, "2", 2.0]),
        message_ids,
        st.sampled_from(sorted(CHARGER_ACTIONS[OcppVersion(version)])) | _text(20),
        json_values,
    ).map(lambda t: orjson.dumps(list(t)).decode())
    short = st.lists(json_values, max_size=6).map(lambda v: orjson.dumps(v).decode())
    return st.one_of(valid, valid, random_calls, short, st.text(max_size=40))
