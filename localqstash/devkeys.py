"""The credentials of the official QStash development server.

They are public and deterministic: `@upstash/qstash` (npm, `src/dev-server/constants.ts`)
uses exactly these when `QSTASH_DEV` is set, so SDK code written against the official dev
server verifies deliveries from localqstash unchanged.
"""

from __future__ import annotations

DEV_TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0="
DEV_CURRENT_SIGNING_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"
DEV_NEXT_SIGNING_KEY = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs"
