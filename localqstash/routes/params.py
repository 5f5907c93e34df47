"""Reading filters from query strings and JSON bodies the way the SDKs send them."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from localqstash.errors import ApiError

INT_KEYS = {"fromDate", "toDate", "responseStatus"}


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "request body is not valid JSON") from None


def filters(
    request: Request, keys: set[str], *, multi: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Filters from the query string; keys in `multi` may repeat or be comma-separated."""
    out: dict[str, Any] = {}
    query = request.query_params
    for key in keys:
        if key in multi:
            values = [v for raw in query.getlist(key) for v in raw.split(",") if v]
            if values:
                out[key] = values
        elif key in query:
            value = query[key]
            if key in INT_KEYS:
                try:
                    out[key] = int(value)
                except ValueError:
                    raise ApiError(400, f"invalid {key}: {value!r}") from None
            else:
                out[key] = value
    return out


def cursor_and_count(request: Request, *, default: int, maximum: int) -> tuple[int | None, int]:
    try:
        cursor = int(request.query_params["cursor"]) if request.query_params.get("cursor") else None
        count = int(request.query_params.get("count", default))
    except ValueError:
        raise ApiError(400, "cursor and count must be integers") from None
    return cursor, max(1, min(count, maximum))


def raw_tail(request: Request, prefix: str) -> str:
    """The undecoded rest of the path after `prefix` (destinations keep their encoding)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    if not path.startswith(prefix):
        raise ApiError(404, "not found")
    return path[len(prefix):]


def query_string(request: Request) -> str:
    return str(request.scope.get("query_string", b"").decode("latin-1"))
