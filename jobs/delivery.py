"""The one route that receives every signed QStash delivery and dispatches it to its job."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from qstash import Receiver
from qstash.errors import SignatureError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jobs import ledger
from jobs.errors import DeliveryError, PayloadInvalidError, SignatureInvalidError, UnknownJobError
from jobs.metrics import metrics
from jobs.registry import JOBS_PREFIX, JobContext, Registry
from models.deliveries import DeliveryState

log = logging.getLogger(__name__)

# Tolerates small clock differences between QStash and this host for the token's nbf/exp.
CLOCK_TOLERANCE_SECONDS = 5


def error_response(error: DeliveryError) -> Response:
    """The single mapping from delivery errors to what QStash sees."""
    headers: dict[str, str] = {}
    if not error.retryable:
        headers["Upstash-NonRetryable-Error"] = "true"
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    message = "invalid signature" if isinstance(error, SignatureInvalidError) else error.message
    return JSONResponse({"error": message}, status_code=error.status_code, headers=headers)


def verify_signature(receiver: Receiver, request: Request, body: bytes, url: str
                     ) -> tuple[str, datetime]:
    """Verify the signature; returns its token id (`jti`) and until when it is accepted."""
    signature = request.headers.get("upstash-signature")
    if not signature:
        raise SignatureInvalidError("missing Upstash-Signature")
    try:
        text = body.decode("utf-8")
        receiver.verify(
            signature=signature, body=text, url=url, clock_tolerance=CLOCK_TOLERANCE_SECONDS
        )
    except (SignatureError, UnicodeDecodeError) as exc:
        raise SignatureInvalidError(str(exc)) from None
    # Verified above: reading the claims again needs no key.
    claims = jwt.decode(signature, options={"verify_signature": False})
    jti, exp = claims.get("jti"), claims.get("exp")
    if not isinstance(jti, str) or not jti or len(jti) > 128 or not isinstance(exp, int):
        raise SignatureInvalidError("signature without a token id or expiry")
    until = datetime.fromtimestamp(exp, UTC) + timedelta(seconds=CLOCK_TOLERANCE_SECONDS + 1)
    return jti, until


def parse_payload(spec: Any, body: bytes) -> Any:
    try:
        return spec.payload_type.from_body(body)
    except RecursionError:  # JSON nested deeper than the parser's stack: not a retryable 500
        raise PayloadInvalidError("body is nested too deeply") from None


def delivery_route(
    *,
    registry: Registry,
    receiver: Receiver,
    public_url: str,
    services: Callable[[Request], Any],
) -> Route:
    """`POST /api/jobs/{path}`: verify, parse, deduplicate, then run the job's handler."""

    async def deliver(request: Request) -> Response:
        path = request.path_params["job_path"]
        body = await request.body()
        message_id = request.headers.get("upstash-message-id", "")
        job = "unknown"  # the metrics label until the path names a job
        try:
            # Checked against the configured public URL, never the URL this request came in
            # on: behind a proxy or on an internal address the two differ, and the token's
            # subject must name the address QStash was told to call.
            jti, until = verify_signature(receiver, request, body,
                                          public_url + JOBS_PREFIX + path)
            spec = registry.by_path(path)
            if spec is None:
                raise UnknownJobError(f"no job at {JOBS_PREFIX}{path}")
            job = spec.name
            payload = parse_payload(spec, body)
            if not message_id:
                raise PayloadInvalidError("missing Upstash-Message-Id")
            # A signature is good for one delivery, whatever message id comes with it.
            if not await ledger.record_token(jti, until):
                raise SignatureInvalidError(f"signature token {jti} was already used")
        except DeliveryError as error:
            log.warning("delivery refused path=%s status=%s: %s", path, error.status_code,
                        error.message)
            _count(job, error.status_code, "refused")
            return error_response(error)

        if not await ledger.record_arrival(message_id, spec.name):
            _count(spec.name, 200, "duplicate")
            return JSONResponse({"status": "duplicate", "messageId": message_id})
        retried = _int(request.headers.get("upstash-retried"))
        ctx = JobContext(job=spec.name, message_id=message_id, retried=retried,
                         services=services(request))
        started = time.perf_counter()
        try:
            result = await spec.handler(ctx, payload)
        except DeliveryError as error:
            state = DeliveryState.RETRYABLE if error.retryable else DeliveryState.FAILED
            await ledger.record_result(message_id, state, error.status_code, error.message)
            log.warning("job %s message=%s failed: %s", spec.name, message_id, error.message)
            _finished(spec.name, started, error.status_code,
                      "retry" if error.retryable else "failed")
            return error_response(error)
        except Exception as exc:
            await ledger.record_result(message_id, DeliveryState.RETRYABLE, 500, repr(exc))
            log.exception("job %s message=%s crashed", spec.name, message_id)
            _finished(spec.name, started, 500, "crashed")
            return JSONResponse({"error": "internal error"}, status_code=500)
        await ledger.record_result(message_id, DeliveryState.DONE, 200, json.dumps(result))
        _finished(spec.name, started, 200, "ok")
        return JSONResponse({"status": "ok", "result": result})

    return Route(JOBS_PREFIX + "{job_path:path}", deliver, methods=["POST"])


def _count(job: str, status: int, result: str) -> None:
    metrics().deliveries.labels(job=job, status=str(status), result=result).inc()


def _finished(job: str, started: float, status: int, result: str) -> None:
    metrics().job_seconds.labels(job=job, result=result).observe(time.perf_counter() - started)
    _count(job, status, result)


def _int(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return 0
