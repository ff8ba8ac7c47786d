"""Building blocks of gRPC server interceptors: a handler of the same kind as another that
runs other code (to wrap a call) or refuses every call, and the status a call ended with. Nothing here reads settings or
secrets: the tracing and metrics interceptors use it in every process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

_HANDLER_KINDS: dict[tuple[bool, bool], Callable[..., grpc.RpcMethodHandler[Any, Any]]] = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def handler_like(
    handler: grpc.RpcMethodHandler[Any, Any], behaviour: Callable[..., Any]
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of `handler`'s kind (streaming or not, each way) and (de)serializers that
    runs `behaviour` instead: what a server interceptor returns to wrap or refuse a call."""
    make = _HANDLER_KINDS[(bool(handler.request_streaming), bool(handler.response_streaming))]
    return make(
        behaviour,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def refusing_handler(
    handler: grpc.RpcMethodHandler[Any, Any], code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same kind as `handler` that aborts every call with `code`."""

    async def abort_unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(code, message)

    async def abort_stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(code, message)
        yield  # pragma: no cover - makes this an async generator, as the kind needs

    return handler_like(handler, abort_stream if handler.response_streaming else abort_unary)


def status_code(
    context: grpc.aio.ServicerContext[Any, Any], default: grpc.StatusCode
) -> grpc.StatusCode:
    """The status a call ended with: the one set on `context` (abort, set_code), else
    `default`. grpc.aio keeps the numeric value after an abort; it is mapped back."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        for member in grpc.StatusCode:
            if member.value[0] == code:
                return member
    return default
