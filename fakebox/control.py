"""The fake box's control API, for demos, tests and benchmarks (not part of AimHarder).

    POST /_fake/users    {"email", "password", "lang"?: "es"|"ca"|"en", "name"?,
                          "credits"?: int, "maxBookings"?: int}          -> {"id"}
    POST /_fake/classes  {"box": "<subdomain>", "day": "YYYY-MM-DD", "time": "HH:MM-HH:MM",
                          "name"?, "capacity"?: int, "booked"?: int (places taken by others),
                          "familyId"?: int or digits, "opensAt"?: ISO-8601 instant with offset,
                          "closesAt"?: ISO-8601 instant with offset (bookState -7 from then)}
                         -> {"id", "opensAt"}   (opensAt ISO-8601 UTC)
    POST /_fake/classes/{id}/free  {"places"?: int, default 1}: others cancel; waiting
                         members move into the freed places first        -> {"ok": true}
    POST /_fake/classes/{id}/fill  {"places": int}: others book free places -> {"ok": true}
    GET  /_fake/requests -> [{"path", "receivedAtNs", "form" | "json" | "query", "email",
                              "answer", "headers"}, ...]: every AimHarder request in order,
                            with passwords, tokens, cookie values and credentials as "***";
                            GETs show their "query"; a refused (403) one answers
                            {"httpStatus": 403}
    POST /_fake/sessions/expire  -> {"ok": true}; every session ends now (refresh tokens stay)
    POST /_fake/geo-block {"on": bool} -> {"ok": true}; 403 + HTML to every AimHarder request
    POST /_fake/reset    -> {"ok": true}; clears bookings, recorded requests, faults and
                            geo-blocking, restores credits; keeps members, classes, sessions
    POST /_fake/faults   {"delayMs"?: int, "status"?: 400-599, "logout"?: bool, "count"?: int}
                         -> {"ok": true}; the next `count` (default 1) `api/book` requests
                         wait `delayMs` (after arrival is stamped), then answer that HTTP
                         status with a text body, or {"logout": 1}, or normally. `{}` clears.

Invalid input answers 400 {"error": "<what is wrong>"}; an existing email 409; an unknown
class 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakebox import rules
from fakebox.accounts import DuplicateUserError
from fakebox.state import ClassSession, FakeBoxState, Fault
from fakebox.texts import LANGUAGES
from fakebox.window import from_ns, parse_time_range

OK: dict[str, Any] = {"ok": True}


class ControlError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise ControlError("body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ControlError(f"{key!r} must be a non-empty string")
    return value


def _optional_string(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _string(data, key)


def _int(data: dict[str, Any], key: str, *, minimum: int = 0) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ControlError(f"{key!r} must be an integer >= {minimum}")
    return value


def _family(data: dict[str, Any]) -> str | None:
    value = data.get("familyId")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return str(int(value))
    raise ControlError("'familyId' must be a positive integer")


def _instant(data: dict[str, Any], key: str) -> datetime | None:
    raw = _optional_string(data, key)
    if raw is None:
        return None
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        raise ControlError(f"{key!r} must be an ISO-8601 instant") from None
    if instant.tzinfo is None:
        raise ControlError(f"{key!r} needs a UTC offset (e.g. 2026-03-25T09:00:00Z)")
    return instant


def _error(exc: ControlError | DuplicateUserError) -> Response:
    status = exc.status if isinstance(exc, ControlError) else 409
    return JSONResponse({"error": str(exc)}, status)


class ControlRoutes:
    def __init__(self, state: FakeBoxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_fake/users", self.create_user, methods=["POST"]),
            Route("/_fake/classes", self.create_class, methods=["POST"]),
            Route("/_fake/classes/{id}/free", self.free, methods=["POST"]),
            Route("/_fake/classes/{id}/fill", self.fill, methods=["POST"]),
            Route("/_fake/requests", self.requests, methods=["GET"]),
            Route("/_fake/sessions/expire", self.expire_sessions, methods=["POST"]),
            Route("/_fake/geo-block", self.geo_block, methods=["POST"]),
            Route("/_fake/reset", self.reset, methods=["POST"]),
            Route("/_fake/faults", self.faults, methods=["POST"]),
        ]

    async def create_user(self, request: Request) -> Response:
        try:
            data = await _json_object(request)
            email = _string(data, "email")
            if "@" not in email:
                raise ControlError("'email' must be an email address")
            password = data.get("password")
            if not isinstance(password, str) or not password:
                raise ControlError("'password' must be a non-empty string")
            lang = _optional_string(data, "lang") or "es"
            if lang not in LANGUAGES:
                raise ControlError(f"'lang' must be one of {', '.join(LANGUAGES)}")
            user = self.state.accounts.add_user(
                email,
                password,
                name=_optional_string(data, "name"),
                lang=lang,
                credits=_int(data, "credits"),
                max_bookings=_int(data, "maxBookings", minimum=1),
            )
        except (ControlError, DuplicateUserError) as exc:
            return _error(exc)
        return JSONResponse({"id": str(user.id)})

    async def create_class(self, request: Request) -> Response:
        try:
            data = await _json_object(request)
            subdomain = _string(data, "box")
            box = self.state.boxes.get(subdomain)
            if box is None:
                known = ", ".join(self.state.boxes) or "none"
                raise ControlError(f"unknown box {subdomain!r} (known: {known})")
            try:
                day = date.fromisoformat(_string(data, "day"))
            except ValueError:
                raise ControlError("'day' must be YYYY-MM-DD") from None
            try:
                start, end = parse_time_range(_string(data, "time"))
            except ValueError as exc:
                raise ControlError(str(exc)) from None
            capacity = _int(data, "capacity")
            if capacity is None:
                capacity = self.state.config.capacity
            booked = _int(data, "booked") or 0
            if booked > capacity:
                raise ControlError(f"'booked' must be at most the capacity ({capacity})")
            session = self.state.add_class(
                box,
                day,
                start,
                end,
                name=_optional_string(data, "name") or "WOD",
                family_id=_family(data) or "1",
                capacity=capacity,
                others=booked,
                opens_at=_instant(data, "opensAt"),
                closes_at=_instant(data, "closesAt"),
            )
        except ControlError as exc:
            return _error(exc)
        opens_at = from_ns(session.opens_at_ns).isoformat()
        return JSONResponse({"id": str(session.id), "opensAt": opens_at})

    async def _places(self, request: Request, default: int | None) -> tuple[ClassSession, int]:
        session = self.state.class_by_id(request.path_params["id"])
        if session is None:
            raise ControlError(f"unknown class {request.path_params['id']!r}", 404)
        places = _int(await _json_object(request), "places", minimum=1) or default
        if places is None:
            raise ControlError("'places' must be an integer >= 1")
        return session, places

    async def free(self, request: Request) -> Response:
        return await self._change_places(request, 1, rules.free)

    async def fill(self, request: Request) -> Response:
        return await self._change_places(request, None, rules.fill)

    async def _change_places(
        self, request: Request, default: int | None,
        change: Callable[[FakeBoxState, ClassSession, int], None],
    ) -> Response:
        try:
            session, places = await self._places(request, default)
            try:
                change(self.state, session, places)
            except ValueError as exc:
                raise ControlError(str(exc)) from None
        except ControlError as exc:
            return _error(exc)
        return JSONResponse(OK)

    async def requests(self, request: Request) -> Response:
        return JSONResponse([entry.as_json() for entry in self.state.requests])

    async def expire_sessions(self, request: Request) -> Response:
        self.state.accounts.expire_sessions()
        return JSONResponse(OK)

    async def geo_block(self, request: Request) -> Response:
        try:
            on = (await _json_object(request)).get("on")
            if not isinstance(on, bool):
                raise ControlError("'on' must be true or false")
        except ControlError as exc:
            return _error(exc)
        self.state.geo_blocked = on
        return JSONResponse(OK)

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse(OK)

    async def faults(self, request: Request) -> Response:
        try:
            data = await _json_object(request)
            status = _int(data, "status", minimum=400)
            if status is not None and status > 599:
                raise ControlError("'status' must be an HTTP error status (400-599)")
            logout = data.get("logout", False)
            if not isinstance(logout, bool):
                raise ControlError("'logout' must be true or false")
            fault = Fault(
                delay_ms=_int(data, "delayMs") or 0,
                status=status,
                logout=logout,
                remaining=_int(data, "count", minimum=1) or 1,
            )
        except ControlError as exc:
            return _error(exc)
        idle = not (fault.delay_ms or fault.status or fault.logout)
        self.state.fault = None if idle else fault
        return JSONResponse(OK)
