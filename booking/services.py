"""The long-lived collaborators services need, created by the app's lifespan and passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Services:
    aimharder: AimharderClient
    jobs: JobClient
    vault: Vault
    events: PrebookingEvents
    timing: Timing
    policy: Policy = Policy()
    mailer: Mailer | None = None
    # Where prebooking changes are POSTed (PREBOOK_WEBHOOK_URL); None: no webhooks.
    webhooks: Webhooks | None = None
    # One gate per app: prebookings opening at the same instant leave in creation order.
    gate: OpeningGate = field(default_factory=OpeningGate)
    # Rate limits counted in the database (booking.infra.limits), shared by every instance.
    limiter: Limiter = field(default_factory=Limiter)
    # Identical `classes` lists of one user, shared for a few seconds (booking.infra.sharing).
    class_lists: SharedAnswers[Any] = field(default_factory=SharedAnswers)
