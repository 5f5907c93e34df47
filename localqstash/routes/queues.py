"""Queues (`/v2/queues`): upsert, get, list, delete, pause, resume."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localqstash.db import queues as db_queues
from localqstash.errors import ApiError
from localqstash.models import now_ms
from localqstash.routes.params import json_body
from localqstash.services import services


async def upsert_queue(request: Request) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("queueName"), str):
        raise ApiError(400, "queueName is required")
    parallelism = body.get("parallelism")
    if parallelism is not None and (not isinstance(parallelism, int) or parallelism < 1):
        raise ApiError(400, "parallelism must be a positive integer")
    paused = body.get("paused")
    svc = services(request)
    op = db_queues.upsert(body["queueName"], parallelism=parallelism,
                          paused=bool(paused) if paused is not None else None, now=now_ms())
    await svc.store.run(op, svc.scheduler.queue_changed)
    return Response(status_code=200)


async def get_queue(request: Request) -> JSONResponse:
    name = request.path_params["name"]
    found = await services(request).store.run(db_queues.get(name))
    if found is None:
        raise ApiError(404, f"queue {name} not found")
    queue, lag = found
    return JSONResponse(queue.to_json(lag))


async def list_queues(request: Request) -> JSONResponse:
    queues = await services(request).store.run(db_queues.list_all)
    return JSONResponse([queue.to_json(lag) for queue, lag in queues])


async def delete_queue(request: Request) -> Response:
    """Deleting a queue cancels the messages still waiting in it."""
    svc = services(request)
    name = request.path_params["name"]
    deleted = await svc.store.run(db_queues.delete(name))
    if not deleted:
        raise ApiError(404, f"queue {name} not found")
    await svc.cancel({"queueName": name})
    svc.scheduler.queue_removed(name)
    return Response(status_code=200)


async def pause_or_resume(request: Request) -> Response:
    svc = services(request)
    name, action = request.path_params["name"], request.path_params["action"]
    if action not in ("pause", "resume"):
        raise ApiError(404, "not found")
    if await svc.store.run(db_queues.get(name)) is None:
        raise ApiError(404, f"queue {name} not found")
    op = db_queues.upsert(name, parallelism=None, paused=action == "pause", now=now_ms())
    await svc.store.run(op, svc.scheduler.queue_changed)
    return Response(status_code=200)


ROUTES = [
    Route("/v2/queues", upsert_queue, methods=["POST"]),
    Route("/v2/queues", list_queues, methods=["GET"]),
    Route("/v2/queues/{name}", get_queue, methods=["GET"]),
    Route("/v2/queues/{name}", delete_queue, methods=["DELETE"]),
    Route("/v2/queues/{name}/{action}", pause_or_resume, methods=["POST"]),
]
