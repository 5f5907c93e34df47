"""Request ids, structured JSON logs with the work's ids, and Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.logging import (
    ContextFilter,
    JsonFormatter,
    bound,
    prebooking_id,
    qstash_message_id,
    request_id,
)
from tests.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("observability")) as running:
        yield running


def samples(stack: Stack) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{stack.api.url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def test_request_id_is_echoed_or_made(stack: Stack) -> None:
    given = httpx.get(f"{stack.api.url}/health", headers={"X-Request-Id": "req-123.abc"})
    assert given.headers["x-request-id"] == "req-123.abc"
    made = httpx.get(f"{stack.api.url}/health").headers["x-request-id"]
    assert len(made) == 32 and made != httpx.get(f"{stack.api.url}/health").headers["x-request-id"]
    forged = httpx.get(f"{stack.api.url}/health", headers={"X-Request-Id": "a b\tinjected"})
    assert forged.headers["x-request-id"] != "a b\tinjected"
    graphql = httpx.post(f"{stack.api.url}/graphql", json={"query": "{ __typename }"},
                         headers={"X-Request-Id": "gql-1"})
    assert graphql.headers["x-request-id"] == "gql-1"


def test_json_formatter_carries_the_context_ids() -> None:
    formatter = JsonFormatter()
    record_logger = logging.getLogger("tests.observability")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(ContextFilter())
    record_logger.addHandler(handler)
    try:
        with bound(request_id, "r1"), bound(qstash_message_id, "msg_1"), \
                bound(prebooking_id, "pb-1"):
            record_logger.warning("fired %s", "now", extra={"latenessMs": 0.4})
        try:
            raise ValueError("boom")
        except ValueError:
            record_logger.exception("failed")
    finally:
        record_logger.removeHandler(handler)
    first = json.loads(formatter.format(records[0]))  # formatted after the block: still there
    assert first["message"] == "fired now" and first["level"] == "WARNING"
    assert (first["requestId"], first["qstashMessageId"], first["prebookingId"]) == (
        "r1", "msg_1", "pb-1")
    assert first["latenessMs"] == 0.4 and first["logger"] == "tests.observability"
    second = json.loads(formatter.format(records[1]))
    assert "requestId" not in second and "ValueError: boom" in second["exc"]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_log_config_formats_every_logger(fmt: str) -> None:
    # In a child process: dictConfig changes the whole process's logging.
    script = (
        "import logging, logging.config\n"
        "from api.logging import bound, log_config, request_id\n"
        f"logging.config.dictConfig(log_config({fmt!r}))\n"
        "with bound(request_id, 'r-9'):\n"
        "    logging.getLogger('uvicorn.error').info('Started server process')\n"
        "logging.getLogger('tortoise').info('hidden SQL')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    if fmt == "json":
        entry = json.loads(lines[0])
        assert entry["logger"] == "uvicorn.error" and entry["requestId"] == "r-9"
        assert "color_message" not in entry
    else:
        assert "Started server process" in lines[0] and "requestId=r-9" in lines[0]


def test_a_refused_delivery_is_logged_with_its_ids_and_counted(stack: Stack) -> None:
    labels = frozenset({("job", "unknown"), ("status", "401"), ("result", "refused")})
    before = samples(stack).get(("prebook_job_deliveries_total", labels), 0.0)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    delivery_log = logging.getLogger("jobs.delivery")
    delivery_log.addHandler(handler)
    try:
        answer = httpx.post(f"{stack.api.url}/api/jobs/prebooking/execute",
                            json={"prebookingId": "00000000-0000-0000-0000-000000000000"},
                            headers={"X-Request-Id": "deliv-7", "Upstash-Message-Id": "msg_abc",
                                     "Upstash-Signature": "not-a-jwt"})
    finally:
        delivery_log.removeHandler(handler)
    assert answer.status_code == 401
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = [line for line in lines if line["message"].startswith("delivery refused")]
    assert refused and refused[0]["requestId"] == "deliv-7"
    assert refused[0]["qstashMessageId"] == "msg_abc"
    after = samples(stack)[("prebook_job_deliveries_total", labels)]
    assert after == before + 1


def test_metrics_expose_every_family(stack: Stack) -> None:
    text = httpx.get(f"{stack.api.url}/metrics").text
    for name, kind in (("prebook_firing_lateness_seconds", "histogram"),
                       ("prebook_prebooking_outcomes_total", "counter"),
                       ("prebook_job_deliveries_total", "counter"),
                       ("prebook_qstash_publish_seconds", "histogram"),
                       ("prebook_job_duration_seconds", "histogram")):
        assert f"# TYPE {name} {kind}" in text, name


def test_openmetrics_on_request(stack: Stack) -> None:
    answer = httpx.get(f"{stack.api.url}/metrics",
                       headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.rstrip().endswith("# EOF")
