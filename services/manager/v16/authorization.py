"""OCPP 1.6 Core authorization: Authorize."""

from __future__ import annotations

from services.manager._authorization import Authorizer
from services.manager._context import CallContext
from services.manager.v16.messages import AuthorizeRequest, AuthorizeResponse


class Authorization:
    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    async def authorize(self, ctx: CallContext, req: AuthorizeRequest) -> AuthorizeResponse:
        """The idTagInfo of the presented tag (ConcurrentTx when it may not start another)."""
        return {"idTagInfo": await self._authorizer.id_tag_info(req["idTag"], starting=True)}
