"""The dead-letter queue (`/v2/dlq`): list, get, delete, retry."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from localqstash.db import dlq as db_dlq
from localqstash.errors import ApiError
from localqstash.models import Message, now_ms
from localqstash.routes.params import cursor_and_count, filters, json_body
from localqstash.services import services

KEYS = {"dlqIds", "messageId", "url", "queueName", "scheduleId", "label", "callerIp",
        "responseStatus", "fromDate", "toDate"}
MULTI = frozenset({"dlqIds"})


async def _chosen(request: Request) -> dict[str, Any]:
    chosen = filters(request, KEYS, multi=MULTI)
    body = await json_body(request)
    if isinstance(body, dict):
        chosen.update({k: v for k, v in body.items() if k in KEYS and v is not None})
    return chosen


async def list_dlq(request: Request) -> JSONResponse:
    chosen = filters(request, KEYS, multi=MULTI)
    cursor, count = cursor_and_count(request, default=100, maximum=100)
    messages, next_cursor = await services(request).store.run(
        db_dlq.listing(chosen, cursor, count)
    )
    data: dict[str, Any] = {"messages": messages}
    if next_cursor is not None:
        data["cursor"] = next_cursor
    return JSONResponse(data)


async def get_dlq(request: Request) -> JSONResponse:
    dlq_id = request.path_params["dlq_id"]
    entry = await services(request).store.run(db_dlq.get(dlq_id))
    if entry is None:
        raise ApiError(404, f"dlq message {dlq_id} not found")
    return JSONResponse(entry)


async def delete_dlq(request: Request) -> JSONResponse:
    dlq_id = request.path_params["dlq_id"]
    deleted = await services(request).store.run(db_dlq.delete({"dlqIds": [dlq_id]}))
    if not deleted:
        raise ApiError(404, f"dlq message {dlq_id} not found")
    return JSONResponse({"deleted": deleted})


async def delete_many(request: Request) -> JSONResponse:
    chosen = await _chosen(request)
    if "dlqIds" in chosen and not chosen["dlqIds"]:
        return JSONResponse({"deleted": 0})
    deleted = await services(request).store.run(db_dlq.delete(chosen))
    return JSONResponse({"deleted": deleted})


async def _retry(request: Request, chosen: dict[str, Any]) -> list[Message]:
    svc = services(request)

    def admit(created: list[Message]) -> None:
        for message in created:
            svc.scheduler.admit(message)

    return await svc.store.run(db_dlq.retry(chosen, now=now_ms()), admit)


async def retry_one(request: Request) -> JSONResponse:
    dlq_id = request.path_params["dlq_id"]
    created = await _retry(request, {"dlqIds": [dlq_id]})
    if not created:
        raise ApiError(404, f"dlq message {dlq_id} not found")
    return JSONResponse({"messageId": created[0].id})


async def retry_many(request: Request) -> JSONResponse:
    chosen = await _chosen(request)
    if "dlqIds" in chosen and not chosen["dlqIds"]:
        return JSONResponse({"responses": []})
    created = await _retry(request, chosen)
    return JSONResponse({"responses": [{"messageId": m.id} for m in created]})


ROUTES = [
    Route("/v2/dlq", list_dlq, methods=["GET"]),
    Route("/v2/dlq", delete_many, methods=["DELETE"]),
    Route("/v2/dlq/retry", retry_many, methods=["POST"]),
    Route("/v2/dlq/retry/{dlq_id}", retry_one, methods=["POST"]),
    Route("/v2/dlq/{dlq_id}", get_dlq, methods=["GET"]),
    Route("/v2/dlq/{dlq_id}", delete_dlq, methods=["DELETE"]),
]
