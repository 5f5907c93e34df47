"""With QSTASH_ENABLED=false the app is its own scheduler (its own module: one stack at a time)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_scenario import wait_final
from tests.stack import running_stack


def test_without_qstash_the_app_schedules_itself(tmp_path: Path) -> None:
    with running_stack(tmp_path, qstash_enabled=False) as fallback:
        token, node_id, demo = fallback.prebook("alone@example.com", opens_in=3)
        assert fallback.prebooking(token, node_id)["qstashMessageId"] is None
        final = wait_final(fallback, token, node_id, demo["opensAt"])
        assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
