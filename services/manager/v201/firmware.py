"""OCPP 2.0.1 firmware and log progress: FirmwareStatusNotification, LogStatusNotification.

Both are recorded by the version-neutral ``RequestProgress`` (``services/manager/_firmware``),
which 1.6's security-extension notifications share.
"""

from __future__ import annotations

from services.manager._firmware import RequestProgress


class Firmware(RequestProgress):
    """FirmwareStatusNotification and LogStatusNotification, each with its optional requestId."""
