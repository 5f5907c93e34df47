"""AimHarder HTTP client over an injected `httpx.AsyncClient` shared by every user.

The session cookie `amhrdrauth` is sent explicitly on each request, never through the shared
client's cookie jar, so users cannot leak into each other's requests. Booking is split into
`prepare_book` (everything built in advance) and `send_book` (only the network at the
instant), and `warm` opens the keep-alive connection the send will reuse.

Errors: `InvalidCredentials` (login refused), `SessionExpired` (`{"logout": 1}`),
`UpstreamUnavailable` (network error, timeout, 5xx, non-JSON), all `AimharderError`.
`send_book`/`book` are the exception: any HTTP answer comes back as a `BookAnswer` (classify
it with `booking.outcomes.classify`), and only a request that got no answer raises
`UpstreamUnavailable`. Messages never contain passwords or tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from booking.opening import class_start, parse_time_range
from booking.outcomes import BookAnswer, as_int

__all__ = [
    "AccountInfo",
    "AimharderClient",
    "AimharderError",
    "AimharderSession",
    "BookAnswer",
    "BoxInfo",
    "ClassInfo",
    "InvalidCredentials",
    "SessionExpired",
    "UpstreamUnavailable",
]

COOKIE = "amhrdrauth"
DEFAULT_TOKEN_LIFETIME = timedelta(minutes=30)  # when the login answer has no `expiresIn`
_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
_JSON = {"Accept": "application/json"}


class AimharderError(Exception):
    """Base of everything this client raises."""


class InvalidCredentials(AimharderError):
    """AimHarder refused the email/password."""


class SessionExpired(AimharderError):
    """AimHarder answered `{"logout": 1}`: log in again (or refresh)."""


class UpstreamUnavailable(AimharderError):
    """No usable answer: network error, timeout, 5xx or a body that is not JSON.

    `sent_at_ns` is set when a booking request was handed to the network before failing,
    so the caller knows it may have reached the box.
    """

    def __init__(self, message: str, *, sent_at_ns: int | None = None) -> None:
        super().__init__(message)
        self.sent_at_ns = sent_at_ns


@dataclass(frozen=True)
class BoxInfo:
    id: str
    subdomain: str
    name: str
    timezone: str


@dataclass(frozen=True)
class AimharderSession:
    email: str
    token: str = field(repr=False)  # the amhrdrauth cookie value
    refresh_token: str = field(repr=False)
    expires_at: datetime  # aware UTC
    boxes: list[BoxInfo]
    user_id: str | None = None
    name: str | None = None

    def expires_within(self, margin: timedelta, *, now: datetime | None = None) -> bool:
        return self.expires_at - margin <= (now or datetime.now(UTC))


@dataclass(frozen=True)
class AccountInfo:
    id: str | None
    email: str
    name: str | None
    boxes: list[BoxInfo]


@dataclass(frozen=True)
class ClassInfo:
    id: str
    name: str
    time: str  # "HH:MM-HH:MM"
    start: datetime  # naive, box-local wall clock
    end: datetime  # naive, box-local; the next day for a class that ends after midnight
    capacity: int | None
    booked: int | None
    book_state: int | None  # this member's state: 1 booked, 0 waitlisted, None
    booking_id: str | None = None
    waitlist: int | None = None


def _box(raw: dict[str, Any]) -> BoxInfo:
    return BoxInfo(
        id=str(raw.get("id", "")),
        subdomain=str(raw.get("subdomain", "")),
        name=str(raw.get("name", "")),
        timezone=str(raw.get("timezone") or "Europe/Madrid"),
    )


def _boxes(user: dict[str, Any]) -> list[BoxInfo]:
    raw = user.get("boxes")
    return [_box(b) for b in raw if isinstance(b, dict)] if isinstance(raw, list) else []


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 500:
        raise UpstreamUnavailable(f"AimHarder {what} failed with HTTP {response.status_code}")
    if response.is_redirect:
        # AimHarder sends a logged-out browser to its login page.
        raise SessionExpired(f"AimHarder session expired ({what} redirected)")
    try:
        data = response.json()
    except ValueError:
        raise UpstreamUnavailable(
            f"AimHarder {what} answered HTTP {response.status_code} with a non-JSON body"
        ) from None
    if not isinstance(data, dict):
        raise UpstreamUnavailable(f"AimHarder {what} answered JSON that is not an object")
    return data


def _check_session(data: dict[str, Any], what: str) -> None:
    if as_int(data.get("logout")) == 1:
        raise SessionExpired(f"AimHarder session expired ({what})")


class AimharderClient:
    def __init__(self, *, http: httpx.AsyncClient, login_url: str, box_url_template: str) -> None:
        if "{subdomain}" not in box_url_template:
            raise ValueError("box_url_template must contain '{subdomain}'")
        self._http = http
        self._login_url = login_url.rstrip("/")
        self._box_url_template = box_url_template.rstrip("/")

    def box_url(self, subdomain: str) -> str:
        return self._box_url_template.format(subdomain=subdomain)

    @staticmethod
    def _request(
        method: str,
        url: str,
        session: AimharderSession | None = None,
        *,
        form: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Request:
        headers = dict(_FORM if form is not None else _JSON)
        if session is not None:
            headers["Cookie"] = f"{COOKIE}={session.token}"
        return httpx.Request(method, url, data=form, json=body, params=params, headers=headers)

    async def _call(self, request: httpx.Request, what: str) -> dict[str, Any]:
        """Send a cookie-protected request and return its JSON object."""
        data = _json_object(await self._send(request, what), what)
        _check_session(data, what)
        return data

    async def _send(self, request: httpx.Request, what: str) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.TimeoutException:
            raise UpstreamUnavailable(f"AimHarder {what} timed out") from None
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"AimHarder {what} failed: {type(exc).__name__}") from None

    def _forget_jar_cookie(self) -> None:
        # The shared client stores Set-Cookie answers; our cookie lives in the session only.
        for cookie in list(self._http.cookies.jar):
            if cookie.name == COOKIE:
                self._http.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)

    # login domain

    def _session_from(self, data: dict[str, Any], email: str, what: str) -> AimharderSession:
        inner = data.get("data")
        auth = inner.get("auth") if isinstance(inner, dict) else None
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(inner, dict) or not isinstance(auth, dict) or not token:
            raise UpstreamUnavailable(f"AimHarder {what} answer has no token")
        raw_user = inner.get("user")
        user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
        seconds = as_int(auth.get("expiresIn"))
        lifetime = timedelta(seconds=seconds) if seconds else DEFAULT_TOKEN_LIFETIME
        return AimharderSession(
            email=str(user.get("email") or email),
            token=str(token),
            refresh_token=str(auth.get("refreshToken") or ""),
            expires_at=datetime.now(UTC) + lifetime,
            boxes=_boxes(user),
            user_id=None if user.get("id") is None else str(user["id"]),
            name=user.get("name") if isinstance(user.get("name"), str) else None,
        )

    async def login(self, email: str, password: str) -> AimharderSession:
        """Log in with email and password; raises `InvalidCredentials` when refused."""
        request = self._request(
            "POST", f"{self._login_url}/api/login", body={"email": email, "password": password}
        )
        response = await self._send(request, "login")
        self._forget_jar_cookie()
        if response.status_code in (400, 401, 403):
            raise InvalidCredentials("AimHarder refused the email or password")
        data = _json_object(response, "login")
        if "error" in data and not data.get("data"):
            raise InvalidCredentials("AimHarder refused the email or password")
        if response.status_code >= 400:
            raise AimharderError(f"AimHarder login answered HTTP {response.status_code}")
        return self._session_from(data, email, "login")

    async def refresh(self, session: AimharderSession) -> AimharderSession:
        """A new token from the refresh token (`tokenUpdate`); `SessionExpired` if refused."""
        url = f"{self._login_url}/api/tokenUpdate"
        request = self._request("POST", url, session, body={"refreshToken": session.refresh_token})
        response = await self._send(request, "token renewal")
        self._forget_jar_cookie()
        data = _json_object(response, "token renewal")
        _check_session(data, "token renewal")
        if response.status_code >= 400:
            raise SessionExpired(f"AimHarder token renewal answered HTTP {response.status_code}")
        fresh = self._session_from(data, session.email, "token renewal")
        return replace(  # an answer without these keeps the ones we had
            fresh,
            refresh_token=fresh.refresh_token or session.refresh_token,
            boxes=fresh.boxes or session.boxes,
            user_id=fresh.user_id or session.user_id,
            name=fresh.name or session.name,
        )

    async def whoami(self, session: AimharderSession) -> AccountInfo:
        request = self._request("GET", f"{self._login_url}/api/whoami", session)
        data = await self._call(request, "whoami")
        inner = data.get("data")
        user = inner.get("user") if isinstance(inner, dict) else None
        if not isinstance(user, dict):
            raise UpstreamUnavailable("AimHarder whoami answer has no user")
        return AccountInfo(
            id=None if user.get("id") is None else str(user["id"]),
            email=str(user.get("email") or session.email),
            name=user.get("name") if isinstance(user.get("name"), str) else None,
            boxes=_boxes(user),
        )

    # box

    async def list_classes(
        self,
        session: AimharderSession,
        *,
        subdomain: str,
        box_id: str,
        day: date,
        family_id: str | None = None,
    ) -> list[ClassInfo]:
        """The classes of one day, with this member's booking state in each."""
        params = {"day": f"{day:%Y%m%d}", "familyId": family_id or "", "box": box_id}
        url = f"{self.box_url(subdomain)}/api/bookings"
        data = await self._call(self._request("GET", url, session, params=params), "class list")
        raw = data.get("bookings")
        if not isinstance(raw, list):
            raise UpstreamUnavailable("AimHarder class list answer has no bookings")
        classes = (_class_info(item, day) for item in raw if isinstance(item, dict))
        return [info for info in classes if info is not None]

    def prepare_book(
        self,
        session: AimharderSession,
        *,
        subdomain: str,
        class_id: str,
        day: date,
        family_id: str | None = None,
        insist: bool = False,
    ) -> httpx.Request:
        """The complete booking request, built ahead of the instant it is sent."""
        form = {
            "id": class_id,
            "day": f"{day:%Y%m%d}",
            "insist": "1" if insist else "0",
            "familyId": family_id or "",
        }
        request = self._request("POST", f"{self.box_url(subdomain)}/api/book", session, form=form)
        request.read()  # encode the body now, not at send time
        return request

    async def send_book(self, request: httpx.Request) -> BookAnswer:
        """Send a prepared booking request; every HTTP answer becomes a `BookAnswer`."""
        sent_at_ns = time.time_ns()
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
            raise UpstreamUnavailable(
                f"AimHarder booking {kind}: {type(exc).__name__}", sent_at_ns=sent_at_ns
            ) from None
        received_at_ns = time.time_ns()
        try:
            data = response.json()
        except ValueError:
            data = None
        return BookAnswer(
            status_code=response.status_code,
            payload=data if isinstance(data, dict) else None,
            sent_at_ns=sent_at_ns,
            received_at_ns=received_at_ns,
            date_header=response.headers.get("date"),
        )

    async def book(
        self,
        session: AimharderSession,
        *,
        subdomain: str,
        class_id: str,
        day: date,
        family_id: str | None = None,
        insist: bool = False,
    ) -> BookAnswer:
        return await self.send_book(
            self.prepare_book(
                session,
                subdomain=subdomain,
                class_id=class_id,
                day=day,
                family_id=family_id,
                insist=insist,
            )
        )

    async def warm(self, subdomain: str) -> None:
        """Open (or keep) a connection to the box host so the booking send reuses it.

        Any answer will do; failures are ignored because the send will report them.
        """
        request = self._request("HEAD", f"{self.box_url(subdomain)}/")
        try:
            response = await self._http.send(request)
            await response.aclose()
        except httpx.HTTPError:
            return

    async def cancel(
        self,
        session: AimharderSession,
        *,
        subdomain: str,
        booking_id: str,
        late: bool = False,
        family_id: str | None = None,
    ) -> int:
        """Cancel a reservation; returns AimHarder's `cancelState` (1 = cancelled)."""
        form = {"id": booking_id, "late": "1" if late else "0", "familyId": family_id or ""}
        url = f"{self.box_url(subdomain)}/api/cancelBook"
        data = await self._call(self._request("POST", url, session, form=form), "cancellation")
        state = as_int(data.get("cancelState"))
        if state is None:
            raise UpstreamUnavailable("AimHarder cancellation answer has no cancelState")
        return state


def _class_info(item: dict[str, Any], day: date) -> ClassInfo | None:
    """One entry of `bookings`; None for an entry without a readable time (not bookable)."""
    raw_time = str(item.get("time", ""))
    try:
        start_t, end_t = parse_time_range(raw_time)
    except ValueError:
        return None
    start = class_start(day, raw_time)
    end = datetime.combine(day, end_t)
    if end <= start:
        end += timedelta(days=1)
    booking_id = item.get("idres")
    return ClassInfo(
        id=str(item.get("id", "")),
        name=str(item.get("className") or ""),
        time=f"{start_t:%H:%M}-{end_t:%H:%M}",
        start=start,
        end=end,
        capacity=as_int(item.get("limit")),
        booked=as_int(item.get("ocupation")),
        book_state=as_int(item.get("bookState")),
        booking_id=None if booking_id in (None, "") else str(booking_id),
        waitlist=as_int(item.get("waitlist")),
    )
