"""How far the box's clock is from ours, from its HTTP `Date` headers.

A `Date` header has one-second resolution, but the moment it changes is exact: an answer
stamped second S that left between our send (t1) and our receipt (t2) bounds the offset
`box - ours` to [S - t2, S + 1 s - t1]. Each further probe is timed so that, if the current
middle estimate is right, it reaches the box exactly on a second boundary; whichever side it
lands on halves the interval (an NTP-style bisection). A handful of probes gets the offset to
within a few milliseconds plus the round trip.

A server that caches its `Date` (uvicorn refreshes it once a second on its own tick) gives
contradicting bounds; the estimate then says so (`consistent` false) instead of guessing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from booking.aimharder import AimharderClient, UpstreamUnavailableError
from booking.clock import sleep_until_ns

SECOND_NS = 1_000_000_000
# Probes are aimed this far ahead at least, so the aim is not spoiled by our own scheduling.
AIM_MARGIN_NS = 50_000_000


@dataclass(frozen=True)
class Sample:
    sent_ns: int  # our clock, just before the request left
    received_ns: int  # our clock, once the answer was read
    box_second: int  # the box's Date header, seconds since the epoch

    @property
    def bounds_ns(self) -> tuple[int, int]:
        """The offsets (box minus ours, ns) this answer allows."""
        start = self.box_second * SECOND_NS
        return start - self.received_ns, start + SECOND_NS - self.sent_ns

    @property
    def round_trip_ns(self) -> int:
        return self.received_ns - self.sent_ns


def parse_date(header: str | None) -> int | None:
    """An HTTP `Date` header as whole seconds since the epoch, or None."""
    if not header:
        return None
    try:
        return int(parsedate_to_datetime(header).timestamp())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class OffsetEstimate:
    offset_ms: float  # box clock minus ours: positive means the box is ahead
    uncertainty_ms: float  # half the width of the interval the samples allow
    samples: int
    best_round_trip_ms: float
    consistent: bool  # False: the samples contradict each other (a cached Date header)

    def as_json(self) -> dict[str, object]:
        return {
            "offsetMs": round(self.offset_ms, 3), "uncertaintyMs": round(self.uncertainty_ms, 3),
            "samples": self.samples, "bestRoundTripMs": round(self.best_round_trip_ms, 3),
            "consistent": self.consistent,
        }

    def describe(self) -> str:
        side = "ahead of" if self.offset_ms >= 0 else "behind"
        text = (f"box clock {abs(self.offset_ms):.1f} ms {side} ours "
                f"(±{self.uncertainty_ms:.1f} ms, {self.samples} samples, "
                f"best round trip {self.best_round_trip_ms:.1f} ms)")
        return text if self.consistent else text + "; samples disagree: the box caches Date"


def combine(samples: list[Sample]) -> OffsetEstimate:
    """The interval every sample allows; when they contradict, the latest sample's own."""
    if not samples:
        raise ValueError("no samples")
    lo = max(s.bounds_ns[0] for s in samples)
    hi = min(s.bounds_ns[1] for s in samples)
    consistent = lo <= hi
    if not consistent:
        lo, hi = samples[-1].bounds_ns
    return OffsetEstimate(
        offset_ms=(lo + hi) / 2 / 1e6, uncertainty_ms=(hi - lo) / 2 / 1e6,
        samples=len(samples), best_round_trip_ms=min(s.round_trip_ns for s in samples) / 1e6,
        consistent=consistent,
    )


Probe = Callable[[], Awaitable[Sample]]


def next_aim_ns(now_ns: int, offset_ns: float, round_trip_ns: int) -> int:
    """When to send so that, were `offset_ns` right, the box handles it on a second boundary."""
    arrive_ours = now_ns + round_trip_ns // 2 + AIM_MARGIN_NS  # earliest it could reach the box
    box_second = -(-int(arrive_ours + offset_ns) // SECOND_NS)  # next boundary, box clock
    return int(box_second * SECOND_NS - offset_ns) - round_trip_ns // 2


async def bisect(
    probe: Probe,
    samples: int,
    *,
    now_ns: Callable[[], int] = time.time_ns,
    sleep_until: Callable[[int], Awaitable[int]] = sleep_until_ns,
) -> OffsetEstimate:
    """Probe `samples` times, each aimed at the current middle estimate's second boundary."""
    taken = [await probe()]
    while len(taken) < samples:
        estimate = combine(taken)
        if not estimate.consistent:
            break
        round_trip = min(s.round_trip_ns for s in taken)
        await sleep_until(next_aim_ns(now_ns(), estimate.offset_ms * 1e6, round_trip))
        taken.append(await probe())
    return combine(taken)


def http_probe(http: httpx.AsyncClient, url: str) -> Probe:
    async def probe() -> Sample:
        request = http.build_request("HEAD", url)
        sent = time.time_ns()
        try:
            response = await http.send(request)
            await response.aclose()
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(f"clock probe failed: {type(exc).__name__}") from None
        received = time.time_ns()
        second = parse_date(response.headers.get("date"))
        if second is None:
            raise UpstreamUnavailableError("the box sent no usable Date header")
        return Sample(sent, received, second)

    return probe


async def estimate_offset(
    client: AimharderClient,
    subdomain: str,
    samples: int = 8,
    *,
    http: httpx.AsyncClient | None = None,
) -> OffsetEstimate:
    """Estimate the clock offset to one box (a few seconds: probes wait for second ticks).

    Uses `http` (any client; a fresh one when None) for HEAD requests to the box's root;
    the first one opens the connection and the rest reuse it, so their round trips are short.
    """
    url = client.box_url(subdomain) + "/"
    if http is not None:
        return await bisect(http_probe(http, url), samples)
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as own:
        await http_probe(own, url)()  # connect first: the handshake is not a round trip
        return await bisect(http_probe(own, url), samples)
