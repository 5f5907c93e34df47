"""`prebook dev`: the whole system on loopback in one command, with no account anywhere."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette

from api.app import create_app
from api.auth import mint_token
from api.graphql import GraphiQLPrefill
from api.settings import AIMHARDER_URL_VARIABLES, Settings

DEMO_EMAIL = "athlete@example.com"
DEMO_PASSWORD = "wod"
DEMO_BOX_ID = "10001"
DEMO_SUBDOMAIN = "demo"
DEMO_TZ = ZoneInfo("Europe/Madrid")
DEMO_OPENS_IN = timedelta(seconds=45)
# The password goes in the variables pane, never in the document: a document is what error
# logs and proxies may show.
DEMO_VARIABLES = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "api.cli", *args], env=env)


def _port_in_use(host: str, port: int) -> bool:
    """Whether uvicorn would fail to bind `host:port`: tried the way it binds.

    uvicorn listens through asyncio, which sets SO_REUSEADDR on POSIX; so a port whose last
    server just stopped (its connections in TIME_WAIT) is free to it, and only a listener
    makes it busy. A bind without the option would refuse a restart for a minute.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name == "posix" and sys.platform != "cygwin":  # asyncio's own condition
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _check_ports(ports: dict[str, tuple[str, int]]) -> None:
    busy = [f"{name} port {port} ({variable})"
            for variable, (name, port) in ports.items() if _port_in_use("127.0.0.1", port)]
    if busy:
        raise SystemExit(
            "prebook dev: already in use: " + "; ".join(busy)
            + ". Is another prebook dev running? Stop it or set the variable named."
        )


def _wait_ready(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, headers=headers, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"prebook dev: {url} did not come up in {timeout:.0f}s")
        time.sleep(0.1)


def create_demo_class(fakebox_url: str, opens_in: timedelta = DEMO_OPENS_IN) -> dict[str, str]:
    """A demo class whose booking window opens at the first whole minute `opens_in` from now.

    Classes start on whole minutes and open exactly their box's 4-day window before, as on a
    real box, so the opening prebook discovers from the box's answer is this very instant.
    """
    opens_at = (datetime.now(UTC) + opens_in).replace(second=0, microsecond=0) + timedelta(
        minutes=1
    )
    start = (opens_at + timedelta(days=4)).astimezone(DEMO_TZ)
    end = start + timedelta(hours=1)
    body = {
        "box": DEMO_SUBDOMAIN,
        "day": start.date().isoformat(),
        "time": f"{start:%H:%M}-{end:%H:%M}",
        "name": "Demo WOD (opens soon)",
        "capacity": 10,
        "opensAt": opens_at.isoformat(),
    }
    answer = httpx.post(f"{fakebox_url}/_fake/classes", json=body, timeout=5)
    answer.raise_for_status()
    return {**body, **answer.json()}


def dev_token(settings: Settings) -> str:
    """The demo user's JWT, signed with the settings' secret."""
    return mint_token(email=DEMO_EMAIL, secret=str(settings.auth.jwt_secret))


def demo_operations(demo: Mapping[str, str]) -> str:
    """The example operations, in the order a newcomer runs them (Connect takes
    DEMO_VARIABLES); `demo` is the demo class `create_demo_class` made."""
    return (
        "query Me {\n  me { email aimharder { status boxes { id name timezone } } }\n}\n\n"
        "mutation Connect($email: String!, $password: String!) {\n"
        "  connectAimharder(input: {email: $email, password: $password}) {\n"
        "    __typename ... on AimharderAccount { email boxes { id name timezone } }\n"
        "    ... on InvalidCredentials { message }\n  }\n}\n\n"
        "query Classes {\n"
        f'  classes(boxId: "{DEMO_BOX_ID}", day: "{demo["day"]}") {{ id name time opensAt }}\n'
        "}\n\n"
        "mutation Prebook {\n"
        f'  createPrebooking(input: {{boxId: "{DEMO_BOX_ID}", classId: "{demo["id"]}", '
        f'day: "{demo["day"]}"}}) {{\n'
        "    __typename ... on Prebooking { id status opensAt qstashMessageId }\n"
        "    ... on ValidationError { field message }\n  }\n}\n\n"
        "query Status {\n  prebookings(first: 5) { edges { node { id status outcome bookState "
        "firedAt latenessMs } } }\n}"
    )


def graphiql_prefill(token: str, demo: Mapping[str, str]) -> GraphiQLPrefill:
    """GraphiQL opens with the example operations, their variables and the demo user's JWT."""
    return GraphiQLPrefill(query=demo_operations(demo), variables=DEMO_VARIABLES,
                           headers={"Authorization": f"Bearer {token}"})


def dev_app(settings: Settings, token: str, demo: Mapping[str, str]) -> Starlette:
    """The API as `prebook dev` serves it: GraphiQL filled in with what the banner prints."""
    return create_app(settings, graphiql=graphiql_prefill(token, demo))


def _banner(settings: Settings, token: str, demo: Mapping[str, str]) -> str:
    graphiql = f"http://{settings.server.host}:{settings.server.port}/graphql"
    return "\n".join([
        "",
        "prebook dev is running (nothing outside this machine is contacted):",
        f"  GraphiQL     {graphiql}  (opens with the operations, variables and JWT below)",
        f"  localqstash  {settings.qstash.url}",
        f"  fake box     {settings.aimharder.login_url}  (account {DEMO_EMAIL} / {DEMO_PASSWORD})",
        f"  database     {settings.server.database_url}",
        "",
        "Dev JWT for the demo user (GraphiQL headers):",
        json.dumps({"Authorization": f"Bearer {token}"}),
        "",
        "Variables (GraphiQL variables pane, for Connect):",
        json.dumps(DEMO_VARIABLES),
        "",
        f"Demo class {demo['id']} ({demo['day']} {demo['time']}) opens for booking at "
        f"{demo['opensAt']}, about a minute from now. Example operations:",
        "",
        demo_operations(demo),
        "",
    ])


def run_dev(settings: Settings) -> int:
    import uvicorn

    from api.serve import uvicorn_limits
    from models.migrate import apply_migrations

    env = dict(os.environ)  # the children's: they read the same variables
    if not settings.is_set("PREBOOK_SYNC_SCHEDULES"):  # dev runs the cron jobs as production does
        settings = settings.replace(qstash={"sync_schedules_on_startup": True})
    ports = {"PREBOOK_PORT": ("API", settings.server.port)}
    if not settings.is_set("QSTASH_TOKEN"):
        ports["QSTASH_DEV_PORT"] = ("localqstash", settings.qstash.dev_port)
    # Each AimHarder URL that is not set points at the fake box, started when one does.
    fake_urls = [name for name in AIMHARDER_URL_VARIABLES if not settings.is_set(name)]
    if fake_urls:
        ports["FAKEBOX_PORT"] = ("fake box", settings.aimharder.fakebox_port)
    _check_ports(ports)
    children: list[subprocess.Popen[bytes]] = []
    if not settings.is_set("QSTASH_TOKEN"):
        data_dir = settings.server.data_dir / "localqstash"
        children.append(_spawn(["qstash-dev", "--port", str(settings.qstash.dev_port),
                                "--data-dir", str(data_dir)], env))
    fakebox_url = f"http://127.0.0.1:{settings.aimharder.fakebox_port}"
    if fake_urls:
        fake = {"AIMHARDER_LOGIN_URL": ("login_url", fakebox_url),
                "AIMHARDER_ACCOUNT_URL": ("account_url", fakebox_url),
                "AIMHARDER_BOX_URL": ("box_url", fakebox_url + "/{subdomain}")}
        settings = settings.replace(aimharder=dict(fake[name] for name in fake_urls))
        children.append(_spawn(["fakebox", "--port", str(settings.aimharder.fakebox_port)], env))

    def stop_children(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    try:
        applied = asyncio.run(apply_migrations(settings.server.database_url))
        print(f"prebook dev: migrations applied: {', '.join(applied) or 'none (up to date)'}")
        if not settings.is_set("QSTASH_TOKEN"):
            _wait_ready(f"{settings.qstash.url}/v2/keys",
                        {"Authorization": f"Bearer {settings.qstash.token}"})
        demo = {"id": "?", "day": "?", "time": "?", "opensAt": "?"}
        if fake_urls:
            _wait_ready(f"{fakebox_url}/_fake/requests")
            demo = create_demo_class(fakebox_url)
        token = dev_token(settings)
        server = uvicorn.Server(uvicorn.Config(
            dev_app(settings, token, demo), host=settings.server.host, port=settings.server.port,
            log_level="info",
            **uvicorn_limits(settings),  # the same frame and connection limits as production
        ))

        async def serve() -> None:
            serving = asyncio.create_task(server.serve())
            while not server.started and not serving.done():  # noqa: ASYNC110 (no event to await)
                await asyncio.sleep(0.05)
            if server.started:  # the banner only once the API answers
                print(_banner(settings, token, demo), flush=True)
            await serving

        asyncio.run(serve())
    finally:
        stop_children()
    return 0
