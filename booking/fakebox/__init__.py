"""A faithful fake AimHarder box for development, tests and benchmarks (state in memory)."""

from __future__ import annotations

from booking.fakebox.app import create_app
from booking.fakebox.config import DEMO_BOXES, DEMO_EMAIL, DEMO_PASSWORD, BoxSpec, FakeBoxConfig

__all__ = ["DEMO_BOXES", "DEMO_EMAIL", "DEMO_PASSWORD", "BoxSpec", "FakeBoxConfig", "create_app"]
