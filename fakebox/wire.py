"""What the fake box reads off and writes onto the wire, shared by its AimHarder endpoints.

Arrival stamps, body parsing, AimHarder's cookies, the 403 page, and the masking that keeps
passwords, tokens and cookie values out of `/_fake/requests`.
"""

from __future__ import annotations

import json
import secrets
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from fakebox.accounts import Clock
from fakebox.window import from_ns

ARRIVAL_KEY = "fakebox.received_at_ns"
SESSION_COOKIE = "amhrdrauth"
LOGOUT: dict[str, Any] = {"logout": 1}
MASK = "***"
SECRET_KEYS = frozenset({"password", "token", "refreshToken", "newToken"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})

# What an AWS load balancer in front of a PHP site answers to a refused network location.
FORBIDDEN_PAGE = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    "<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n"
)


def received_at_ns(request: Request, clock: Clock) -> int:
    """When the request arrived: stamped before its body was read (see `arrival`)."""
    stamp = request.scope.get(ARRIVAL_KEY)
    return int(stamp) if stamp is not None else clock()


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded body as a flat dict, whatever charset suffix the Content-Type has."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def read_json(request: Request) -> dict[str, Any] | None:
    """A JSON object body, or None when the body is anything else."""
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def session_cookie(value: str) -> str:
    """The `Set-Cookie` value AimHarder gives its session: parent domain, no `Secure`."""
    return f"{SESSION_COOKIE}={value}; Domain=.aimharder.com; Path=/; HttpOnly"


def balancer_cookies(now_ns: int) -> list[str]:
    """The PHP session and AWS load-balancer cookies that come with a login."""
    expires = format_datetime(from_ns(now_ns + 7 * 86_400 * 1_000_000_000), usegmt=True)
    stickiness = secrets.token_urlsafe(96)
    return [
        f"PHPSESSID={secrets.token_hex(13)}; path=/",
        f"AWSALB={stickiness}; Expires={expires}; Path=/",
        f"AWSALBCORS={stickiness}; Expires={expires}; Path=/; SameSite=None; Secure",
    ]


def json_answer(body: dict[str, Any], set_cookies: list[str] | None = None) -> Response:
    response = JSONResponse(body)
    for cookie in set_cookies or ():
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


def forbidden() -> Response:
    return HTMLResponse(FORBIDDEN_PAGE, 403)


def masked(data: Any) -> Any:
    """A copy of a body or answer with every secret value replaced by `***`."""
    if isinstance(data, dict):
        return {k: MASK if k in SECRET_KEYS else masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(item) for item in data]
    return data


def _mask_cookie_header(value: str) -> str:
    names = [part.split("=", 1)[0].strip() for part in value.split(";") if part.strip()]
    return "; ".join(f"{name}={MASK}" for name in names)


def header_dump(raw_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers, lower-cased, with cookie values and credentials masked."""
    dump: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "cookie":
            value = _mask_cookie_header(value)
        elif name in SECRET_HEADERS:
            value = MASK
        separator = "; " if name == "cookie" else ", "
        dump[name] = f"{dump[name]}{separator}{value}" if name in dump else value
    return dump
