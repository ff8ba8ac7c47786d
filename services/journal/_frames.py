"""Frames as the journal keeps them: secrets replaced by ``***``, long frames cut.

Secrets never enter the journal. The OCPP messages that carry one (from the JSON schemas
of OCPP 1.6, 2.0.1 and 2.1 the ``ocpp`` library ships)::

    message (who sends it)                      the secret
    ------------------------------------------  -----------------------------------------
    ChangeConfiguration (CSMS, 1.6)             value, when key is AuthorizationKey
    GetConfigurationResponse (charger, 1.6)     configurationKey[].value of AuthorizationKey
                                                (write-only; a charger should never send it)
    SetVariables (CSMS, 2.x)                    setVariableData[].attributeValue of a
                                                secret variable (below)
    GetVariablesResponse (charger, 2.x)         getVariableResult[].attributeValue of one
    NotifyReport (charger, 2.x)                 reportData[].variableAttribute[].value of one
    SetNetworkProfile (CSMS, 2.x)               connectionData.apn.apnPassword, .apn.simPin,
                                                .vpn.password, .vpn.key, .basicAuthPassword (2.1)

Secret variables (2.x device model, any component): BasicAuthPassword (SecurityCtrlr; in
2.1 also NetworkConfiguration), ApnPassword, SimPin, VpnPassword, VpnKey (2.1's
NetworkConfiguration slots), and AuthorizationKey (a 1.6 key some 2.x chargers keep).
Names compare without regard to case: a charger may not care, so neither does redaction.

Only those actions pay for redaction (a frozenset lookup decides); every other frame is
journaled as the text that crossed the websocket. A malformed frame cannot be parsed to
redact one value, so one that names a secret field is journaled as ``***`` whole.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Final

import orjson

__all__ = [
    "REDACTED",
    "SECRET_REQUESTS",
    "SECRET_RESPONSES",
    "cut",
    "redact_malformed",
    "redact_request",
    "redact_response",
]

REDACTED: Final = "***"

_SECRET_VARIABLES: Final = frozenset(
    {"basicauthpassword", "apnpassword", "simpin", "vpnpassword", "vpnkey", "authorizationkey"}
)
_SECRET_NETWORK_FIELDS: Final = {
    "apn": ("apnPassword", "simPin"),
    "vpn": ("password", "key"),
}
# Lower-case text that marks a malformed frame as possibly carrying a secret.
_MALFORMED_MARKERS: Final = ("authorizationkey", "password", "simpin", '"vpn"', "vpnkey")

_Redactor = Callable[[dict[str, Any]], bool]


def _secret_variable(item: Any) -> bool:
    """A 2.x component/variable pair (a SetVariableData, a GetVariableResult, a ReportData)
    naming a secret variable."""
    if not isinstance(item, dict):
        return False
    variable = item.get("variable")
    name = variable.get("name") if isinstance(variable, dict) else None
    return isinstance(name, str) and name.casefold() in _SECRET_VARIABLES


def _change_configuration(payload: dict[str, Any]) -> bool:
    key = payload.get("key")
    if isinstance(key, str) and key.casefold() == "authorizationkey" and "value" in payload:
        payload["value"] = REDACTED
        return True
    return False


def _get_configuration_response(payload: dict[str, Any]) -> bool:
    changed = False
    for item in _items(payload, "configurationKey"):
        key = item.get("key")
        if isinstance(key, str) and key.casefold() == "authorizationkey" and "value" in item:
            item["value"] = REDACTED
            changed = True
    return changed


def _attribute_values(field: str) -> _Redactor:
    def redact(payload: dict[str, Any]) -> bool:
        changed = False
        for item in _items(payload, field):
            if _secret_variable(item) and "attributeValue" in item:
                item["attributeValue"] = REDACTED
                changed = True
        return changed

    return redact


def _notify_report(payload: dict[str, Any]) -> bool:
    changed = False
    for item in _items(payload, "reportData"):
        if not _secret_variable(item):
            continue
        for attribute in _items(item, "variableAttribute"):
            if "value" in attribute:
                attribute["value"] = REDACTED
                changed = True
    return changed


def _set_network_profile(payload: dict[str, Any]) -> bool:
    data = payload.get("connectionData")
    if not isinstance(data, dict):
        return False
    changed = False
    for part, fields in _SECRET_NETWORK_FIELDS.items():
        section = data.get(part)
        if isinstance(section, dict):
            for name in fields:
                if name in section:
                    section[name] = REDACTED
                    changed = True
    if "basicAuthPassword" in data:  # 2.1
        data["basicAuthPassword"] = REDACTED
        changed = True
    return changed


def _items(payload: dict[str, Any], field: str) -> list[dict[str, Any]]:
    value = payload.get(field)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


#: Calls (whoever sends them) that may carry a secret, and what redacts one.
SECRET_REQUESTS: Final[dict[str, _Redactor]] = {
    "ChangeConfiguration": _change_configuration,
    "SetVariables": _attribute_values("setVariableData"),
    "SetNetworkProfile": _set_network_profile,
    "NotifyReport": _notify_report,
}
#: Actions whose CALLRESULT may carry a secret, and what redacts one.
SECRET_RESPONSES: Final[dict[str, _Redactor]] = {
    "GetConfiguration": _get_configuration_response,
    "GetVariables": _attribute_values("getVariableResult"),
}


def _redacted(table: dict[str, _Redactor], action: str, payload: Any) -> bytes | None:
    redact = table.get(action)
    if redact is None or not isinstance(payload, dict):
        return None
    copied = copy.deepcopy(payload)  # the caller's payload is left as it is
    if not redact(copied):
        return None
    return orjson.dumps(copied)


def redact_request(action: str, payload: Any) -> bytes | None:
    """The call's payload JSON with its secrets replaced by ``***``; None when it has none
    (journal the frame as it is)."""
    return _redacted(SECRET_REQUESTS, action, payload)


def redact_response(action: str, payload: Any) -> bytes | None:
    """The CALLRESULT payload (answering `action`) JSON with its secrets replaced by
    ``***``; None when it has none."""
    return _redacted(SECRET_RESPONSES, action, payload)


def redact_malformed(text: str) -> str:
    """A malformed frame as journaled: ``***`` when it names a secret field (it cannot be
    parsed to redact only the value), else as it is."""
    lowered = text.lower()
    if any(marker in lowered for marker in _MALFORMED_MARKERS):
        return REDACTED
    return text


def cut(frame: str | bytes, limit: int) -> str:
    """`frame` as text of at most `limit` UTF-8 bytes (a frame over it is cut, on a
    character boundary). Bytes that are not UTF-8 (a binary websocket frame) are replaced."""
    if isinstance(frame, str):
        if len(frame) * 4 <= limit:  # no need to count bytes
            return frame
        encoded = frame.encode(errors="replace")
        if len(encoded) <= limit:
            return frame
        return encoded[:limit].decode(errors="ignore")
    if len(frame) > limit:
        return frame[:limit].decode(errors="ignore")
    return frame.decode(errors="replace")
