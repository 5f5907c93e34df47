"""AimHarder's JSON bodies for a member and for a day's class list (AIMHARDER.md a, b, c).

Key names, nesting and types are AimHarder's as public evidence shows them; values the
evidence does not pin down (`clasesDisp`, `day`, the display fields) are plausible fillers
that a client must not rely on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fakebox.accounts import Role, User
from fakebox.config import BoxSpec
from fakebox.state import ClassSession, FakeBoxState

PHOTO = "https://aimharder.com/images/avatar_default.png"
_COLORS = ("#E53935", "#1E88E5", "#43A047", "#FB8C00", "#8E24AA", "#00ACC1")
_COACHES: tuple[str | None, ...] = ("Laura Martí", "Marc Soler", None)


def role(entry: Role) -> dict[str, Any]:
    return {
        "id": entry.id,
        "role": "client",
        "gym": entry.box.name,
        "centre_url": entry.box.centre_url,
        "boid": entry.box.boid,
        "perm_hash": entry.perm_hash,
    }


def user_data(user: User) -> dict[str, Any]:
    """`data.userData` of a login, and the one row of `whoami`'s `data`."""
    return {
        "id": user.id,
        "name": user.name,
        "photo": PHOTO,
        "roles": [role(entry) for entry in user.roles],
    }


def login_success(user: User, refresh_token: str) -> dict[str, Any]:
    return {
        "data": {
            "auth": {"authOK": True, "refreshToken": refresh_token},
            "userData": user_data(user),
        }
    }


def _timeid(session: ClassSession) -> str:
    return f"{session.start:%H%M}_{session.minutes}"


def _row(state: FakeBoxState, session: ClassSession, user: User | None) -> dict[str, Any]:
    mine = None if user is None else state.booking_of(user, session)
    waiting = len(state.waiting(session))
    class_id = state.class_types[session.name]
    coach = _COACHES[class_id % len(_COACHES)]
    box = session.box
    return {
        "id": session.id,
        "time": f"{session.start:%H:%M} - {session.end:%H:%M}",
        "timeid": _timeid(session),
        "className": session.name,
        "classId": class_id,
        "classDesc": f"{session.name} ({session.minutes} min)",
        "classLength": session.minutes,
        "color": _COLORS[class_id % len(_COLORS)],
        "coachName": coach,
        "coachPic": None if coach is None else f"https://aimharder.com/images/coach_{class_id}.png",
        "boxName": box.name,
        "boxDir": box.address,
        "boxPic": f"https://aimharder.com/images/box_{box.id}.png",
        "enabled": 1,
        "bookState": None if mine is None else (0 if mine.waitlisted else 1),
        "idres": None if mine is None else mine.id,
        "ocupation": state.taken(session),
        "limit": f"{session.capacity} ({waiting})" if waiting else session.capacity,
        "limitc": session.capacity,
        "waitlist": waiting,
        "cancelledId": None,
        "checkAthletesNum": 0,
        "resadmin": 0,
        "included": 1,
        "onlineclass": 0,
        "zoomid": None,
        "zoomJoinUrl": None,
        "zoomJoinPw": None,
        "spotres": 0,
    }


def class_list(
    state: FakeBoxState,
    box: BoxSpec,
    day: date,
    *,
    user: User | None,
    boid: str | None,
    family_id: str | None,
) -> dict[str, Any]:
    """`/api/bookings` for one day: the public schedule without a member, theirs with one."""
    sessions = [] if boid and boid != box.id else state.classes_on(box, day)
    if family_id:
        sessions = [s for s in sessions if s.family_id == family_id]
    slots = {_timeid(s): f"{s.start:%H:%M}-{s.end:%H:%M}" for s in sessions}
    credits = None if user is None else user.credits
    return {
        "clasesDisp": "" if credits is None else str(credits),
        "timetable": [{"id": key, "time": slots[key]} for key in sorted(slots)],
        "day": f"{day:%Y%m%d}",
        "bookings": [_row(state, s, user) for s in sessions],
        "seminars": [],
        "resmsgs": [],
    }
