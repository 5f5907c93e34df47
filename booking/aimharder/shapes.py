"""A record of which answer shapes the client met, for `prebook aimharder check`.

AIMHARDER.md's evidence is thin in places (the refresh token's key, whoami on `.com`, the
string `limit`, how renewal answers). The client notes what it saw at each of those points so
an operator with a live account can tell which reading is the real one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Shapes:
    seen: list[tuple[str, str]] = field(default_factory=list)
    unrecognised: list[tuple[str, str]] = field(default_factory=list)

    def met(self, what: str, shape: str) -> None:
        if (what, shape) not in self.seen:
            self.seen.append((what, shape))

    def odd(self, what: str, shape: str) -> None:
        if (what, shape) not in self.unrecognised:
            self.unrecognised.append((what, shape))


def note(shapes: Shapes | None, what: str, shape: str, *, recognised: bool = True) -> None:
    if shapes is None:
        return
    if recognised:
        shapes.met(what, shape)
    else:
        shapes.odd(what, shape)
