"""AimHarder HTTP client over an injected `httpx.AsyncClient` shared by every user.

Three hosts (AIMHARDER.md 0): the login host serves `/api/login`; the account host (the apex)
serves `/api/whoami` and `/api/tokenUpdate`; each box `<sub>.aimharder.com` serves the class
list, booking and cancellation. The session is the `amhrdrauth` cookie alone, read from the
login's `Set-Cookie` and sent explicitly as `Cookie: amhrdrauth=…` on each request, never through
the shared client's cookie jar, so users cannot leak into each other's requests.

Booking is split into `prepare_book` (everything built in advance) and `send_book` (only the
network at the instant); `booking.aimharder.wire.Shot` sends the prepared bytes on its own
connection.
`send_book` turns every HTTP answer into a `BookAnswer` (classify it with
`booking.outcomes.classify`); only a request that got no answer raises `UpstreamUnavailableError`.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum
from typing import Any

import httpx

from booking.aimharder.answers import (
    COOKIE,
    AccountInfo,
    BoxInfo,
    ClassInfo,
    json_object,
    keys_of,
    parse_classes,
    parse_login,
    parse_whoami,
    read_json,
    session_cookie,
)
from booking.aimharder.browser import FORM_CONTENT_TYPE, BrowserHeaders
from booking.aimharder.errors import (
    AccessBlockedError,
    InvalidCredentialsError,
    SessionExpiredError,
    UnexpectedAnswerError,
    UpstreamUnavailableError,
)
from booking.aimharder.shapes import Shapes, note
from booking.outcomes import BookAnswer, as_int
from jobs.metrics import metrics

FINGERPRINT_ALPHABET = string.ascii_lowercase + string.digits
FINGERPRINT_LENGTH = 50
RAW_ANSWER_LIMIT = 4000  # characters of a booking answer kept for the user


def new_fingerprint() -> str:
    """50 characters of [a-z0-9]: the device id sent with every login and renewal."""
    return "".join(secrets.choice(FINGERPRINT_ALPHABET) for _ in range(FINGERPRINT_LENGTH))


def is_fingerprint(value: str | None) -> bool:
    return (value is not None and len(value) == FINGERPRINT_LENGTH
            and all(c in FINGERPRINT_ALPHABET for c in value))


@dataclass(frozen=True)
class AimharderSession:
    email: str
    cookie: str = field(repr=False)  # the amhrdrauth value
    fingerprint: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    boxes: list[BoxInfo] = field(default_factory=list)
    user_id: str | None = None
    name: str | None = None


def _endpoint(request: httpx.Request) -> str:
    """The metric label of a request: the last segment of its path (login, book, …)."""
    return request.url.path.rsplit("/", 1)[-1] or "?"


class CancelState(IntEnum):
    CANCELLED = 1
    LATE = 2  # inside the late-cancellation window: resend with late=1 to lose the credit
    REFUSED = 3


class AimharderClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        login_url: str,
        account_url: str,
        box_url_template: str,
        headers: BrowserHeaders | None = None,
        shapes: Shapes | None = None,
        proxy: str | None = None,
    ) -> None:
        if "{subdomain}" not in box_url_template:
            raise ValueError("box_url_template must contain '{subdomain}'")
        self._http = http
        self._login_url = login_url.rstrip("/")
        self._account_url = account_url.rstrip("/")
        self._box_url_template = box_url_template.rstrip("/")
        self.headers = headers or BrowserHeaders()
        self.shapes = shapes
        # The egress proxy `http` was built with; the pre-armed booking connection tunnels
        # through it itself (booking.aimharder.wire).
        self.proxy = proxy

    def box_url(self, subdomain: str) -> str:
        return self._box_url_template.format(subdomain=subdomain)

    def _request(
        self,
        method: str,
        url: str,
        *,
        page: str,
        session: AimharderSession | None = None,
        form: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Request:
        headers = self.headers.page(page)
        if form is not None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        if session is not None:
            headers["Cookie"] = f"{COOKIE}={session.cookie}"
        return httpx.Request(method, url, data=form, json=body, params=params, headers=headers)

    async def _send(self, request: httpx.Request, what: str) -> httpx.Response:
        try:
            response = await self._http.send(request)
        except httpx.TimeoutException:
            raise UpstreamUnavailableError(f"AimHarder {what} timed out") from None
        except httpx.ProxyError as exc:
            raise UpstreamUnavailableError(
                f"the egress proxy (AIMHARDER_PROXY) failed: {exc}") from None
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"AimHarder {what} failed: {type(exc).__name__}") from None
        finally:
            self._http.cookies.clear()  # sessions live in AimharderSession only
        if response.status_code == 403:
            metrics().record_aimharder_refusal(_endpoint(request))
        return response

    async def _json(self, request: httpx.Request, what: str) -> dict[str, Any]:
        return self._checked(await self._send(request, what), what)

    @staticmethod
    def _checked(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            return json_object(response, what)
        except AccessBlockedError:
            if response.status_code != 403:  # an HTML page: counted here, 403s in _send
                metrics().record_aimharder_refusal(_endpoint(response.request))
            raise

    # the login and account hosts

    async def login(self, email: str, password: str, fingerprint: str) -> AimharderSession:
        """The 2026 JSON login; raises `InvalidCredentialsError` when refused,
        `AccessBlockedError` on a 403 or an HTML page."""
        body = {"username": email, "password": password, "fingerprint": fingerprint,
                "iniframe": 0}
        request = self._request("POST", f"{self._login_url}/api/login",
                                page=f"{self._login_url}/", body=body)
        response = await self._send(request, "login")
        if response.status_code in (400, 401):
            data = read_json(response, "login")
            note(self.shapes, "login", f"HTTP {response.status_code} {keys_of(data)}")
            raise InvalidCredentialsError(
                f"AimHarder refused the login (HTTP {response.status_code})")
        data = self._checked(response, "login")
        facts = parse_login(data, self.shapes)
        cookie = session_cookie(response, self.shapes)
        if cookie is None:
            raise InvalidCredentialsError(
                "AimHarder's login answer set no amhrdrauth cookie: the login was not accepted"
            )
        return AimharderSession(
            email=email, cookie=cookie, fingerprint=fingerprint,
            refresh_token=facts.refresh_token, boxes=facts.account.boxes,
            user_id=facts.account.id, name=facts.account.name,
        )

    async def renew(self, session: AimharderSession) -> AimharderSession:
        """`tokenUpdate`: the next refresh token (and a new cookie when one is set).

        Raises `SessionExpiredError` for `{"logout": …}` or no refresh token,
        `UnexpectedAnswerError` for anything else that is not a clear `{"newToken"}`: the caller
        then logs in again.
        """
        if not session.refresh_token:
            raise SessionExpiredError("no refresh token to renew the session with")
        form = {"token": session.refresh_token, "ciclo": "1", "fingerprint": session.fingerprint}
        request = self._request("POST", f"{self._account_url}/api/tokenUpdate",
                                page=f"{self._account_url}/", session=session, form=form)
        response = await self._send(request, "session renewal")
        data = self._checked(response, "session renewal")
        token = data.get("newToken")
        if not isinstance(token, str) or not token:
            note(self.shapes, "tokenUpdate", f"answer {keys_of(data)}", recognised=False)
            raise UnexpectedAnswerError(f"AimHarder renewal answered {keys_of(data)}, not newToken")
        cookie = session_cookie(response, self.shapes)
        note(self.shapes, "tokenUpdate",
             "newToken with a new amhrdrauth" if cookie else "newToken, cookie unchanged")
        return replace(session, refresh_token=token, cookie=cookie or session.cookie)

    async def whoami(self, session: AimharderSession) -> AccountInfo:
        """Who the session belongs to; `SessionExpiredError` when AimHarder answers `data: []`."""
        request = self._request("GET", f"{self._account_url}/api/whoami",
                                page=f"{self._account_url}/", session=session)
        return parse_whoami(await self._json(request, "whoami"), self.shapes)

    # a box

    def _box_page(self, subdomain: str) -> str:
        return f"{self.box_url(subdomain)}/schedule"

    async def list_classes(
        self,
        session: AimharderSession | None,
        *,
        subdomain: str,
        box_id: str,
        day: date,
        family_id: str | None = None,
    ) -> list[ClassInfo]:
        """The classes of one day. AimHarder answers the public schedule to anyone, so a
        member's `book_state` means something only on a session just verified."""
        params = {"day": f"{day:%Y%m%d}", "familyId": family_id or "", "box": box_id,
                  "_": str(time.time_ns() // 1_000_000)}
        request = self._request("GET", f"{self.box_url(subdomain)}/api/bookings",
                                page=self._box_page(subdomain), session=session, params=params)
        return parse_classes(await self._json(request, "class list"), day, self.shapes)

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
        form = {"id": class_id, "day": f"{day:%Y%m%d}", "insist": "1" if insist else "0",
                "familyId": family_id or ""}
        request = self._request("POST", f"{self.box_url(subdomain)}/api/book",
                                page=self._box_page(subdomain), session=session, form=form)
        request.read()  # encode the body now, not at send time
        return request

    async def send_book(self, request: httpx.Request) -> BookAnswer:
        """Send a prepared booking request; every HTTP answer becomes a `BookAnswer`."""
        sent_at_ns = time.time_ns()
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
            raise UpstreamUnavailableError(
                f"AimHarder booking {kind}: {type(exc).__name__}", sent_at_ns=sent_at_ns
            ) from None
        finally:
            self._http.cookies.clear()
        answer = BookAnswer.parse(
            response.status_code, response.content, sent_at_ns=sent_at_ns,
            received_at_ns=time.time_ns(), date_header=response.headers.get("date"),
            content_type=response.headers.get("content-type"),
        )
        if answer.blocked:
            metrics().record_aimharder_refusal(_endpoint(request))
        return answer

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
        return await self.send_book(self.prepare_book(
            session, subdomain=subdomain, class_id=class_id, day=day, family_id=family_id,
            insist=insist,
        ))

    async def cancel(
        self,
        session: AimharderSession,
        *,
        subdomain: str,
        booking_id: str,
        late: bool = False,
        family_id: str | None = None,
    ) -> CancelState:
        """Cancel a reservation (`idres`, not the class id): AimHarder's `cancelState`."""
        form = {"id": booking_id, "late": "1" if late else "0", "familyId": family_id or ""}
        request = self._request("POST", f"{self.box_url(subdomain)}/api/cancelBook",
                                page=self._box_page(subdomain), session=session, form=form)
        data = await self._json(request, "cancellation")
        state = as_int(data.get("cancelState"))
        if state not in {s.value for s in CancelState}:
            raise UnexpectedAnswerError(
                f"AimHarder cancellation answered cancelState {data.get('cancelState')!r} "
                f"({keys_of(data)}); 1, 2 or 3 expected"
            )
        return CancelState(state)
