"""The one frozen settings object of a localqstash server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from localqstash.devkeys import DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN


@dataclass(frozen=True, slots=True)
class LocalQStashConfig:
    """Where to listen, where to keep state, which credentials to accept and sign with.

    Secrets are left out of the repr so that a logged config never leaks them.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var/localqstash")
    token: str = field(default=DEV_TOKEN, repr=False)
    current_signing_key: str = field(default=DEV_CURRENT_SIGNING_KEY, repr=False)
    next_signing_key: str = field(default=DEV_NEXT_SIGNING_KEY, repr=False)
    # Deliveries in flight at once. QStash does not cap plain publishes, and a destination may
    # hold a delivery open (prebook waits for the opening instant), so the cap must be far
    # above the number of messages due together; 32 gives a faster burst but starves holders.
    max_concurrency: int = 1024
    default_retries: int = 3
    default_timeout_seconds: float = 900.0
    shutdown_grace_seconds: float = 5.0
    # How far ahead (seconds) and how many pending messages are held in memory.
    window_seconds: float = 60.0
    window_capacity: int = 10_000
    dedup_window_seconds: int = 600
    event_retention_days: int = 7

    @property
    def database_path(self) -> Path:
        return Path(self.data_dir) / "localqstash.sqlite3"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
