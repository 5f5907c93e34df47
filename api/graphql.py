"""The GraphQL endpoint: Strawberry's ASGI view with our context, request limits, production
hardening, websocket authentication and lifetime, the GraphQL-over-HTTP media type and an
offline GraphiQL (which `prebook dev` opens with its demo operations and token filled in)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
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
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UnsetType

from api.auth import AuthError, TokenVerifier
from api.graphql_errors import ClientErrors, log_errors
from api.sockets import ExpiringSocketHandler, SocketCounter, SocketPolicy
from api.state import services_of
from schema.context import Context

CDN_PREFIX = "https://unpkg.com/"
# GraphiQL's scripts are served from this app (same files and hashes as the CDN's), so the
# IDE works on machines without internet.
LOCAL_PREFIX = "/static/vendor/"

# Our heaviest operation, GraphiQL's introspection query, has under 200 tokens and no alias.
MAX_ALIASES = 15
MAX_TOKENS = 2000
# No request of ours nests JSON more than a few levels; deeper is an attack on the parser.
MAX_JSON_DEPTH = 32
# Operations in flight on one socket (Strawberry's default is 100).
MAX_OPERATIONS_PER_SOCKET = 20

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

# The page reads what to open with from a JSON data block, never from script text: the inline
# script stays the same bytes whatever the token (a script hash in a Content-Security-Policy
# keeps matching), and a data block is not executed.
PREFILL_ELEMENT_ID = "prebook-graphiql"
_READ_PREFILL = (
    "      const PREBOOK = JSON.parse(\n"
    f'        (document.getElementById("{PREFILL_ELEMENT_ID}") || {{}}).textContent || "{{}}",\n'
    "      );\n"
)
# (anchor in Strawberry's GraphiQL page, replacement): each anchor occurs exactly once.
_PAGE_EDITS = (
    ("      const EXAMPLE_QUERY = `", _READ_PREFILL + "      const EXAMPLE_QUERY = `"),
    ("parameters.q || EXAMPLE_QUERY", "parameters.q || PREBOOK.query || EXAMPLE_QUERY"),
    ("parameters.variables,", "parameters.variables || PREBOOK.variables,"),
    ("React.useState(parameters.headers)", "React.useState(parameters.headers || PREBOOK.headers)"),
    ("shouldPersistHeaders: true,",
     "shouldPersistHeaders: true,\n          defaultHeaders: PREBOOK.headers,"),
)

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


@dataclass(frozen=True)
class GraphiQLPrefill:
    """What GraphiQL opens with: a document of operations, their variables and the request
    headers (a token, so kept out of the repr)."""

    query: str
    variables: Mapping[str, object]
    headers: Mapping[str, str] = field(repr=False)

    def as_script_data(self) -> str:
        """The JSON for the page's data block; `<`, `>` and `&` escaped, so no value can close
        the element or open another."""
        data = {"query": self.query, "variables": json.dumps(dict(self.variables), indent=2),
                "headers": json.dumps(dict(self.headers), indent=2)}
        text = json.dumps(data)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graphiql_page(page: str, prefill: GraphiQLPrefill | None) -> str:
    """Strawberry's GraphiQL page, reading its editors' first contents from the data block that
    `prefill` becomes (without one, the page opens as Strawberry's does)."""
    for anchor, replacement in _PAGE_EDITS:
        if page.count(anchor) != 1:
            raise RuntimeError(f"Strawberry's GraphiQL page changed: {anchor!r} is not in it once")
        page = page.replace(anchor, replacement)
    if prefill is None:
        return page
    block = (f'<script type="application/json" id="{PREFILL_ELEMENT_ID}">'
             f"{prefill.as_script_data()}</script>")
    if page.count("<body>") != 1:
        raise RuntimeError("Strawberry's GraphiQL page changed: no single <body>")
    return page.replace("<body>", f"<body>\n    {block}")


def request_limits() -> list[ExtensionFactory]:
    """Alias and token limits: cheap documents that cost the server a lot are refused."""
    return [lambda: MaxAliasesLimiter(MAX_ALIASES), lambda: MaxTokensLimiter(MAX_TOKENS)]


def schema_with(schema: strawberry.Schema,
                extensions: Iterable[ExtensionFactory]) -> strawberry.Schema:
    """The same built schema with more per-request extensions and prebook's error log.

    The schema is built once a process (relay fields cannot be built twice) and shared by every
    app in it, dev and production alike; a shallow copy shares the built types and differs
    only in its extension list and in how it logs errors.
    """
    view = copy.copy(schema)
    view.extensions = (*schema.extensions, *extensions)
    view.process_errors = log_errors  # type: ignore[method-assign]
    return view


def json_depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def bounded_json(data: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> object:
    """`json.loads`, but a document nested deeper than `max_depth` is a decode error (a 400,
    or a closed socket) instead of a RecursionError (a 500)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None
    if json_depth(value) > max_depth:
        raise json.JSONDecodeError("JSON nested too deeply", "", 0)
    return value


def accepts_graphql_response(request: Request) -> bool:
    """Whether the client accepts `application/graphql-response+json` (GraphQL over HTTP)."""
    for part in request.headers.get("accept", "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media.lower() == GRAPHQL_RESPONSE_JSON:
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
                           for p in params)
    return False


class ConnectionContext(Context):
    """The context of one websocket: Strawberry stores the `connection_init` payload here;
    `slot` is the subject whose socket count this socket holds."""

    connection_params: Any = None
    slot: str | None = None


def _bearer(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    value = value.strip()
    return value if " " in value else f"Bearer {value}"


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = ExpiringSocketHandler

    def __init__(self, schema: strawberry.Schema, *, verifier: TokenVerifier,
                 production: bool = False, sockets: SocketPolicy | None = None,
                 graphiql: GraphiQLPrefill | None = None, **kwargs: Any) -> None:
        extensions = request_limits()
        extensions.append(lambda: ClientErrors(production=production))
        if production:
            extensions.append(DisableIntrospection)
        self.socket_policy = sockets or SocketPolicy()
        self.sockets = SocketCounter(self.socket_policy.max_per_user)
        super().__init__(
            schema_with(schema, extensions),
            # Only graphql-transport-ws: the legacy protocol's handler has none of the checks.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=self.socket_policy.init_timeout_s),
            max_subscriptions_per_connection=MAX_OPERATIONS_PER_SOCKET,
            **kwargs,
        )
        self._verifier = verifier
        # Never in production, whatever the caller passes: the prefill carries a token.
        self._graphiql = None if production else graphiql

    def decode_json(self, data: str | bytes) -> object:
        return bounded_json(data)

    @cached_property
    def graphql_ide_html(self) -> str:
        page = super().graphql_ide_html.replace(CDN_PREFIX, LOCAL_PREFIX)
        return graphiql_page(page, self._graphiql) if self.graphql_ide == "graphiql" else page

    async def get_context(
        self, request: Request | WebSocket, response: Any
    ) -> Context:
        principal, error = None, None
        try:
            principal = self._verifier.from_header(request.headers.get("authorization"))
        except AuthError as exc:
            error = str(exc)
        context_type = ConnectionContext if isinstance(request, WebSocket) else Context
        return context_type(
            request=request,
            response=response,
            services=services_of(request),
            principal=principal,
            auth_error=error,
            clock=self._verifier.clock,
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
                context.authenticate(self._verifier.from_header(_bearer(given)))
            elif context.auth_error:
                raise AuthError(context.auth_error)
        except AuthError as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        principal = context.principal
        if principal is not None and isinstance(context, ConnectionContext):
            if not self.sockets.acquire(principal.subject):
                raise ConnectionRejectionError({"message": "too many open sockets"})
            context.slot = principal.subject
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
        # With the new media type, a document that does not parse or validate, or variables
        # that do not coerce (no data, no error at a path), are the client's error (4xx); with
        # application/json it stays 200, as GraphQL over HTTP says.
        request_error = isinstance(result, PreExecutionError) or (
            result.data is None and bool(result.errors)
            and all(not error.path for error in result.errors or ()))
        if request_error and accepts_graphql_response(request):
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
