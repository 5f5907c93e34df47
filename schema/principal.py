"""Who is calling: what the API's token check hands to the resolvers (api.auth makes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Principal:
    subject: str
    email: str
    role: str | None = None
    # The token's `exp` (unix seconds): a websocket outlives its handshake, so every operation
    # on it compares this with the clock instead of trusting the check made at connect time.
    expires_at: float = float("inf")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def expired(self, now: float) -> bool:
        return now >= self.expires_at
