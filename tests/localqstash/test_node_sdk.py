"""The official TypeScript SDK (`@upstash/qstash`, pinned in tests/node) against localqstash.

Skipped when node or npm is missing. Under CI (CI=true) with node present, a failing
`npm ci` fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from localqstash import LocalQStashConfig, create_app
from tests.servers import serve

NODE_DIR = Path(__file__).resolve().parents[1] / "node"

pytestmark = pytest.mark.node


def _tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the TypeScript SDK test (not on PATH)")
    return node, npm


def _install(npm: str) -> None:
    if (NODE_DIR / "node_modules" / "@upstash" / "qstash").is_dir():
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        detail = f"npm ci failed ({done.returncode}): {done.stderr[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(detail)
        pytest.skip(detail)


def test_typescript_sdk_against_localqstash(config: LocalQStashConfig) -> None:
    node, npm = _tools()
    _install(npm)
    with serve(create_app(config)) as server:
        env = {**os.environ, "QSTASH_URL": server.url, "QSTASH_DEV_PORT": str(server.port)}
        env.pop("QSTASH_DEV", None)
        done = subprocess.run([node, "--test", "sdk.test.mjs"], cwd=NODE_DIR, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    assert "# skipped 0" in done.stdout
