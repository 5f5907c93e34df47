"""The `Upstash-Signature` JWT that `qstash.Receiver` verifies."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

import jwt

SIGNATURE_TTL_SECONDS = 300


def body_hash(body: bytes) -> str:
    digest = hashlib.sha256(body).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: str, *, url: str, body: bytes, now: float | None = None) -> str:
    """HS256 token over the destination URL and the SHA-256 of the exact body sent."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": "Upstash",
        "sub": url,
        "body": body_hash(body),
        "iat": issued,
        "nbf": issued,
        "exp": issued + SIGNATURE_TTL_SECONDS,
        "jti": "jwt_" + secrets.token_hex(16),
    }
    return jwt.encode(claims, key, algorithm="HS256")
