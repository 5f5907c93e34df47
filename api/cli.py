"""The `prebook` command: dev, serve, migrate, schema, token, schedules, health, dlq,
prebookings, clock, aimharder check, qstash-dev, fakebox."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from api.settings import Settings, SettingsError


def _settings(mode: str | None = None) -> Settings:
    try:
        return Settings.from_env(os.environ, mode=mode)  # type: ignore[arg-type]
    except SettingsError as exc:
        print(f"prebook: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_migrate(args: argparse.Namespace) -> int:
    from models.migrate import apply_migrations

    settings = _settings()
    applied = asyncio.run(apply_migrations(settings.server.database_url))
    print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from api.app import serve_mode
    from api.serve import serve

    settings = _settings(serve_mode(os.environ))
    return serve(settings, host=args.host, port=args.port, migrate=not args.no_migrate)


def cmd_schema(args: argparse.Namespace) -> int:
    from api.schema_sdl import main as print_schema

    return print_schema()


def cmd_token(args: argparse.Namespace) -> int:
    from api.auth import mint_token

    settings = _settings()
    print(mint_token(email=args.email, secret=str(settings.auth.jwt_secret), admin=args.admin,
                     ttl_seconds=args.ttl))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from api.dev import run_dev

    return run_dev(_settings("dev"))


def cmd_qstash_dev(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from localqstash.cli import main as qstash_main

    return qstash_main(list(rest))


def cmd_fakebox(args: argparse.Namespace) -> int:
    import uvicorn

    from fakebox import FakeBoxConfig, create_app
    from fakebox.arrival import StampingHttpToolsProtocol

    port = args.port or _settings("dev").aimharder.fakebox_port
    uvicorn.run(create_app(FakeBoxConfig(freeze_log=True)), host=args.host, port=port,
                log_level="warning",
                http=StampingHttpToolsProtocol, ssl_certfile=args.ssl_certfile,
                ssl_keyfile=args.ssl_keyfile)
    return 0


def cmd_clock(args: argparse.Namespace) -> int:
    from api.runtime import aimharder_client, aimharder_http
    from booking.aimharder.clocksync import OffsetEstimate, estimate_offset

    settings = _settings()

    async def run() -> OffsetEstimate:
        async with aimharder_http(settings) as http:
            client = aimharder_client(settings, http)
            return await estimate_offset(client, args.box, args.samples, http=http)

    estimate = asyncio.run(run())
    print(json.dumps(estimate.as_json()) if args.json else estimate.describe())
    return 0


def cmd_aimharder(args: argparse.Namespace) -> int:
    from api.aimharder_check import main as check

    return check(_settings(), args.email)


def cmd_operator(args: argparse.Namespace) -> int:
    from api import commands

    names = {
        ("schedules", "sync"): commands.schedules_sync,
        ("schedules", "list"): commands.schedules_list,
        ("health", None): commands.health,
        ("dlq", "list"): commands.dlq_list,
        ("dlq", "reconcile"): commands.dlq_reconcile,
        ("prebookings", "reschedule"): commands.prebookings_reschedule,
    }
    from api.embedded_qstash import EmbeddedSchedulerError

    run = names[(args.command, getattr(args, "action", None))]
    try:
        return asyncio.run(run(_settings()))
    except EmbeddedSchedulerError as exc:
        print(f"prebook: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prebook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="API + localqstash + fake box + SQLite, all on loopback")
    serve = sub.add_parser("serve", help="run the API (production mode unless PREBOOK_ENV=dev)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations")
    sub.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    sub.add_parser("schema", help="print the GraphQL schema (SDL), as in schema.graphql")
    token = sub.add_parser("token", help="print a JWT for a user (AUTH_JWT_SECRET)")
    token.add_argument("--email", required=True)
    token.add_argument("--admin", action="store_true")
    token.add_argument("--ttl", type=int, default=7 * 24 * 3600, help="seconds (default 7 days)")
    sub.add_parser("qstash-dev", help="run localqstash alone (--host --port --data-dir)",
                   add_help=False)
    schedules = sub.add_parser("schedules", help="cron schedules declared in code")
    schedules.add_argument("action", choices=["sync", "list"],
                           help="sync: make QStash hold exactly the declared ones; "
                                "list: declared versus present (exit 1 when they differ)")
    sub.add_parser("health", help="QStash configuration, reachability, schedules, DLQ")
    dlq = sub.add_parser("dlq", help="the dead-letter queue")
    dlq.add_argument("action", choices=["list", "reconcile"])
    prebookings = sub.add_parser("prebookings", help="prebooking maintenance")
    prebookings.add_argument("action", choices=["reschedule"],
                             help="publish messages for PENDING prebookings that have none")
    clock = sub.add_parser("clock", help="estimate a box's clock offset from its Date headers")
    clock.add_argument("box", help="box subdomain, e.g. demo")
    clock.add_argument("--samples", type=int, default=8)
    clock.add_argument("--json", action="store_true")
    aimharder = sub.add_parser("aimharder", help="live checks against AimHarder (read-only)")
    aimharder_sub = aimharder.add_subparsers(dest="action", required=True)
    check = aimharder_sub.add_parser(
        "check", help="log in, whoami, renew, boxes and today's classes; never books "
                      "(password from AIMHARDER_PASSWORD or a prompt)")
    check.add_argument("--email", required=True)
    fakebox = sub.add_parser("fakebox", help="run the fake AimHarder box alone")
    fakebox.add_argument("--host", default="127.0.0.1")
    fakebox.add_argument("--port", type=int)
    fakebox.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    fakebox.add_argument("--ssl-keyfile", help="the certificate's key (PEM)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv[:1] == ["qstash-dev"]:
        return cmd_qstash_dev(argparse.Namespace(), argv[1:])
    args = parser.parse_args(argv)
    commands = {
        "dev": cmd_dev, "serve": cmd_serve, "migrate": cmd_migrate, "token": cmd_token,
        "schema": cmd_schema,
        "fakebox": cmd_fakebox, "schedules": cmd_operator, "health": cmd_operator,
        "dlq": cmd_operator, "prebookings": cmd_operator, "clock": cmd_clock,
        "aimharder": cmd_aimharder,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
