"""The long-lived collaborators services need, created by the app's lifespan and passed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from booking.aimharder import AimharderClient
from booking.events import PrebookingEvents
from booking.gate import OpeningGate
from booking.mail import Mailer
from booking.ratelimit import RateLimiter
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


@dataclass(frozen=True)
class Services:
    aimharder: AimharderClient
    jobs: JobClient
    vault: Vault
    events: PrebookingEvents
    timing: Timing
    qstash_enabled: bool = True
    policy: Policy = Policy()
    mailer: Mailer | None = None
    # connectAimharder: 5 attempts per user per 10 minutes (protects accounts and our IP).
    # One gate per app: prebookings opening at the same instant leave in creation order.
    gate: OpeningGate = field(default_factory=OpeningGate)
    login_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(5, 600.0))
