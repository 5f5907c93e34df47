"""Turning a publish request (its `Upstash-*` headers and body) into a message."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from localqstash.durations import parse_duration_ms
from localqstash.errors import ApiError
from localqstash.models import Headers, Message, new_id
from localqstash.retry_expr import RetryExprError, compile_retry_delay

METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
_CALLBACK_SETTINGS = {"retries", "timeout", "delay", "method", "retry-delay", "forward"}


@dataclass(slots=True)
class Parsed:
    message: Message
    dedup_key: str | None
    delay_ms: int
    cron: str | None
    schedule_id: str | None


def destination_from_path(raw: str, query: str) -> str:
    """The destination URL, as published: taken raw, so its own query string survives."""
    destination = raw
    if destination.lower().startswith(("http%3a", "https%3a")):
        destination = unquote(destination)
    if query:
        destination += "?" + query
    if not destination.lower().startswith(("http://", "https://")):
        raise ApiError(400, f"invalid destination url: {destination!r}")
    return destination


def canonical(name: str) -> str:
    """`x-trace-id` -> `X-Trace-Id`, as QStash (written in Go) reports header names."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _add(headers: Headers, name: str, value: str) -> None:
    headers.setdefault(canonical(name), []).append(value)


def _strip(name: str, prefix: str) -> str | None:
    if not name.lower().startswith(prefix):
        return None
    rest = name[len(prefix):]
    if rest.lower().startswith("forward-"):
        return rest[len("forward-"):]
    return None if rest.lower() in _CALLBACK_SETTINGS else rest


def parse(
    items: Iterable[tuple[str, str]],
    *,
    destination: str,
    body: bytes,
    now: int,
    default_retries: int,
    caller_ip: str | None = None,
    queue: str | None = None,
) -> Parsed:
    """Read every `Upstash-*` header QStash documents; a malformed one answers 400."""
    forwarded: Headers = {}
    callback_headers: Headers = {}
    failure_headers: Headers = {}
    single: dict[str, str] = {}
    for name, value in items:
        lower = name.lower()
        if lower == "content-type":
            _add(forwarded, "Content-Type", value)
        elif lower.startswith("upstash-forward-"):
            _add(forwarded, name[len("upstash-forward-"):], value)
        elif (stripped := _strip(name, "upstash-failure-callback-")) is not None:
            _add(failure_headers, stripped, value)
        elif (stripped := _strip(name, "upstash-callback-")) is not None:
            _add(callback_headers, stripped, value)
        elif lower.startswith("upstash-"):
            single[lower] = value

    def number(key: str) -> int | None:
        if key not in single:
            return None
        try:
            return int(single[key])
        except ValueError:
            raise ApiError(400, f"invalid {key} header: {single[key]!r}") from None

    def duration(key: str) -> int | None:
        if key not in single:
            return None
        try:
            return parse_duration_ms(single[key])
        except ValueError:
            raise ApiError(400, f"invalid {key} header: {single[key]!r}") from None

    method = single.get("upstash-method", "POST").upper()
    if method not in METHODS:
        raise ApiError(400, f"invalid upstash-method header: {method!r}")
    retries = number("upstash-retries")
    if retries is not None and retries < 0:
        raise ApiError(400, "upstash-retries must not be negative")
    retry_delay = single.get("upstash-retry-delay")
    if retry_delay is not None:
        try:
            compile_retry_delay(retry_delay)
        except RetryExprError as exc:
            raise ApiError(400, f"invalid upstash-retry-delay header: {exc}") from None
    delay_ms = duration("upstash-delay") or 0
    not_before = number("upstash-not-before")
    due = not_before * 1000 if not_before is not None else now + delay_ms
    for key in ("upstash-callback", "upstash-failure-callback"):
        if key in single and not single[key].lower().startswith(("http://", "https://")):
            raise ApiError(400, f"invalid {key} url: {single[key]!r}")

    message = Message(
        id=new_id("msg"),
        url=destination,
        method=method,
        headers=forwarded,
        body=body,
        created_at=now,
        not_before=due,
        due=due,
        max_retries=retries if retries is not None else default_retries,
        retry_delay=retry_delay,
        timeout_ms=duration("upstash-timeout"),
        callback=single.get("upstash-callback"),
        failure_callback=single.get("upstash-failure-callback"),
        callback_headers=callback_headers,
        failure_callback_headers=failure_headers,
        queue=queue or single.get("upstash-queue-name"),
        label=single.get("upstash-label"),
        caller_ip=caller_ip,
    )
    dedup_key: str | None = None
    if "upstash-deduplication-id" in single:
        dedup_key = "id:" + single["upstash-deduplication-id"]
    elif single.get("upstash-content-based-deduplication", "").lower() == "true":
        digest = hashlib.sha256()
        for part in (destination.encode(), body, repr(sorted(forwarded.items())).encode()):
            digest.update(len(part).to_bytes(8, "big") + part)
        dedup_key = "content:" + digest.hexdigest()
    return Parsed(message, dedup_key, delay_ms, single.get("upstash-cron"),
                  single.get("upstash-schedule-id"))
