"""The `Upstash-Signature` JWT that `qstash.Receiver` verifies.

Encoded by hand rather than with PyJWT: PyJWT spends most of its ~40 µs per token checking
whether the key is a PEM or a JWK, and deliveries sign one token each. The output is a
standard HS256 JWS (tests verify it with `qstash.Receiver`, which uses PyJWT).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from localqstash.models import random_hex

SIGNATURE_TTL_SECONDS = 300
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def body_hash(body: bytes) -> str:
    return _b64(hashlib.sha256(body).digest()).decode()


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
        "jti": "jwt_" + random_hex(16),
    }
    signing_input = _HEADER + b"." + _b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + _b64(mac)).decode()
