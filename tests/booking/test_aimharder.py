"""The real client against the fake box on loopback: login, sessions, classes, proxy, errors."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import httpx
import pytest

from booking.aimharder import (
    AccessBlockedError,
    AimharderClient,
    AimharderSession,
    BoxInfo,
    SessionExpiredError,
    UpstreamUnavailableError,
    new_fingerprint,
)
from booking.aimharder.browser import DEFAULT_USER_AGENT
from booking.aimharder.wire import Shot
from fakebox import DEMO_EMAIL, DEMO_PASSWORD
from tests.booking.conftest import FakeBox
from tests.egress_proxy import running_proxy
from tests.servers import free_port

DEMO = BoxInfo(id="10001", subdomain="demo", name="Demo CrossFit", timezone="Europe/Madrid")


async def requests_to(box: FakeBox, path_end: str) -> list[dict[str, object]]:
    return [r for r in (await box.control.get("/_fake/requests")).json()
            if str(r["path"]).endswith(path_end)]


async def test_login_returns_the_cookie_session_and_boxes_from_roles(box: FakeBox) -> None:
    fingerprint = new_fingerprint()
    session = await box.client.login(DEMO_EMAIL, DEMO_PASSWORD, fingerprint)
    assert session.email == DEMO_EMAIL and session.fingerprint == fingerprint
    assert session.cookie and session.refresh_token
    assert session.boxes[0] == DEMO
    assert [b.subdomain for b in session.boxes] == ["demo", "demohours"]
    assert session.cookie not in repr(session) and session.refresh_token not in repr(session)
    [login] = await requests_to(box, "/api/login")
    sent = login["json"]
    assert isinstance(sent, dict)
    assert sent["username"] == DEMO_EMAIL and sent["fingerprint"] == fingerprint
    assert sent["iniframe"] == 0 and "email" not in sent
    headers = login["headers"]
    assert isinstance(headers, dict)
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert headers["x-requested-with"] == "XMLHttpRequest"


async def test_login_does_not_leave_the_cookie_in_the_shared_jar(
    box: FakeBox, http: httpx.AsyncClient
) -> None:
    await box.client.login(DEMO_EMAIL, DEMO_PASSWORD, new_fingerprint())
    assert "amhrdrauth" not in http.cookies


async def test_bad_password_is_invalid_credentials(box: FakeBox) -> None:
    from booking.aimharder import InvalidCredentialsError

    with pytest.raises(InvalidCredentialsError) as caught:
        await box.client.login(DEMO_EMAIL, "not-the-password", new_fingerprint())
    assert "not-the-password" not in str(caught.value)
    with pytest.raises(InvalidCredentialsError):
        await box.client.login("nobody@example.com", DEMO_PASSWORD, new_fingerprint())


async def test_whoami_renewal_and_a_gone_session(box: FakeBox, session: AimharderSession) -> None:
    account = await box.client.whoami(session)
    assert account.name and account.boxes[0] == DEMO
    renewed = await box.client.renew(session)
    assert renewed.refresh_token != session.refresh_token
    assert (await box.client.whoami(renewed)).boxes[0] == DEMO
    with pytest.raises(SessionExpiredError):  # the old refresh token was rotated away
        await box.client.renew(session)
    (await box.control.post("/_fake/sessions/expire")).raise_for_status()
    with pytest.raises(SessionExpiredError):
        await box.client.whoami(renewed)
    answer = await box.client.book(renewed, subdomain="demo", class_id="1", day=date.today())
    assert answer.logged_out


async def test_renewal_with_another_fingerprint_is_refused(
    box: FakeBox, session: AimharderSession
) -> None:
    with pytest.raises(SessionExpiredError):
        await box.client.renew(dataclasses.replace(session, fingerprint=new_fingerprint()))


async def test_the_class_list_answers_without_a_session_but_shows_no_booking(
    box: FakeBox, session: AimharderSession
) -> None:
    day = date.today() + timedelta(days=1)
    classes = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=day)
    assert len(classes) == 24
    first = classes[0]
    assert first.time == "00:00-01:00" and first.capacity == 14 and first.booked == 0
    answer = await box.client.book(session, subdomain="demo", class_id=first.id, day=day)
    assert answer.book_state == 1 and answer.booking_id
    mine = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=day)
    assert mine[0].book_state == 1 and mine[0].booking_id == answer.booking_id
    public = await box.client.list_classes(None, subdomain="demo", box_id="10001", day=day)
    assert public[0].book_state is None and public[0].booked == 1
    [request] = await requests_to(box, "/api/book")
    headers = request["headers"]
    assert isinstance(headers, dict)
    assert headers["origin"] == box.url and headers["referer"] == box.url + "/demo/schedule"


async def test_geo_blocking_is_access_blocked(box: FakeBox, session: AimharderSession) -> None:
    (await box.control.post("/_fake/geo-block", json={"on": True})).raise_for_status()
    try:
        with pytest.raises(AccessBlockedError, match="AIMHARDER_PROXY"):
            await box.client.login(DEMO_EMAIL, DEMO_PASSWORD, new_fingerprint())
        with pytest.raises(AccessBlockedError):
            await box.client.whoami(session)
        answer = await box.client.book(session, subdomain="demo", class_id="1",
                                       day=date.today())
        assert answer.blocked and answer.status_code == 403
    finally:
        (await box.control.post("/_fake/geo-block", json={"on": False})).raise_for_status()


async def test_every_request_goes_through_the_egress_proxy(box: FakeBox) -> None:
    with running_proxy() as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False) as http:
            via = AimharderClient(http=http, login_url=box.url, account_url=box.url,
                                  box_url_template=box.url + "/{subdomain}", proxy=proxy.url)
            session = await via.login(DEMO_EMAIL, DEMO_PASSWORD, new_fingerprint())
            await via.whoami(session)
            day = date.today() + timedelta(days=1)
            classes = await via.list_classes(session, subdomain="demo", box_id="10001", day=day)
            shot = Shot(via.prepare_book(session, subdomain="demo", class_id=classes[2].id,
                                         day=day), proxy=via.proxy)
            await shot.open()
            shot.fire()
            answer = await shot.answer()
            shot.close()
    assert answer.book_state == 1
    assert proxy.total("http POST") == 1 and proxy.total("http GET") == 2  # login; whoami, list
    assert proxy.total("connect ") == 1  # the pre-armed booking: a tunnel, then the request


async def test_the_booking_connection_tunnels_through_socks5_with_a_password(
    box: FakeBox, session: AimharderSession
) -> None:
    day = date.today() + timedelta(days=1)
    with running_proxy(user="u", password="p w") as proxy:
        classes = await box.client.list_classes(session, subdomain="demo", box_id="10001",
                                                day=day)
        request = box.client.prepare_book(session, subdomain="demo", class_id=classes[3].id,
                                          day=day)
        shot = Shot(request, proxy=f"socks5://u:p%20w@127.0.0.1:{proxy.port}")
        await shot.open()
        shot.fire()
        answer = await shot.answer()
        shot.close()
        refused = Shot(request, proxy=f"socks5://u:wrong@127.0.0.1:{proxy.port}")
        with pytest.raises(UpstreamUnavailableError, match="refused the user and password"):
            await refused.open()
    assert answer.book_state == 1 and proxy.total("socks5 127.0.0.1") == 1


async def test_unreachable_hosts_are_upstream_unavailable(session: AimharderSession) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with httpx.AsyncClient(timeout=2.0) as http:
        client = AimharderClient(http=http, login_url=url, account_url=url,
                                 box_url_template=url + "/{subdomain}")
        with pytest.raises(UpstreamUnavailableError):
            await client.login(DEMO_EMAIL, DEMO_PASSWORD, new_fingerprint())
        with pytest.raises(UpstreamUnavailableError) as caught:
            await client.book(session, subdomain="demo", class_id="1", day=date.today())
        assert caught.value.sent_at_ns is not None
        assert session.cookie not in str(caught.value)
