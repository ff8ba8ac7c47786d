"""The JSON gateway and single front door: Envoy, configured from ``envoy/envoy.yaml``.

`render` fills the template for one deployment shape (`GatewaySettings`: listen port,
manager and node addresses, UI directory, descriptor set); `Envoy` runs it as a child
process of the embedded CSMS or of ``python -m services.gateway`` (compose).
See docs/adr/0008-envoy-gateway.md.

Errors::

    GatewayError           Envoy missing, config rejected, not ready in time
    GatewayConfigError     (ValueError) a setting that cannot be rendered
"""

from services.gateway._config import (
    PUBLIC_SERVICES,
    GatewayConfigError,
    GatewaySettings,
    content_type,
    parse_address,
    render,
    static_files,
)
from services.gateway._process import Envoy, GatewayError, envoy_binary, validate

__all__ = [
    "PUBLIC_SERVICES",
    "Envoy",
    "GatewayConfigError",
    "GatewayError",
    "GatewaySettings",
    "content_type",
    "envoy_binary",
    "parse_address",
    "render",
    "static_files",
    "validate",
]
