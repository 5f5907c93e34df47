"""QStash duration strings: `10s`, `5m`, `1h`, `2d`, `3d5h12m`, `500ms`, or bare seconds."""

from __future__ import annotations

import re

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration_ms(text: str) -> int:
    """Milliseconds in a duration string; raises ValueError on anything else."""
    value = text.strip().lower()
    if not value:
        raise ValueError("empty duration")
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return round(float(value) * 1000)
    total = 0.0
    pos = 0
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_MS[match.group(2)]
        pos = match.end()
    if pos != len(value):
        raise ValueError(f"invalid duration: {text!r}")
    return round(total)
