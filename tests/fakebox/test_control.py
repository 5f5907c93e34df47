"""The control API, the request log (secrets masked), geo-blocking and the User-Agent rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fakebox import DEMO_EMAIL, DEMO_PASSWORD
from tests.fakebox.conftest import BROWSER, FAR_PARAM, FINGERPRINT, Box, cookie_value

PAST = "2020-01-01T00:00:00Z"
FORBIDDEN_PAGE = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    "<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n"
)


async def every_aimharder_route(client: httpx.AsyncClient) -> list[httpx.Response]:
    login = {"username": DEMO_EMAIL, "password": DEMO_PASSWORD, "fingerprint": FINGERPRINT}
    return [
        await client.post("/api/login", json=login),
        await client.post("/api/tokenUpdate", data={"token": "x", "ciclo": "1"}),
        await client.get("/api/whoami"),
        await client.get("/demo/api/bookings", params={"day": FAR_PARAM, "box": "10001"}),
        await client.post("/demo/api/book", data={"id": "1", "day": FAR_PARAM}),
        await client.post("/demo/api/cancelBook", data={"id": "1", "late": "0"}),
    ]


def assert_forbidden(responses: list[httpx.Response]) -> None:
    for response in responses:
        assert response.status_code == 403, response.request.url
        assert response.headers["content-type"].startswith("text/html")
        assert response.text == FORBIDDEN_PAGE


async def test_a_request_without_a_user_agent_is_403_html(box: Box) -> None:
    async with httpx.AsyncClient(base_url=box.server.url) as bare:
        del bare.headers["User-Agent"]
        assert_forbidden(await every_aimharder_route(bare))
        assert_forbidden([await bare.get("/api/whoami", headers={"User-Agent": ""})])
        assert (await bare.get("/_fake/requests")).status_code == 200
    assert [r["answer"] for r in await box.requests()] == [{"httpStatus": 403}] * 7


async def test_geo_blocking_refuses_every_aimharder_request(box: Box) -> None:
    assert (await box.control.post("/_fake/geo-block", json={"on": True})).json() == {"ok": True}
    assert_forbidden(await every_aimharder_route(box.aim))
    await box.control.post("/_fake/geo-block", json={"on": False})
    assert (await box.login(DEMO_EMAIL, DEMO_PASSWORD)).json()["data"]["auth"]["authOK"]
    await box.control.post("/_fake/geo-block", json={"on": True})
    await box.control.post("/_fake/reset")
    assert (await box.aim.get("/api/whoami")).status_code == 200


async def test_the_request_log_masks_every_secret(box: Box) -> None:
    login = await box.login(DEMO_EMAIL, DEMO_PASSWORD)
    cookie = cookie_value(login)
    refresh = login.json()["data"]["auth"]["refreshToken"]
    renewed = await box.aim.post(
        "/api/tokenUpdate", data={"token": refresh, "ciclo": "1", "fingerprint": FINGERPRINT},
        headers={"Cookie": f"amhrdrauth={cookie}; PHPSESSID=abc",
                 "Authorization": "Bearer secret-bearer"})
    assert "newToken" in renewed.json()
    await box.aim.get("/api/whoami", headers={"Cookie": f"amhrdrauth={cookie}"})
    log = await box.requests()
    assert [r["path"] for r in log] == ["/api/login", "/api/tokenUpdate", "/api/whoami"]
    first, second, third = log
    assert first["json"] == {"username": DEMO_EMAIL, "password": "***",
                             "fingerprint": FINGERPRINT, "iniframe": 0}
    assert first["email"] == DEMO_EMAIL
    assert first["answer"]["data"]["auth"] == {"authOK": True, "refreshToken": "***"}
    assert first["headers"]["user-agent"] == BROWSER
    assert first["headers"]["content-type"] == "application/json"
    assert second["form"] == {"token": "***", "ciclo": "1", "fingerprint": FINGERPRINT}
    assert second["answer"] == {"newToken": "***"} and second["email"] == DEMO_EMAIL
    assert second["headers"]["cookie"] == "amhrdrauth=***; PHPSESSID=***"
    assert second["headers"]["authorization"] == "***"
    assert third["query"] == {} and third["email"] == DEMO_EMAIL
    text = str(log)
    for secret in (DEMO_PASSWORD + "'", cookie, refresh, renewed.json()["newToken"],
                   "secret-bearer"):
        assert secret not in text
    assert all(isinstance(r["receivedAtNs"], int) for r in log)


async def test_the_request_log_covers_the_box_endpoints(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    await box.bookings(member, _="123")
    reservation = (await box.book(member, cls["id"]))["id"]
    await box.cancel(member, reservation)
    log = [r for r in await box.requests() if r["path"].startswith("/demo/")]
    assert [r["path"] for r in log] == [
        "/demo/api/bookings", "/demo/api/book", "/demo/api/cancelBook"]
    assert log[0]["query"] == {"day": FAR_PARAM, "familyId": "", "box": "10001", "_": "123"}
    assert log[2]["form"] == {"id": reservation, "late": "0", "familyId": ""}
    assert log[2]["answer"] == {"cancelState": 1}
    assert {r["email"] for r in log} == {member.email}


async def test_free_and_fill(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=3, booked=1)
    member = await box.member()
    assert (await box.control.post(f"/_fake/classes/{cls['id']}/fill",
                                   json={"places": 2})).json() == {"ok": True}
    assert (await box.book(member, cls["id"]))["bookState"] == -1
    assert (await box.book(member, cls["id"], insist=1))["bookState"] == 0
    assert (await box.control.post(f"/_fake/classes/{cls['id']}/free", json={})).is_success
    row = await box.row(member, cls["id"])
    assert row["bookState"] == 1 and row["ocupation"] == 3 and row["limit"] == 3
    await box.control.post(f"/_fake/classes/{cls['id']}/free", json={"places": 2})
    assert (await box.row(member, cls["id"]))["ocupation"] == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "fragment"),
    [
        ("/_fake/classes/999/free", {"places": 1}, 404, "unknown class"),
        ("/_fake/classes/{id}/free", {"places": 3}, 400, "only 2 places are taken by others"),
        ("/_fake/classes/{id}/fill", {"places": 3}, 400, "only 2 places are free"),
        ("/_fake/classes/{id}/fill", {}, 400, "'places'"),
        ("/_fake/classes/{id}/fill", {"places": 0}, 400, "'places'"),
    ],
)
async def test_free_and_fill_are_validated(
    box: Box, path: str, body: Any, status: int, fragment: str
) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=4, booked=2)
    response = await box.control.post(path.format(id=cls["id"]), json=body)
    assert response.status_code == status
    assert fragment in response.json()["error"]


CLASS = {"box": "demo", "day": "2026-01-01", "time": "10:00-11:00"}


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/_fake/users", {"password": "x"}, "'email'"),
        ("/_fake/users", {"email": "nobody", "password": "x"}, "email address"),
        ("/_fake/users", {"email": "a@example.com"}, "'password'"),
        ("/_fake/users", {"email": "a@example.com", "password": "x", "lang": "fr"}, "'lang'"),
        ("/_fake/users", {"email": "a@example.com", "password": "x", "credits": -1}, "'credits'"),
        ("/_fake/users", {"email": "a@example.com", "password": "x", "maxBookings": 0},
         "'maxBookings'"),
        ("/_fake/users", [1, 2], "JSON object"),
        ("/_fake/classes", {**CLASS, "box": "nope"}, "unknown box 'nope'"),
        ("/_fake/classes", {**CLASS, "day": "01/01/2026"}, "'day'"),
        ("/_fake/classes", {**CLASS, "time": "10h"}, "invalid class time"),
        ("/_fake/classes", {**CLASS, "time": "25:00-26:00"}, "invalid class time"),
        ("/_fake/classes", {**CLASS, "opensAt": "2026-01-01T08:00:00"}, "'opensAt' needs"),
        ("/_fake/classes", {**CLASS, "closesAt": "tomorrow"}, "'closesAt'"),
        ("/_fake/classes", {**CLASS, "capacity": "ten"}, "'capacity'"),
        ("/_fake/classes", {**CLASS, "capacity": 2, "booked": 3}, "'booked'"),
        ("/_fake/classes", {**CLASS, "familyId": "x"}, "'familyId'"),
        ("/_fake/geo-block", {"on": "yes"}, "'on'"),
        ("/_fake/faults", {"status": 200}, "'status'"),
        ("/_fake/faults", {"logout": 1}, "'logout'"),
    ],
)
async def test_control_input_is_validated(
    box: Box, path: str, body: Any, fragment: str
) -> None:
    response = await box.control.post(path, json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


async def test_a_duplicate_user_bad_json_and_unknown_paths(box: Box) -> None:
    duplicate = await box.control.post(
        "/_fake/users", json={"email": "Athlete@Example.com", "password": "x"})
    assert duplicate.status_code == 409
    garbage = await box.control.post("/_fake/classes", content=b"{not json")
    assert garbage.status_code == 400 and "JSON object" in garbage.json()["error"]
    assert (await box.control.get("/nowhere")).status_code == 404
    assert "date" in (await box.control.get("/_fake/requests")).headers


async def test_reset_keeps_members_and_classes(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST, capacity=2, booked=1)
    await box.control.post(f"/_fake/classes/{cls['id']}/fill", json={"places": 1})
    await box.control.post("/_fake/faults", json={"status": 500})
    assert (await box.control.post("/_fake/reset")).json() == {"ok": True}
    assert await box.requests() == []
    assert (await box.book(member, cls["id"]))["bookState"] == 1  # no fault, one place back
    assert (await box.row(member, cls["id"]))["ocupation"] == 2


async def test_the_demo_account_and_the_control_ids(box: Box) -> None:
    made = await box.control.post("/_fake/users", json={
        "email": "new-member@example.com", "password": "pw", "name": "New"})
    assert made.json()["id"].isdigit()
    cls = await box.new_class()
    assert cls["id"].isdigit() and sorted(cls) == ["id", "opensAt"]
