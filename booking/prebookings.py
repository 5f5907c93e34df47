"""The prebooking service: create (validate, discover, schedule), cancel, read."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from booking import accounts, lifecycle
from booking.aimharder import AimharderSession, BookAnswer, ClassInfo
from booking.events import created, rescheduled
from booking.execution import record_outcome, schedule_execution
from booking.opening import BookingWindow, WindowUnit, class_start, parse_booking_window
from booking.outcomes import Outcome, classify
from booking.services import Services
from jobs.client import PublishFailedError
from models.prebookings import Prebooking, PrebookingStatus
from models.users import AimharderBox, User

log = logging.getLogger(__name__)

MAX_ID_LENGTH = 64
# A user may have this many prebookings waiting at once; more is abuse, not training. Weekly
# rules count too: a week and a day of a daily rule is 8.
MAX_PENDING_PER_USER = 50


class ValidationFailedError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PendingCapReachedError(ValidationFailedError):
    """The user has MAX_PENDING_PER_USER prebookings waiting already."""


class ClassNotFoundError(Exception):
    pass


class DuplicateError(Exception):
    def __init__(self, existing: Prebooking | None) -> None:
        super().__init__("you already have a prebooking for this class")
        self.existing = existing


class SchedulingFailedError(Exception):
    def __init__(self, prebooking: Prebooking, message: str) -> None:
        super().__init__(message)
        self.prebooking = prebooking
        self.message = message


class NotFoundError(Exception):
    pass


class AlreadyExecutedError(Exception):
    def __init__(self, prebooking: Prebooking) -> None:
        super().__init__(f"prebooking is already {prebooking.status.value}")
        self.prebooking = prebooking


@dataclass(frozen=True)
class NewPrebooking:
    box_id: str
    class_id: str
    day: date
    family_id: str | None = None
    opens_at: datetime | None = None
    waitlist: bool = False  # ask for the waiting list (`insist=1`) when full
    watch_if_full: bool = False  # FULL at the opening: keep watching for a freed place

    def validated(self) -> NewPrebooking:
        for name, value in (("boxId", self.box_id), ("classId", self.class_id)):
            if not value.strip():
                raise ValidationFailedError(name, "must not be empty")
            if len(value) > MAX_ID_LENGTH or not value.strip().isalnum():
                raise ValidationFailedError(
                    name, "must be a short AimHarder id (letters and digits)")
        if self.family_id is not None and (
            len(self.family_id) > MAX_ID_LENGTH or not self.family_id.isalnum()
        ):
            raise ValidationFailedError(
                "familyId", "must be a short AimHarder id (letters and digits)")
        if self.opens_at is not None and self.opens_at.tzinfo is None:
            raise ValidationFailedError("opensAt", "must include a time zone offset")
        today = datetime.now(UTC).date()
        if self.day < today - timedelta(days=1):
            raise ValidationFailedError("day", "is in the past")
        if self.day > today + timedelta(days=400):
            raise ValidationFailedError("day", "is too far in the future")
        return NewPrebooking(
            self.box_id.strip(), self.class_id.strip(), self.day, self.family_id,
            self.opens_at.astimezone(UTC) if self.opens_at else None,
            self.waitlist, self.watch_if_full,
        )


def _dedup_key(user: User, new: NewPrebooking) -> str:
    return f"{user.id}:{new.box_id}:{new.class_id}:{new.day.isoformat()}:{new.family_id or ''}"


async def box_of(account: accounts.AimharderAccount, box_id: str) -> AimharderBox:
    for box in account.boxes:
        if box.box_id == box_id:
            return box
    raise ValidationFailedError("boxId", "is not a box your AimHarder account can book at")


async def list_classes(
    user: User, *, box_id: str, day: date, services: Services, family_id: str | None = None
) -> tuple[AimharderBox, list[ClassInfo]]:
    account = await accounts.account_for(user)
    box = await box_of(account, box_id)
    session = await accounts.fresh_session(
        account, aimharder=services.aimharder, vault=services.vault
    )
    if family_id is not None and (len(family_id) > MAX_ID_LENGTH or not family_id.isalnum()):
        raise ValidationFailedError("familyId", "must be a short AimHarder id (letters and digits)")
    classes = await services.aimharder.list_classes(
        session, subdomain=box.subdomain, box_id=box.box_id, day=day, family_id=family_id
    )
    return box, classes


def known_window(box: AimharderBox) -> BookingWindow | None:
    """The box's booking window, once a "too early" answer has taught it."""
    if box.window_amount is None or box.window_unit is None:
        return None
    return BookingWindow(box.window_amount, WindowUnit(box.window_unit))


def known_opening(box: AimharderBox, gym_class: ClassInfo) -> datetime | None:
    window = known_window(box)
    return window.opening_for(gym_class.start, box.timezone) if window else None


async def create(user: User, new: NewPrebooking, *, services: Services) -> Prebooking:
    """Validate, find the class, know or discover the opening, store, schedule."""
    new = new.validated()
    key = _dedup_key(user, new)
    existing = await Prebooking.get_or_none(dedup_key=key)
    if existing is not None:
        raise DuplicateError(existing)
    await _within_pending_cap(user)  # early, before asking AimHarder; again when inserting
    account = await accounts.account_for(user)
    box = await box_of(account, new.box_id)
    session = await accounts.fresh_session(
        account, aimharder=services.aimharder, vault=services.vault
    )
    classes = await services.aimharder.list_classes(
        session, subdomain=box.subdomain, box_id=box.box_id, day=new.day,
        family_id=new.family_id,
    )
    gym_class = next((c for c in classes if c.id == new.class_id), None)
    if gym_class is None:
        raise ClassNotFoundError(
            f"class {new.class_id} is not on {new.day.isoformat()} at this box")
    return await place(user, new, box, gym_class, session, services=services)


async def place(
    user: User,
    new: NewPrebooking,
    box: AimharderBox,
    gym_class: ClassInfo,
    session: AimharderSession,
    *,
    services: Services,
    rule_id: uuid.UUID | None = None,
) -> Prebooking:
    """Store and schedule a prebooking of a class already found on the box's list: at the
    opening given, else the box's known window, else the one discovery finds. `rule_id`: the
    weekly rule placing it (booking.materialise); the database keeps one per rule and day."""
    new = new.validated()
    if rule_id is not None:  # the rule job's own checks, before discovery asks the box
        if await Prebooking.exists(rule_id=rule_id, day=new.day):
            raise DuplicateError(await Prebooking.get_or_none(rule_id=rule_id, day=new.day))
        existing = await Prebooking.get_or_none(dedup_key=_dedup_key(user, new))
        if existing is not None:
            raise DuplicateError(existing)
        await _within_pending_cap(user)
    opens_at = new.opens_at
    if opens_at is None and rule_id is not None:  # a rule's occurrence: the box's known window
        opens_at = known_opening(box, gym_class)
    fields = dict(
        user=user, box_id=box.box_id, box_subdomain=box.subdomain, box_timezone=box.timezone,
        class_id=gym_class.id, class_name=gym_class.name, class_time=gym_class.time,
        day=new.day, family_id=new.family_id, dedup_key=_dedup_key(user, new),
        waitlist=new.waitlist, watch_if_full=new.watch_if_full, rule_id=rule_id,
    )
    if opens_at is not None:
        return await _store_and_schedule(fields, opens_at, services=services)
    return await _discover(fields, box, gym_class, session, services=services)


async def _within_pending_cap(user: User, db: BaseDBAsyncClient | None = None) -> None:
    pending = await Prebooking.filter(
        user=user, status=PrebookingStatus.PENDING).using_db(db).count()
    if pending >= MAX_PENDING_PER_USER:
        raise PendingCapReachedError(
            "classId", f"you already have {pending} pending prebookings (the limit); "
            "cancel one or wait until one has run")


async def _insert(fields: dict[str, object], opens_at: datetime) -> Prebooking:
    """Count and insert as one step: concurrent creates of one user queue on the user's row
    (PostgreSQL `FOR UPDATE`; SQLite runs one transaction at a time), so the cap holds."""
    user: User = fields["user"]  # type: ignore[assignment]
    try:
        async with in_transaction() as db:
            await User.select_for_update().using_db(db).filter(id=user.id).first()
            await _within_pending_cap(user, db)
            return await Prebooking.create(
                **fields, opens_at=opens_at, using_db=db)
    except IntegrityError:
        existing = await Prebooking.get_or_none(dedup_key=fields["dedup_key"])
        if existing is None and fields.get("rule_id") is not None:
            existing = await Prebooking.get_or_none(rule_id=fields["rule_id"], day=fields["day"])
        raise DuplicateError(existing) from None


async def _discover(
    fields: dict[str, object],
    box: AimharderBox,
    gym_class: ClassInfo,
    session: AimharderSession,
    *,
    services: Services,
) -> Prebooking:
    """Try to book: "too early" tells the window; an open window simply books now."""
    aimharder = services.aimharder

    async def attempt(on: AimharderSession) -> BookAnswer:
        return await aimharder.book(
            on, subdomain=box.subdomain, class_id=gym_class.id, day=fields["day"],  # type: ignore[arg-type]
            family_id=fields["family_id"],  # type: ignore[arg-type]
            insist=bool(fields["waitlist"]),
        )

    answer = await attempt(session)
    outcome = classify(answer)
    if outcome is Outcome.LOGGED_OUT:  # the session died since it was last confirmed
        account = await accounts.account_for(fields["user"])  # type: ignore[arg-type]
        answer = await attempt(await accounts.fresh_session(
            account, aimharder=aimharder, vault=services.vault, force=True))
        outcome = classify(answer)
    if outcome is Outcome.TOO_EARLY:
        window = parse_booking_window(answer.error_code, answer.error_message)
        if window is None:
            raise ValidationFailedError(
                "opensAt", "the box did not say when booking opens; give opensAt explicitly"
            )
        box.window_amount, box.window_unit = window.amount, window.unit.value
        await box.save(update_fields=["window_amount", "window_unit"])
        opens_at = window.opening_for(gym_class.start, box.timezone)
        return await _store_and_schedule(fields, opens_at, services=services)
    # The window is already open: what the box answered is the result.
    prebooking = await _insert(fields, datetime.fromtimestamp(answer.sent_at_ns / 1e9, UTC))
    await _announce_created(prebooking, services)
    await lifecycle.move(prebooking.id, source=PrebookingStatus.PENDING,
                         target=PrebookingStatus.EXECUTING, services=services)
    await record_outcome(services, prebooking, answer, error=None, attempts=1,
                         first_sent_ns=answer.sent_at_ns)
    return await Prebooking.get(id=prebooking.id)


async def _store_and_schedule(
    fields: dict[str, object], opens_at: datetime, *, services: Services
) -> Prebooking:
    prebooking = await _insert(fields, opens_at)
    try:
        message_id = await schedule_execution(prebooking.id, opens_at, services=services)
    except PublishFailedError as exc:
        await _announce_created(prebooking, services)
        failed = await lifecycle.move(
            prebooking.id, source=PrebookingStatus.PENDING, target=PrebookingStatus.FAILED,
            services=services, facts={"error_message": f"scheduling failed: {exc}"})
        raise SchedulingFailedError(failed or prebooking, str(exc)) from exc
    prebooking.qstash_message_id = message_id
    await prebooking.save(update_fields=["qstash_message_id", "updated_at"])
    await _announce_created(prebooking, services)
    return prebooking


async def follow_box_timezone(user: User, box: AimharderBox, *, services: Services) -> int:
    """After `box`'s time zone changed (`updateBox`): each of the user's PENDING prebookings
    there whose opening is what the box's booking window gives in the zone it was computed in
    moves to the same wall-clock opening in the box's zone now, with a new delivery planned
    and the old one cancelled, and is announced (`prebooking.rescheduled`: subscribers, other
    instances, the webhook). An opening given by hand (not what the window gives) stays as
    given. Returns how many moved.

    A prebooking claimed meanwhile is left alone (the move is conditional). If the new delivery
    cannot be published, the old one is kept: it still comes, and the execution waits for, or
    fires at once past, the opening it reads from the row.
    """
    window = known_window(box)
    if window is None:
        return 0
    moved = 0
    for row in await Prebooking.filter(user=user, box_id=box.box_id,
                                       status=PrebookingStatus.PENDING):
        if row.box_timezone == box.timezone or not row.class_time:
            continue
        try:
            start = class_start(row.day, row.class_time)
        except ValueError:
            continue
        if window.opening_for(start, row.box_timezone) != row.opens_at:
            continue  # an opening given by hand
        opens_at = window.opening_for(start, box.timezone)
        if not await Prebooking.filter(
                id=row.id, status=PrebookingStatus.PENDING, opens_at=row.opens_at,
        ).update(opens_at=opens_at, box_timezone=box.timezone):
            continue
        moved += 1
        try:
            message_id = await schedule_execution(row.id, opens_at, services=services)
        except PublishFailedError as exc:
            log.warning("prebooking %s moved to %s; its new delivery could not be planned "
                        "(%s), the old one stays", row.id, opens_at.isoformat(), exc)
        else:
            await Prebooking.filter(id=row.id).update(qstash_message_id=message_id)
            if row.qstash_message_id and row.qstash_message_id != message_id:
                await services.jobs.cancel(row.qstash_message_id)
        await services.events.announce(rescheduled(user.id, row.id, datetime.now(UTC)))
    if moved:
        log.info("%d pending prebooking(s) at box %s follow its time zone %s", moved,
                 box.box_id, box.timezone)
    return moved


async def _announce_created(prebooking: Prebooking, services: Services) -> None:
    await services.events.announce(created(prebooking.user_id, prebooking.id,  # type: ignore[attr-defined]
                                           prebooking.created_at))


async def get_owned(user: User, prebooking_id: uuid.UUID) -> Prebooking | None:
    return await Prebooking.get_or_none(id=prebooking_id, user=user)


async def cancel(user: User, prebooking_id: uuid.UUID, *, services: Services) -> Prebooking:
    """PENDING or WATCHING -> CANCELLED for the owner; a late delivery (or the next check)
    then finds nothing to claim."""
    prebooking = await get_owned(user, prebooking_id)
    if prebooking is None:
        raise NotFoundError("no such prebooking")
    cancelled = await lifecycle.move(
        prebooking.id, source=(PrebookingStatus.PENDING, PrebookingStatus.WATCHING),
        target=PrebookingStatus.CANCELLED, services=services)
    if cancelled is None:
        current = await Prebooking.get(id=prebooking.id)
        if current.status is PrebookingStatus.CANCELLED:
            return current
        raise AlreadyExecutedError(current)
    if cancelled.qstash_message_id:
        await services.jobs.cancel(cancelled.qstash_message_id)
    return cancelled
