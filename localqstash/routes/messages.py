"""Publishing (`/v2/publish`, `/v2/enqueue`, `/v2/batch`) and messages (`/v2/messages`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from localqstash.db import messages as db_messages
from localqstash.errors import ApiError
from localqstash.models import now_ms
from localqstash.options import destination_from_path, parse
from localqstash.routes.params import filters, json_body, query_string, raw_tail
from localqstash.services import services

CANCEL_KEYS = {"messageIds", "url", "queueName", "scheduleId", "label", "callerIp",
               "fromDate", "toDate"}


def _caller(request: Request) -> str | None:
    return request.client.host if request.client else None


def _answer(published: db_messages.Published) -> dict[str, Any]:
    data: dict[str, Any] = {"messageId": published.message_id}
    if published.deduplicated:
        data["deduplicated"] = True
    return data


async def _publish_one(request: Request, destination: str, queue: str | None) -> JSONResponse:
    svc = services(request)
    parsed = parse(
        request.headers.items(),
        destination=destination,
        body=await request.body(),
        now=now_ms(),
        default_retries=svc.config.default_retries,
        caller_ip=_caller(request),
        queue=queue,
    )
    [published] = await svc.publish([db_messages.Draft(parsed.message, parsed.dedup_key)])
    return JSONResponse(_answer(published), status_code=202 if published.deduplicated else 201)


async def publish(request: Request) -> JSONResponse:
    destination = destination_from_path(raw_tail(request, "/v2/publish/"), query_string(request))
    return await _publish_one(request, destination, None)


async def enqueue(request: Request) -> JSONResponse:
    queue, sep, rest = raw_tail(request, "/v2/enqueue/").partition("/")
    if not queue or not sep:
        raise ApiError(400, "expected /v2/enqueue/{queue}/{destination}")
    return await _publish_one(request, destination_from_path(rest, query_string(request)), queue)


async def batch(request: Request) -> JSONResponse:
    svc = services(request)
    items = await json_body(request)
    if not isinstance(items, list):
        raise ApiError(400, "batch body must be a JSON array")
    now = now_ms()
    drafts = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("destination"), str):
            raise ApiError(400, "each batch entry needs a destination")
        headers = item.get("headers") or {}
        body = item.get("body")
        if not isinstance(headers, dict) or not isinstance(body, str | None):
            raise ApiError(400, "batch headers must be an object and body a string")
        parsed = parse(
            [(str(k), str(v)) for k, v in headers.items()],
            destination=destination_from_path(item["destination"], ""),
            body=(body or "").encode(),
            now=now,
            default_retries=svc.config.default_retries,
            caller_ip=_caller(request),
            queue=item.get("queue"),
        )
        drafts.append(db_messages.Draft(parsed.message, parsed.dedup_key))
    published = await svc.publish(drafts)
    return JSONResponse([_answer(p) for p in published], status_code=201)


async def get_message(request: Request) -> JSONResponse:
    message_id = request.path_params["message_id"]
    message = await services(request).store.run(db_messages.get(message_id))
    if message is None:
        raise ApiError(404, f"message {message_id} not found")
    return JSONResponse(message.to_json())


async def cancel_message(request: Request) -> JSONResponse:
    message_id = request.path_params["message_id"]
    cancelled = await services(request).cancel({"messageIds": [message_id]})
    if not cancelled:
        raise ApiError(404, f"message {message_id} not found")
    return JSONResponse({"cancelled": len(cancelled)})


async def cancel_messages(request: Request) -> JSONResponse:
    """By ids (JSON body or query), by filter, or everything when nothing is given."""
    chosen = filters(request, CANCEL_KEYS, multi=frozenset({"messageIds"}))
    body = await json_body(request)
    if isinstance(body, dict):
        for key in CANCEL_KEYS:
            if body.get(key) is not None:
                chosen[key] = body[key]
    if "messageIds" in chosen and not chosen["messageIds"]:
        return JSONResponse({"cancelled": 0})
    cancelled = await services(request).cancel(chosen)
    return JSONResponse({"cancelled": len(cancelled)})


ROUTES = [
    Route("/v2/publish/{destination:path}", publish, methods=["POST"]),
    Route("/v2/enqueue/{rest:path}", enqueue, methods=["POST"]),
    Route("/v2/batch", batch, methods=["POST"]),
    Route("/v2/messages/{message_id}", get_message, methods=["GET"]),
    Route("/v2/messages/{message_id}", cancel_message, methods=["DELETE"]),
    Route("/v2/messages", cancel_messages, methods=["DELETE"]),
]
