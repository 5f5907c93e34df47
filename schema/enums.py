"""The closed sets of the contract as GraphQL enums, each value described.

Each mirrors a Python enum of the domain (same values); `to_graphql` converts a stored value.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry
from strawberry import enum_value


@strawberry.enum(description="Where a prebooking is in its life.")
class PrebookingStatus(Enum):
    PENDING = enum_value("PENDING", description="Waiting for its booking window to open.")
    EXECUTING = enum_value("EXECUTING", description="Being fired now (claimed by a delivery).")
    WATCHING = enum_value(
        "WATCHING", description="The class was full at the opening; prebook checks it every "
        "PREBOOK_WATCH_INTERVAL_S seconds and books the first place that frees.")
    COMPLETED = enum_value(
        "COMPLETED", description="Ended with a place: booked, waitlisted or already booked "
        "(see outcome).")
    FAILED = enum_value("FAILED", description="Ended without a place (see outcome and "
                                              "errorMessage).")
    CANCELLED = enum_value(
        "CANCELLED", description="Cancelled by the user, here (before it fired) or at the box "
        "(cancelBooking; outcome CANCELLED_AT_BOX).")


@strawberry.enum(description="What the box's answer meant for the member.")
class PrebookingOutcome(Enum):
    BOOKED = enum_value("BOOKED", description="A place in the class (bookState 1).")
    WAITLISTED = enum_value("WAITLISTED", description="A place on the waiting list "
                                                      "(bookState 0, asked with waitlist).")
    ALREADY_BOOKED = enum_value("ALREADY_BOOKED", description="The member already holds a "
                                "class at that hour, this one included.")
    FULL = enum_value("FULL", description="The class is full (bookState -1).")
    NO_CREDIT = enum_value("NO_CREDIT", description="No classes left on the member's plan "
                                                    "(bookState -2).")
    UNPAID = enum_value("UNPAID", description="An outstanding payment (bookState -5).")
    TOO_LATE = enum_value("TOO_LATE", description="Booking has closed for this class "
                                                  "(bookState -7).")
    MAX_BOOKINGS = enum_value("MAX_BOOKINGS", description="Too many bookings at once "
                                                          "(bookState -8).")
    PLAN_LIMIT = enum_value("PLAN_LIMIT", description="The plan's booking limit is reached.")
    TOO_EARLY = enum_value("TOO_EARLY", description="The booking window had not opened.")
    BOX_RULE = enum_value("BOX_RULE", description="One of the box's own rules refused it "
                                                  "(see errorMessage).")
    LOGGED_OUT = enum_value("LOGGED_OUT", description="AimHarder ended the session.")
    ACCESS_BLOCKED = enum_value("ACCESS_BLOCKED", description="AimHarder refused this "
                                "server's network (HTTP 403); see AIMHARDER_PROXY.")
    UNKNOWN = enum_value("UNKNOWN", description="An answer prebook could not read (see "
                                                "rawAnswer).")
    CANCELLED_AT_BOX = enum_value("CANCELLED_AT_BOX", description="Booked, then cancelled at "
                                  "the box with cancelBooking.")


@strawberry.enum(description="What a notification is about.")
class NotificationKind(Enum):
    OUTCOME = enum_value("OUTCOME", description="A prebooking ended, or started watching.")
    REMINDER = enum_value("REMINDER", description="A booked class is 24 h or 1 h away.")
    FOLLOWUP = enum_value("FOLLOWUP", description="After a booked class.")
    REPORT = enum_value("REPORT", description="The weekly report.")
    ACCOUNT = enum_value("ACCOUNT", description="The AimHarder account needs attention.")
    RULE = enum_value("RULE", description="A weekly rule could not place an occurrence.")


@strawberry.enum(description="The state of the connected AimHarder account.")
class AccountStatus(Enum):
    ACTIVE = enum_value("ACTIVE", description="prebook can log in and book.")
    LOGIN_FAILED = enum_value("LOGIN_FAILED", description="AimHarder refused the stored "
                              "password; connect again (see lastError).")


@strawberry.enum(description="The language of notifications and emails.")
class Language(Enum):
    ES = enum_value("es", description="Spanish (the default).")
    CA = enum_value("ca", description="Catalan.")
    EN = enum_value("en", description="English.")


@strawberry.enum(description="A day of the week, in the box's time zone.")
class Weekday(Enum):
    MONDAY = enum_value(1, description="Monday.")
    TUESDAY = enum_value(2, description="Tuesday.")
    WEDNESDAY = enum_value(3, description="Wednesday.")
    THURSDAY = enum_value(4, description="Thursday.")
    FRIDAY = enum_value(5, description="Friday.")
    SATURDAY = enum_value(6, description="Saturday.")
    SUNDAY = enum_value(7, description="Sunday.")


E = TypeVar("E", bound=Enum)


def to_graphql(enum: type[E], value: object) -> E:
    """The GraphQL member for a stored value (a domain enum member or its raw value)."""
    raw = getattr(value, "value", value)
    return enum(raw)


def optional(enum: type[E], value: object) -> E | None:
    return None if value is None else to_graphql(enum, value)
