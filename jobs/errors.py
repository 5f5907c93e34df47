"""One exception hierarchy for deliveries; `jobs.delivery` maps it to status codes in one place."""

from __future__ import annotations


class DeliveryError(Exception):
    """A delivery that cannot be handled as it is. `retryable` tells QStash whether to retry."""

    status_code = 500
    retryable = True

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class SignatureInvalidError(DeliveryError):
    """Missing or wrong `Upstash-Signature`; nothing is done and nothing is said about why."""

    status_code = 401
    retryable = True


class UnknownJobError(DeliveryError):
    status_code = 404
    retryable = False


class PayloadInvalidError(DeliveryError):
    """The body does not match the job's payload type; retrying the same body cannot help."""

    status_code = 489
    retryable = False


class RetryableJobError(DeliveryError):
    """Nothing was fired and a later attempt may succeed (for example the box was down)."""

    status_code = 503
    retryable = True
