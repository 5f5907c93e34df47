"""The handler of every job, bound to its definition: this module builds the registry."""

from __future__ import annotations

from typing import Any

from booking import accounts, aftercare, dead_letters, maintenance, materialise, watching
from booking.execution import ExecutionDeferredError, execute
from booking.services import Services
from booking.sweep import sweep
from jobs import catalog
from jobs.errors import RetryableJobError
from jobs.payloads import (
    DeleteAccount,
    ExecutePrebooking,
    NoPayload,
    PrebookingRef,
    PrebookingReminder,
    WebhookEvent,
)
from jobs.registry import JobContext, Registry, bind


async def execute_prebooking(ctx: JobContext[Services], payload: ExecutePrebooking) -> Any:
    try:
        report = await execute(payload.prebooking_id, services=ctx.services)
    except ExecutionDeferredError as exc:
        raise RetryableJobError(str(exc), retry_after=exc.retry_after) from exc
    return report.as_json()


async def watch_prebooking(ctx: JobContext[Services], payload: PrebookingRef) -> Any:
    return (await watching.check(payload.prebooking_id, services=ctx.services)).as_json()


async def materialise_rules(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return (await materialise.run(ctx.services)).as_json()


async def refresh_sessions(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return await accounts.check_soon_opening(aimharder=ctx.services.aimharder,
                                             vault=ctx.services.vault)


async def sweep_prebookings(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return (await sweep(ctx.services)).as_json()


async def reconcile_dlq(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return (await dead_letters.reconcile(ctx.services)).as_json()


async def remind(ctx: JobContext[Services], payload: PrebookingReminder) -> Any:
    if payload.hours_before not in aftercare.REMINDER_HOURS:
        return "skipped: unknown reminder"
    return await aftercare.remind(payload.prebooking_id, payload.hours_before,
                                  services=ctx.services)


async def follow_up(ctx: JobContext[Services], payload: PrebookingRef) -> Any:
    return await aftercare.follow_up(payload.prebooking_id, services=ctx.services)


async def clean_up(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return await maintenance.cleanup(ctx.services)


async def report_weekly(ctx: JobContext[Services], payload: NoPayload) -> Any:
    return {"sent": await maintenance.weekly_report(ctx.services)}


async def delete_account(ctx: JobContext[Services], payload: DeleteAccount) -> Any:
    return await maintenance.delete_account(payload.user_id, services=ctx.services)


async def deliver_webhook(ctx: JobContext[Services], payload: WebhookEvent) -> Any:
    webhooks = ctx.services.webhooks
    if webhooks is None:  # PREBOOK_WEBHOOK_URL was unset since the event was queued
        return {"webhookId": payload.webhook_id, "skipped": "PREBOOK_WEBHOOK_URL is not set"}
    return await webhooks.deliver(payload)


def build_registry() -> Registry:
    return Registry([
        bind(catalog.EXECUTE_PREBOOKING, execute_prebooking),
        bind(catalog.WATCH_PREBOOKING, watch_prebooking),
        bind(catalog.WEBHOOK_DELIVER, deliver_webhook),
        bind(catalog.RULES_MATERIALISE, materialise_rules),
        bind(catalog.SESSIONS_REFRESH, refresh_sessions),
        bind(catalog.PREBOOKINGS_SWEEP, sweep_prebookings),
        bind(catalog.DLQ_RECONCILE, reconcile_dlq),
        bind(catalog.BOOKING_REMINDER, remind),
        bind(catalog.BOOKING_FOLLOWUP, follow_up),
        bind(catalog.MAINTENANCE_CLEANUP, clean_up),
        bind(catalog.REPORT_WEEKLY, report_weekly),
        bind(catalog.ACCOUNT_DELETE, delete_account),
    ])
