"""Signing keys (`/v2/keys`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from localqstash.errors import ApiError
from localqstash.services import services


async def get_keys(request: Request) -> JSONResponse:
    config = services(request).config
    return JSONResponse({"current": config.current_signing_key, "next": config.next_signing_key})


async def rotate_keys(request: Request) -> JSONResponse:
    raise ApiError(400, "localqstash signs with fixed keys; rotation is not supported")


ROUTES = [
    Route("/v2/keys", get_keys, methods=["GET"]),
    Route("/v2/keys/rotate", rotate_keys, methods=["POST"]),
]
