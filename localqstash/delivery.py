"""What an attempt's answer means: delivered, retried after a backoff, or failed."""

from __future__ import annotations

import base64
import json
import math

from localqstash.models import Attempt, Decision, Headers, Message, new_id
from localqstash.retry_expr import evaluate_retry_delay_ms

MAX_BACKOFF_MS = 86_400_000


def _header(attempt: Attempt, name: str) -> str | None:
    for key, values in attempt.headers.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def backoff_ms(message: Message, attempt: Attempt) -> int:
    """Delay before the next retry: `Retry-After`, else the expression, else e^(2.5·n) s."""
    retry_after = _header(attempt, "Retry-After")
    if retry_after is not None:
        try:
            return min(MAX_BACKOFF_MS, max(0, round(float(retry_after) * 1000)))
        except ValueError:
            pass
    if message.retry_delay is not None:
        value = evaluate_retry_delay_ms(message.retry_delay, message.retried, cap_ms=MAX_BACKOFF_MS)
        if value is not None:
            return value
    return round(min(MAX_BACKOFF_MS / 1000, math.exp(2.5 * (message.retried + 1))) * 1000)


def decide(message: Message, attempt: Attempt, *, now: int) -> Decision:
    if attempt.status is not None and 200 <= attempt.status < 300:
        return Decision("delivered")
    error = attempt.error or f"destination answered {attempt.status}"
    non_retryable = attempt.status == 489 and (
        (_header(attempt, "Upstash-NonRetryable-Error") or "").lower() == "true"
    )
    if non_retryable or message.retried >= message.max_retries:
        return Decision("failed", error=error)
    return Decision("retry", next_due=now + backoff_ms(message, attempt), error=error)


def follow_ups(message: Message, attempt: Attempt, decision: Decision, *,
               dlq_id: str, now: int) -> list[Message]:
    """Callback messages: after every answered attempt, and on final failure."""
    targets: list[tuple[str, Headers, dict[str, object]]] = []
    payload: dict[str, object] = {
        "status": attempt.status or 0,
        "header": attempt.headers,
        "body": base64.b64encode(attempt.body).decode(),
        "retried": message.retried,
        "maxRetries": message.max_retries,
        "sourceMessageId": message.id,
        "url": message.url,
        "method": message.method,
        "sourceHeader": message.headers,
        "sourceBody": base64.b64encode(message.body).decode(),
        "notBefore": message.not_before,
        "createdAt": message.created_at,
    }
    for key, value in (("scheduleId", message.schedule_id), ("callerIP", message.caller_ip),
                       ("queueName", message.queue), ("label", message.label)):
        if value is not None:
            payload[key] = value
    if message.callback and attempt.status is not None:
        targets.append((message.callback, message.callback_headers, payload))
    if message.failure_callback and decision.kind == "failed":
        targets.append((message.failure_callback, message.failure_callback_headers,
                        {**payload, "dlqId": dlq_id, "error": decision.error}))
    out = []
    for url, headers, body in targets:
        out.append(Message(
            id=new_id("msg"),
            url=url,
            headers={"Content-Type": ["application/json"], **headers},
            body=json.dumps(body).encode(),
            created_at=now,
            not_before=now,
            due=now,
            max_retries=3,
            caller_ip=message.caller_ip,
        ))
    return out

