"""The login and account hosts: `api/login`, `api/tokenUpdate`, `api/whoami`, session expiry."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fakebox import DEMO_EMAIL, DEMO_PASSWORD
from tests.fakebox.conftest import FINGERPRINT, Box, Member, cookie_value, set_cookies

DEMO_ROLES = [
    {"role": "client", "gym": "Demo CrossFit", "centre_url": "demo.aimharder.com",
     "boid": 10001},
    {"role": "client", "gym": "Demo Hours Box", "centre_url": "demohours.aimharder.com",
     "boid": 10002},
]


def _without_ids(roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in role.items() if k not in ("id", "perm_hash")} for role in roles]


async def test_login_answers_auth_ok_and_user_data_without_a_token(box: Box) -> None:
    response = await box.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["data"] and sorted(body["data"]) == ["auth", "userData"]
    auth = body["data"]["auth"]
    assert auth["authOK"] is True
    assert sorted(auth) == ["authOK", "refreshToken"]
    assert isinstance(auth["refreshToken"], str) and len(auth["refreshToken"]) >= 32
    user = body["data"]["userData"]
    assert sorted(user) == ["id", "name", "photo", "roles"]
    assert isinstance(user["id"], int) and user["name"] == "Demo Athlete"
    assert _without_ids(user["roles"]) == DEMO_ROLES
    for role in user["roles"]:
        assert isinstance(role["id"], int) and role["id"] != role["boid"]
        assert isinstance(role["perm_hash"], str) and role["perm_hash"]


async def test_login_sets_the_parent_domain_session_cookie_and_the_balancer_cookies(
    box: Box,
) -> None:
    response = await box.login(DEMO_EMAIL, DEMO_PASSWORD)
    cookies = set_cookies(response)
    assert sorted(cookies) == ["AWSALB", "AWSALBCORS", "PHPSESSID", "amhrdrauth"]
    value = cookie_value(response)
    assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert cookies["amhrdrauth"] == (
        f"amhrdrauth={value}; Domain=.aimharder.com; Path=/; HttpOnly"
    )
    assert "Secure" not in cookies["amhrdrauth"]
    assert value != response.json()["data"]["auth"]["refreshToken"]


async def test_iniframe_is_optional(box: Box) -> None:
    response = await box.aim.post("/api/login", json={
        "username": DEMO_EMAIL, "password": DEMO_PASSWORD, "fingerprint": FINGERPRINT})
    assert response.json()["data"]["auth"]["authOK"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"password": DEMO_PASSWORD, "fingerprint": FINGERPRINT},
         "Debes introducir tu usuario y contraseña"),
        ({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "fingerprint": FINGERPRINT},
         "Debes introducir tu usuario y contraseña"),
        ({"username": DEMO_EMAIL, "fingerprint": FINGERPRINT},
         "Debes introducir tu usuario y contraseña"),
        ({"username": DEMO_EMAIL, "password": DEMO_PASSWORD},
         "No se ha podido identificar el dispositivo"),
        ({"username": DEMO_EMAIL, "password": DEMO_PASSWORD, "fingerprint": FINGERPRINT[:49]},
         "No se ha podido identificar el dispositivo"),
        ({"username": DEMO_EMAIL, "password": DEMO_PASSWORD,
          "fingerprint": FINGERPRINT[:49] + "A"},
         "No se ha podido identificar el dispositivo"),
        ({"username": DEMO_EMAIL, "password": "nope", "fingerprint": FINGERPRINT},
         "Usuario o contraseña incorrectos"),
        ({"username": "nobody@example.com", "password": DEMO_PASSWORD,
          "fingerprint": FINGERPRINT},
         "Usuario o contraseña incorrectos"),
    ],
    ids=["no-username", "email-instead", "no-password", "no-fingerprint", "short-fingerprint",
         "uppercase-fingerprint", "wrong-password", "unknown-user"],
)
async def test_a_refused_login_is_200_with_an_error_and_no_cookie(
    box: Box, body: dict[str, Any], message: str
) -> None:
    response = await box.aim.post("/api/login", json=body)
    assert response.status_code == 200
    assert response.json() == {"error": {"message": message}}
    assert set_cookies(response) == {}


async def test_a_form_login_is_refused(box: Box) -> None:
    response = await box.aim.post("/api/login", data={
        "username": DEMO_EMAIL, "password": DEMO_PASSWORD, "fingerprint": FINGERPRINT})
    assert response.json() == {"error": {"message": "Debes introducir tu usuario y contraseña"}}


async def whoami(box: Box, cookie: str | None) -> Any:
    headers = {} if cookie is None else {"Cookie": f"amhrdrauth={cookie}"}
    response = await box.aim.get("/api/whoami", headers=headers)
    assert response.status_code == 200
    return response.json()


async def test_whoami_with_and_without_a_session(box: Box) -> None:
    member = await box.member(name="Ana")
    me = await whoami(box, member.cookie)
    assert me == {"data": [member.login["data"]["userData"]]}
    assert me["data"][0]["name"] == "Ana"
    assert await whoami(box, None) == {"data": []}
    assert await whoami(box, "0" * 64) == {"data": []}


async def token_update(box: Box, token: str, *, cookie: str | None = None,
                       fingerprint: str = FINGERPRINT) -> Any:
    headers = {} if cookie is None else {"Cookie": f"amhrdrauth={cookie}"}
    return await box.aim.post("/api/tokenUpdate", headers=headers,
                              data={"token": token, "ciclo": "1", "fingerprint": fingerprint})


async def test_token_update_rotates_the_refresh_token_and_extends_the_live_session(
    box: Box,
) -> None:
    member = await box.member()
    box.clock.advance(minutes=29)
    response = await token_update(box, member.refresh_token, cookie=member.cookie)
    new_token = response.json()["newToken"]
    assert response.json() == {"newToken": new_token} and new_token != member.refresh_token
    assert set_cookies(response) == {}  # the request's own session was extended
    box.clock.advance(minutes=29)  # 58 minutes after login, 29 after the renewal
    assert (await whoami(box, member.cookie))["data"]
    old = await token_update(box, member.refresh_token, cookie=member.cookie)
    assert old.json() == {"logout": 1}
    again = await token_update(box, new_token, cookie=member.cookie)
    assert set(again.json()) == {"newToken"}


async def test_token_update_starts_a_new_session_when_the_old_one_is_gone(box: Box) -> None:
    member = await box.member()
    box.clock.advance(minutes=31)
    assert await whoami(box, member.cookie) == {"data": []}
    response = await token_update(box, member.refresh_token, cookie=member.cookie)
    assert set(response.json()) == {"newToken"}
    fresh = cookie_value(response)
    assert fresh != member.cookie
    assert set_cookies(response)["amhrdrauth"] == (
        f"amhrdrauth={fresh}; Domain=.aimharder.com; Path=/; HttpOnly"
    )
    assert (await whoami(box, fresh))["data"][0]["id"] == member.login["data"]["userData"]["id"]


@pytest.mark.parametrize("case", ["unknown", "wrong-fingerprint", "expired", "empty"])
async def test_token_update_logs_out(box: Box, case: str) -> None:
    member = await box.member()
    token, fingerprint = member.refresh_token, FINGERPRINT
    if case == "unknown":
        token = "f" * 48
    elif case == "wrong-fingerprint":
        fingerprint = "0" * 50
    elif case == "expired":
        box.clock.advance(days=30, seconds=1)
    else:
        token = ""
    response = await token_update(box, token, cookie=member.cookie, fingerprint=fingerprint)
    assert response.status_code == 200
    assert response.json() == {"logout": 1}
    assert set_cookies(response) == {}


async def test_a_session_lives_thirty_minutes(box: Box) -> None:
    member = await box.member()
    box.clock.advance(minutes=29, seconds=59)
    assert (await whoami(box, member.cookie))["data"]
    box.clock.advance(seconds=1)
    assert await whoami(box, member.cookie) == {"data": []}
    cls = await box.new_class(opensAt="2020-01-01T00:00:00Z")
    assert await box.book(member, cls["id"]) == {"logout": 1}


async def test_expiring_every_session_keeps_refresh_tokens(box: Box) -> None:
    first, second = await box.member(), await box.member()
    assert (await box.control.post("/_fake/sessions/expire")).json() == {"ok": True}
    cls = await box.new_class(opensAt="2020-01-01T00:00:00Z")
    for member in (first, second):
        assert await whoami(box, member.cookie) == {"data": []}
        assert await box.book(member, cls["id"]) == {"logout": 1}
        assert await box.cancel(member, "1") == {"logout": 1}
    renewed = await token_update(box, first.refresh_token, cookie=first.cookie)
    revived = Member(first.email, first.password, cookie_value(renewed), "", first.login)
    assert (await box.book(revived, cls["id"]))["bookState"] == 1
