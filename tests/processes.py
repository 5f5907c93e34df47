"""A child process that tests can start, kill (SIGKILL, like a crash) and start again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import httpx


def answers(url: str, headers: dict[str, str] | None = None) -> Callable[[], bool]:
    """A readiness check: `url` answers with a success status."""

    def check() -> bool:
        try:
            return httpx.get(url, headers=headers, timeout=1).is_success
        except httpx.HTTPError:
            return False

    return check


class ChildProcess:
    """`python -m api.cli ARGS` with `env`; `start` returns once `ready()` is true."""

    def __init__(self, args: list[str], ready: Callable[[], bool],
                 env: dict[str, str] | None = None) -> None:
        self.args, self.ready = args, ready
        self.env = env if env is not None else dict(os.environ)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "api.cli", *self.args],
                                        env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"prebook {self.args[0]} exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"prebook {self.args[0]} not ready in {timeout}s")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
