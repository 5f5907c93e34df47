"""AimHarder's own endpoints: the login domain at the root, each box under `/{subdomain}`.

Login domain:
    POST /api/login        JSON {"email", "password"} (a form body works too)
        200 {"data": {"auth": {"token", "refreshToken", "expiresIn"},
                      "user": {"id", "email", "name", "boxes": [{"id", "subdomain", "name",
                                                                  "timezone"}]}}}
            + Set-Cookie: amhrdrauth=<token>; Path=/
        401 {"error": "loginErrors", "errorMssg": "..."}        wrong email or password
        400 {"error": "badRequest", "errorMssg": "..."}         email or password missing
    POST /api/tokenUpdate  JSON {"refreshToken"} (or a still-valid amhrdrauth cookie)
        200 same shape as login, new token and cookie (the refresh token is kept)
        200 {"logout": 1}                                        refresh token unknown/expired
    GET  /api/whoami       cookie → 200 {"data": {"user": {...}}}

Box (`/{subdomain}`; an unknown subdomain is 404 {"error": "unknownBox"}):
    GET  api/bookings?day=YYYYMMDD&box=<boid>&familyId=
        200 {"clasesContratadas", "bookings": [{"id", "time": "HH:MM - HH:MM",
             "timeid": "HHMM_<minutes>", "className", "boxName", "boxId", "ocupation",
             "limit", "waitlist", "bookState": 1 | 0 | null, "idres": <booking id> | null,
             "enabled": 1}]}
    POST api/book          form id, day, insist, familyId → see `rules.book` (and the
                           control API's faults)
    POST api/cancelBook    form id, late, familyId → {"cancelState": 1 | -1}

Every cookie-protected endpoint answers 200 {"logout": 1} without a valid `amhrdrauth`.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from booking.fakebox import rules
from booking.fakebox.config import BoxSpec
from booking.fakebox.state import FakeBoxState, RecordedRequest, User

COOKIE = "amhrdrauth"
ARRIVAL_KEY = "fakebox.received_at_ns"
LOGOUT: dict[str, Any] = {"logout": 1}


def received_at_ns(request: Request) -> int:
    """When the request arrived, stamped by `ArrivalStamp` before its body was read."""
    stamp = request.scope.get(ARRIVAL_KEY)
    return int(stamp) if stamp is not None else time.time_ns()


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded body as a flat dict (no python-multipart needed)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def read_json_or_form(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    if "json" in request.headers.get("content-type", "") or body.lstrip()[:1] == b"{":
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def parse_day(raw: str | None) -> date | None:
    try:
        return datetime.strptime(raw or "", "%Y%m%d").date()
    except ValueError:
        return None


class AimharderRoutes:
    def __init__(self, state: FakeBoxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/api/login", self.login, methods=["POST"]),
            Route("/api/tokenUpdate", self.token_update, methods=["POST"]),
            Route("/api/whoami", self.whoami, methods=["GET"]),
            Route("/{subdomain}/api/bookings", self.bookings, methods=["GET"]),
            Route("/{subdomain}/api/book", self.book, methods=["POST"]),
            Route("/{subdomain}/api/cancelBook", self.cancel_book, methods=["POST"]),
        ]

    # login domain

    def _auth_response(self, user: User, token: str, refresh_token: str) -> Response:
        ttl = self.state.config.token_ttl
        payload = {
            "data": {
                "auth": {"token": token, "refreshToken": refresh_token, "expiresIn": int(ttl)},
                "user": user.as_json(self.state.boxes_json()),
            }
        }
        response = JSONResponse(payload)
        response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="lax")
        return response

    async def login(self, request: Request) -> Response:
        data = await read_json_or_form(request)
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email:
            return JSONResponse(
                {"error": "badRequest", "errorMssg": "email and password are required"}, 400
            )
        user = self.state.check_password(email, password)
        if user is None:
            return JSONResponse(
                {"error": "loginErrors", "errorMssg": "Usuario o contraseña incorrectos"}, 401
            )
        return self._auth_response(user, *self.state.issue_tokens(user))

    async def token_update(self, request: Request) -> Response:
        data = await read_json_or_form(request)
        refresh_token = data.get("refreshToken")
        if isinstance(refresh_token, str) and refresh_token:
            user = self.state.user_for_refresh(refresh_token)
            if user is None:
                return JSONResponse(LOGOUT)
            return self._auth_response(user, *self.state.issue_tokens(user, refresh_token))
        user = self.state.user_for_token(request.cookies.get(COOKIE))
        if user is None:
            return JSONResponse(LOGOUT)
        return self._auth_response(user, *self.state.issue_tokens(user))

    async def whoami(self, request: Request) -> Response:
        user = self.state.user_for_token(request.cookies.get(COOKIE))
        if user is None:
            return JSONResponse(LOGOUT)
        return JSONResponse({"data": {"user": user.as_json(self.state.boxes_json())}})

    # boxes

    def _box(self, request: Request) -> BoxSpec | None:
        return self.state.boxes.get(request.path_params["subdomain"])

    async def bookings(self, request: Request) -> Response:
        box = self._box(request)
        if box is None:
            return JSONResponse({"error": "unknownBox"}, 404)
        user = self.state.user_for_token(request.cookies.get(COOKIE))
        if user is None:
            return JSONResponse(LOGOUT)
        day = parse_day(request.query_params.get("day"))
        if day is None:
            return JSONResponse({"error": "badRequest", "errorMssg": "day must be YYYYMMDD"}, 400)
        boid = request.query_params.get("box")
        if boid and boid != box.id:
            return JSONResponse({"clasesContratadas": rules.CONTRACTED, "bookings": []})
        items = []
        for session in self.state.classes_on(box, day):
            booked, waiting = self.state.occupancy(session)
            mine = self.state.booking_of(user, session)
            minutes = (session.end.hour * 60 + session.end.minute) - (
                session.start.hour * 60 + session.start.minute
            )
            items.append(
                {
                    "id": session.id,
                    "time": f"{session.start:%H:%M} - {session.end:%H:%M}",
                    "timeid": f"{session.start:%H%M}_{minutes % 1440}",
                    "className": session.name,
                    "boxName": box.name,
                    "boxId": box.id,
                    "ocupation": booked,
                    "limit": session.capacity,
                    "waitlist": waiting,
                    "bookState": None if mine is None else (0 if mine.waitlisted else 1),
                    "idres": None if mine is None else mine.id,
                    "enabled": 1,
                }
            )
        return JSONResponse({"clasesContratadas": rules.CONTRACTED, "bookings": items})

    async def book(self, request: Request) -> Response:
        arrived = received_at_ns(request)
        form = await read_form(request)
        box = self._box(request)
        user = self.state.user_for_token(request.cookies.get(COOKIE))
        answer: dict[str, Any]
        if box is None:
            return JSONResponse({"error": "unknownBox"}, 404)
        fault = self.state.take_fault()
        if fault is not None and fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault is not None and fault.status is not None:
            answer = {"fault": f"HTTP {fault.status}"}
            self._record(request, arrived, form, user, answer)
            return PlainTextResponse("fake box fault", fault.status)
        if user is None or (fault is not None and fault.logout):
            answer = LOGOUT
        else:
            answer = rules.book(
                self.state,
                user,
                box,
                session_id=form.get("id", ""),
                day=parse_day(form.get("day")),
                insist=form.get("insist", "0") not in ("", "0", "false"),
                received_at_ns=arrived,
            )
        self._record(request, arrived, form, user, answer)
        return JSONResponse(answer)

    async def cancel_book(self, request: Request) -> Response:
        arrived = received_at_ns(request)
        form = await read_form(request)
        box = self._box(request)
        user = self.state.user_for_token(request.cookies.get(COOKIE))
        answer: dict[str, Any]
        if box is None:
            return JSONResponse({"error": "unknownBox"}, 404)
        if user is None:
            answer = LOGOUT
        else:
            answer = rules.cancel(self.state, user, box, booking_id=form.get("id", ""))
        self._record(request, arrived, form, user, answer)
        return JSONResponse(answer)

    def _record(
        self,
        request: Request,
        arrived: int,
        form: dict[str, str],
        user: User | None,
        answer: dict[str, Any],
    ) -> None:
        entry = RecordedRequest(
            path=request.url.path,
            received_at_ns=arrived,
            form=form,
            email=None if user is None else user.email,
            answer=dict(answer),
        )
        self.state.record(entry)
