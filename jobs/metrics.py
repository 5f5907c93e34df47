"""Prometheus metrics of the job layer and the firing engine.

One set per process, created on first use (never at import time) in its own registry, which
`GET /metrics` renders. Per process rather than per app because the metrics describe what the
process did (deliveries, publishes from the API and from CLI commands alike) and because the
job client is built by the services, below the app factory; Prometheus scrapes processes.
With several uvicorn workers set `PROMETHEUS_MULTIPROC_DIR` (see docs/deploy.md): values then
go to files there and `/metrics` aggregates every worker's.

The alerting rules in deploy/prometheus/alerts.yml read these names; tests/deploy checks that
every name they use is exported here, so rename a metric there too.
"""

from __future__ import annotations

import os
from functools import cache

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

# Lateness is sub-millisecond when things go well; the upper buckets catch a late delivery.
LATENESS_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                    0.25, 0.5, 1.0, 5.0)
PUBLISH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.lateness = Histogram(
            "prebook_firing_lateness_seconds",
            "When the booking request was sent, after the opening instant (firedAt - opensAt)",
            buckets=LATENESS_BUCKETS, registry=registry,
        )
        self.transitions = Counter(
            "prebook_prebooking_transitions",
            "Prebooking status changes, by the status left and the status entered",
            ["source", "target"], registry=registry,
        )
        self.outcomes = Counter(
            "prebook_prebooking_outcomes",
            "Finished prebookings by final status and outcome (BOOKED, FULL, ...)",
            ["status", "outcome"], registry=registry,
        )
        self.deliveries = Counter(
            "prebook_job_deliveries",
            "QStash deliveries by job, HTTP status answered and result",
            ["job", "status", "result"], registry=registry,
        )
        self.publish_seconds = Histogram(
            "prebook_qstash_publish_seconds",
            "Time to publish one message to QStash, by job and result",
            ["job", "result"], buckets=PUBLISH_BUCKETS, registry=registry,
        )
        self.job_seconds = Histogram(
            "prebook_job_duration_seconds",
            "Handler run time of each delivered job, by job and result",
            ["job", "result"], buckets=JOB_BUCKETS, registry=registry,
        )
        # The two observations below are made by periodic jobs (health check, dlq.reconcile,
        # the sweep) on whichever instance QStash calls. Each comes with the time it was made,
        # so an alert can read the latest observation across instances instead of a stale one
        # that an instance keeps until QStash happens to call it again.
        self.dlq_depth = Gauge(
            "prebook_dlq_depth",
            "Messages in QStash's dead-letter queue at the last scan (before dlq.reconcile "
            "drains the prebooking ones)",
            registry=registry, multiprocess_mode="mostrecent",
        )
        self.dlq_scanned = Gauge(
            "prebook_dlq_scanned_timestamp_seconds",
            "Unix time of the last dead-letter queue scan in this process",
            registry=registry, multiprocess_mode="mostrecent",
        )
        self.stuck = Gauge(
            "prebook_prebookings_stuck",
            "EXECUTING prebookings past PREBOOK_STUCK_AFTER_S found by the last sweep "
            "(before it reconciles them; at most one batch)",
            registry=registry, multiprocess_mode="mostrecent",
        )
        self.swept = Gauge(
            "prebook_sweep_timestamp_seconds",
            "Unix time of the last sweep in this process",
            registry=registry, multiprocess_mode="mostrecent",
        )
        self.aimharder_refusals = Counter(
            "prebook_aimharder_refusals",
            "AimHarder requests answered HTTP 403: the server's network location is refused "
            "(geo-blocking), not the password",
            ["endpoint"], registry=registry,
        )

        self.webhooks_lost = Counter(
            "prebook_webhooks_lost",
            "Prebooking changes whose webhook job could not be queued (QStash unreachable): "
            "the receiver never hears of them",
            registry=registry,
        )

    def record_transition(self, *, source: str, target: str) -> None:
        """One prebooking moved from `source` to `target` (booking.lifecycle)."""
        self.transitions.labels(source=source, target=target).inc()

    def record_outcome(self, *, status: str, outcome: str | None,
                       lateness_ms: float | None) -> None:
        """One finished prebooking: its outcome and, when it fired, how late."""
        self.outcomes.labels(status=status, outcome=outcome or "NONE").inc()
        if lateness_ms is not None:
            self.lateness.observe(max(float(lateness_ms), 0.0) / 1000)

    def record_dlq_depth(self, depth: int) -> None:
        """The dead-letter queue was just read and held `depth` messages."""
        self.dlq_depth.set(depth)
        self.dlq_scanned.set_to_current_time()

    def record_stuck(self, count: int) -> None:
        """The sweep just found `count` prebookings EXECUTING past the stuck threshold."""
        self.stuck.set(count)
        self.swept.set_to_current_time()

    def record_webhook_lost(self) -> None:
        """A change's webhook could not be queued (booking.infra.webhooks)."""
        self.webhooks_lost.inc()

    def record_aimharder_refusal(self, endpoint: str) -> None:
        """AimHarder answered 403 on `endpoint` (login, book, bookings, ...): geo-blocking."""
        self.aimharder_refusals.labels(endpoint=endpoint).inc()


@cache
def metrics() -> Metrics:
    """This process's metrics, created on first use."""
    return Metrics(CollectorRegistry(auto_describe=True))


def exposition_registry() -> CollectorRegistry:
    """What `/metrics` renders: this process, or every worker's files in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return metrics().registry
