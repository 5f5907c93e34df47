"""The services container: the long-lived collaborators the domain's `Services` protocol
names, created by the app's lifespan (`api.runtime.open_services`) and handed to every path."""

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
from booking.services import Policy, Timing
from jobs.client import JobClient
from models.encryption import Vault


@dataclass(frozen=True)
class Container:
    aimharder: AimharderClient
    jobs: JobClient
    vault: Vault
    events: PrebookingEvents
    timing: Timing
    policy: Policy = field(default_factory=Policy)
    mailer: Mailer | None = None
    # Where prebooking changes are POSTed (PREBOOK_WEBHOOK_URL); None: no webhooks.
    webhooks: Webhooks | None = None
    # One gate per app: prebookings opening at the same instant leave in creation order.
    gate: OpeningGate = field(default_factory=OpeningGate)
    # Rate limits counted in the database (booking.infra.limits), shared by every instance.
    limiter: Limiter = field(default_factory=Limiter)
    # Identical `classes` lists of one user, shared for a few seconds (booking.infra.sharing).
    class_lists: SharedAnswers[Any] = field(default_factory=SharedAnswers)
