"""The GraphQL endpoint: Strawberry's ASGI view with our context, request limits, production
hardening, websocket authentication, the GraphQL-over-HTTP media type and an offline GraphiQL."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UnsetType

from api.auth import AuthError, Principal, principal_from_header
from schema.context import Context

CDN_PREFIX = "https://unpkg.com/"
# GraphiQL's scripts are served from this app (same files and hashes as the CDN's), so the
# IDE works on machines without internet.
LOCAL_PREFIX = "/static/vendor/"

# Our heaviest operation, GraphiQL's introspection query, has under 200 tokens and no alias.
MAX_ALIASES = 15
MAX_TOKENS = 2000

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def request_limits() -> list[ExtensionFactory]:
    """Alias and token limits: cheap documents that cost the server a lot are refused."""
    return [lambda: MaxAliasesLimiter(MAX_ALIASES), lambda: MaxTokensLimiter(MAX_TOKENS)]


def schema_with(schema: strawberry.Schema,
                extensions: Iterable[ExtensionFactory]) -> strawberry.Schema:
    """The same built schema with more per-request extensions.

    The schema is built once a process (relay fields cannot be built twice) and shared by every
    app in it, dev and production alike; a shallow copy shares the built types and differs
    only in its extension list.
    """
    view = copy.copy(schema)
    view.extensions = (*schema.extensions, *extensions)
    return view


def accepts_graphql_response(request: Request) -> bool:
    """Whether the client accepts `application/graphql-response+json` (GraphQL over HTTP)."""
    for part in request.headers.get("accept", "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media.lower() == GRAPHQL_RESPONSE_JSON:
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
                           for p in params)
    return False


@dataclass
class ConnectionContext(Context):
    """The context of one websocket: Strawberry stores the `connection_init` payload here."""

    connection_params: Any = None


def _bearer(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    value = value.strip()
    return value if " " in value else f"Bearer {value}"


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, *, jwt_secret: str, production: bool = False,
                 **kwargs: Any) -> None:
        extensions = request_limits()
        if production:
            extensions.append(DisableIntrospection)
        super().__init__(schema_with(schema, extensions), **kwargs)
        self._jwt_secret = jwt_secret

    @cached_property
    def graphql_ide_html(self) -> str:
        return super().graphql_ide_html.replace(CDN_PREFIX, LOCAL_PREFIX)

    async def get_context(
        self, request: Request | WebSocket, response: Any
    ) -> Context:
        principal, error = None, None
        try:
            principal = principal_from_header(
                request.headers.get("authorization"), self._jwt_secret
            )
        except AuthError as exc:
            error = str(exc)
        context_type = ConnectionContext if isinstance(request, WebSocket) else Context
        return context_type(
            request=request,
            response=response,
            services=request.app.state.services,
            principal=principal,
            auth_error=error,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a websocket: the token may come in `connection_init`
        (`{"Authorization": "Bearer …"}`) instead of the handshake's Authorization header."""
        params = getattr(context, "connection_params", None)
        given = None
        if isinstance(params, dict):
            given = params.get("Authorization", params.get("authorization"))
        try:
            if given is not None:
                principal: Principal | None = principal_from_header(_bearer(given),
                                                                    self._jwt_secret)
                context.principal, context.auth_error, context._user = principal, None, None
            elif context.auth_error:
                raise AuthError(context.auth_error)
        except AuthError as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        return await super().on_ws_connect(context)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        response = await super().get_sub_response(request)
        if isinstance(request, Request):
            request.state.graphql_sub_response = response
            if accepts_graphql_response(request):
                response.media_type = GRAPHQL_RESPONSE_JSON
        return response

    async def process_result(self, request: Request, result: ExecutionResult
                             ) -> GraphQLHTTPResponse:
        # With the new media type, a document that does not parse or validate is the client's
        # error (4xx); with application/json it stays 200, as GraphQL over HTTP says.
        if isinstance(result, PreExecutionError) and accepts_graphql_response(request):
            request.state.graphql_sub_response.status_code = 400
        return await super().process_result(request, result)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response
