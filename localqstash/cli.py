"""`python -m localqstash.cli`: run a localqstash server in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from localqstash.app import create_app
from localqstash.config import LocalQStashConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localqstash", description="A QStash-compatible server for local development."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QSTASH_DEV_PORT", "8080")))
    parser.add_argument("--data-dir", type=Path, default=Path("var/localqstash"))
    parser.add_argument("--window-capacity", type=int, default=LocalQStashConfig().window_capacity,
                        help="most pending messages held in memory (the rest stay in SQLite)")
    parser.add_argument("--max-concurrency", type=int,
                        default=int(os.environ.get("QSTASH_DEV_MAX_CONCURRENCY",
                                                   LocalQStashConfig().max_concurrency)),
                        help="deliveries in flight at once (QSTASH_DEV_MAX_CONCURRENCY)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = LocalQStashConfig(host=args.host, port=args.port, data_dir=args.data_dir,
                               window_capacity=args.window_capacity,
                               max_concurrency=args.max_concurrency)
    print(f"localqstash listening on {config.url}  (data in {config.database_path})")
    print(f"  QSTASH_URL={config.url}")
    print(f"  QSTASH_TOKEN={config.token}")
    print(f"  QSTASH_CURRENT_SIGNING_KEY={config.current_signing_key}")
    print(f"  QSTASH_NEXT_SIGNING_KEY={config.next_signing_key}")
    sys.stdout.flush()
    try:
        uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="warning")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
