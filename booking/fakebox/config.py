"""Configuration of the fake AimHarder box: which boxes exist, the demo account, token lifetimes."""

from __future__ import annotations

from dataclasses import dataclass

from booking.opening import BookingWindow, WindowUnit

DEFAULT_WINDOW = BookingWindow(4, WindowUnit.DAYS)


@dataclass(frozen=True)
class BoxSpec:
    """One box (gym). `hourly_classes` generates a one-hour class every hour of every day."""

    id: str
    subdomain: str
    name: str
    timezone: str = "Europe/Madrid"
    window: BookingWindow = DEFAULT_WINDOW
    hourly_classes: bool = True

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "subdomain": self.subdomain,
            "name": self.name,
            "timezone": self.timezone,
        }


DEMO_BOXES = (
    BoxSpec("10001", "demo", "Demo CrossFit", "Europe/Madrid", BookingWindow(4, WindowUnit.DAYS)),
    BoxSpec(
        "10002", "demohours", "Demo Hours Box", "Europe/Madrid", BookingWindow(48, WindowUnit.HOURS)
    ),
)
DEMO_EMAIL = "athlete@example.com"
DEMO_PASSWORD = "wod"
DEMO_NAME = "Demo Athlete"


@dataclass(frozen=True)
class FakeBoxConfig:
    """`demo` loads the demo boxes and account; `boxes` adds more boxes (with or without demo).

    Token lifetimes are in seconds. `capacity` is the size of generated hourly classes and the
    default for classes created through the control API.
    """

    demo: bool = True
    boxes: tuple[BoxSpec, ...] = ()
    token_ttl: float = 3600.0
    refresh_ttl: float = 30 * 24 * 3600.0
    capacity: int = 14

    def all_boxes(self) -> tuple[BoxSpec, ...]:
        return (DEMO_BOXES if self.demo else ()) + self.boxes
