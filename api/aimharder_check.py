"""`prebook aimharder check --email E`: a read-only live check of the AimHarder protocol.

For an operator whose server can reach AimHarder: it logs in, asks whoami, renews the session,
lists the boxes and today's classes at each, and prints which answer shapes it met and which it
did not recognise (AIMHARDER.md is thin in places; this shows which reading is the real one).
It never books or cancels. Exit 0 when every step worked and every shape was recognised.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from api.runtime import aimharder_client, aimharder_http
from api.settings import Settings
from booking.aimharder import AimharderError, AimharderSession, Shapes


def check_fingerprint(email: str) -> str:
    """The same device on every check of one account (50 of [a-z0-9], as the front makes)."""
    return hashlib.sha256(f"prebook-check-{email.lower()}".encode()).hexdigest()[:50]


def read_password(environ: Mapping[str, str]) -> str | None:
    if environ.get("AIMHARDER_PASSWORD"):
        return environ["AIMHARDER_PASSWORD"]
    if not sys.stdin.isatty():
        return None
    return getpass.getpass("AimHarder password: ")


async def run_check(settings: Settings, email: str, password: str, out: TextIO) -> int:
    shapes = Shapes()
    failures = 0

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    def failed(step: str, exc: Exception) -> None:
        nonlocal failures
        failures += 1
        say(f"  FAILED {step}: {type(exc).__name__}: {exc}")

    via = " through AIMHARDER_PROXY" if settings.aimharder.proxy is not None else ""
    say(f"AimHarder check for {email}{via} (read-only: nothing is booked or cancelled)")
    async with aimharder_http(settings) as http:
        client = aimharder_client(settings, http)
        client.shapes = shapes
        session: AimharderSession | None = None
        say(f"1. login      POST {settings.aimharder.login_url}/api/login")
        try:
            session = await client.login(email, password, check_fingerprint(email))
            say(f"  ok: user {session.user_id} {session.name or ''}, "
                f"{len(session.boxes)} box(es), refresh token "
                f"{'present' if session.refresh_token else 'absent'}")
        except AimharderError as exc:
            failed("login", exc)
        if session is not None:
            say(f"2. whoami     GET {settings.aimharder.account_url}/api/whoami")
            try:
                who = await client.whoami(session)
                say(f"  ok: user {who.id}, {len(who.boxes)} box(es)")
            except AimharderError as exc:
                failed("whoami", exc)
            say(f"3. renewal    POST {settings.aimharder.account_url}/api/tokenUpdate")
            try:
                renewed = await client.renew(session)
                await client.whoami(renewed)
                session = renewed
                say("  ok: newToken, and whoami answers with the renewed session")
            except AimharderError as exc:
                failed("renewal", exc)
            say("4. boxes")
            for box in session.boxes:
                say(f"  {box.id} {box.subdomain} {box.name!r} (zone assumed {box.timezone})")
                today = datetime.now(ZoneInfo(box.timezone)).date()
                try:
                    classes = await client.list_classes(
                        session, subdomain=box.subdomain, box_id=box.id, day=today)
                except AimharderError as exc:
                    failed(f"classes at {box.subdomain}", exc)
                    continue
                say(f"    {len(classes)} class(es) on {today}")
                for info in classes[:5]:
                    say(f"    {info.time} {info.name!r} {info.booked}/{info.capacity} "
                        f"waiting {info.waitlist} bookState {info.book_state}")
    say("Answer shapes met:")
    for what, shape in shapes.seen:
        say(f"  {what}: {shape}")
    say("Answer shapes not recognised:" if shapes.unrecognised else
        "Answer shapes not recognised: none")
    for what, shape in shapes.unrecognised:
        say(f"  {what}: {shape}")
    ok = failures == 0 and not shapes.unrecognised
    say("check passed" if ok else f"check FAILED ({failures} step(s) failed, "
        f"{len(shapes.unrecognised)} shape(s) not recognised)")
    return 0 if ok else 1


def main(settings: Settings, email: str) -> int:
    password = read_password(os.environ)
    if not password:
        print("prebook aimharder check: set AIMHARDER_PASSWORD or run it in a terminal",
              file=sys.stderr)
        return 2
    return asyncio.run(run_check(settings, email, password, sys.stdout))
