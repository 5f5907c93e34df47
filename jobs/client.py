"""The job client: publishes and cancels jobs through the official QStash SDK."""

from __future__ import annotations

import logging
import time
from typing import TypeVar

from qstash import AsyncQStash
from qstash.errors import QStashError

from jobs.metrics import metrics
from jobs.payloads import Payload
from jobs.registry import JobDef

P = TypeVar("P", bound=Payload)
log = logging.getLogger(__name__)


class PublishFailedError(Exception):
    """QStash did not accept the message; the message is safe to show to a user."""


class JobClient:
    def __init__(self, qstash: AsyncQStash, *, public_url: str) -> None:
        self._qstash = qstash
        self._public_url = public_url.rstrip("/")

    @property
    def qstash(self) -> AsyncQStash:
        """The SDK client, for schedules, the DLQ and health checks."""
        return self._qstash

    @property
    def public_url(self) -> str:
        return self._public_url

    def url_for(self, job: JobDef[P]) -> str:
        return self._public_url + job.route

    async def enqueue(
        self,
        job: JobDef[P],
        payload: P,
        *,
        delay: int | None = None,
        not_before: int | None = None,
        deduplication_id: str | None = None,
        retries: int | None = None,
        retry_delay: str | None = None,
    ) -> str:
        """Publish `payload` for `job`; returns the QStash message id.

        `not_before` is a unix time in whole seconds (QStash's unit); `delay` is seconds;
        `retry_delay` (a QStash expression in ms) overrides the job's own.
        """
        if delay is not None and not_before is not None:
            raise ValueError("give delay or not_before, not both")
        started = time.perf_counter()
        try:
            response = await self._qstash.message.publish_json(
                url=self.url_for(job),
                body=payload.to_json(),
                delay=f"{delay}s" if delay is not None else None,
                not_before=not_before,
                deduplication_id=deduplication_id,
                retries=job.retries if retries is None else retries,
                retry_delay=retry_delay or job.retry_delay,
                timeout=job.timeout,
            )
        except (QStashError, OSError) as exc:
            _observe(job.name, started, "error")
            raise PublishFailedError(f"QStash refused or could not be reached: {exc}") from exc
        except Exception as exc:  # httpx errors surface as their own types
            _observe(job.name, started, "error")
            raise PublishFailedError(f"QStash could not be reached: {type(exc).__name__}") from exc
        message_id = getattr(response, "message_id", None)
        if not isinstance(message_id, str):
            _observe(job.name, started, "error")
            raise PublishFailedError("QStash answered without a message id")
        _observe(job.name, started, "ok")
        log.info(
            "published %s message=%s in %.1f ms",
            job.name, message_id, (time.perf_counter() - started) * 1000,
        )
        return message_id

    async def cancel(self, message_id: str) -> bool:
        """Cancel a message; False when QStash no longer has it or cannot be reached."""
        try:
            await self._qstash.message.cancel(message_id)
        except Exception as exc:
            log.warning("could not cancel message %s: %s", message_id, type(exc).__name__)
            return False
        return True


def _observe(job: str, started: float, result: str) -> None:
    metrics().publish_seconds.labels(job=job, result=result).observe(
        time.perf_counter() - started
    )
