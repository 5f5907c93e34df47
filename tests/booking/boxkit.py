"""Helpers for in-process tests against the fake box: members, classes, connected users."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from booking import accounts
from booking.services import Services
from models.users import User

MADRID = ZoneInfo("Europe/Madrid")
DEMO_BOX_ID = "10001"


async def connected_user(services: Services, box_url: str) -> User:
    """A new app user connected to a new member of the fake box's demo box."""
    email = f"m-{uuid.uuid4().hex[:10]}@box.example"
    async with httpx.AsyncClient(base_url=box_url) as control:
        answer = await control.post("/_fake/users", json={"email": email, "password": "pw-123"})
        assert answer.status_code == 200, answer.text
    user = await User.create(subject=f"s-{uuid.uuid4()}", email=email)
    await accounts.connect(user, email=email, password="pw-123", aimharder=services.aimharder,
                           vault=services.vault)
    return user


async def fake_class(box_url: str, *, start: datetime, name: str = "WOD", capacity: int = 10,
                     booked: int = 0, opens_at: datetime | None = None,
                     closes_at: datetime | None = None) -> dict[str, Any]:
    """A class on the demo box starting at `start` (aware); its id, day and time."""
    local = start.astimezone(MADRID)
    body: dict[str, Any] = {
        "box": "demo", "day": local.date().isoformat(),
        "time": f"{local:%H:%M}-{local + timedelta(hours=1):%H:%M}", "name": name,
        "capacity": capacity, "booked": booked}
    if opens_at is not None:
        body["opensAt"] = opens_at.isoformat()
    if closes_at is not None:
        body["closesAt"] = closes_at.isoformat()
    async with httpx.AsyncClient(base_url=box_url) as control:
        answer = await control.post("/_fake/classes", json=body)
        assert answer.status_code == 200, answer.text
    return {**body, **answer.json(), "date": date.fromisoformat(body["day"])}


async def control(box_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=box_url) as client:
        answer = await client.post(path, json=body or {})
        assert answer.status_code == 200, answer.text
        return answer.json()


def at_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)
