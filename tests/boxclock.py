"""A fake box's clock that a test can move on instead of waiting for the wall clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class BoxClock:
    """The fake box's only clock (`fakebox.create_app(clock=...)`): the wall clock plus however
    far a test moved it on."""

    def __init__(self) -> None:
        self.ahead_ns = 0

    def __call__(self) -> int:
        return time.time_ns() + self.ahead_ns

    @contextmanager
    def moved(self, seconds: float) -> Iterator[None]:
        """The box `seconds` ahead of the wall clock for the block, then back."""
        self.ahead_ns = int(seconds * 1e9)
        try:
            yield
        finally:
            self.ahead_ns = 0
