"""The GraphQL endpoint: Strawberry's ASGI view with our context and an offline GraphiQL."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.auth import AuthError, principal_from_header
from schema.context import Context

CDN_PREFIX = "https://unpkg.com/"
# GraphiQL's scripts are served from this app (same files and hashes as the CDN's), so the
# IDE works on machines without internet.
LOCAL_PREFIX = "/static/vendor/"


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, *args: Any, jwt_secret: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
        return Context(
            request=request,
            response=response,
            services=request.app.state.services,
            principal=principal,
            auth_error=error,
        )
