"""`python -m fakebox [--port 8090]`: run the demo fake box on its own."""

from __future__ import annotations

import argparse
import os

import uvicorn

from fakebox import FakeBoxConfig, create_app
from fakebox.arrival import StampingHttpToolsProtocol


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake AimHarder box (demo data)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKEBOX_PORT", "8090")))
    args = parser.parse_args()
    uvicorn.run(
        create_app(FakeBoxConfig()),
        host=args.host,
        port=args.port,
        log_level="info",
        http=StampingHttpToolsProtocol,
    )


if __name__ == "__main__":
    main()
