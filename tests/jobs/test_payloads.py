from __future__ import annotations

import uuid

import pytest

from booking.job_handlers import build_registry
from jobs.errors import PayloadInvalidError
from jobs.payloads import ExecutePrebooking


def test_payload_round_trips_in_camel_case() -> None:
    payload = ExecutePrebooking(prebooking_id=uuid.uuid4())
    assert payload.to_json() == {"prebookingId": str(payload.prebooking_id)}
    assert ExecutePrebooking.from_json(payload.to_json()) == payload


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b"{}", "missing field: prebookingId"),
        (b'{"prebookingId": 7}', "must be a UUID"),
        (b'{"prebookingId": "nope"}', "must be a UUID"),
        (b'{"prebookingId": "04f69860-8a0b-41ba-9c0a-0360fe15d8bb", "extra": 1}', "unknown field"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadInvalidError, match=reason):
        ExecutePrebooking.from_body(body)


def test_registry_finds_jobs_by_path_and_name() -> None:
    registry = build_registry()
    spec = registry.by_path("prebooking/execute")
    assert spec is not None and spec.name == "prebooking.execute"
    assert registry.by_name("prebooking.execute") is spec
    assert spec.job.route == "/api/jobs/prebooking/execute"
    assert registry.by_path("../prebooking/execute") is None
