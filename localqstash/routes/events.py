"""The event log (`/v2/events`, `/v2/logs`), newest first, with filters and a cursor."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from localqstash.db import events as db_events
from localqstash.errors import ApiError
from localqstash.routes.params import cursor_and_count, filters
from localqstash.services import services

STATES = {"CREATED", "ACTIVE", "RETRY", "ERROR", "DELIVERED", "FAILED", "CANCEL_REQUESTED",
          "CANCELED"}
KEYS = {"messageId", "messageIds", "state", "url", "queueName", "scheduleId", "label",
        "fromDate", "toDate"}


async def list_events(request: Request) -> JSONResponse:
    chosen = filters(request, KEYS, multi=frozenset({"messageIds"}))
    if "state" in chosen and chosen["state"] not in STATES:
        raise ApiError(400, f"invalid state: {chosen['state']!r}")
    cursor, count = cursor_and_count(request, default=1000, maximum=1000)
    events, next_cursor = await services(request).store.run(
        db_events.listing(chosen, cursor, count)
    )
    data: dict[str, Any] = {"events": events}
    if next_cursor is not None:
        data["cursor"] = next_cursor
    return JSONResponse(data)


ROUTES = [
    Route("/v2/events", list_events, methods=["GET"]),
    Route("/v2/logs", list_events, methods=["GET"]),
]
