"""The client against the literal answers of AIMHARDER.md, every shape the sources show.

AimHarder itself cannot be reached from here, so these answers are served by an
`httpx.MockTransport` that writes the bodies and headers exactly as AIMHARDER.md quotes them
(the fake box serves one reading of each; this covers the others).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from booking.aimharder import (
    AccessBlockedError,
    AimharderClient,
    AimharderSession,
    CancelState,
    InvalidCredentialsError,
    SessionExpiredError,
    Shapes,
    UnexpectedAnswerError,
    is_fingerprint,
    new_fingerprint,
)
from booking.aimharder.browser import DEFAULT_USER_AGENT
from booking.outcomes import BookAnswer, Outcome, classify

FP = "my0pz7di4kr8nuq718uecu4ev23fbosfp20z1q6smntm42ideb"  # the 2025 form example
LOGIN_OK = {"data": {"userData": {"id": 42, "name": "Ana", "photo": "p.jpg", "roles": [
    {"id": 100, "role": "client", "gym": "Gimnasio de prueba",
     "centre_url": "sample-gym.aimharder.es", "boid": 200, "perm_hash": "h"}]},
    "auth": {"authOK": True, "refreshToken": "synthetic-refresh-token"}}}
COOKIE = "amhrdrauth=cookie-value; Domain=.aimharder.es; Path=/; HttpOnly"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, shapes: Shapes | None = None) -> AimharderClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AimharderClient(http=http, login_url="https://login.aimharder.com",
                           account_url="https://aimharder.com",
                           box_url_template="https://{subdomain}.aimharder.com", shapes=shapes)


def session(refresh: str | None = "r1") -> AimharderSession:
    return AimharderSession(email="a@b.es", cookie="c1", fingerprint=FP, refresh_token=refresh)


def answer(body: object, status: int = 200, *, headers: list[tuple[str, str]] | None = None,
           seen: list[httpx.Request] | None = None) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers=headers or [])
    return handle


async def test_login_sends_username_fingerprint_and_reads_the_cookie_and_roles() -> None:
    seen: list[httpx.Request] = []
    shapes = Shapes()
    got = await client(answer(LOGIN_OK, headers=[("set-cookie", "PHPSESSID=x; Path=/"),
                                                 ("set-cookie", COOKIE)], seen=seen),
                       shapes).login("a@b.es", "pw", FP)
    sent = json.loads(seen[0].content)
    assert sent == {"username": "a@b.es", "password": "pw", "fingerprint": FP, "iniframe": 0}
    assert str(seen[0].url) == "https://login.aimharder.com/api/login"
    assert seen[0].headers["user-agent"] == DEFAULT_USER_AGENT
    assert seen[0].headers["x-requested-with"] == "XMLHttpRequest"
    assert "application/json" in seen[0].headers["accept"]
    assert got.cookie == "cookie-value" and got.refresh_token == "synthetic-refresh-token"
    assert got.user_id == "42" and got.name == "Ana"
    [box] = got.boxes
    assert (box.id, box.subdomain, box.name, box.timezone) == (
        "200", "sample-gym", "Gimnasio de prueba", "Europe/Madrid")
    assert ("cookie", "amhrdrauth Domain=.aimharder.es") in shapes.seen
    assert "cookie-value" not in repr(got)


@pytest.mark.parametrize("body, status, cookies", [
    # XAN: an error object, even with a session cookie set
    ({"error": {"message": "Usuario o contraseña incorrectos"}}, 200, [("set-cookie", COOKIE)]),
    ({"data": {"auth": {"authOK": False}, "userData": {}}}, 200, [("set-cookie", COOKIE)]),
    (LOGIN_OK, 200, []),  # ALBV, KIRU: authOK but no amhrdrauth is no login
    ({"error": "loginErrors"}, 401, []),
])
async def test_every_refusal_shape_is_invalid_credentials(
        body: object, status: int, cookies: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        await client(answer(body, status, headers=cookies)).login("a@b.es", "secret-pw", FP)
    assert "secret-pw" not in str(caught.value)


async def test_a_cleared_cookie_is_no_session() -> None:
    headers = [("set-cookie", "amhrdrauth=deleted; Domain=.aimharder.com; Max-Age=0")]
    with pytest.raises(InvalidCredentialsError):
        await client(answer(LOGIN_OK, headers=headers)).login("a@b.es", "pw", FP)


@pytest.mark.parametrize("body, status", [
    (b"<html><body>403 Forbidden</body></html>", 403),
    (b"", 403),
    (b"<!DOCTYPE html><html><title>Login</title></html>", 200),
])
async def test_403_or_an_html_page_is_access_blocked_not_a_bad_password(
        body: bytes, status: int) -> None:
    handler = answer(body, status, headers=[("content-type", "text/html")])
    with pytest.raises(AccessBlockedError) as caught:
        await client(handler).login("a@b.es", "pw", FP)
    assert "AIMHARDER_PROXY" in str(caught.value)
    with pytest.raises(AccessBlockedError):
        await client(handler).list_classes(None, subdomain="x", box_id="1", day=date(2026, 1, 5))


async def test_an_unknown_login_shape_names_what_was_unexpected() -> None:
    with pytest.raises(UnexpectedAnswerError) as caught:
        await client(answer({"data": {"auth": {"token": "t"}, "user": {}}})).login("a", "b", FP)
    assert "authOK" in str(caught.value) and "{token}" in str(caught.value)
    with pytest.raises(UnexpectedAnswerError) as caught:
        await client(answer({"status": "ok"})).login("a", "b", FP)
    assert "{status}" in str(caught.value)


async def test_renewal_is_a_form_post_and_rotates_the_refresh_token() -> None:
    seen: list[httpx.Request] = []
    renewed = await client(answer({"newToken": "r2"}, seen=seen)).renew(session())
    request = seen[0]
    assert str(request.url) == "https://aimharder.com/api/tokenUpdate"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.content.decode() == f"token=r1&ciclo=1&fingerprint={FP}"
    assert request.headers["cookie"] == "amhrdrauth=c1"
    assert renewed.refresh_token == "r2" and renewed.cookie == "c1"
    headers = [("set-cookie", "amhrdrauth=c2; Domain=.aimharder.com; Path=/")]
    assert (await client(answer({"newToken": "r3"}, headers=headers)).renew(session())).cookie \
        == "c2"


@pytest.mark.parametrize("body, error", [
    ({"logout": 1}, SessionExpiredError), ({"logout": True}, SessionExpiredError),
    ({"ok": 1}, UnexpectedAnswerError), ({"newToken": ""}, UnexpectedAnswerError),
])
async def test_renewal_that_is_no_clear_success_raises(body: object, error: type) -> None:
    with pytest.raises(error):
        await client(answer(body)).renew(session())
    with pytest.raises(SessionExpiredError):
        await client(answer({"newToken": "x"})).renew(session(refresh=None))


async def test_whoami_reads_the_data_array_and_empty_means_gone() -> None:
    row = LOGIN_OK["data"]["userData"]  # type: ignore[index]
    who = await client(answer({"data": [row]})).whoami(session())
    assert who.id == "42" and [b.id for b in who.boxes] == ["200"]
    with pytest.raises(SessionExpiredError):
        await client(answer({"data": []})).whoami(session())
    with pytest.raises(SessionExpiredError):
        await client(answer({"logout": 1})).whoami(session())


async def test_class_rows_read_limitc_and_a_string_limit() -> None:
    seen: list[httpx.Request] = []
    shapes = Shapes()
    rows = {"clasesDisp": "", "timetable": [], "day": "", "seminars": [], "bookings": [
        {"id": 5, "time": "18:15 - 19:15", "timeid": "1815_60", "className": "WOD",
         "ocupation": 12, "limit": "12 (2)", "limitc": 12, "waitlist": 2, "bookState": None,
         "idres": None},
        {"id": 6, "time": "", "timeid": "2330_60", "className": "Late", "ocupation": 3,
         "limit": 14, "bookState": "1", "idres": 77},
        {"id": 7, "time": "07:00 - 08:00", "className": "Open", "ocupation": 8,
         "limit": "8/15", "bookState": 0, "idres": "78"},
    ]}
    got = await client(answer(rows, seen=seen), shapes).list_classes(
        session(), subdomain="sample-gym", box_id="200", day=date(2026, 3, 2))
    query = seen[0].url.params
    assert (query["day"], query["box"], query["familyId"]) == ("20260302", "200", "")
    assert seen[0].headers["origin"] == "https://sample-gym.aimharder.com"
    assert seen[0].headers["referer"] == "https://sample-gym.aimharder.com/schedule"
    assert [(c.capacity, c.booked, c.waitlist, c.book_state, c.booking_id) for c in got] == [
        (12, 12, 2, None, None), (14, 3, None, 1, "77"), (15, 8, None, 0, "78")]
    assert got[1].time == "23:30-00:30" and got[1].end.day == 3
    assert ("bookings", "limit as a string") in shapes.seen
    with pytest.raises(SessionExpiredError):
        await client(answer({"logout": 1})).list_classes(
            session(), subdomain="s", box_id="1", day=date(2026, 3, 2))


async def test_the_booking_request_is_a_browser_form_post_with_the_cookie() -> None:
    request = client(answer({})).prepare_book(
        session(), subdomain="sample-gym", class_id="5", day=date(2026, 3, 2), insist=True)
    assert str(request.url) == "https://sample-gym.aimharder.com/api/book"
    assert request.content.decode() == "id=5&day=20260302&insist=1&familyId="
    assert request.headers["cookie"] == "amhrdrauth=c1"
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert request.headers["x-requested-with"] == "XMLHttpRequest"
    assert request.headers["origin"] == "https://sample-gym.aimharder.com"


def book(body: object, status: int = 200, content_type: str = "application/json") -> BookAnswer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return BookAnswer.parse(status, raw, sent_at_ns=1, received_at_ns=2, date_header=None,
                            content_type=content_type)


C = "BARBELL WOD, WOD"


@pytest.mark.parametrize("body, outcome", [
    ({"clasesContratadas": C, "hasPublicMemberships": 1, "bookState": 1, "id": "106015104"},
     Outcome.BOOKED),
    ({"clasesContratadas": C, "bookState": 0, "id": "9"}, Outcome.WAITLISTED),
    ({"clasesContratadas": C, "bookState": -12, "errorMssg":
      "No puedes reservar clases con más de 4 días de antelación",
      "errorMssgLang": "ERROR_ANTELACION_CLIENTE"}, Outcome.TOO_EARLY),
    ({"clasesContratadas": C, "bookState": -12, "errorMssg": "…",
      "errorMssgLang": "ERROR_ANTELACION_CLIENTE_HORAS"}, Outcome.TOO_EARLY),
    ({"clasesContratadas": C, "bookState": -12, "errorMssg":
      "No puedes hacer más de una reserva a la misma hora",
      "errorMssgLang": "NOPUEDESRESERVAMISMAHORA"}, Outcome.ALREADY_BOOKED),
    ({"clasesContratadas": C, "bookState": -12, "errorMssgLang": "HASSUPERADOLIMITCONTR"},
     Outcome.PLAN_LIMIT),
    ({"clasesContratadas": C, "bookState": -1}, Outcome.FULL),
    ({"clasesContratadas": C, "bookState": -2}, Outcome.NO_CREDIT),
    ({"clasesContratadas": C, "bookState": -4, "errorMssg":
      "You can't book classes with more than 1 days of anticipation"}, Outcome.TOO_EARLY),
    ({"clasesContratadas": C, "bookState": -5}, Outcome.UNPAID),
    ({"clasesContratadas": C, "bookState": -7}, Outcome.TOO_LATE),
    ({"clasesContratadas": C, "bookState": -8, "max": 2}, Outcome.MAX_BOOKINGS),
    ({"clasesContratadas": C, "bookState": -9}, Outcome.PLAN_LIMIT),
    ({"errorMssg": "<p>Has alcanzado el <b>máximo</b> de clases</p>"}, Outcome.BOX_RULE),
    ({"logout": 1}, Outcome.LOGGED_OUT),
    ({"clasesContratadas": C, "bookState": -99}, Outcome.UNKNOWN),
])
def test_every_book_state_of_section_d_is_mapped(body: object, outcome: Outcome) -> None:
    parsed = book(body)
    assert classify(parsed) is outcome
    assert parsed.raw == json.dumps(body)


def test_an_errormssg_only_answer_is_plain_text_and_403_is_blocked() -> None:
    parsed = book({"errorMssg": "<p>Has alcanzado el <b>máximo</b> de clases</p>"})
    assert parsed.error_message == "Has alcanzado el máximo de clases"
    assert classify(book(b"<html>Forbidden</html>", 403, "text/html")) is Outcome.ACCESS_BLOCKED
    assert classify(book(b"<html>login</html>", 200, "text/html")) is Outcome.ACCESS_BLOCKED
    assert classify(book(b"bad gateway", 502, "text/plain")) is Outcome.UNKNOWN


@pytest.mark.parametrize("state", [1, 2, 3])
async def test_cancel_states_are_understood(state: int) -> None:
    seen: list[httpx.Request] = []
    got = await client(answer({"cancelState": state}, seen=seen)).cancel(
        session(), subdomain="g", booking_id="106015104", late=state == 2)
    assert got is CancelState(state)
    assert seen[0].content.decode() == f"id=106015104&late={int(state == 2)}&familyId="
    with pytest.raises(UnexpectedAnswerError):
        await client(answer({"cancelState": 7})).cancel(session(), subdomain="g", booking_id="1")


def test_fingerprints_are_fifty_lowercase_letters_and_digits() -> None:
    made = {new_fingerprint() for _ in range(20)}
    assert len(made) == 20 and all(is_fingerprint(f) for f in made)
    assert is_fingerprint(FP) and not is_fingerprint(FP.upper()) and not is_fingerprint(FP[:49])
