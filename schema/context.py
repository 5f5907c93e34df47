"""The per-request GraphQL context: who is calling and the services resolvers use."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from booking.infra.limits import Rule
from booking.services import Services
from models.users import User
from schema.principal import Clock, Principal

AUTHENTICATION_REQUIRED = "authentication required"
TOKEN_EXPIRED = "token expired"


class PublicError(GraphQLError):
    """An expected failure whose message is shown to the client (never masked)."""

    def __init__(self, message: str, *, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message, extensions=extensions)


class Context:
    """One per HTTP request, or one per websocket for all of its operations.

    A websocket's context lives as long as the socket, so `principal` is re-checked against
    the clock on every read: once the token's `exp` passes, the caller is anonymous again and
    told why.
    """

    def __init__(self, *, request: Any, response: Any, services: Services,
                 principal: Principal | None, auth_error: str | None = None,
                 clock: Clock = time.time) -> None:
        self.request = request
        self.response = response
        self.services = services
        self.auth_error = auth_error
        self.clock = clock
        self._principal = principal
        self._user: asyncio.Task[User] | None = None

    @property
    def principal(self) -> Principal | None:
        principal = self._principal
        if principal is not None and principal.expired(self.clock()):
            self._principal, self._user, self.auth_error = None, None, TOKEN_EXPIRED
            return None
        return principal

    def authenticate(self, principal: Principal | None) -> None:
        """Replace the caller (a websocket's `connection_init` token)."""
        self._principal, self._user, self.auth_error = principal, None, None

    def auth_message(self) -> str:
        return self.auth_error or AUTHENTICATION_REQUIRED

    async def user(self) -> User:
        """The calling user, created on first use from the token's subject.

        Loaded once per context, however many fields ask at the same time (aliases), and
        shielded: graphql-core cancels the siblings of a failed field, and a `get_or_create`
        cancelled inside its transaction would keep the database connection (on SQLite, the
        only one) forever.
        """
        principal = self.principal
        if principal is None:
            raise PublicError(self.auth_message())
        load = self._user
        if load is None or (load.done() and (load.cancelled() or load.exception() is not None)):
            load = self._user = asyncio.ensure_future(_user_for(principal))
        return await asyncio.shield(load)


async def _user_for(principal: Principal) -> User:
    user, created = await User.get_or_create(
        subject=principal.subject, defaults={"email": principal.email}
    )
    if not created and principal.email and user.email != principal.email:
        user.email = principal.email
        await user.save(update_fields=["email"])
    return user


class IsAuthenticated(BasePermission):
    """Refuses anonymous callers with this request's own reason.

    Strawberry makes one permission instance per field and shares it between requests, so the
    reason is raised here rather than stored on the instance (where the next caller would
    read it).
    """

    message = AUTHENTICATION_REQUIRED

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        ctx = info.context
        if ctx.principal is None:
            raise PublicError(ctx.auth_message())
        return True


async def rate_limit(services: Services, rule: Rule, key: str, what: str) -> None:
    """Count one attempt against `rule` for `key`; refused with code RATE_LIMITED."""
    wait = await services.limiter.hit(rule, key)
    if wait:
        raise PublicError(f"too many {what}; try again in {math.ceil(wait)} s",
                          extensions={"code": "RATE_LIMITED"})
