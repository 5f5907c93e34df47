"""A fake AimHarder that speaks AimHarder's web API, for development, demos and tests.

A test double of the protocol, not of any client: it imports nothing of the application and
writes AimHarder's keys, codes and messages itself (state in memory).
"""

from __future__ import annotations

from fakebox.app import create_app
from fakebox.config import DEMO_BOXES, DEMO_EMAIL, DEMO_PASSWORD, BoxSpec, FakeBoxConfig
from fakebox.window import Window

__all__ = [
    "DEMO_BOXES",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "BoxSpec",
    "FakeBoxConfig",
    "Window",
    "create_app",
]
