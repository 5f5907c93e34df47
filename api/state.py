"""What the app's lifespan hands to every request: Starlette's lifespan state, typed.

The lifespan yields an `AppState`; Starlette copies it into each request's (and websocket's)
`state`. Routes and resolvers read it through these accessors, never through a closure over
the app or an untyped `app.state`.
"""

from __future__ import annotations

from typing import TypedDict, cast

from starlette.requests import HTTPConnection

from api.settings import Settings
from booking.services import Services


class AppState(TypedDict):
    services: Services
    settings: Settings  # with the embedded scheduler's address when QSTASH_ENABLED=false


def services_of(connection: HTTPConnection) -> Services:
    return cast(Services, connection.state.services)


def settings_of(connection: HTTPConnection) -> Settings:
    return cast(Settings, connection.state.settings)
