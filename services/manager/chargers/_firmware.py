"""Firmware management and the security extension's log and signed firmware."""

from __future__ import annotations

from csms.v1 import chargers_pb2

from services.manager import commands
from services.manager._errors import grpc_errors
from services.manager.chargers._base import ChargerCommands, Context, request_id_or_new, status_of


class FirmwareCommands(ChargerCommands):
    """GetDiagnostics, GetLog, UpdateFirmware, SignedUpdateFirmware."""

    # --- Firmware Management and the security extension's log/firmware -----------------

    @grpc_errors
    async def GetDiagnostics(
        self, request: chargers_pb2.GetDiagnosticsRequest, context: Context
    ) -> chargers_pb2.GetDiagnosticsResponse:
        """Progress arrives later as DiagnosticsStatusNotification."""
        answer = await self._run(request, commands.get_diagnostics)
        return chargers_pb2.GetDiagnosticsResponse(file_name=answer.payload.get("fileName", ""))

    @grpc_errors
    async def GetLog(
        self, request: chargers_pb2.GetLogRequest, context: Context
    ) -> chargers_pb2.GetLogResponse:
        """Progress arrives later as LogStatusNotification carrying the returned request id."""
        request_id = request_id_or_new(request.request_id)
        answer = await self._run(
            request, lambda cid, version, req: commands.get_log(cid, version, req, request_id)
        )
        status = status_of(answer)
        filename = answer.payload.get("filename", "")
        return chargers_pb2.GetLogResponse(status=status, filename=filename, request_id=request_id)

    @grpc_errors
    async def UpdateFirmware(
        self, request: chargers_pb2.UpdateFirmwareRequest, context: Context
    ) -> chargers_pb2.UpdateFirmwareResponse:
        """1.6's answer is empty; progress arrives as FirmwareStatusNotification (2.0.1: with
        the returned request id, recorded under it)."""
        request_id = request_id_or_new(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.update_firmware(cid, version, req, request_id),
        )
        if answer.location.ocpp_version.is_16:
            return chargers_pb2.UpdateFirmwareResponse()
        status = status_of(answer)
        return chargers_pb2.UpdateFirmwareResponse(status=status, request_id=request_id)

    @grpc_errors
    async def SignedUpdateFirmware(
        self, request: chargers_pb2.SignedUpdateFirmwareRequest, context: Context
    ) -> chargers_pb2.SignedUpdateFirmwareResponse:
        """Progress arrives later as SignedFirmwareStatusNotification with the request id."""
        request_id = request_id_or_new(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.signed_update_firmware(
                cid, version, req, request_id
            ),
        )
        status = status_of(answer)
        return chargers_pb2.SignedUpdateFirmwareResponse(status=status, request_id=request_id)
