"""The records localqstash keeps, and their JSON shapes as the `qstash` SDK parses them."""

from __future__ import annotations

import base64
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

Headers = dict[str, list[str]]


def now_ms() -> int:
    return int(time.time() * 1000)


# Ids and token ids need to be unique, not secret: a generator seeded from the OS once is
# as good for that, and does not make a system call per id (several per delivery).
_random = random.Random(os.urandom(32))


def random_hex(nbytes: int) -> str:
    return _random.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()


def new_id(prefix: str) -> str:
    raw = base64.urlsafe_b64encode(_random.getrandbits(144).to_bytes(18, "big")).decode()
    return f"{prefix}_{raw.replace('-', 'a').replace('_', 'b')}"


def body_fields(
    body: bytes, *, text_key: str = "body", b64_key: str = "bodyBase64"
) -> dict[str, str]:
    """UTF-8 bodies as text, anything else as base64, the way QStash answers."""
    if not body:
        return {}
    try:
        return {text_key: body.decode("utf-8")}
    except UnicodeDecodeError:
        return {b64_key: base64.b64encode(body).decode()}


@dataclass(slots=True)
class Message:
    """One message: what to deliver, where, when next, and how often to retry."""

    id: str
    url: str
    method: str = "POST"
    headers: Headers = field(default_factory=dict)
    body: bytes = b""
    created_at: int = 0
    not_before: int = 0
    due: int = 0
    retried: int = 0
    max_retries: int = 3
    retry_delay: str | None = None
    timeout_ms: int | None = None
    callback: str | None = None
    failure_callback: str | None = None
    callback_headers: Headers = field(default_factory=dict)
    failure_callback_headers: Headers = field(default_factory=dict)
    queue: str | None = None
    schedule_id: str | None = None
    label: str | None = None
    caller_ip: str | None = None
    seq: int = 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "messageId": self.id,
            "url": self.url,
            "method": self.method,
            "header": self.headers,
            "maxRetries": self.max_retries,
            "notBefore": self.not_before,
            "createdAt": self.created_at,
            "retried": self.retried,
        }
        data.update(body_fields(self.body))
        optional = {
            "callback": self.callback,
            "failureCallback": self.failure_callback,
            "callbackHeader": self.callback_headers or None,
            "failureCallbackHeader": self.failure_callback_headers or None,
            "queueName": self.queue,
            "scheduleId": self.schedule_id,
            "label": self.label,
            "callerIP": self.caller_ip,
            "retryDelayExpression": self.retry_delay,
            "timeout": self.timeout_ms // 1000 if self.timeout_ms is not None else None,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    def to_record(self) -> dict[str, Any]:
        """A lossless JSON form (body in base64) for the DLQ and the schedule template."""
        data = self.to_json()
        data.pop("body", None)
        data["bodyBase64"] = base64.b64encode(self.body).decode()
        data["due"] = self.due
        data["timeoutMs"] = self.timeout_ms
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Message:
        return cls(
            id=data["messageId"],
            url=data["url"],
            method=data["method"],
            headers=data.get("header") or {},
            body=base64.b64decode(data.get("bodyBase64") or ""),
            created_at=data["createdAt"],
            not_before=data["notBefore"],
            due=data.get("due", data["notBefore"]),
            retried=data.get("retried", 0),
            max_retries=data["maxRetries"],
            retry_delay=data.get("retryDelayExpression"),
            timeout_ms=data.get("timeoutMs"),
            callback=data.get("callback"),
            failure_callback=data.get("failureCallback"),
            callback_headers=data.get("callbackHeader") or {},
            failure_callback_headers=data.get("failureCallbackHeader") or {},
            queue=data.get("queueName"),
            schedule_id=data.get("scheduleId"),
            label=data.get("label"),
            caller_ip=data.get("callerIP"),
        )


@dataclass(slots=True)
class Schedule:
    id: str
    cron: str
    template: Message
    delay_ms: int = 0
    created_at: int = 0
    paused: bool = False
    last_time: int | None = None
    next_time: int | None = None

    def to_json(self) -> dict[str, Any]:
        t = self.template
        data: dict[str, Any] = {
            "scheduleId": self.id,
            "cron": self.cron,
            "createdAt": self.created_at,
            "destination": t.url,
            "method": t.method,
            "header": t.headers,
            "retries": t.max_retries,
            "isPaused": self.paused,
        }
        data.update(body_fields(t.body))
        optional = {
            "delay": self.delay_ms // 1000 if self.delay_ms else None,
            "timeout": t.timeout_ms // 1000 if t.timeout_ms is not None else None,
            "callback": t.callback,
            "failureCallback": t.failure_callback,
            "callbackHeader": t.callback_headers or None,
            "failureCallbackHeader": t.failure_callback_headers or None,
            "queueName": t.queue,
            "retryDelayExpression": t.retry_delay,
            "label": t.label,
            "callerIP": t.caller_ip,
            "lastScheduleTime": self.last_time,
            "nextScheduleTime": self.next_time,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data


@dataclass(slots=True)
class Queue:
    name: str
    parallelism: int = 1
    paused: bool = False
    created_at: int = 0
    updated_at: int = 0

    def to_json(self, lag: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "parallelism": self.parallelism,
            "paused": self.paused,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "lag": lag,
        }


@dataclass(slots=True)
class Attempt:
    """What one delivery attempt got back from the destination."""

    fired_at: int
    status: int | None = None
    headers: Headers = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None

    def response_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.status is not None:
            data["responseStatus"] = self.status
            data["responseHeader"] = self.headers
            data.update(body_fields(self.body, text_key="responseBody",
                                    b64_key="responseBodyBase64"))
        return data


@dataclass(slots=True)
class Decision:
    """What happens after an attempt: delivered, retry at `next_due`, or failed (to the DLQ)."""

    kind: str
    next_due: int | None = None
    error: str | None = None
