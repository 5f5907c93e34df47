"""The per-request GraphQL context: who is calling and the services resolvers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.auth import Principal
from booking.services import Services
from models.users import User


class PublicError(GraphQLError):
    """An expected failure whose message is shown to the client (never masked)."""

    def __init__(self, message: str, *, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message, extensions=extensions)


@dataclass
class Context:
    request: Any
    response: Any
    services: Services
    principal: Principal | None
    auth_error: str | None = None
    _user: User | None = field(default=None, repr=False)

    async def user(self) -> User:
        """The calling user, created on first use from the token's subject."""
        if self.principal is None:
            raise PublicError(self.auth_error or "authentication required")
        if self._user is None:
            user, created = await User.get_or_create(
                subject=self.principal.subject, defaults={"email": self.principal.email}
            )
            if not created and self.principal.email and user.email != self.principal.email:
                user.email = self.principal.email
                await user.save(update_fields=["email"])
            self._user = user
        return self._user


class IsAuthenticated(BasePermission):
    message = "authentication required"

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        ctx = info.context
        if ctx.principal is None and ctx.auth_error:
            self.message = ctx.auth_error
        return ctx.principal is not None


class IsAdmin(BasePermission):
    message = "admin role required"

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return info.context.principal is not None and info.context.principal.is_admin
