"""Every job prebook runs: name, path, payload type, retries (handlers: booking.job_handlers)."""

from __future__ import annotations

from jobs.payloads import (
    DeleteAccount,
    ExecutePrebooking,
    NoPayload,
    PrebookingRef,
    PrebookingReminder,
    WebhookEvent,
)
from jobs.registry import JobDef

EXECUTE_PREBOOKING = JobDef(
    "prebooking.execute", "prebooking/execute", ExecutePrebooking,
    retries=3, retry_delay="1000", timeout="60s",  # a retry only helps while the window is young
)
# One check of a WATCHING prebooking (a full class): list it, book a freed place.
WATCH_PREBOOKING = JobDef("prebooking.watch", "prebooking/watch", PrebookingRef, retries=2,
                          timeout="60s")
# Places the coming occurrences of every active weekly rule as prebookings.
RULES_MATERIALISE = JobDef("rules.materialise", "rules/materialise", NoPayload, retries=1,
                           timeout="300s")
SESSIONS_REFRESH = JobDef("sessions.refresh", "sessions/refresh", NoPayload, timeout="120s")
PREBOOKINGS_SWEEP = JobDef("prebookings.sweep", "prebookings/sweep", NoPayload, retries=1,
                           timeout="60s")
DLQ_RECONCILE = JobDef("dlq.reconcile", "dlq/reconcile", NoPayload, timeout="60s")
BOOKING_REMINDER = JobDef("booking.reminder", "booking/reminder", PrebookingReminder)
BOOKING_FOLLOWUP = JobDef("booking.followup", "booking/followup", PrebookingRef)
MAINTENANCE_CLEANUP = JobDef("maintenance.cleanup", "maintenance/cleanup", NoPayload)
REPORT_WEEKLY = JobDef("report.weekly", "report/weekly", NoPayload, timeout="300s")
ACCOUNT_DELETE = JobDef("account.delete", "account/delete", DeleteAccount, retries=5)
# One prebooking change POSTed to PREBOOK_WEBHOOK_URL (booking.infra.webhooks). Five retries with
# QStash's backoff (PREBOOK_WEBHOOK_RETRY_DELAY overrides it), then the dead-letter queue.
WEBHOOK_DELIVER = JobDef("webhook.deliver", "webhook/deliver", WebhookEvent, retries=5,
                         timeout="30s")
