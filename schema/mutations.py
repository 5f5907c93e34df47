"""Mutations: thin resolvers that call services and map domain errors to union members."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from booking import accounts, prebookings
from booking.aimharder import InvalidCredentials as BadLogin
from booking.aimharder import UpstreamUnavailable as Upstream
from jobs.catalog import ACCOUNT_DELETE
from jobs.client import PublishFailed
from jobs.payloads import DeleteAccount
from schema.context import Context, IsAuthenticated, PublicError
from schema.queries import account_type
from schema.types import (
    AccountDeletion,
    AimharderAccount,
    AlreadyExecuted,
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
    AimharderAccount | InvalidCredentials | UpstreamUnavailable,
    strawberry.union("ConnectAimharderResult"),
]
CreatePrebookingResult = Annotated[
    Prebooking | ValidationError | NotConnected | DuplicatePrebooking | SchedulingFailed
    | ClassNotFound,
    strawberry.union("CreatePrebookingResult"),
]
CancelPrebookingResult = Annotated[
    Prebooking | NotFound | AlreadyExecuted, strawberry.union("CancelPrebookingResult")
]

MAX_CREDENTIAL_LENGTH = 256


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
        wait = services.login_limiter.hit(str(user.id))
        if wait:
            raise PublicError(
                f"too many connection attempts; try again in {math.ceil(wait)} s",
                extensions={"code": "RATE_LIMITED"},
            )
        try:
            account, boxes = await accounts.connect(
                user, email=email, password=password,
                aimharder=services.aimharder, vault=services.vault,
            )
        except BadLogin:
            return InvalidCredentials(message="AimHarder refused this email and password")
        except Upstream:
            return UpstreamUnavailable(message="AimHarder is unavailable; try again shortly")
        return account_type(account, boxes)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_prebooking(
        self, info: Info[Context, Any], input: CreatePrebookingInput
    ) -> CreatePrebookingResult:
        new = prebookings.NewPrebooking(
            box_id=input.box_id, class_id=input.class_id, day=input.day,
            family_id=input.family_id, opens_at=input.opens_at,
        )
        try:
            row = await prebookings.create(
                await info.context.user(), new, services=info.context.services
            )
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
        except Upstream:
            raise PublicError("AimHarder is unavailable; try again shortly") from None
        return Prebooking.from_row(row)

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
