"""Every job prebook runs, declared once: name, path, payload type, handler and retry policy."""

from __future__ import annotations

from typing import Any

from booking.execution import ExecutionDeferred, execute
from jobs.errors import RetryableJobError
from jobs.payloads import ExecutePrebooking
from jobs.registry import JobContext, JobSpec, Registry


async def handle_execute_prebooking(ctx: JobContext, payload: ExecutePrebooking) -> Any:
    try:
        report = await execute(payload.prebooking_id, services=ctx.services)
    except ExecutionDeferred as exc:
        raise RetryableJobError(str(exc), retry_after=exc.retry_after) from exc
    return report.as_json()


EXECUTE_PREBOOKING: JobSpec[ExecutePrebooking] = JobSpec(
    name="prebooking.execute",
    path="prebooking/execute",
    payload_type=ExecutePrebooking,
    handler=handle_execute_prebooking,
    retries=3,
    retry_delay="1000",  # ms: a retry only helps while the window is young
    timeout="60s",
)


def build_registry() -> Registry:
    return Registry([EXECUTE_PREBOOKING])
