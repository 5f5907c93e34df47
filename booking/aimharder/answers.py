"""Reading AimHarder's answers as AIMHARDER.md shows them, accepting every shape it shows.

Where the evidence is strong a different shape is an `UnexpectedAnswerError` that names what was
unexpected; where it is thin every reading the sources show is accepted (and noted in `Shapes`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from booking.aimharder.errors import (
    AccessBlockedError,
    InvalidCredentialsError,
    SessionExpiredError,
    UnexpectedAnswerError,
    UpstreamUnavailableError,
)
from booking.aimharder.shapes import Shapes, note
from booking.opening import parse_time_range
from booking.outcomes import as_int, looks_like_html, strip_html

COOKIE = "amhrdrauth"
DEFAULT_TIMEZONE = "Europe/Madrid"  # no AimHarder answer carries a zone (AIMHARDER.md f)


@dataclass(frozen=True)
class BoxInfo:
    id: str  # `boid`: the `box=` parameter of the class list
    subdomain: str  # the first label of `centre_url`
    name: str  # `gym`
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class AccountInfo:
    id: str | None
    name: str | None
    boxes: list[BoxInfo]


@dataclass(frozen=True)
class LoginFacts:
    refresh_token: str | None
    account: AccountInfo


@dataclass(frozen=True)
class ClassInfo:
    id: str
    name: str
    time: str  # "HH:MM-HH:MM"
    start: datetime  # naive, box-local wall clock
    end: datetime  # naive, box-local; the next day for a class that ends after midnight
    capacity: int | None
    booked: int | None
    book_state: int | None  # this member's state: 1 booked, 0 waitlisted, None
    booking_id: str | None = None  # `idres`, what a cancellation names
    waitlist: int | None = None  # people waiting


def keys_of(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(str(k) for k in value)) + "}"
    return type(value).__name__


def read_json(response: httpx.Response, what: str) -> Any:
    """The parsed JSON of an answer; 403 or an HTML page is `AccessBlockedError` (geo-blocking)."""
    status = response.status_code
    if status == 403:
        raise AccessBlockedError(f"HTTP 403 to the {what}")
    if status >= 500:
        raise UpstreamUnavailableError(f"AimHarder {what} failed with HTTP {status}")
    if status == 429:
        raise UpstreamUnavailableError(f"AimHarder is rate-limiting this server (HTTP 429, {what})")
    if response.is_redirect:
        target = httpx.URL(response.headers.get("location", "")).path or "?"
        raise SessionExpiredError(f"AimHarder {what} redirected to {target} (logged out)")
    text = response.text
    try:
        return json.loads(text)  # served as text/html at times (`$.parseJSON` in the front)
    except ValueError:
        if looks_like_html(response.headers.get("content-type"), text):
            raise AccessBlockedError(
                f"an HTML page instead of JSON for the {what}, HTTP {status}"
            ) from None
        raise UnexpectedAnswerError(
            f"AimHarder {what} answered HTTP {status} with a body that is not JSON"
        ) from None


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    data = read_json(response, what)
    if not isinstance(data, dict):
        raise UnexpectedAnswerError(
            f"AimHarder {what} answered JSON {keys_of(data)}, not an object")
    if data.get("logout") not in (None, 0, False, "0", ""):
        raise SessionExpiredError(f"AimHarder session expired ({what} answered logout)")
    return data


def session_cookie(response: httpx.Response, shapes: Shapes | None = None) -> str | None:
    """The `amhrdrauth` value from the answer's Set-Cookie headers, whatever their Domain.

    Read by hand rather than through a cookie jar: a jar files a `Domain=.aimharder.com`
    cookie by domain (and some drop parent-domain cookies), and the shared HTTP client must
    never carry one user's session into another's request.
    """
    found: str | None = None
    for header in response.headers.get_list("set-cookie"):
        first, _, attributes = header.partition(";")
        name, _, value = first.partition("=")
        if name.strip() != COOKIE:
            continue
        value = value.strip().strip('"')
        lowered = attributes.lower().replace(" ", "")
        if not value or value == "deleted" or "max-age=0" in lowered:
            found = None
            continue
        domain = re.search(r"domain=([^;]+)", lowered)
        note(shapes, "cookie", f"amhrdrauth Domain={domain.group(1) if domain else '(none)'}")
        found = value
    return found


def _subdomain(centre_url: str) -> str:
    host = centre_url.strip()
    host = re.sub(r"^[a-z]+://", "", host, flags=re.IGNORECASE).split("/", 1)[0]
    return host.split(".", 1)[0].lower()


def boxes_from_roles(user: dict[str, Any], what: str, shapes: Shapes | None) -> list[BoxInfo]:
    """Boxes of `userData.roles[]`: id = `boid` (not `id`), subdomain from `centre_url`."""
    roles = user.get("roles")
    if roles is None:
        note(shapes, what, "userData without roles", recognised=False)
        return []
    if not isinstance(roles, list):
        raise UnexpectedAnswerError(
            f"AimHarder {what}: userData.roles is {keys_of(roles)}, not a list")
    boxes: dict[str, BoxInfo] = {}
    for role in roles:
        if not isinstance(role, dict):
            note(shapes, what, f"role that is {keys_of(role)}", recognised=False)
            continue
        boid, centre = role.get("boid"), role.get("centre_url")
        if boid in (None, "") or not isinstance(centre, str) or not centre.strip():
            note(shapes, what, f"role without boid or centre_url {keys_of(role)}",
                 recognised=False)
            continue
        note(shapes, what, f"role {role.get('role')!s}: boid, centre_url, gym")
        box = BoxInfo(id=str(boid), subdomain=_subdomain(centre), name=str(role.get("gym") or ""))
        boxes.setdefault(box.id, box)
    return list(boxes.values())


def _account(user: dict[str, Any], what: str, shapes: Shapes | None) -> AccountInfo:
    name = user.get("name")
    return AccountInfo(
        id=None if user.get("id") in (None, "") else str(user["id"]),
        name=name if isinstance(name, str) else None,
        boxes=boxes_from_roles(user, what, shapes),
    )


def _error_text(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("message", "errorMssg", "msg"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return keys_of(value)
    if isinstance(value, str) and value:
        return value
    return None


def parse_login(data: dict[str, Any], shapes: Shapes | None) -> LoginFacts:
    """`{"data": {"auth": {"authOK", "refreshToken"}, "userData": {…}}}` or a refusal."""
    inner = data.get("data")
    auth = inner.get("auth") if isinstance(inner, dict) else None
    error = _error_text(data.get("error")) or _error_text(data.get("errorMssg"))
    if error is not None and not (isinstance(auth, dict) and auth.get("authOK") is True):
        note(shapes, "login", f"refusal {keys_of(data)}")
        raise InvalidCredentialsError(f"AimHarder refused the login: {strip_html(error)}")
    if not isinstance(inner, dict) or not isinstance(auth, dict):
        raise UnexpectedAnswerError(
            f"AimHarder login answer has no data.auth (top level {keys_of(data)}, "
            f"data {keys_of(inner)})"
        )
    if "authOK" not in auth:
        raise UnexpectedAnswerError(
            f"AimHarder login answer has no data.auth.authOK ({keys_of(auth)})")
    if auth.get("authOK") is not True and str(auth.get("authOK")).lower() not in ("1", "true"):
        note(shapes, "login", f"data.auth.authOK={auth.get('authOK')!r}")
        raise InvalidCredentialsError(
            "AimHarder refused the email or password (authOK is not true)")
    note(shapes, "login", "data.auth.authOK=true")
    refresh = auth.get("refreshToken")
    note(shapes, "login", "data.auth.refreshToken" if isinstance(refresh, str) and refresh
         else f"no refreshToken in data.auth {keys_of(auth)}", recognised=bool(refresh))
    user = inner.get("userData")
    if not isinstance(user, dict):
        raise UnexpectedAnswerError(
            f"AimHarder login answer has no data.userData ({keys_of(inner)})")
    return LoginFacts(
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        account=_account(user, "login", shapes),
    )


def parse_whoami(data: dict[str, Any], shapes: Shapes | None) -> AccountInfo:
    """`{"data": [ {id, name, roles} ]}`; `{"data": []}` when the session is gone."""
    rows = data.get("data")
    if isinstance(rows, dict):  # one row instead of an array of one
        note(shapes, "whoami", "data is an object", recognised=False)
        rows = [rows]
    if not isinstance(rows, list):
        raise UnexpectedAnswerError(f"AimHarder whoami answer has no data array ({keys_of(data)})")
    if not rows:
        note(shapes, "whoami", "data: [] (no session)")
        raise SessionExpiredError("AimHarder whoami answered no user: the session is gone")
    if not isinstance(rows[0], dict):
        raise UnexpectedAnswerError(f"AimHarder whoami row is {keys_of(rows[0])}")
    note(shapes, "whoami", f"data: [{len(rows)} row]")
    return _account(rows[0], "whoami", shapes)


_LIMIT_WAITING = re.compile(r"\((\d+)\)")
_LIMIT_OF = re.compile(r"(\d+)\s*/\s*(\d+)")


def capacity_and_waiting(row: dict[str, Any], shapes: Shapes | None) -> tuple[int | None,
                                                                               int | None]:
    """Capacity from `limitc`; `limit` is a number or a display string such as "12 (2)"."""
    capacity = as_int(row.get("limitc"))
    waiting = as_int(row.get("waitlist"))
    limit = row.get("limit")
    if isinstance(limit, str) and not limit.strip().isdigit():
        note(shapes, "bookings", "limit as a string")
        paren = _LIMIT_WAITING.search(limit)
        if waiting is None and paren:
            waiting = int(paren.group(1))
        if capacity is None:
            of = _LIMIT_OF.search(limit)
            lead = re.match(r"\s*(\d+)", limit)
            capacity = int(of.group(2)) if of else int(lead.group(1)) if lead else None
    elif capacity is None:
        capacity = as_int(limit)
    if row.get("limitc") is None:
        note(shapes, "bookings", "row without limitc", recognised=False)
    return capacity, waiting


def _times(row: dict[str, Any], day: date) -> tuple[datetime, datetime] | None:
    raw = row.get("time")
    try:
        start_t, end_t = parse_time_range(str(raw or ""))
    except ValueError:
        timeid = re.fullmatch(r"(\d{2})(\d{2})_(\d+)", str(row.get("timeid") or ""))
        if timeid is None:
            return None
        start_t = time(int(timeid.group(1)), int(timeid.group(2)))
        start = datetime.combine(day, start_t)
        return start, start + timedelta(minutes=int(timeid.group(3)))
    start, end = datetime.combine(day, start_t), datetime.combine(day, end_t)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def parse_classes(data: dict[str, Any], day: date, shapes: Shapes | None) -> list[ClassInfo]:
    rows = data.get("bookings")
    if not isinstance(rows, list):
        raise UnexpectedAnswerError(f"AimHarder class list has no bookings array ({keys_of(data)})")
    note(shapes, "bookings", f"envelope {keys_of(data)}")
    classes = []
    for row in rows:
        if not isinstance(row, dict):
            note(shapes, "bookings", f"row that is {keys_of(row)}", recognised=False)
            continue
        times = _times(row, day)
        if times is None or row.get("id") in (None, ""):
            note(shapes, "bookings", f"row without a readable id/time {keys_of(row)}",
                 recognised=False)
            continue
        capacity, waiting = capacity_and_waiting(row, shapes)
        idres = row.get("idres")
        classes.append(ClassInfo(
            id=str(row["id"]), name=str(row.get("className") or ""),
            time=f"{times[0]:%H:%M}-{times[1]:%H:%M}", start=times[0], end=times[1],
            capacity=capacity, booked=as_int(row.get("ocupation")),
            book_state=as_int(row.get("bookState")),
            booking_id=None if idres in (None, "", 0) else str(idres), waitlist=waiting,
        ))
    return classes
