"""The job registry: one `JobSpec` per job, a list turned into lookups by name and by path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from jobs.payloads import Payload

if TYPE_CHECKING:
    from booking.services import Services

P = TypeVar("P", bound=Payload)

JOBS_PREFIX = "/api/jobs/"


@dataclass(frozen=True)
class JobContext:
    """What a handler knows about the delivery it is handling."""

    job: str
    message_id: str
    retried: int
    services: Services


Handler = Callable[[JobContext, P], Awaitable[Any]]


@dataclass(frozen=True)
class JobSpec(Generic[P]):
    name: str
    path: str  # below /api/jobs/, e.g. "prebooking/execute"
    payload_type: type[P]
    handler: Handler[P]
    retries: int = 3
    retry_delay: str | None = None  # QStash expression in milliseconds, e.g. "1000"
    timeout: str | None = None  # e.g. "60s"

    @property
    def route(self) -> str:
        return JOBS_PREFIX + self.path


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

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_name.values())
