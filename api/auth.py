"""Bearer JWT authentication (HS256 with AUTH_JWT_SECRET), as Supabase and most IdPs issue."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


class AuthError(Exception):
    """The request's credentials are missing or invalid; the message is safe to show."""


@dataclass(frozen=True)
class Principal:
    subject: str
    email: str
    role: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def decode_token(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token expired") from None
    except jwt.InvalidTokenError:
        raise AuthError("invalid token") from None
    subject, email, role = claims.get("sub"), claims.get("email", ""), claims.get("role")
    if not isinstance(subject, str) or not subject:
        raise AuthError("invalid token")
    if not isinstance(email, str) or (role is not None and not isinstance(role, str)):
        raise AuthError("invalid token")
    return Principal(subject=subject, email=email, role=role)


def principal_from_header(header: str | None, secret: str) -> Principal | None:
    """None when there is no Authorization header; AuthError when there is a bad one."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    return decode_token(token.strip(), secret)


def subject_for_email(email: str) -> str:
    """A stable subject for tokens minted by `prebook token` (real IdPs use their own ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"prebook:user:{email.strip().lower()}"))


def mint_token(
    *, email: str, secret: str, admin: bool = False, ttl_seconds: int = 7 * 24 * 3600,
    subject: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject or subject_for_email(email),
        "email": email,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if admin:
        claims["role"] = "admin"
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
