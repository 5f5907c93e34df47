"""Schedules (`/v2/schedules`): upsert, get, list, delete, pause, resume."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localqstash import cron
from localqstash.db import schedules as db_schedules
from localqstash.errors import ApiError
from localqstash.models import Schedule, new_id, now_ms
from localqstash.options import destination_from_path, parse
from localqstash.routes.params import query_string, raw_tail
from localqstash.services import services


async def _create(request: Request, raw_destination: str) -> JSONResponse:
    svc = services(request)
    now = now_ms()
    parsed = parse(
        request.headers.items(),
        destination=destination_from_path(raw_destination, query_string(request)),
        body=await request.body(),
        now=now,
        default_retries=svc.config.default_retries,
        caller_ip=request.client.host if request.client else None,
    )
    if not parsed.cron:
        raise ApiError(400, "upstash-cron header is required")
    try:
        next_time = cron.next_after(parsed.cron, now)
    except cron.CronError as exc:
        raise ApiError(400, str(exc)) from None
    schedule = Schedule(
        id=parsed.schedule_id or new_id("scd"),
        cron=parsed.cron,
        template=parsed.message,
        delay_ms=parsed.delay_ms,
        created_at=now,
        next_time=next_time,
    )
    saved = await svc.store.run(db_schedules.upsert(schedule), svc.schedules.put)
    return JSONResponse({"scheduleId": saved.id}, status_code=201)


async def _set_paused(request: Request, schedule_id: str, paused: bool) -> Response:
    svc = services(request)
    current = svc.schedules.get(schedule_id)
    if current is None:
        raise ApiError(404, f"schedule {schedule_id} not found")
    changed = dataclasses.replace(current, paused=paused)
    if not paused:
        changed.next_time = cron.next_after(changed.cron, now_ms())
    await svc.store.run(db_schedules.save(changed), lambda _: svc.schedules.put(changed))
    return Response(status_code=200)


async def post_schedule(request: Request) -> Response:
    """Create when the tail is a URL; `{id}/pause` and `{id}/resume` otherwise."""
    tail = raw_tail(request, "/v2/schedules/")
    if tail.lower().startswith(("http://", "https://", "http%3a", "https%3a")):
        return await _create(request, tail)
    schedule_id, _, action = tail.partition("/")
    if action in ("pause", "resume"):
        return await _set_paused(request, schedule_id, action == "pause")
    raise ApiError(400, f"invalid destination url: {tail!r}")


async def patch_schedule(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in ("pause", "resume"):
        raise ApiError(404, "not found")
    return await _set_paused(request, request.path_params["schedule_id"], action == "pause")


async def get_schedule(request: Request) -> JSONResponse:
    schedule_id = request.path_params["schedule_id"]
    schedule = services(request).schedules.get(schedule_id)
    if schedule is None:
        raise ApiError(404, f"schedule {schedule_id} not found")
    return JSONResponse(schedule.to_json())


async def list_schedules(request: Request) -> JSONResponse:
    schedules = await services(request).store.run(db_schedules.list_all)
    live = services(request).schedules
    return JSONResponse([(live.get(s.id) or s).to_json() for s in schedules])


async def delete_schedule(request: Request) -> Response:
    svc = services(request)
    schedule_id = request.path_params["schedule_id"]
    deleted = await svc.store.run(
        db_schedules.delete(schedule_id), lambda _: svc.schedules.remove(schedule_id)
    )
    if not deleted:
        raise ApiError(404, f"schedule {schedule_id} not found")
    return Response(status_code=200)


ROUTES = [
    Route("/v2/schedules", list_schedules, methods=["GET"]),
    Route("/v2/schedules/{schedule_id}", get_schedule, methods=["GET"]),
    Route("/v2/schedules/{schedule_id}", delete_schedule, methods=["DELETE"]),
    Route("/v2/schedules/{schedule_id}/{action}", patch_schedule, methods=["PATCH"]),
    Route("/v2/schedules/{rest:path}", post_schedule, methods=["POST"]),
]
