"""The real client against the fake box on loopback: login, sessions, classes, errors."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from booking.aimharder import (
    AimharderClient,
    AimharderSession,
    BoxInfo,
    InvalidCredentials,
    SessionExpired,
    UpstreamUnavailable,
)
from booking.fakebox import DEMO_EMAIL, DEMO_PASSWORD, FakeBoxConfig, create_app
from tests.booking.conftest import FakeBox, client_for
from tests.servers import free_port, serve

DEMO = BoxInfo(id="10001", subdomain="demo", name="Demo CrossFit", timezone="Europe/Madrid")


async def test_login_returns_a_session(box: FakeBox) -> None:
    session = await box.client.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert session.email == DEMO_EMAIL
    assert session.token and session.refresh_token
    assert session.boxes[0] == DEMO
    assert [b.subdomain for b in session.boxes] == ["demo", "demohours"]
    lifetime = session.expires_at - datetime.now(UTC)
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)
    assert session.token not in repr(session) and session.refresh_token not in repr(session)


async def test_login_sets_the_domain_wide_cookie(box: FakeBox) -> None:
    response = await box.control.post(
        "/api/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    token = response.json()["data"]["auth"]["token"]
    assert f"amhrdrauth={token}" in response.headers["set-cookie"]
    assert "Path=/" in response.headers["set-cookie"]


async def test_login_does_not_leave_the_cookie_in_the_shared_jar(
    box: FakeBox, http: httpx.AsyncClient
) -> None:
    await box.client.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert "amhrdrauth" not in http.cookies


async def test_bad_password_is_invalid_credentials(box: FakeBox) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        await box.client.login(DEMO_EMAIL, "not-the-password")
    assert "not-the-password" not in str(caught.value)
    with pytest.raises(InvalidCredentials):
        await box.client.login("nobody@example.com", DEMO_PASSWORD)


async def test_bad_login_answer_shape(box: FakeBox) -> None:
    response = await box.control.post("/api/login", json={"email": DEMO_EMAIL, "password": "x"})
    assert response.status_code == 401
    assert response.json()["error"] == "loginErrors"


async def test_whoami(box: FakeBox, session: AimharderSession) -> None:
    account = await box.client.whoami(session)
    assert account.email == DEMO_EMAIL
    assert account.name == "Demo Athlete"
    assert account.boxes[0] == DEMO


async def test_refresh_gives_a_new_working_token(box: FakeBox, session: AimharderSession) -> None:
    fresh = await box.client.refresh(session)
    assert fresh.token != session.token
    assert fresh.refresh_token == session.refresh_token
    assert fresh.boxes == session.boxes
    assert (await box.client.whoami(fresh)).email == DEMO_EMAIL


async def test_refresh_with_an_unknown_refresh_token_is_session_expired(
    box: FakeBox, session: AimharderSession
) -> None:
    stale = dataclasses.replace(session, token="garbage", refresh_token="garbage")
    with pytest.raises(SessionExpired):
        await box.client.refresh(stale)


async def test_garbage_cookie_is_session_expired(box: FakeBox, session: AimharderSession) -> None:
    bad = dataclasses.replace(session, token="garbage")
    with pytest.raises(SessionExpired):
        await box.client.whoami(bad)
    with pytest.raises(SessionExpired):
        await box.client.list_classes(bad, subdomain="demo", box_id="10001", day=date.today())
    with pytest.raises(SessionExpired):
        await box.client.cancel(bad, subdomain="demo", booking_id="1")
    answer = await box.client.book(bad, subdomain="demo", class_id="1", day=date.today())
    assert answer.logged_out


async def test_expired_token_is_session_expired_and_refresh_recovers(
    http: httpx.AsyncClient,
) -> None:
    with serve(create_app(FakeBoxConfig(token_ttl=0.3))) as server:
        client = client_for(server, http)
        session = await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        await asyncio.sleep(0.4)
        with pytest.raises(SessionExpired):
            await client.whoami(session)
        fresh = await client.refresh(session)
        assert (await client.whoami(fresh)).email == DEMO_EMAIL


async def test_list_classes_of_a_demo_day(box: FakeBox, session: AimharderSession) -> None:
    day = date.today() + timedelta(days=10)
    classes = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=day)
    assert len(classes) == 24
    first = classes[0]
    assert first.time == "00:00-01:00"
    assert first.start == datetime.combine(day, datetime.min.time())
    assert first.end == first.start + timedelta(hours=1)
    assert first.capacity == 14 and first.booked == 0 and first.book_state is None
    assert classes[23].end == datetime.combine(day + timedelta(days=1), datetime.min.time())
    assert all(c.id.isdigit() for c in classes)
    again = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=day)
    other = await box.client.list_classes(
        session, subdomain="demo", box_id="10001", day=day + timedelta(days=1)
    )
    assert [c.id for c in again] == [c.id for c in classes]
    assert not {c.id for c in classes} & {c.id for c in other}


async def test_unreachable_box_is_upstream_unavailable(session: AimharderSession) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with httpx.AsyncClient(timeout=2.0) as http:
        client = AimharderClient(http=http, login_url=url, box_url_template=url + "/{subdomain}")
        with pytest.raises(UpstreamUnavailable):
            await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.book(session, subdomain="demo", class_id="1", day=date.today())
        assert caught.value.sent_at_ns is not None
        assert session.token not in str(caught.value)
        await client.warm("demo")  # never raises


def _client_over(handler: httpx.MockTransport) -> tuple[httpx.AsyncClient, AimharderClient]:
    http = httpx.AsyncClient(transport=handler)
    url = "https://aimharder.test"
    return http, AimharderClient(
        http=http, login_url=url, box_url_template="https://{subdomain}.aimharder.test"
    )


async def test_5xx_and_non_json_are_upstream_unavailable(session: AimharderSession) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/whoami":
            return httpx.Response(502, text="bad gateway")
        return httpx.Response(200, text="<html>maintenance</html>")

    http, client = _client_over(httpx.MockTransport(handler))
    async with http:
        with pytest.raises(UpstreamUnavailable, match="HTTP 502"):
            await client.whoami(session)
        with pytest.raises(UpstreamUnavailable, match="non-JSON"):
            await client.list_classes(session, subdomain="demo", box_id="1", day=date.today())
        answer = await client.book(session, subdomain="demo", class_id="1", day=date.today())
        assert answer.status_code == 200 and answer.payload is None


async def test_requests_carry_the_session_cookie_explicitly(session: AimharderSession) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"bookState": 1, "id": "7"})

    http, client = _client_over(httpx.MockTransport(handler))
    async with http:
        http.cookies.set("amhrdrauth", "someone-else")
        request = client.prepare_book(
            session, subdomain="demo", class_id="42", day=date(2026, 3, 30), insist=True
        )
        assert request.url == "https://demo.aimharder.test/api/book"
        answer = await client.send_book(request)
    assert seen[0].headers["cookie"] == f"amhrdrauth={session.token}"
    assert seen[0].content == b"id=42&day=20260330&insist=1&familyId="
    assert answer.booking_id == "7"
    assert answer.sent_at_ns <= answer.received_at_ns
