"""OCPP 2.0.1 / 2.1 authorization: Authorize, and the idTokenInfo TransactionEvent answers.

The id tags the CSMS knows (``IdTagStore``, the 1.6 model) authorize 2.0.1 idTokens too,
through the same ``Authorizer``, so a tag answers the same on every protocol:

- ``idToken.idToken`` is looked up as the tag (exact match; the type is not part of it);
- type ``NoAuthorization`` (the charger started without asking anyone) is Accepted
  without a lookup, as is an empty idToken of that type;
- an unknown tag is ``Unknown`` (2.0.1's word for it) while the manager answers unknown
  tags Invalid (the default); a different configured answer (e.g. Accepted) is kept;
- 1.6 ``expiryDate`` becomes ``cacheExpiryDateTime``; ``parentIdTag`` becomes
  ``groupIdToken`` of type Central; Accepted, Blocked, Expired, Invalid and ConcurrentTx
  mean the same in both versions.
"""

from __future__ import annotations

from services.manager._authorization import Authorizer
from services.manager._context import CallContext
from services.manager.v201.messages import AuthorizeRequest, AuthorizeResponse, IdToken, IdTokenInfo

#: The idToken type that needs no authorization.
NO_AUTHORIZATION = "NoAuthorization"


async def id_token_info(
    authorizer: Authorizer, id_token: IdToken, *, starting: bool = False
) -> IdTokenInfo:
    """The 2.0.1 idTokenInfo for an IdTokenType ({idToken, type})."""
    token = id_token["idToken"]
    if id_token["type"] == NO_AUTHORIZATION:
        return {"status": "Accepted"}
    info16 = await authorizer.id_tag_info(token, starting=starting, max_parent=36)  # 2.0.1 idToken
    status = info16["status"]
    unknown_is_invalid = authorizer.unknown_status == "Invalid"
    if status == "Invalid" and unknown_is_invalid and await authorizer.id_tags.get(token) is None:
        status = "Unknown"
    info: IdTokenInfo = {"status": status}
    if "expiryDate" in info16:
        info["cacheExpiryDateTime"] = info16["expiryDate"]
    if "parentIdTag" in info16:
        info["groupIdToken"] = {"idToken": info16["parentIdTag"], "type": "Central"}
    return info


class Authorization:
    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    async def authorize(self, ctx: CallContext, req: AuthorizeRequest) -> AuthorizeResponse:
        """The idTokenInfo of the presented token (ConcurrentTx when it may not start another).

        ISO 15118 certificate checks are not done: no certificateStatus is answered.
        """
        return {"idTokenInfo": await id_token_info(self._authorizer, req["idToken"], starting=True)}
