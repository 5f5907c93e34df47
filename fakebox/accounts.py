"""Members, their `amhrdrauth` sessions and their rotating refresh tokens.

A session is what the `amhrdrauth` cookie names; nothing else authenticates a member. It is
tied to the fingerprint the member logged in with, and lives `token_ttl` seconds from login
or from its last renewal. A refresh token is single-use: each `tokenUpdate` that accepts it
hands back the next one and forgets it. Time comes from the injected clock, so expiry is
tested by moving that clock, never by sleeping.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from fakebox.config import BoxSpec

Clock = Callable[[], int]  # nanoseconds since the epoch


class DuplicateUserError(ValueError):
    pass


@dataclass(frozen=True)
class Role:
    """A member's place in one box: `id` is the role's own number, `boid` the box's."""

    id: int
    box: BoxSpec
    perm_hash: str


@dataclass
class User:
    id: int
    email: str
    password: str = field(repr=False)
    name: str
    roles: tuple[Role, ...]
    lang: str = "es"
    initial_credits: int | None = None  # None: unlimited
    max_bookings: int | None = None  # None: no limit
    credits: int | None = None


@dataclass
class Session:
    cookie: str = field(repr=False)
    user_id: int
    fingerprint: str
    expires_at_ns: int


@dataclass(frozen=True)
class RefreshToken:
    user_id: int
    fingerprint: str
    expires_at_ns: int


@dataclass(frozen=True)
class Renewal:
    """A successful `tokenUpdate`: the next refresh token, and a new session if one was made."""

    refresh_token: str
    new_session: Session | None


class Accounts:
    def __init__(
        self, boxes: tuple[BoxSpec, ...], clock: Clock, *, token_ttl: float, refresh_ttl: float
    ) -> None:
        self._boxes = boxes
        self._clock = clock
        self._token_ttl_ns = int(token_ttl * 1_000_000_000)
        self._refresh_ttl_ns = int(refresh_ttl * 1_000_000_000)
        self._by_email: dict[str, User] = {}
        self._by_id: dict[int, User] = {}
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._user_ids = itertools.count(1001)
        self._role_ids = itertools.count(200_001)

    # members

    def add_user(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        lang: str = "es",
        credits: int | None = None,
        max_bookings: int | None = None,
    ) -> User:
        """A member who is a client of every box the fake serves."""
        key = email.strip().casefold()
        if key in self._by_email:
            raise DuplicateUserError(f"user {email!r} already exists")
        user_id = next(self._user_ids)
        roles = tuple(
            Role(
                id=next(self._role_ids),
                box=box,
                perm_hash=hashlib.sha256(f"{user_id}:{box.id}".encode()).hexdigest()[:32],
            )
            for box in self._boxes
        )
        user = User(
            id=user_id,
            email=email.strip(),
            password=password,
            name=name or email.split("@")[0],
            roles=roles,
            lang=lang,
            initial_credits=credits,
            max_bookings=max_bookings,
            credits=credits,
        )
        self._by_email[key] = user
        self._by_id[user.id] = user
        return user

    def users(self) -> list[User]:
        return list(self._by_id.values())

    def user_by_id(self, user_id: int) -> User:
        return self._by_id[user_id]

    def check_password(self, email: str, password: str) -> User | None:
        user = self._by_email.get(email.strip().casefold())
        if user is None or not secrets.compare_digest(user.password.encode(), password.encode()):
            return None
        return user

    # sessions

    def _new_session(self, user_id: int, fingerprint: str) -> Session:
        session = Session(
            cookie=secrets.token_hex(32),
            user_id=user_id,
            fingerprint=fingerprint,
            expires_at_ns=self._clock() + self._token_ttl_ns,
        )
        self._sessions[session.cookie] = session
        return session

    def _new_refresh(self, user_id: int, fingerprint: str) -> str:
        token = secrets.token_hex(24)
        expires = self._clock() + self._refresh_ttl_ns
        self._refresh[token] = RefreshToken(user_id, fingerprint, expires)
        return token

    def log_in(self, user: User, fingerprint: str) -> tuple[Session, str]:
        """A new session and a new refresh token, both tied to `fingerprint`."""
        return self._new_session(user.id, fingerprint), self._new_refresh(user.id, fingerprint)

    def live_session(self, cookie: str | None) -> Session | None:
        session = self._sessions.get(cookie) if cookie else None
        if session is None or session.expires_at_ns <= self._clock():
            return None
        return session

    def session_user(self, cookie: str | None) -> User | None:
        session = self.live_session(cookie)
        return None if session is None else self._by_id.get(session.user_id)

    def refresh_user(self, token: str | None) -> User | None:
        """Whose refresh token this is, if it is still current (for the request log)."""
        entry = self._refresh.get(token) if token else None
        return None if entry is None else self._by_id.get(entry.user_id)

    def renew(self, token: str, fingerprint: str, cookie: str | None) -> Renewal | None:
        """Rotate a current refresh token; None means AimHarder's `{"logout": 1}`.

        The session named by `cookie` is extended when it is live and belongs to the same
        member and fingerprint; otherwise a new session is started.
        """
        entry = self._refresh.get(token)
        now = self._clock()
        if entry is None or entry.expires_at_ns <= now or entry.fingerprint != fingerprint:
            return None
        del self._refresh[token]
        next_token = self._new_refresh(entry.user_id, fingerprint)
        session = self.live_session(cookie)
        if (
            session is not None
            and session.user_id == entry.user_id
            and session.fingerprint == fingerprint
        ):
            session.expires_at_ns = now + self._token_ttl_ns
            return Renewal(next_token, None)
        return Renewal(next_token, self._new_session(entry.user_id, fingerprint))

    def expire_sessions(self) -> None:
        """Every session ends now; refresh tokens stay, so a renewal can start a new one."""
        self._sessions.clear()

    def restore_credits(self) -> None:
        for user in self._by_id.values():
            user.credits = user.initial_credits
