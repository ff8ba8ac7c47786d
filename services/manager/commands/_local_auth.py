"""Local Auth List Management commands."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.manager._errors import InvalidArgument
from services.manager.commands._common import Call, check_id_tag, timestamp

MAX_ENTRIES = 1000
_STATUSES = frozenset({"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"})
_UPDATE = {
    chargers_pb2.LOCAL_LIST_UPDATE_FULL: "Full",
    chargers_pb2.LOCAL_LIST_UPDATE_DIFFERENTIAL: "Differential",
}


def check_send_local_list(
    req: chargers_pb2.SendLocalListRequest, version: OcppVersion | None = None
) -> None:
    """Checks that need no charger; given the charger's OCPP `version`, also that the tags
    fit what such a charger can carry."""
    if req.update_type not in _UPDATE:
        raise InvalidArgument(
            "update_type", "choose LOCAL_LIST_UPDATE_FULL or LOCAL_LIST_UPDATE_DIFFERENTIAL"
        )
    if len(req.entries) > MAX_ENTRIES:
        raise InvalidArgument("entries", f"at most {MAX_ENTRIES} per call")
    if req.list_version < 0:
        raise InvalidArgument("list_version", "must not be negative")
    seen: set[str] = set()
    for index, entry in enumerate(req.entries):
        check_id_tag(f"entries[{index}].id_tag", entry.id_tag, version)
        if entry.id_tag in seen:
            raise InvalidArgument(f"entries[{index}].id_tag", f"{entry.id_tag!r} appears twice")
        seen.add(entry.id_tag)
        if entry.HasField("status") and entry.status not in _STATUSES:
            raise InvalidArgument(f"entries[{index}].status", f"must be one of {sorted(_STATUSES)}")
        if entry.parent_id_tag:
            check_id_tag(f"entries[{index}].parent_id_tag", entry.parent_id_tag, version)


def send_local_list(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.SendLocalListRequest,
    list_version: int,
    entries: list[chargers_pb2.LocalAuthorization],
) -> Call:
    """`entries` are the request's, with idTagInfo filled in where the caller resolved it."""
    check_send_local_list(req, version)
    for index, entry in enumerate(entries):  # a group the CSMS filled in may be too long too
        if entry.parent_id_tag:
            check_id_tag(f"entries[{index}].parent_id_tag", entry.parent_id_tag, version)
    update = _UPDATE[req.update_type]
    items: list[dict[str, Any]] = []
    for entry in entries:
        info: dict[str, Any] | None = None
        if entry.HasField("status"):
            info = {"status": entry.status}
            if entry.HasField("expiry_date"):
                info["expiryDate" if version.is_16 else "cacheExpiryDateTime"] = timestamp(
                    entry.expiry_date
                )
            if entry.parent_id_tag:
                if version.is_16:
                    info["parentIdTag"] = entry.parent_id_tag
                else:
                    info["groupIdToken"] = {"idToken": entry.parent_id_tag, "type": "Central"}
        if version.is_16:
            item: dict[str, Any] = {"idTag": entry.id_tag}
            if info is not None:
                item["idTagInfo"] = info
        else:
            item = {"idToken": {"idToken": entry.id_tag, "type": "Central"}}
            if info is not None:
                item["idTokenInfo"] = info
        items.append(item)
    if version.is_16:
        payload: dict[str, Any] = {"listVersion": list_version, "updateType": update}
        if items:
            payload["localAuthorizationList"] = items
        return "SendLocalList", payload
    payload = {"versionNumber": list_version, "updateType": update}
    if items:
        payload["localAuthorizationList"] = items
    return "SendLocalList", payload


def get_local_list_version(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetLocalListVersionRequest
) -> Call:
    return "GetLocalListVersion", {}


def local_list_version_result(version: OcppVersion, answer: dict[str, Any]) -> int:
    return int(answer["listVersion"] if version.is_16 else answer["versionNumber"])
