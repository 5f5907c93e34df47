"""The caller's own user: the `User` type that `me` and `updateMe` answer with, and `updateMe`
(the user's settings, today the language of their notifications and emails)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from models.users import AimharderAccount as AccountRow
from models.users import Language as LanguageChoice
from models.users import User as UserRow
from schema.context import Context, IsAuthenticated
from schema.enums import AccountStatus, Language, to_graphql
from schema.principal import Principal
from schema.types import AimharderAccount, Box, User


def account_type(account: AccountRow, boxes: list[Any]) -> AimharderAccount:
    return AimharderAccount(
        email=account.email,
        boxes=[Box(id=b.box_id, subdomain=b.subdomain, name=b.name, timezone=b.timezone)
               for b in boxes],
        status=to_graphql(AccountStatus, account.status),
        last_error=account.last_error,
    )


async def user_type(user: UserRow, principal: Principal | None) -> User:
    """The `User` the API shows for `user`, with its AimHarder account when connected."""
    account = await AccountRow.get_or_none(user=user).prefetch_related("boxes")
    return User(
        id=strawberry.ID(str(user.id)), email=user.email,
        is_admin=bool(principal and principal.is_admin),
        aimharder=account_type(account, list(account.boxes)) if account else None,
        language=to_graphql(Language, user.effective_language),
    )


async def update_user(user: UserRow, *, language: LanguageChoice | None = None) -> UserRow:
    """Change the user's own settings (one UPDATE of their row); None leaves one as it is.

    The instance passed in is changed too, so a request that loaded it sees the new value."""
    if language is not None and language != user.language:
        user.language = language
        await user.save(update_fields=["language"])
    return user


@strawberry.input(description="Settings of the caller to change; a null field is left as it is.")
class UpdateMeInput:
    language: Language | None = strawberry.field(
        default=strawberry.UNSET, description="The language of notifications and emails. "
        "Until one is chosen, the language of the box's messages is used, else Spanish.")


async def resolve_update_me(ctx: Context, input: UpdateMeInput) -> User:
    chosen = LanguageChoice[input.language.name] if input.language else None  # null or absent
    user = await update_user(await ctx.user(), language=chosen)
    return await user_type(user, ctx.principal)


@strawberry.type(description="Mutations of the caller's own user.")
class MeMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change the caller's settings; returns the caller.")
    async def update_me(
        self,
        info: Info[Context, Any],
        input: Annotated[UpdateMeInput, strawberry.argument(
            description="The settings to change (null fields are left unchanged).")],
    ) -> User:
        return await resolve_update_me(info.context, input)
