"""Every metric and label the alerts read is one the app really exports.

The code paths that produce each series run first (a refused and a crashed delivery, a failed
publish, a DLQ scan, a sweep that finds a stuck prebooking), then the process's registry is
rendered as `/metrics` renders it. A metric renamed in the code, or a label value such as
`result="crashed"` changed where it is set, fails here instead of silencing an alert.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from qstash import AsyncQStash, Receiver
from qstash.errors import QStashError
from starlette.applications import Starlette
from tortoise.context import tortoise_test_context

from api.container import Container
from booking.events import PrebookingEvents
from booking.services import Policy, Services, Timing
from booking.sweep import reconcile_stuck
from jobs.client import JobClient, PublishFailedError
from jobs.delivery import delivery_route
from jobs.dlq import dead_letters
from jobs.metrics import metrics
from jobs.payloads import NoPayload
from jobs.registry import JobContext, JobDef, Registry, bind
from localqstash import DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY
from localqstash.signing import sign
from models.config import MODEL_MODULES
from models.prebookings import Prebooking, PrebookingStatus
from models.users import User
from tests.deploy.test_alerts import alerts

PUBLIC_URL = "http://prebook.test"
CRASHING = JobDef("test.crashing", "test/crashing", NoPayload)
# Labels Prometheus adds at scrape time; prebook's own `job` label is stored as exported_job.
TARGET_LABELS = {"job", "instance", "exported_job"}
SELECTOR = re.compile(r"\b(prebook_[a-z_]+)\s*(\{[^}]*\})?")
MATCHER = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
BY = re.compile(r"\bby\s*\(([^)]*)\)")


@pytest.fixture
async def db() -> AsyncIterator[None]:
    async with tortoise_test_context(MODEL_MODULES):
        yield


async def crash(ctx: JobContext, payload: NoPayload) -> None:
    raise RuntimeError("a bug")


async def deliver_refused_and_crashed() -> None:
    receiver = Receiver(current_signing_key=DEV_CURRENT_SIGNING_KEY,
                        next_signing_key=DEV_NEXT_SIGNING_KEY)
    route = delivery_route(registry=Registry([bind(CRASHING, crash)]), receiver=receiver,
                           public_url=PUBLIC_URL, services=lambda _request: None)
    url = PUBLIC_URL + CRASHING.route
    async with httpx.AsyncClient(transport=httpx.ASGITransport(Starlette(routes=[route])),
                                 base_url=PUBLIC_URL) as http:
        forged = await http.post(CRASHING.route, content=b"{}", headers={
            "Upstash-Signature": sign("not-the-key", url=url, body=b"{}"),
            "Upstash-Message-Id": "msg_forged"})
        assert forged.status_code == 401
        crashed = await http.post(CRASHING.route, content=b"{}", headers={
            "Upstash-Signature": sign(DEV_CURRENT_SIGNING_KEY, url=url, body=b"{}"),
            "Upstash-Message-Id": "msg_crash"})
        assert crashed.status_code == 500


class _RefusingMessages:
    async def publish_json(self, **_: Any) -> Any:
        raise QStashError("quota exceeded")


@dataclass
class _Page:
    messages: list[str]
    cursor: str | None


@dataclass
class _PagedDlq:
    pages: list[_Page] = field(default_factory=lambda: [
        _Page(["a", "b"], "next"), _Page(["c"], None)])

    async def list(self, *, cursor: str | None, count: int) -> _Page:
        return self.pages[1 if cursor else 0]


@dataclass
class _FakeQStash:
    message: _RefusingMessages = field(default_factory=_RefusingMessages)
    dlq: _PagedDlq = field(default_factory=_PagedDlq)


def job_client() -> JobClient:
    return JobClient(cast(AsyncQStash, _FakeQStash()), public_url=PUBLIC_URL)


async def fail_to_publish() -> None:
    with pytest.raises(PublishFailedError):
        await job_client().enqueue(CRASHING, NoPayload())


def sweep_services() -> Services:
    # A prebooking whose user has no AimHarder account is failed without asking any box.
    unused: Any = None
    return Container(aimharder=unused, jobs=job_client(), vault=unused, events=PrebookingEvents(),
                    timing=Timing(), policy=Policy(stuck_after_s=180.0))


async def executing(user: User, *, claimed_ago: timedelta, now: datetime) -> Prebooking:
    return await Prebooking.create(
        user=user, status=PrebookingStatus.EXECUTING, box_id="10001", box_subdomain="demo",
        box_timezone="Europe/Madrid", class_id=uuid.uuid4().hex, day=date(2026, 3, 2),
        opens_at=now - claimed_ago, claimed_at=now - claimed_ago)


def exported() -> dict[str, list[dict[str, str]]]:
    """Sample name → the label sets it has, as `/metrics` renders them."""
    samples: dict[str, list[dict[str, str]]] = {}
    text = generate_latest(metrics().registry).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(dict(sample.labels))
    return samples


def gauge(name: str) -> float | None:
    return metrics().registry.get_sample_value(name)


async def test_the_dlq_scan_exports_its_depth_and_time() -> None:
    before = datetime.now(UTC).timestamp()
    assert len(await dead_letters(job_client())) == 3
    assert gauge("prebook_dlq_depth") == 3
    assert gauge("prebook_dlq_scanned_timestamp_seconds") >= int(before)


async def test_the_sweep_exports_how_many_prebookings_it_found_stuck(db: None) -> None:
    now = datetime.now(UTC)
    user = await User.create(subject="stuck", email="stuck@example.com")
    await executing(user, claimed_ago=timedelta(minutes=10), now=now)
    await executing(user, claimed_ago=timedelta(seconds=30), now=now)  # still within limits
    services = sweep_services()
    assert len(await reconcile_stuck(services, now)) == 1
    assert gauge("prebook_prebookings_stuck") == 1
    assert await reconcile_stuck(services, now) == []  # the stuck one is FAILED now
    assert gauge("prebook_prebookings_stuck") == 0


async def test_every_metric_and_label_an_alert_reads_is_exported(db: None) -> None:
    await deliver_refused_and_crashed()
    await fail_to_publish()
    await dead_letters(job_client())
    await reconcile_stuck(sweep_services(), datetime.now(UTC))
    metrics().record_outcome(status="COMPLETED", outcome="BOOKED", lateness_ms=0.4)
    metrics().record_aimharder_refusal("login")
    samples = exported()

    for rule in alerts():
        expr = rule["expr"]
        used = SELECTOR.findall(expr)
        assert used, rule["alert"]
        labels_in_expr: set[str] = set()
        for name, braces in used:
            assert name in samples, f"{rule['alert']} reads {name}, which is not exported"
            present = samples[name]
            labels_in_expr |= {label for labelset in present for label in labelset}
            for label, value in MATCHER.findall(braces or ""):
                assert any(labelset.get(label) == value for labelset in present), (
                    f"{rule['alert']} matches {name}{{{label}={value!r}}}, never exported")
        for group in BY.findall(expr):
            for label in (part.strip() for part in group.split(",")):
                assert label in labels_in_expr | TARGET_LABELS | {"le"}, (
                    f"{rule['alert']} groups by {label!r}, a label its metrics do not have")
