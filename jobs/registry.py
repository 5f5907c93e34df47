"""The job registry: what each job is (`JobDef`) and what runs it (`JobSpec`), by name and path.

Definitions live in `jobs.catalog` and import nothing of the services, so any service can
enqueue any job; the domain (`booking.job_handlers`) binds each definition to its handler. The
job layer knows nothing of the domain: `JobContext.services` is whatever the app hands it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from jobs.payloads import Payload

P = TypeVar("P", bound=Payload)
S = TypeVar("S")

JOBS_PREFIX = "/api/jobs/"


@dataclass(frozen=True)
class JobContext(Generic[S]):
    """What a handler knows about the delivery it is handling, and the app's services."""

    job: str
    message_id: str
    retried: int
    services: S


Handler = Callable[[JobContext[Any], P], Awaitable[Any]]


@dataclass(frozen=True)
class JobDef(Generic[P]):
    name: str
    path: str  # below /api/jobs/, e.g. "prebooking/execute"
    payload_type: type[P]
    retries: int = 3
    retry_delay: str | None = None  # QStash expression in milliseconds, e.g. "1000"
    timeout: str | None = None  # e.g. "60s"

    @property
    def route(self) -> str:
        return JOBS_PREFIX + self.path


@dataclass(frozen=True)
class JobSpec(Generic[P]):
    job: JobDef[P]
    handler: Handler[P]

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def path(self) -> str:
        return self.job.path

    @property
    def payload_type(self) -> type[P]:
        return self.job.payload_type


def bind(job: JobDef[P], handler: Handler[P]) -> JobSpec[P]:
    """Pair a definition with its handler; a handler for another payload does not type-check."""
    return JobSpec(job, handler)


class Registry:
    def __init__(self, specs: Iterable[JobSpec[Any]]) -> None:
        self._by_name: dict[str, JobSpec[Any]] = {}
        self._by_path: dict[str, JobSpec[Any]] = {}
        for spec in specs:
            if spec.name in self._by_name or spec.path in self._by_path:
                raise ValueError(f"job {spec.name!r} is declared twice")
            self._by_name[spec.name] = spec
            self._by_path[spec.path] = spec

    def by_path(self, path: str) -> JobSpec[Any] | None:
        return self._by_path.get(path.strip("/"))

    def by_name(self, name: str) -> JobSpec[Any] | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[JobSpec[Any]]:
        return iter(self._by_name.values())
