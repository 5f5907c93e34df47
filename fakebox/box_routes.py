"""A box's endpoints, each box under `/{subdomain}` (AIMHARDER.md c, d, e).

    GET  api/bookings?day=YYYYMMDD&familyId=&box=<boid>[&_=<ms>]
        200 {"clasesDisp", "timetable", "day", "bookings": [...],
             "seminars": [], "resmsgs": []}: without a live session too (the public
             schedule: every `bookState` and `idres` null); a `box` other than this box's
             boid gives no rows; `familyId` keeps that family's classes.
    POST api/book          form id, day, insist, familyId: `rules.book`, or the control
                           API's faults; {"logout": 1} without a live session
    POST api/cancelBook    form id=<idres>, late, familyId: {"cancelState": 1 | 2 | 3};
                           {"logout": 1} without a live session

Business answers are HTTP 200; an unknown subdomain is 404.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from fakebox import rules, views
from fakebox.accounts import User
from fakebox.config import BoxSpec
from fakebox.endpoints import AimharderEndpoints
from fakebox.wire import LOGOUT, SESSION_COOKIE, json_answer, read_form


def parse_day(raw: str | None) -> date | None:
    try:
        return datetime.strptime(raw or "", "%Y%m%d").date()
    except ValueError:
        return None


def _unknown_box() -> Response:
    return JSONResponse({"error": "unknownBox"}, 404)


class BoxRoutes(AimharderEndpoints):
    def routes(self) -> list[Route]:
        return [
            Route("/{subdomain}/api/bookings", self.bookings, methods=["GET"]),
            Route("/{subdomain}/api/book", self.book, methods=["POST"]),
            Route("/{subdomain}/api/cancelBook", self.cancel_book, methods=["POST"]),
        ]

    def _box(self, request: Request) -> BoxSpec | None:
        return self.state.boxes.get(request.path_params["subdomain"])

    def _enter(self, request: Request, arrived: int, kind: str, body: dict[str, Any],
               ) -> Response | tuple[BoxSpec, User | None]:
        """What every box endpoint does first: the 403 page, an unknown box, the member."""
        if (refused := self.refused(request, arrived, kind, body)) is not None:
            return refused
        box = self._box(request)
        if box is None:
            return _unknown_box()
        return box, self.state.accounts.session_user(request.cookies.get(SESSION_COOKIE))

    async def bookings(self, request: Request) -> Response:
        arrived = self.arrived(request)
        query = dict(request.query_params)
        entered = self._enter(request, arrived, "query", query)
        if isinstance(entered, Response):
            return entered
        box, user = entered
        day = parse_day(query.get("day"))
        answer: dict[str, Any]
        if day is None:
            answer = {"error": "day must be YYYYMMDD"}
            self.record(request, arrived, "query", query, user, answer)
            return JSONResponse(answer, 400)
        answer = views.class_list(
            self.state,
            box,
            day,
            user=user,
            boid=query.get("box"),
            family_id=query.get("familyId"),
        )
        self.record(request, arrived, "query", query, user, answer)
        return json_answer(answer)

    async def book(self, request: Request) -> Response:
        arrived = self.arrived(request)
        form = await read_form(request)
        entered = self._enter(request, arrived, "form", form)
        if isinstance(entered, Response):
            return entered
        box, user = entered
        fault = self.state.take_fault()
        if fault is not None and fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        answer: dict[str, Any]
        if fault is not None and fault.status is not None:
            self.record(request, arrived, "form", form, user, {"fault": f"HTTP {fault.status}"})
            return PlainTextResponse("fake box fault", fault.status)
        if user is None or (fault is not None and fault.logout):
            answer = LOGOUT
        else:
            raw_day = form.get("day")
            day = parse_day(raw_day)
            session = self.state.find_class(box, form.get("id", ""), day)
            if raw_day and day is None:
                session = None
            answer = rules.book(
                self.state,
                user,
                session,
                insist=form.get("insist", "0") not in ("", "0", "false"),
                received_at_ns=arrived,
            )
        self.record(request, arrived, "form", form, user, answer)
        return json_answer(answer)

    async def cancel_book(self, request: Request) -> Response:
        arrived = self.arrived(request)
        form = await read_form(request)
        entered = self._enter(request, arrived, "form", form)
        if isinstance(entered, Response):
            return entered
        box, user = entered
        answer: dict[str, Any]
        if user is None:
            answer = LOGOUT
        else:
            answer = rules.cancel(
                self.state,
                user,
                box,
                booking_id=form.get("id", ""),
                late=form.get("late", "0") not in ("", "0", "false"),
                received_at_ns=arrived,
            )
        self.record(request, arrived, "form", form, user, answer)
        return json_answer(answer)
