"""QSTASH_ENABLED=false: localqstash's scheduler inside the app's process, on loopback.

The app publishes to it through the same SDK path as to QStash, and it delivers signed jobs back
to this server on loopback. So without QStash the app has the same ledger, retries, dead
letters, reminders, watch checks, webhooks and cron schedules as with it, and no code of the
domain asks which one runs. Its messages are kept in PREBOOK_DATA_DIR/localqstash and survive a
restart. Its token and signing keys are made at random for each start and never leave the
process. One process only (`PREBOOK_WORKERS=1`, one instance): a second would run a scheduler
of its own over the same files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.datastructures import Secret

from api.settings import Settings
from localqstash import LocalQStashConfig
from localqstash import create_app as create_localqstash

log = logging.getLogger(__name__)
START_TIMEOUT_S = 30.0


class EmbeddedSchedulerError(RuntimeError):
    pass


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the app's own server (it runs inside it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass(frozen=True)
class EmbeddedQStash:
    data_dir: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    current_signing_key: str = field(default_factory=lambda: "sig_" + secrets.token_urlsafe(32),
                                     repr=False)
    next_signing_key: str = field(default_factory=lambda: "sig_" + secrets.token_urlsafe(32),
                                  repr=False)

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedQStash:
        return cls(data_dir=settings.server.data_dir / "localqstash")

    def settings_for(self, settings: Settings, url: str = "") -> Settings:
        """`settings` with this scheduler's credentials (and, once it listens, its URL)."""
        changes: dict[str, object] = {
            "token": Secret(self.token),
            "current_signing_key": Secret(self.current_signing_key),
            "next_signing_key": Secret(self.next_signing_key)}
        if url:
            changes["url"] = url
        return settings.replace(qstash=changes)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve localqstash on a free loopback port for the block; yields its URL."""
        config = LocalQStashConfig(host="127.0.0.1", port=0, data_dir=self.data_dir,
                                   token=self.token, current_signing_key=self.current_signing_key,
                                   next_signing_key=self.next_signing_key)
        server = _QuietServer(uvicorn.Config(create_localqstash(config), host="127.0.0.1", port=0,
                                             log_level="warning", lifespan="on"))
        task = asyncio.create_task(server.serve(), name="embedded-localqstash")
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                while not server.started:
                    if task.done():
                        raise EmbeddedSchedulerError(
                            "the embedded scheduler (QSTASH_ENABLED=false) did not start: "
                            f"{task.exception()!r}")
                    await asyncio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            url = f"http://127.0.0.1:{port}"
            log.warning("QSTASH_ENABLED=false: jobs run on the embedded scheduler at %s "
                        "(state in %s; one process only)", url, self.data_dir)
            yield url
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
