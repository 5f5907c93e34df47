"""The fake box's control API, for demos, tests and benchmarks (not part of AimHarder).

    POST /_fake/users    {"email", "password", "lang"?: "es"|"ca"|"en", "name"?,
                          "credits"?: int, "maxBookings"?: int}          -> {"id"}
    POST /_fake/classes  {"box": "<subdomain>", "day": "YYYY-MM-DD", "time": "HH:MM-HH:MM",
                          "name"?, "capacity"?: int, "opensAt"?: ISO-8601 instant with offset}
                         -> {"id", "opensAt"}   (opensAt ISO-8601 UTC, microseconds)
    GET  /_fake/requests -> [{"path", "receivedAtNs", "form", "email", "answer"}, ...]
    POST /_fake/reset    -> {"ok": true}; clears bookings, recorded requests and faults,
                            restores credits; keeps users, classes and sessions
    POST /_fake/faults   {"delayMs"?: int, "status"?: 400-599, "logout"?: bool, "count"?: int}
                         -> {"ok": true}; the next `count` (default 1) `api/book` requests
                         wait `delayMs` (after arrival is stamped), then answer that HTTP
                         status with a text body, or {"logout": 1}, or normally. `{}` clears.

Invalid input answers 400 {"error": "<what is wrong>"}; an existing email 409.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from booking.fakebox.state import DuplicateUser, FakeBoxState, Fault
from booking.fakebox.texts import LANGUAGES
from booking.opening import parse_time_range


class ControlError(ValueError):
    pass


def _bad(message: str, status: int = 400) -> Response:
    return JSONResponse({"error": message}, status)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body())
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


def _instant(raw: str) -> datetime:
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        raise ControlError("'opensAt' must be an ISO-8601 instant") from None
    if instant.tzinfo is None:
        raise ControlError("'opensAt' needs a UTC offset (e.g. 2026-03-25T09:00:00Z)")
    return instant


class ControlRoutes:
    def __init__(self, state: FakeBoxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_fake/users", self.create_user, methods=["POST"]),
            Route("/_fake/classes", self.create_class, methods=["POST"]),
            Route("/_fake/requests", self.requests, methods=["GET"]),
            Route("/_fake/reset", self.reset, methods=["POST"]),
            Route("/_fake/faults", self.faults, methods=["POST"]),
        ]

    async def create_user(self, request: Request) -> Response:
        try:
            data = await _json_object(request)
            email = _string(data, "email")
            password = data.get("password")
            if not isinstance(password, str) or not password:
                raise ControlError("'password' must be a non-empty string")
            lang = _optional_string(data, "lang") or "es"
            if lang not in LANGUAGES:
                raise ControlError(f"'lang' must be one of {', '.join(LANGUAGES)}")
            if "@" not in email:
                raise ControlError("'email' must be an email address")
            user = self.state.add_user(
                email,
                password,
                name=_optional_string(data, "name"),
                lang=lang,
                credits=_int(data, "credits"),
                max_bookings=_int(data, "maxBookings", minimum=1),
            )
        except ControlError as exc:
            return _bad(str(exc))
        except DuplicateUser as exc:
            return _bad(str(exc), 409)
        return JSONResponse({"id": user.id})

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
            opens_raw = _optional_string(data, "opensAt")
            session = self.state.add_class(
                box,
                day,
                start,
                end,
                name=_optional_string(data, "name") or "WOD",
                capacity=_int(data, "capacity"),
                opens_at=_instant(opens_raw) if opens_raw else None,
            )
        except ControlError as exc:
            return _bad(str(exc))
        return JSONResponse({"id": session.id, "opensAt": session.opens_at.isoformat()})

    async def requests(self, request: Request) -> Response:
        return JSONResponse([entry.as_json() for entry in self.state.requests])

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"ok": True})

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
            return _bad(str(exc))
        idle = not (fault.delay_ms or fault.status or fault.logout)
        self.state.fault = None if idle else fault
        return JSONResponse({"ok": True})
