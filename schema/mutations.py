"""Mutations: thin resolvers that call services and map domain errors to union members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from booking import accounts, cancellation, prebookings
from booking.aimharder import AccessBlockedError as Blocked
from booking.aimharder import InvalidCredentialsError as BadLogin
from booking.aimharder import UpstreamUnavailableError as Upstream
from booking.infra.limits import (
    CONNECT_PER_EMAIL,
    CONNECT_PER_USER,
    CREATE_PER_USER,
    normalised_email,
)
from jobs.catalog import ACCOUNT_DELETE
from jobs.client import PublishFailedError
from jobs.payloads import DeleteAccount
from schema.context import Context, IsAuthenticated, PublicError, rate_limit
from schema.queries import account_type
from schema.types import (
    AccessBlocked,
    AccountDeletion,
    AimharderAccount,
    AlreadyExecuted,
    Box,
    BoxRefused,
    ClassNotFound,
    DuplicatePrebooking,
    InvalidCredentials,
    LateCancellation,
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
    strawberry.union("ConnectAimharderResult",
                     description="The connected account, or why connecting failed."),
]
UpdateBoxResult = Annotated[
    Box | ValidationError | NotFound,
    strawberry.union("UpdateBoxResult",
                     description="The box with its new time zone, or why it was not changed."),
]
CreatePrebookingResult = Annotated[
    Prebooking | ValidationError | NotConnected | DuplicatePrebooking | SchedulingFailed
    | ClassNotFound,
    strawberry.union("CreatePrebookingResult",
                     description="The new prebooking (PENDING, or already ended when the "
                                 "window was open), or why none was scheduled."),
]
CancelPrebookingResult = Annotated[
    Prebooking | NotFound | AlreadyExecuted,
    strawberry.union("CancelPrebookingResult",
                     description="The prebooking, now CANCELLED, or why it was not cancelled."),
]
CancelBookingResult = Annotated[
    Prebooking | LateCancellation | NotFound | BoxRefused | UpstreamUnavailable,
    strawberry.union("CancelBookingResult",
                     description="The prebooking, now CANCELLED with outcome CANCELLED_AT_BOX, "
                                 "or why the box did not cancel."),
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


@strawberry.input(description="An AimHarder login; prebook stores it encrypted.")
class ConnectAimharderInput:
    email: str = strawberry.field(description="The AimHarder login email.")
    password: str = strawberry.field(
        description="The AimHarder password (at most 256 characters); never returned. Send it "
                    "as a variable, not in the document.")


@strawberry.input(description="A class to book at the instant its booking window opens.")
class CreatePrebookingInput:
    box_id: str = strawberry.field(description="One of the caller's boxes (Box.id).")
    class_id: str = strawberry.field(
        description="The class session's id on that day (GymClass.id).")
    day: date = strawberry.field(description="The class's date on the box's calendar "
                                             "(box-local), at most 400 days ahead.")
    family_id: str | None = strawberry.field(
        default=None, description="The AimHarder family member to book for; null: the account "
                                  "holder.")
    opens_at: datetime | None = strawberry.field(
        default=None, description="When the booking window opens, an instant with a UTC "
                                  "offset. Null: prebook tries the booking once; the box's "
                                  "\"too early\" answer gives the window (an open window "
                                  "books at once).")
    waitlist: bool = strawberry.field(
        default=False, description="Join the waiting list (AimHarder's insist=1) when the "
                                   "class is full.")
    watch_if_full: bool = strawberry.field(
        default=False, description="When the class is full at the opening, keep watching it "
                                   "and book the first place that frees (status WATCHING).")


@strawberry.input(description="A box's time zone.")
class UpdateBoxInput:
    box_id: str = strawberry.field(description="One of the caller's boxes (Box.id).")
    timezone: str = strawberry.field(
        description="An IANA time zone name, e.g. Europe/Madrid.")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Log in to AimHarder and store the login (encrypted) with the account's "
                    "boxes. Connecting again replaces it and keeps what prebook knows of each "
                    "box (its time zone and booking window).")
    async def connect_aimharder(
        self, info: Info[Context, Any],
        input: Annotated[ConnectAimharderInput, strawberry.argument(
            description="The AimHarder login.")],
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

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Prebook a class: stored PENDING, then fired at the instant its booking "
                    "window opens. When the window is already open, it books at once and "
                    "answers the ended prebooking.")
    async def create_prebooking(
        self, info: Info[Context, Any],
        input: Annotated[CreatePrebookingInput, strawberry.argument(
            description="The class to book.")],
    ) -> CreatePrebookingResult:
        user = await info.context.user()
        await rate_limit(info.context.services, CREATE_PER_USER, str(user.id), "prebookings")
        if not opening_in_range(input.opens_at):
            return ValidationError(field="opensAt", message="is not a date a class opens on")
        new = prebookings.NewPrebooking(
            box_id=input.box_id, class_id=input.class_id, day=input.day,
            family_id=input.family_id, opens_at=input.opens_at,
            waitlist=input.waitlist, watch_if_full=input.watch_if_full,
        )
        try:
            row = await prebookings.create(user, new, services=info.context.services)
        except prebookings.ValidationFailedError as exc:
            return ValidationError(field=exc.field, message=exc.message)
        except accounts.NotConnectedError as exc:
            return NotConnected(message=str(exc))
        except prebookings.DuplicateError as exc:
            existing = Prebooking.from_row(exc.existing) if exc.existing else None
            return DuplicatePrebooking(message=str(exc), existing=existing)
        except prebookings.SchedulingFailedError as exc:
            return SchedulingFailed(
                message=exc.message, prebooking=Prebooking.from_row(exc.prebooking)
            )
        except prebookings.ClassNotFoundError as exc:
            return ClassNotFound(message=str(exc))
        except Blocked as exc:
            raise PublicError(str(exc), extensions={"code": "ACCESS_BLOCKED"}) from None
        except Upstream:
            raise PublicError("AimHarder is unavailable; try again shortly") from None
        return Prebooking.from_row(row)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Set a box's time zone (AimHarder gives none): openings prebook computes "
                    "from then on use it, and so do the caller's pending prebookings there whose "
                    "opening came from the box's booking window (an opensAt given by hand "
                    "stays as given).")
    async def update_box(
        self, info: Info[Context, Any],
        input: Annotated[UpdateBoxInput, strawberry.argument(
            description="The box and its time zone.")],
    ) -> UpdateBoxResult:
        """Set a box's time zone (AimHarder gives none): openings are computed in it."""
        user = await info.context.user()
        try:
            row = await accounts.update_box(user, box_id=input.box_id, timezone=input.timezone)
        except accounts.UnknownTimezoneError as exc:
            return ValidationError(field="timezone", message=str(exc))
        except (accounts.NotConnectedError, accounts.BoxNotFoundError) as exc:
            return NotFound(message=str(exc))
        await prebookings.follow_box_timezone(user, row, services=info.context.services)
        return Box(id=row.box_id, subdomain=row.subdomain, name=row.name, timezone=row.timezone)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete the caller's data, as a job: it cancels their pending prebookings, "
                    "then removes the user with the AimHarder account, prebookings, rules and "
                    "notifications.")
    async def delete_account(self, info: Info[Context, Any]) -> AccountDeletion:
        """Removes the user's data and cancels their pending messages, as a job."""
        user = await info.context.user()
        try:
            message_id = await info.context.services.jobs.enqueue(
                ACCOUNT_DELETE, DeleteAccount(user_id=user.id),
                deduplication_id=f"account-delete-{user.id}",
            )
        except PublishFailedError as exc:
            raise PublicError(f"could not schedule the deletion: {exc}") from None
        return AccountDeletion(scheduled=True, message_id=message_id)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Cancel a prebooking that has not fired (PENDING or WATCHING); one already "
                    "CANCELLED is answered as it is.")
    async def cancel_prebooking(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(
            description="The prebooking's id (its Relay id, or the bare UUID).")],
    ) -> CancelPrebookingResult:
        prebooking_id = parse_prebooking_id(id)
        if prebooking_id is None:
            return NotFound(message="no such prebooking")
        try:
            row = await prebookings.cancel(
                await info.context.user(), prebooking_id, services=info.context.services
            )
        except prebookings.NotFoundError as exc:
            return NotFound(message=str(exc))
        except prebookings.AlreadyExecutedError as exc:
            return AlreadyExecuted(
                message=str(exc), prebooking=Prebooking.from_row(exc.prebooking)
            )
        return Prebooking.from_row(row)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Cancel at the box the place (or waiting-list place) a COMPLETED "
                    "prebooking got; it becomes CANCELLED with outcome CANCELLED_AT_BOX. One "
                    "already cancelled there is answered as it is.")
    async def cancel_booking(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(
            description="The prebooking's id (its Relay id, or the bare UUID).")],
        late: Annotated[bool, strawberry.argument(
            description="Cancel even though the box keeps the credit: send true after a "
                        "LateCancellation.")] = False,
    ) -> CancelBookingResult:
        """Cancel the place (or waiting-list place) a prebooking got, at the box."""
        prebooking_id = parse_prebooking_id(id)
        if prebooking_id is None:
            return NotFound(message="no such prebooking")
        try:
            row = await cancellation.cancel_booking(
                await info.context.user(), prebooking_id, late=late,
                services=info.context.services)
        except prebookings.NotFoundError as exc:
            return NotFound(message=str(exc))
        except cancellation.LateCancellationError as exc:
            return LateCancellation(message=str(exc))
        except cancellation.BoxRefusedError as exc:
            return BoxRefused(message=str(exc), cancel_state=exc.cancel_state)
        except accounts.NotConnectedError as exc:
            return BoxRefused(message=str(exc), cancel_state=None)
        except Blocked as exc:
            raise PublicError(str(exc), extensions={"code": "ACCESS_BLOCKED"}) from None
        except Upstream as exc:
            return UpstreamUnavailable(message=f"AimHarder is unavailable; try again shortly "
                                               f"({exc})")
        return Prebooking.from_row(row)
