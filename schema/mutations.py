"""Mutations: thin resolvers that call services and map domain errors to union members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from booking import accounts, prebookings
from booking.aimharder import AccessBlocked as Blocked
from booking.aimharder import InvalidCredentials as BadLogin
from booking.aimharder import UpstreamUnavailable as Upstream
from booking.limits import CONNECT_PER_EMAIL, CONNECT_PER_USER, CREATE_PER_USER, normalised_email
from jobs.catalog import ACCOUNT_DELETE
from jobs.client import PublishFailed
from jobs.payloads import DeleteAccount
from schema.context import Context, IsAuthenticated, PublicError, rate_limit
from schema.queries import account_type
from schema.types import (
    AccessBlocked,
    AccountDeletion,
    AimharderAccount,
    AlreadyExecuted,
    Box,
    ClassNotFound,
    DuplicatePrebooking,
    InvalidCredentials,
    NotConnected,
    NotFound,
    Prebooking,
    SchedulingFailed,
    UpstreamUnavailable,
    ValidationError,
    parse_prebooking_id,
)

ConnectAimharderResult = Annotated[
    AimharderAccount | InvalidCredentials | UpstreamUnavailable | AccessBlocked,
    strawberry.union("ConnectAimharderResult"),
]
UpdateBoxResult = Annotated[Box | ValidationError | NotFound, strawberry.union("UpdateBoxResult")]
CreatePrebookingResult = Annotated[
    Prebooking | ValidationError | NotConnected | DuplicatePrebooking | SchedulingFailed
    | ClassNotFound,
    strawberry.union("CreatePrebookingResult"),
]
CancelPrebookingResult = Annotated[
    Prebooking | NotFound | AlreadyExecuted, strawberry.union("CancelPrebookingResult")
]

MAX_CREDENTIAL_LENGTH = 256
# An opening further than this from now is not a class anyone can book (and far enough out,
# not a date the standard library can convert).
MAX_OPENING_DISTANCE = timedelta(days=401)


def opening_in_range(opens_at: datetime | None) -> bool:
    if opens_at is None or opens_at.tzinfo is None:
        return True  # none given, or refused by the service with its own message
    try:
        return abs(opens_at.astimezone(UTC) - datetime.now(UTC)) <= MAX_OPENING_DISTANCE
    except OverflowError:
        return False


@strawberry.input
class ConnectAimharderInput:
    email: str
    password: str


@strawberry.input
class CreatePrebookingInput:
    box_id: str
    class_id: str
    day: date
    family_id: str | None = None
    opens_at: datetime | None = None


@strawberry.input
class UpdateBoxInput:
    box_id: str
    timezone: str


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def connect_aimharder(
        self, info: Info[Context, Any], input: ConnectAimharderInput
    ) -> ConnectAimharderResult:
        email, password = input.email.strip(), input.password
        if "@" not in email or len(email) > MAX_CREDENTIAL_LENGTH:
            return InvalidCredentials(message="email must be an email address")
        if not password or len(password) > MAX_CREDENTIAL_LENGTH:
            return InvalidCredentials(message="password must not be empty")
        services = info.context.services
        user = await info.context.user()
        await rate_limit(services, CONNECT_PER_USER, str(user.id), "connection attempts")
        await rate_limit(services, CONNECT_PER_EMAIL, normalised_email(email),
                         "connection attempts for this AimHarder account")
        try:
            account, boxes = await accounts.connect(
                user, email=email, password=password,
                aimharder=services.aimharder, vault=services.vault,
            )
        except BadLogin as exc:
            return InvalidCredentials(message=str(exc))  # names what AimHarder answered
        except Blocked as exc:
            return AccessBlocked(message=str(exc))
        except Upstream as exc:
            return UpstreamUnavailable(message=f"AimHarder is unavailable; try again shortly "
                                               f"({exc})")
        return account_type(account, boxes)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_prebooking(
        self, info: Info[Context, Any], input: CreatePrebookingInput
    ) -> CreatePrebookingResult:
        user = await info.context.user()
        await rate_limit(info.context.services, CREATE_PER_USER, str(user.id), "prebookings")
        if not opening_in_range(input.opens_at):
            return ValidationError(field="opensAt", message="is not a date a class opens on")
        new = prebookings.NewPrebooking(
            box_id=input.box_id, class_id=input.class_id, day=input.day,
            family_id=input.family_id, opens_at=input.opens_at,
        )
        try:
            row = await prebookings.create(user, new, services=info.context.services)
        except prebookings.ValidationFailed as exc:
            return ValidationError(field=exc.field, message=exc.message)
        except accounts.NotConnected as exc:
            return NotConnected(message=str(exc))
        except prebookings.Duplicate as exc:
            existing = Prebooking.from_row(exc.existing) if exc.existing else None
            return DuplicatePrebooking(message=str(exc), existing=existing)
        except prebookings.SchedulingFailed as exc:
            return SchedulingFailed(
                message=exc.message, prebooking=Prebooking.from_row(exc.prebooking)
            )
        except prebookings.ClassNotFound as exc:
            return ClassNotFound(message=str(exc))
        except Blocked as exc:
            raise PublicError(str(exc), extensions={"code": "ACCESS_BLOCKED"}) from None
        except Upstream:
            raise PublicError("AimHarder is unavailable; try again shortly") from None
        return Prebooking.from_row(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def update_box(self, info: Info[Context, Any], input: UpdateBoxInput) -> UpdateBoxResult:
        """Set a box's time zone (AimHarder gives none): openings are computed in it."""
        try:
            row = await accounts.update_box(
                await info.context.user(), box_id=input.box_id, timezone=input.timezone)
        except accounts.UnknownTimezone as exc:
            return ValidationError(field="timezone", message=str(exc))
        except (accounts.NotConnected, accounts.BoxNotFound) as exc:
            return NotFound(message=str(exc))
        return Box(id=row.box_id, subdomain=row.subdomain, name=row.name, timezone=row.timezone)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def delete_account(self, info: Info[Context, Any]) -> AccountDeletion:
        """Removes the user's data and cancels their pending messages, as a job."""
        user = await info.context.user()
        try:
            message_id = await info.context.services.jobs.enqueue(
                ACCOUNT_DELETE, DeleteAccount(user_id=user.id),
                deduplication_id=f"account-delete-{user.id}",
            )
        except PublishFailed as exc:
            raise PublicError(f"could not schedule the deletion: {exc}") from None
        return AccountDeletion(scheduled=True, message_id=message_id)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def cancel_prebooking(
        self, info: Info[Context, Any], id: strawberry.ID
    ) -> CancelPrebookingResult:
        prebooking_id = parse_prebooking_id(id)
        if prebooking_id is None:
            return NotFound(message="no such prebooking")
        try:
            row = await prebookings.cancel(
                await info.context.user(), prebooking_id, services=info.context.services
            )
        except prebookings.NotFound as exc:
            return NotFound(message=str(exc))
        except prebookings.AlreadyExecuted as exc:
            return AlreadyExecuted(
                message=str(exc), prebooking=Prebooking.from_row(exc.prebooking)
            )
        return Prebooking.from_row(row)
