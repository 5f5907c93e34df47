"""`prebook aimharder check` against the fake box: every step printed, read-only, exit 0/1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from fakebox import DEMO_EMAIL, DEMO_PASSWORD, FakeBoxConfig, create_app
from tests.servers import ServerThread, serve


@pytest.fixture(scope="module")
def box() -> Iterator[ServerThread]:
    with serve(create_app(FakeBoxConfig())) as server:
        yield server


def check(box: ServerThread, email: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIMHARDER_", "PREBOOK_"))}
    env.update(AIMHARDER_LOGIN_URL=box.url, AIMHARDER_ACCOUNT_URL=box.url,
               AIMHARDER_BOX_URL=box.url + "/{subdomain}")
    if password is not None:
        env["AIMHARDER_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "api.cli", "aimharder", "check", "--email",
                           email], env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_check_prints_each_step_and_books_nothing(box: ServerThread) -> None:
    httpx.post(f"{box.url}/_fake/reset").raise_for_status()
    done = check(box, DEMO_EMAIL, DEMO_PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for step in ("1. login", "2. whoami", "3. renewal", "4. boxes", "10001 demo",
                 "class(es) on", "Answer shapes met:", "data.auth.authOK=true",
                 "amhrdrauth Domain=.aimharder.com", "Answer shapes not recognised: none",
                 "check passed"):
        assert step in out, (step, out)
    assert DEMO_PASSWORD not in out
    paths = {r["path"].rsplit("/", 1)[-1] for r in httpx.get(f"{box.url}/_fake/requests").json()}
    assert paths == {"login", "whoami", "tokenUpdate", "bookings"}


def test_a_refused_login_or_a_blocked_network_exits_1(box: ServerThread) -> None:
    refused = check(box, DEMO_EMAIL, "wrong-password")
    assert refused.returncode == 1 and "FAILED login: InvalidCredentials" in refused.stdout
    assert "wrong-password" not in refused.stdout
    httpx.post(f"{box.url}/_fake/geo-block", json={"on": True}).raise_for_status()
    try:
        blocked = check(box, DEMO_EMAIL, DEMO_PASSWORD)
    finally:
        httpx.post(f"{box.url}/_fake/geo-block", json={"on": False}).raise_for_status()
    assert blocked.returncode == 1 and "AccessBlocked" in blocked.stdout
    assert "AIMHARDER_PROXY" in blocked.stdout


def test_without_a_password_it_says_how_to_give_one(box: ServerThread) -> None:
    done = check(box, DEMO_EMAIL, None)
    assert done.returncode == 2 and "AIMHARDER_PASSWORD" in done.stderr
