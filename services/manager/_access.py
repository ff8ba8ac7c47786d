"""Who may call what on the manager: the role each method needs (`ACCESS`), the requests
that need more (`ESCALATIONS`), and which calls are audited. `_auth.OperatorAuthInterceptor`
enforces it.

- ``mesh``: the internal event stream and admission (``csms.v1.Events``): the shared mesh
  secret, never an operator's token.
- ``public``: nothing; only the gRPC health probes (Health/Check and Health/Watch).
- ``viewer`` < ``operator`` < ``admin`` for the public API (see ``_auth``'s docstring).

A method missing from `ACCESS` is refused (PERMISSION_DENIED), so a new RPC cannot be
served unchecked; tests/test_operator_auth.py also fails until it is added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from google.protobuf.message import Message

MESH: Final = "mesh"
#: No credentials: the gRPC health probes only (they reveal SERVING / NOT_SERVING).
PUBLIC: Final = "public"
VIEWER: Final = "viewer"
OPERATOR: Final = "operator"
ADMIN: Final = "admin"
#: Each role can do what the roles below it can.
ROLE_LEVELS: Mapping[str, int] = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
#: Every secret CreateToken issues starts with this.
SECRET_PREFIX: Final = "csms_"
#: The actor name of ``CSMS_ADMIN_TOKEN``.
BOOTSTRAP_NAME: Final = "bootstrap"

HOW_TO_AUTHENTICATE = (
    "send the metadata `authorization: Bearer <token>` (HTTP: the header "
    "`Authorization: Bearer <token>`; csmsctl: --token or CSMS_TOKEN); `make run` prints an "
    "admin token, and an admin creates more with `csmsctl token create`"
)


def _service(name: str, needs: Mapping[str, str]) -> dict[str, str]:
    return {f"/csms.v1.{name}/{method}": need for method, need in needs.items()}


#: Full method name → what it needs. Every method the manager serves must be here.
ACCESS: Mapping[str, str] = {
    **_service("Events", {"Stream": MESH, "Admit": MESH}),
    # Probes (Kubernetes, compose, Envoy) cannot send a token; health's List is not open.
    "/grpc.health.v1.Health/Check": PUBLIC,
    "/grpc.health.v1.Health/Watch": PUBLIC,
    "/grpc.health.v1.Health/List": VIEWER,  # grpcio answers UNIMPLEMENTED; not open
    # grpcurl's listing and describing of the API: any operator (streams requests: the
    # interceptor checks the token before the first one).
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": VIEWER,
    **_service(
        "AuthService",
        {
            "WhoAmI": VIEWER,
            "CreateToken": ADMIN,
            "ListTokens": ADMIN,
            "RevokeToken": ADMIN,
        },
    ),
    **_service("AuditService", {"ListAuditEntries": ADMIN}),
    **_service(
        "ChargerService",
        {
            # what the CSMS stored
            "ListChargers": VIEWER,
            "GetCharger": VIEWER,
            "ListConfigurationKeys": VIEWER,
            "ListChargingProfiles": VIEWER,
            "ListReportedChargingProfiles": VIEWER,
            "ListChargingLimits": VIEWER,
            "ListEVChargingNeeds": VIEWER,
            "ListDisplayMessages": VIEWER,
            "ListChargerRequests": VIEWER,
            "ListCertificateRequests": VIEWER,
            # the charger lifecycle
            "CreateCharger": ADMIN,
            "UpdateCharger": ADMIN,
            "DeleteCharger": ADMIN,
            "RestoreCharger": ADMIN,
            # charger credentials: the Basic auth password and the security profile
            "RotateChargerPassword": ADMIN,
            "SetSecurityProfile": ADMIN,
            # commands to a charger (queries too: each is a call the charger must answer)
            "Reset": OPERATOR,
            "TriggerMessage": OPERATOR,
            "GetConfiguration": OPERATOR,
            "ChangeConfiguration": OPERATOR,  # ADMIN for security keys: ESCALATIONS
            "StartCharging": OPERATOR,
            "StopCharging": OPERATOR,
            "UnlockConnector": OPERATOR,
            "ChangeAvailability": OPERATOR,
            "ClearCache": OPERATOR,
            "DataTransfer": OPERATOR,
            "GetDiagnostics": OPERATOR,
            "GetLog": OPERATOR,
            "ReserveNow": OPERATOR,
            "CancelReservation": OPERATOR,
            "SendLocalList": OPERATOR,
            "GetLocalListVersion": OPERATOR,
            "SetChargingProfile": OPERATOR,
            "ClearChargingProfile": OPERATOR,
            "GetCompositeSchedule": OPERATOR,
            "GetChargingProfiles": OPERATOR,
            "GetInstalledCertificateIds": OPERATOR,
            "SetDisplayMessage": OPERATOR,
            "GetDisplayMessages": OPERATOR,
            "ClearDisplayMessage": OPERATOR,
            "CustomerInformation": OPERATOR,
            "GetTransactionStatus": OPERATOR,
            # security: what the charger trusts, how it connects, what code it runs
            "InstallCertificate": ADMIN,
            "DeleteCertificate": ADMIN,
            "CertificateSigned": ADMIN,
            "SetNetworkProfile": ADMIN,
            "UpdateFirmware": ADMIN,
            "SignedUpdateFirmware": ADMIN,
            # a raw OCPP call bypasses every typed check (it could set AuthorizationKey)
            "SendCall": ADMIN,
        },
    ),
    **_service(
        "DeviceModelService",
        {
            "ListVariables": VIEWER,
            "ListMonitors": VIEWER,
            "ListDeviceEvents": VIEWER,
            "GetVariables": OPERATOR,
            "SetVariables": OPERATOR,  # ADMIN for security variables: ESCALATIONS
            "GetBaseReport": OPERATOR,
            "GetReport": OPERATOR,
            "SetVariableMonitoring": OPERATOR,
            "ClearVariableMonitoring": OPERATOR,
        },
    ),
    **_service(
        "IdTagService",
        {
            "ListIdTags": VIEWER,
            "GetIdTag": VIEWER,
            "CreateIdTag": OPERATOR,
            "UpdateIdTag": OPERATOR,
            "DeleteIdTag": OPERATOR,
            "BlockIdTag": OPERATOR,
        },
    ),
    **_service(
        "LocationService",
        {
            "ListLocations": VIEWER,
            "GetLocation": VIEWER,
            # where chargers are is fleet configuration, like editing a charger
            "CreateLocation": ADMIN,
            "UpdateLocation": ADMIN,
            "DeleteLocation": ADMIN,
            "AssignCharger": ADMIN,
            "UnassignCharger": ADMIN,
        },
    ),
    **_service(
        "Registry",
        {"GetChargerLocation": VIEWER, "ListChargerLocations": VIEWER, "ListNodes": VIEWER},
    ),
    # draining a node moves every charger it holds: an admin's call
    **_service("NodeService", {"DrainNode": ADMIN}),
    **_service("ReservationService", {"ListReservations": VIEWER, "GetReservation": VIEWER}),
    **_service(
        "TransactionService",
        {"ListTransactions": VIEWER, "GetTransaction": VIEWER, "ListMeterValues": VIEWER},
    ),
    **_service("WatchService", {"WatchEvents": VIEWER}),
    **_service(
        "MessageService",
        {
            "ListChargerMessages": VIEWER,
            # The whole timeline in one file (id tokens, meter values: personal data) is
            # an operator's, and audited: who took which charger's frames, and when.
            "ExportChargerMessages": OPERATOR,
        },
    ),
    **_service(
        "TaskService",
        {
            "ListTasks": VIEWER,
            "GetTask": VIEWER,
            "GetBulkTask": VIEWER,
            "CancelTask": OPERATOR,
            "CreateBulkTask": OPERATOR,  # what the inner command needs: ESCALATIONS
        },
    ),
}

#: 1.6 configuration keys that hold a credential or set how the charger authenticates.
SECURITY_KEYS = frozenset(
    {
        "authorizationkey",
        "securityprofile",
        "cponame",
        "additionalrootcertificatecheck",
        "certificatestoremaxlength",
        "certificatesignedmaxchainsize",
        "networkconfigurationpriority",
    }
)
#: 2.0.1 components whose every variable is a security setting.
SECURITY_COMPONENTS = frozenset({"securityctrlr"})


def is_security_setting(component: str, variable: str) -> bool:
    variable = variable.lower()
    return (
        component.lower() in SECURITY_COMPONENTS
        or variable in SECURITY_KEYS
        or "password" in variable
    )


def _change_configuration_needs(request: Any) -> str | None:
    return ADMIN if is_security_setting("", str(request.key)) else None


def _set_variables_needs(request: Any) -> str | None:
    for item in request.items:
        if is_security_setting(item.key.component, item.key.variable):
            return ADMIN
    return None


def _bulk_task_needs(request: Any) -> str | None:
    """A bulk command needs what the command itself needs (SendCall, UpdateFirmware and
    security keys are an admin's)."""
    kind = request.WhichOneof("command") if isinstance(request, Message) else None
    if kind is None:
        return None
    inner = getattr(request, kind)
    method = f"/csms.v1.ChargerService/{type(inner).__name__.removesuffix('Request')}"
    needed = ACCESS.get(method, ADMIN)
    escalation = ESCALATIONS.get(method)
    raised = escalation(inner) if escalation is not None else None
    if raised is not None and ROLE_LEVELS[raised] > ROLE_LEVELS[needed]:
        needed = raised
    return needed if ROLE_LEVELS[needed] > ROLE_LEVELS[OPERATOR] else None


#: Full method name → a function of the request returning a higher role it needs, or None.
ESCALATIONS: Mapping[str, Callable[[Any], str | None]] = {
    "/csms.v1.ChargerService/ChangeConfiguration": _change_configuration_needs,
    "/csms.v1.DeviceModelService/SetVariables": _set_variables_needs,
    "/csms.v1.TaskService/CreateBulkTask": _bulk_task_needs,
}


#: Admin-only reads: not audited (each visit to the Audit page would add entries, filed
#: under the charger it filtered by).
UNAUDITED_READS = frozenset(
    {"/csms.v1.AuditService/ListAuditEntries", "/csms.v1.AuthService/ListTokens"}
)


def audited(method: str, needed: str) -> bool:
    """Whether a call that passed the check is recorded: every call above viewer level
    (commands and changes), except the admin-only reads."""
    return ROLE_LEVELS[needed] > ROLE_LEVELS[VIEWER] and method not in UNAUDITED_READS
