"""The one HTTP listener per process that serves ``/metrics`` (Prometheus text).

prometheus-client's WSGI app, on a WSGI server of the standard library, in one thread
of its own (a scrape never waits for the event loop, nor the loop for a scrape). The
server handles one request at a time, each with a socket timeout, so it holds one
thread however many clients come. Any other path is 404.

Settings (environment): ``METRICS_PORT`` (unset: no listener; 0: any free port),
``METRICS_HOST`` (127.0.0.1), ``METRICS_TOKEN``. With a token, ``/metrics`` needs
``Authorization: Bearer <token>`` (compared in constant time) and answers 401 without
it; a host other than a loopback address without a token is a ConfigError, so the
metrics are never published unauthenticated by mistake. The token is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.registry import CollectorRegistry

from services.common._env import ConfigError, env_int, env_str

from ._defs import REGISTRY

log = logging.getLogger(__name__)

METRICS_PATH: Final = "/metrics"
DEFAULT_EMBEDDED_PORT: Final = 9464  # Prometheus' registered default exporter port range
MIN_TOKEN_LENGTH: Final = 16
#: A client gets this long to send its request and read the answer (one at a time).
REQUEST_TIMEOUT: Final = 5.0

_StartResponse = Callable[..., Any]


@dataclass(slots=True)
class MetricsSettings:
    """Where /metrics is served; ``port`` None = nowhere."""

    port: int | None = None
    host: str = "127.0.0.1"
    token: str = field(default="", repr=False)  # never in a repr, hence never in a log

    @classmethod
    def from_env(cls, *, default_port: int | None = None) -> MetricsSettings:
        """METRICS_PORT / METRICS_HOST / METRICS_TOKEN, checked (`check`); `default_port`
        when METRICS_PORT is unset (the embedded mode: 9464; services alone: none)."""
        raw_port = os.environ.get("METRICS_PORT", "")
        port = default_port if not raw_port else env_int("METRICS_PORT", 0)
        if port is not None and port > 65535:
            raise ConfigError(f"METRICS_PORT={port} is not a TCP port (0-65535; 0 = any free one)")
        settings = cls(
            port=port,
            host=env_str("METRICS_HOST", "127.0.0.1"),
            token=os.environ.get("METRICS_TOKEN", ""),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """ConfigError when the listener would publish the metrics unauthenticated beyond
        this machine, or the token is too short to protect anything."""
        if self.port is None:
            return
        if self.token and len(self.token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"METRICS_TOKEN is {len(self.token)} characters long; use at least "
                f"{MIN_TOKEN_LENGTH} (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if not self.token and not is_loopback(self.host):
            raise ConfigError(
                f"METRICS_HOST={self.host} is not a loopback address, so METRICS_TOKEN is "
                "required: set METRICS_TOKEN (Prometheus then sends it as "
                "`Authorization: Bearer <token>`, `authorization.credentials` in its scrape "
                "config) or keep METRICS_HOST on 127.0.0.1"
            )


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (or ``localhost``); any name or wildcard is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _protected(app: Callable[..., Iterable[bytes]], token: str) -> Callable[..., Iterable[bytes]]:
    """`app` at /metrics only, and only with the bearer `token` when there is one."""
    expected = f"Bearer {token}".encode()

    def metrics(environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != METRICS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"not found; the metrics are at {METRICS_PATH}\n".encode()]
        if token:
            presented = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace")
            if not hmac.compare_digest(presented, expected):
                start_response(
                    "401 Unauthorized",
                    [
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("WWW-Authenticate", 'Bearer realm="metrics"'),
                    ],
                )
                return [b"send Authorization: Bearer <METRICS_TOKEN>\n"]
        return app(environ, start_response)

    return metrics


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (a request line never carries the token, but the log is
    the process's); a socket timeout so one slow client cannot hold the listener."""

    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics listener: " + format, *args)


def _server_class(host: str, port: int) -> type[WSGIServer]:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]

    class Server(WSGIServer):
        address_family = family
        allow_reuse_address = True

    return Server


class MetricsListener:
    """Serves `registry` at http://host:port/metrics from a thread; ``async with``."""

    def __init__(self, settings: MetricsSettings, registry: CollectorRegistry = REGISTRY) -> None:
        if settings.port is None:
            raise ValueError("MetricsSettings.port is None: there is no listener to start")
        settings.check()
        self.settings = settings
        self._registry = registry
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        host = self.settings.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{METRICS_PATH}"

    async def __aenter__(self) -> MetricsListener:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def start(self) -> None:
        s = self.settings
        assert s.port is not None
        app = _protected(make_wsgi_app(self._registry), s.token)
        try:
            server = make_server(
                s.host, s.port, app, _server_class(s.host, s.port), handler_class=_QuietHandler
            )
        except OSError as exc:  # a busy port: say which setting to change, no traceback
            raise ConfigError(
                f"cannot listen for /metrics on {s.host}:{s.port} ({exc.strerror or exc}); "
                "set METRICS_PORT to a free port (or METRICS_HOST to an address of this host)"
            ) from exc
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="metrics-listener"
        )
        self._thread.daemon = True  # never holds the process's exit
        self._thread.start()

    async def aclose(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        await asyncio.to_thread(server.shutdown)  # waits for serve_forever to return
        server.server_close()
        if self._thread is not None:
            self._thread.join()


@contextlib.asynccontextmanager
async def serve_metrics(
    settings: MetricsSettings, *, what: str = "metrics"
) -> AsyncIterator[MetricsListener | None]:
    """The listener for `settings` (None when ``port`` is None), its address logged."""
    if settings.port is None:
        yield None
        return
    async with MetricsListener(settings) as listener:
        log.info(
            "%s: Prometheus metrics at %s%s",
            what,
            listener.url,
            " (bearer token required)" if settings.token else "",
        )
        yield listener
