"""localqstash: a QStash-compatible server (REST API v2 subset and signed deliveries).

The app reaches it only through the official `qstash` SDK over HTTP, exactly as it reaches
QStash in production; nothing here imports the rest of prebook.
"""

from __future__ import annotations

from localqstash.app import create_app
from localqstash.config import LocalQStashConfig
from localqstash.devkeys import DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN

__all__ = [
    "DEV_CURRENT_SIGNING_KEY",
    "DEV_NEXT_SIGNING_KEY",
    "DEV_TOKEN",
    "LocalQStashConfig",
    "create_app",
]
