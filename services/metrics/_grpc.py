"""A gRPC server interceptor counting and timing every RPC by service, method and code.

Put it FIRST in a server's interceptor list: it then wraps whatever the later ones
return (the operator-auth or mesh-secret refusals included), so a refused call counts
with its code (UNAUTHENTICATED, PERMISSION_DENIED) like any other. Only methods the
server has a handler for are counted: an unknown method name never becomes a label.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from services.common._handlers import handler_like, status_code

from ._defs import GRPC_HANDLED, GRPC_SECONDS, _Children

_Context = grpc.aio.ServicerContext[Any, Any]
_handled = _Children(GRPC_HANDLED)


def _code(context: _Context, default: grpc.StatusCode) -> str:
    return status_code(context, default).name


class GrpcMetricsInterceptor(grpc.aio.ServerInterceptor):
    """Counts (``csms_grpc_server_handled_total``) and times
    (``csms_grpc_server_handling_seconds``) the RPCs of the server named `server`."""

    def __init__(self, server: str) -> None:
        self._server = server
        # method path -> its (server, service, method) labels and its duration histogram
        self._methods: dict[str, tuple[tuple[str, str, str], Any]] = {}

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None  # UNIMPLEMENTED: not a method of this server, not a label
        path = handler_call_details.method
        entry = self._methods.get(path)
        if entry is None:
            service, _, method = path.lstrip("/").rpartition("/")
            labels = (self._server, service, method)
            entry = self._methods[path] = (labels, GRPC_SECONDS.labels(*labels))
        labels, seconds = entry
        behaviour: Callable[..., Any] | None = (
            handler.unary_unary
            or handler.unary_stream
            or handler.stream_unary
            or handler.stream_stream
        )
        assert behaviour is not None

        def finished(code: str, started: float) -> None:
            seconds.observe(time.perf_counter() - started)
            _handled.get((*labels, code)).inc()

        if inspect.isasyncgenfunction(behaviour):

            async def counted_stream(request: Any, context: _Context) -> AsyncIterator[Any]:
                started = time.perf_counter()
                code = grpc.StatusCode.OK
                try:
                    async for response in behaviour(request, context):
                        yield response
                except asyncio.CancelledError:
                    code = grpc.StatusCode.CANCELLED
                    raise
                except BaseException:
                    code = grpc.StatusCode.UNKNOWN
                    raise
                finally:
                    finished(_code(context, code), started)

            return handler_like(handler, counted_stream)

        if not inspect.iscoroutinefunction(behaviour):
            return handler  # a synchronous handler: left as it is, not counted

        # A unary response, or a stream written with context.write() (a coroutine).
        async def counted(request: Any, context: _Context) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return await behaviour(request, context)
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except BaseException:
                code = grpc.StatusCode.UNKNOWN
                raise
            finally:
                finished(_code(context, code), started)

        return handler_like(handler, counted)
