"""What the domain takes from the app: the firing and upkeep settings, and the `Services` it is
handed (a protocol; the container itself is built by the composition root, `api`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from booking.aimharder import AimharderClient
from booking.events import PrebookingEvents
from booking.gate import OpeningGate
from booking.infra.limits import Limiter
from booking.infra.mail import Mailer
from booking.infra.sharing import SharedAnswers
from booking.infra.webhooks import Webhooks
from jobs.client import JobClient
from models.encryption import Vault


@dataclass(frozen=True)
class Timing:
    lead_seconds: float = 5.0  # QStash delivers this long before the opening
    fire_offset_ms: float = 0.0  # fire this long after the opening (never before it)
    too_early_window_ms: float = 3000.0  # keep retrying "too early" answers this long
    answer_timeout_s: float = 10.0  # a booking request without an answer by then has failed


@dataclass(frozen=True)
class Policy:
    retention_days: int = 90  # finished prebookings, ledger rows and notifications
    stuck_after_s: float = 180.0  # an EXECUTING row older than this is reconciled
    missed_after_s: float = 60.0  # a PENDING row this long past its opening was missed
    watch_interval_s: float = 60.0  # a WATCHING prebooking is checked this often (± 20 %)
    rule_horizon_days: int = 8  # rules place the classes that start within this many days


class Services(Protocol):
    """What the domain needs from the app: the long-lived collaborators. The container that
    holds them is the composition root's (`api.container.Container`), built by the lifespan."""

    @property
    def aimharder(self) -> AimharderClient: ...
    @property
    def jobs(self) -> JobClient: ...
    @property
    def vault(self) -> Vault: ...
    @property
    def events(self) -> PrebookingEvents: ...
    @property
    def timing(self) -> Timing: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def mailer(self) -> Mailer | None: ...
    @property
    def webhooks(self) -> Webhooks | None: ...
    @property
    def gate(self) -> OpeningGate: ...  # one per app: same-instant firings in creation order
    @property
    def limiter(self) -> Limiter: ...  # rate limits counted in the database
    @property
    def class_lists(self) -> SharedAnswers[Any]: ...  # identical `classes` lists, shared briefly
