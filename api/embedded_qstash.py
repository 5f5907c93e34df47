"""QSTASH_ENABLED=false: localqstash's scheduler inside the app's process, on loopback.

The app publishes to it through the same SDK path as to QStash, and it delivers signed jobs back
to this server on loopback. So without QStash the app has the same ledger, retries, dead
letters, reminders, watch checks, webhooks and cron schedules as with it, and no code of the
domain asks which one runs. Its messages are kept in PREBOOK_DATA_DIR/localqstash and survive a
restart. Its token and signing keys are made at random for each start; the signing keys never
leave the process. While it runs, its URL and token are in `endpoint.json` beside its state
(0600, in the data dir that also holds the database), so that `prebook schedules`, `dlq`,
`health` and `prebookings reschedule` on the same machine reach it; the file goes when it
stops. One process only (`PREBOOK_WORKERS=1`, one instance): a second would run a scheduler
of its own over the same files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
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


ENDPOINT_FILE = "endpoint.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def attach(settings: Settings) -> Settings:
    """`settings` pointed at the embedded scheduler of the `prebook serve` running on this
    data dir (QSTASH_ENABLED=false), for the operator commands; a clear error when none runs."""
    path = settings.server.data_dir / "localqstash" / ENDPOINT_FILE
    try:
        endpoint = json.loads(path.read_text())
        url, token, pid = str(endpoint["url"]), str(endpoint["token"]), int(endpoint["pid"])
    except FileNotFoundError:
        raise EmbeddedSchedulerError(
            "QSTASH_ENABLED=false: the scheduler runs inside `prebook serve`, and none runs on "
            f"this data dir ({settings.server.data_dir}); start it first") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise EmbeddedSchedulerError(f"{path} is not an endpoint file: {exc}") from None
    if not _alive(pid):
        raise EmbeddedSchedulerError(
            f"QSTASH_ENABLED=false: the `prebook serve` that wrote {path} (pid {pid}) is gone; "
            "start it again")
    return settings.replace(qstash={"url": url, "token": Secret(token)})


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
            self._write_endpoint(url)
            yield url
        finally:
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / ENDPOINT_FILE).unlink()
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _write_endpoint(self, url: str) -> None:
        """Where the operator commands find this scheduler (`attach`): owner-only."""
        path = self.data_dir / ENDPOINT_FILE
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"url": url, "token": self.token, "pid": os.getpid()}, out)
        os.replace(path.with_suffix(".tmp"), path)
