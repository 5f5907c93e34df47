"""Configuration of the fake AimHarder box: which boxes exist, the demo account, lifetimes."""

from __future__ import annotations

from dataclasses import dataclass

from fakebox.window import Window

DEFAULT_WINDOW = Window(4, "days")


@dataclass(frozen=True)
class BoxSpec:
    """One box (gym). `id` is its numeric AimHarder id (`boid`, the `box=` of the class list);
    `hourly_classes` generates a one-hour class every hour of every day."""

    id: str
    subdomain: str
    name: str
    timezone: str = "Europe/Madrid"
    window: Window = DEFAULT_WINDOW
    hourly_classes: bool = True
    address: str = "Carrer de la Demo 1, 08001 Barcelona"

    def __post_init__(self) -> None:
        if not self.id.isdigit():
            raise ValueError(f"a box id is numeric, got {self.id!r}")

    @property
    def boid(self) -> int:
        return int(self.id)

    @property
    def centre_url(self) -> str:
        """What AimHarder puts in `roles[].centre_url`: a hostname, not a bare subdomain."""
        return f"{self.subdomain}.aimharder.com"


DEMO_BOXES = (
    BoxSpec("10001", "demo", "Demo CrossFit", "Europe/Madrid", Window(4, "days")),
    BoxSpec("10002", "demohours", "Demo Hours Box", "Europe/Madrid", Window(48, "hours")),
)
DEMO_EMAIL = "athlete@example.com"
DEMO_PASSWORD = "wod"
DEMO_NAME = "Demo Athlete"


@dataclass(frozen=True)
class FakeBoxConfig:
    """`demo` loads the demo boxes and account; `boxes` adds more boxes (with or without demo).

    `token_ttl` is the life of an `amhrdrauth` session in seconds (about 30 minutes, what the
    official front's 29-minute renewal suggests); `refresh_ttl` the life of a refresh token.
    `capacity` is the size of generated hourly classes and the default for created ones.
    `freeze_log` calls `gc.freeze()` as the request log grows: only for a box that is a process
    of its own (`prebook fakebox`), since it freezes everything else in the process too.
    """

    demo: bool = True
    boxes: tuple[BoxSpec, ...] = ()
    token_ttl: float = 1800.0
    refresh_ttl: float = 30 * 24 * 3600.0
    capacity: int = 14
    freeze_log: bool = False

    def all_boxes(self) -> tuple[BoxSpec, ...]:
        return (DEMO_BOXES if self.demo else ()) + self.boxes
