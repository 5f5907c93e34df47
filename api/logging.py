"""Structured logs: one JSON object a line, carrying the request, QStash message and prebooking
ids of the work in progress (context variables set by the middleware and the job wrapper), with
secrets taken out before any handler writes a line."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from jobs.registry import JobContext, JobSpec, Registry

request_id: ContextVar[str | None] = ContextVar("prebook_request_id", default=None)
qstash_message_id: ContextVar[str | None] = ContextVar("prebook_qstash_message_id", default=None)
prebooking_id: ContextVar[str | None] = ContextVar("prebook_prebooking_id", default=None)

CONTEXT_FIELDS: tuple[tuple[str, ContextVar[str | None]], ...] = (
    ("requestId", request_id),
    ("qstashMessageId", qstash_message_id),
    ("prebookingId", prebooking_id),
)
# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message", "asctime", "color_message",  # uvicorn adds color_message to its records
}


@contextlib.contextmanager
def bound(var: ContextVar[str | None], value: str | None) -> Iterator[None]:
    """Set a context field for the block (and the tasks it starts), then restore it."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


class ContextFilter(logging.Filter):
    """Copies the context ids onto each record when it is emitted, so a handler that formats
    later (or in another thread) still has them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


def _context_ids(record: logging.LogRecord) -> dict[str, str]:
    ids = {}
    for name, var in CONTEXT_FIELDS:
        value = getattr(record, name, None) or var.get()
        if value:
            ids[name] = str(value)
    return ids


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "requestId"?, ..., "exc"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context_ids(record),
        }
        context_names = {name for name, _ in CONTEXT_FIELDS}
        for key, value in vars(record).items():
            if key in context_names:
                continue
            if key not in _RECORD_ATTRIBUTES and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_text:  # set (and redacted) by RedactFilter
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False)


class ContextTextFormatter(logging.Formatter):
    """The plain development format, with the context ids appended when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = " ".join(f"{name}={value}" for name, value in _context_ids(record).items())
        return f"{text} [{ids}]" if ids else text


# `password` followed by a value, as JSON, a Python repr, a GraphQL literal or a form field has it.
_PASSWORD_VALUE = re.compile(
    r"""(password[\\"']*\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}\]\)]+)""",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with every `password` value replaced."""
    return _PASSWORD_VALUE.sub(lambda m: m.group(1) + REDACTED, text)


class RedactFilter(logging.Filter):
    """The last guard before a line is written: no `password` value and no `/graphql` query
    string (a `GET /graphql?query=…` may carry one) reaches a handler.

    The code that logs is the first guard (GraphQL errors are logged without their source or
    input); this catches what a library logs on its own.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) \
                and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            path, _, query = str(args[2]).partition("?")
            if query and path.rstrip("/").endswith("/graphql"):
                args[2] = path + "?…"
                record.args = tuple(args)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


# Their DEBUG records carry raw HTTP headers (AimHarder's Set-Cookie session, Authorization),
# so they never log below INFO, whatever level the root logger is given.
HEADER_LOGGERS = ("httpcore", "hpack", "websockets.client", "websockets.server")


def protect_secrets() -> None:
    for name in HEADER_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app and uvicorn (pass it as uvicorn's log_config).

    uvicorn's own loggers go through the same formatter, so access and error lines are JSON
    too in production.
    """
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json"
        else {"()": ContextTextFormatter, "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"context": {"()": ContextFilter}, "redact": {"()": RedactFilter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "default",
                       "filters": ["context", "redact"], "stream": "ext://sys.stderr"},
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
            # The SQL of every query is noise at INFO.
            "tortoise": {"level": "WARNING"},
            "aiosqlite": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
            **{name: {"level": "INFO"} for name in HEADER_LOGGERS},
        },
    }


def with_log_context(registry: Registry) -> Registry:
    """The same jobs, each run with its message id and (when it has one) prebooking id bound,
    so every line a handler logs names what it is working on."""

    def wrap(spec: JobSpec[Any]) -> JobSpec[Any]:
        handler = spec.handler

        async def run(ctx: JobContext[Any], payload: Any) -> Any:
            subject = getattr(payload, "prebooking_id", None)
            with bound(qstash_message_id, ctx.message_id or None), \
                    bound(prebooking_id, str(subject) if subject is not None else None):
                return await handler(ctx, payload)

        return JobSpec(spec.job, run)

    return Registry(wrap(spec) for spec in registry)
