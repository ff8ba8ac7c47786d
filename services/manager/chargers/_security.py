"""The security extension: certificates, CSRs, password rotation, profile upgrade."""

from __future__ import annotations

import asyncio

from csms.v1 import chargers_pb2

from services.common._passwords import hash_password
from services.manager import commands
from services.manager._errors import ChargerNotFound, ConflictError, InvalidArgument, grpc_errors
from services.manager._rows import shown
from services.manager.chargers._base import ChargerCommands, Context, check_charger_id
from services.manager.chargers._messages import certificate_request_message


class SecurityCommands(ChargerCommands):
    """Certificates and charger credentials."""

    # --- Security extension -------------------------------------------------------------

    @grpc_errors
    async def InstallCertificate(
        self, request: chargers_pb2.InstallCertificateRequest, context: Context
    ) -> chargers_pb2.InstallCertificateResponse:
        status = await self._status(request, commands.install_certificate)
        return chargers_pb2.InstallCertificateResponse(status=status)

    @grpc_errors
    async def DeleteCertificate(
        self, request: chargers_pb2.DeleteCertificateRequest, context: Context
    ) -> chargers_pb2.DeleteCertificateResponse:
        status = await self._status(request, commands.delete_certificate)
        return chargers_pb2.DeleteCertificateResponse(status=status)

    @grpc_errors
    async def GetInstalledCertificateIds(
        self, request: chargers_pb2.GetInstalledCertificateIdsRequest, context: Context
    ) -> chargers_pb2.GetInstalledCertificateIdsResponse:
        answer = await self._run(request, commands.get_installed_certificate_ids)
        return commands.installed_certificate_ids_result(
            answer.location.ocpp_version, request, answer.payload
        )

    @grpc_errors
    async def CertificateSigned(
        self, request: chargers_pb2.CertificateSignedRequest, context: Context
    ) -> chargers_pb2.CertificateSignedResponse:
        status = await self._status(request, commands.certificate_signed)
        return chargers_pb2.CertificateSignedResponse(status=status)

    @grpc_errors
    async def ListCertificateRequests(
        self, request: chargers_pb2.ListCertificateRequestsRequest, context: Context
    ) -> chargers_pb2.ListCertificateRequestsResponse:
        """The CSRs the charger sent (SignCertificate), oldest first; no charger call."""
        await self._known_charger(request.charger_id)
        records = await self._stores.security.certificate_requests(request.charger_id)
        return chargers_pb2.ListCertificateRequestsResponse(
            requests=shown(
                records,
                certificate_request_message,
                lambda r: f"certificate request {r.request_id} of charger {request.charger_id!r}",
            )
        )

    # --- Charger credentials: password rotation, security profile upgrade -----------------

    @grpc_errors
    async def RotateChargerPassword(
        self, request: chargers_pb2.RotateChargerPasswordRequest, context: Context
    ) -> chargers_pb2.RotateChargerPasswordResponse:
        """The new password's hash is stored (as pending: the old one works until the charger
        connects with the new) only once the charger took it (Accepted, or RebootRequired:
        it uses it from its next connection either way); a refusal changes nothing."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        version = location.ocpp_version
        previous = await self._tasks.previous(request.charger_id)
        if previous is not None:  # a repeated request_id: a generated password is shown once
            status = commands.change_configuration_status(version, previous[1].payload)
            if status not in ("Accepted", "RebootRequired"):
                raise ConflictError(
                    f"charger {request.charger_id!r} answered {status} to the new password; "
                    "nothing changed: it keeps its current password"
                )
            return chargers_pb2.RotateChargerPasswordResponse(status=status)
        generated = not request.password
        password = (
            commands.generate_password(version)
            if generated
            else commands.check_rotated_password(version, request.password)
        )
        password_hash = await asyncio.to_thread(hash_password, password)
        action, payload = commands.rotate_password(version, password)
        answer = await self._send(location, action, payload)
        status = commands.change_configuration_status(version, answer.payload)
        if status not in ("Accepted", "RebootRequired"):
            raise ConflictError(
                f"charger {request.charger_id!r} answered {status} to the new password "
                f"({action}); nothing changed: it keeps its current password"
            )
        await self._stores.credentials.set_new_password_hash(request.charger_id, password_hash)
        return chargers_pb2.RotateChargerPasswordResponse(
            status=status, password=password if generated else ""
        )

    @grpc_errors
    async def SetSecurityProfile(
        self, request: chargers_pb2.SetSecurityProfileRequest, context: Context
    ) -> chargers_pb2.SetSecurityProfileResponse:
        """Raise the profile: checked against what the charger has and the deployment offers
        before anything is sent; recorded when the charger accepted. On 2.0.1 the charger is
        then reset (OnIdle) so it reconnects through the new slot."""
        check_charger_id(request.charger_id)
        charger_id, profile = request.charger_id, request.security_profile
        if profile not in (1, 2, 3):
            raise InvalidArgument("security_profile", "must be 1, 2 or 3")
        previous = await self._tasks.previous(charger_id)
        if previous is not None:  # a repeated request_id: the first call's outcome
            first, answer = previous
            status = commands.change_configuration_status(first.ocpp_version, answer.payload)
            taken = status in ("Accepted", "RebootRequired")
            stored = await self._stores.credentials.credentials(charger_id)
            current = stored.security_profile if stored is not None else 0
            return chargers_pb2.SetSecurityProfileResponse(
                status=status, security_profile=profile if taken else current
            )
        credentials = await self._stores.credentials.credentials(charger_id)
        if credentials is None:
            raise ChargerNotFound(charger_id)
        current = credentials.security_profile
        if profile < current:
            raise ConflictError(
                f"charger {charger_id!r} has security profile {current}; lowering it to "
                f"{profile} is refused (OCPP allows no downgrade)"
            )
        if profile == current:
            raise ConflictError(f"charger {charger_id!r} already has security profile {profile}")
        if profile >= 2 and not self._charger_tls:
            raise ConflictError(
                f"security profile {profile} needs TLS, and no node offers chargers a TLS port "
                "(set NODE_TLS_PORT, NODE_TLS_CERT, NODE_TLS_KEY on the nodes and "
                "CHARGER_TLS_AVAILABLE=true on the manager)"
            )
        no_password = credentials.password_hash is None and credentials.new_password_hash is None
        if profile in (1, 2) and no_password:
            raise ConflictError(
                f"charger {charger_id!r} has no Basic auth password; give it one first "
                "(RotateChargerPassword)"
            )
        location = await self._tasks.locate(charger_id)
        version = location.ocpp_version
        action, payload = commands.set_security_profile(
            charger_id, version, profile, request.configuration_slot
        )
        answer = await self._send(location, action, payload)
        status = commands.change_configuration_status(version, answer.payload)
        if status not in ("Accepted", "RebootRequired"):
            return chargers_pb2.SetSecurityProfileResponse(status=status, security_profile=current)
        await self._stores.credentials.set_security_profile(charger_id, profile)
        if not version.is_16:  # A05: reconnect through the new slot
            await self._send(location, "Reset", {"type": "OnIdle"})
        return chargers_pb2.SetSecurityProfileResponse(status=status, security_profile=profile)
