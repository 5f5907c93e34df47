"""Cron expressions as QStash reads them: five fields in UTC, or `CRON_TZ=<zone> ` first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter


class CronError(ValueError):
    pass


def _split(expression: str) -> tuple[ZoneInfo | None, str]:
    text = expression.strip()
    zone: ZoneInfo | None = None
    if text.upper().startswith(("CRON_TZ=", "TZ=")):
        prefix, _, text = text.partition(" ")
        name = prefix.split("=", 1)[1]
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CronError(f"unknown time zone: {name}") from exc
    fields = text.split()
    # Five fields as QStash; a sixth (seconds, last, croniter style) is a local extension
    # that lets tests and demos see a schedule fire without waiting a minute.
    if len(fields) not in (5, 6) or not croniter.is_valid(" ".join(fields)):
        raise CronError(f"invalid cron expression: {expression!r}")
    return zone, " ".join(fields)


def validate(expression: str) -> None:
    _split(expression)


def next_after(expression: str, after_ms: int) -> int:
    """The first firing instant strictly after `after_ms`, in unix milliseconds."""
    zone, fields = _split(expression)
    start = datetime.fromtimestamp(after_ms / 1000, tz=zone or UTC)
    nxt = croniter(fields, start).get_next(datetime)
    return int(nxt.timestamp() * 1000)
