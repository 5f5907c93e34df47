"""Bearer JWT authentication (HS256 with AUTH_JWT_SECRET), as Supabase and most IdPs issue."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import jwt

from schema.principal import Clock, Principal

ALGORITHM = "HS256"
# The columns a principal is stored in (users.subject, users.email): a longer claim is refused
# here rather than failing (or being cut) in the database.
MAX_SUBJECT_LENGTH = 255
MAX_EMAIL_LENGTH = 320
DEFAULT_MAX_TTL_S = 30 * 24 * 3600



class AuthError(Exception):
    """The request's credentials are missing or invalid; the message is safe to show."""


@dataclass(frozen=True)
class TokenVerifier:
    """The rules a bearer token must meet: signature, expiry on `clock`, a bounded lifetime,
    and, when configured, the audience and issuer the identity provider puts in its tokens."""

    secret: str = field(repr=False)
    audience: str | None = None
    issuer: str | None = None
    max_ttl_s: float = DEFAULT_MAX_TTL_S
    clock: Clock = time.time

    def decode(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                # `exp` is compared with our clock below, so tests and sockets share one clock.
                options={"require": ["sub", "exp"], "verify_exp": False,
                         "verify_aud": self.audience is not None},
            )
        except jwt.InvalidTokenError:
            raise AuthError("invalid token") from None
        expires_at, issued_at = _number(claims.get("exp")), _number(claims.get("iat"))
        if expires_at is None or (issued_at is None and claims.get("iat") is not None):
            raise AuthError("invalid token")
        now = self.clock()
        if now >= expires_at:
            raise AuthError("token expired")
        # A token valid for years is a password that cannot be changed: refuse it.
        if expires_at - min(now, issued_at if issued_at is not None else now) > self.max_ttl_s:
            raise AuthError("token lifetime is longer than allowed")
        subject, email, role = claims.get("sub"), claims.get("email", ""), claims.get("role")
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT_LENGTH:
            raise AuthError("invalid token")
        if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH:
            raise AuthError("invalid token")
        if role is not None and not isinstance(role, str):
            raise AuthError("invalid token")
        return Principal(subject=subject, email=email, role=role, expires_at=expires_at)

    def from_header(self, header: str | None) -> Principal | None:
        """None when there is no Authorization header; AuthError when there is a bad one."""
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization must be 'Bearer <token>'")
        return self.decode(token.strip())


def _number(value: object) -> float | None:
    """A numeric claim (a NumericDate) as a float; None when absent or not a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def decode_token(token: str, secret: str) -> Principal:
    """A token checked with the default rules (no audience or issuer, 30-day lifetime)."""
    return TokenVerifier(secret).decode(token)


def principal_from_header(header: str | None, secret: str | TokenVerifier) -> Principal | None:
    verifier = secret if isinstance(secret, TokenVerifier) else TokenVerifier(secret)
    return verifier.from_header(header)


def subject_for_email(email: str) -> str:
    """A stable subject for tokens minted by `prebook token` (real IdPs use their own ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"prebook:user:{email.strip().lower()}"))


def mint_token(
    *, email: str, secret: str, admin: bool = False, ttl_seconds: int = 7 * 24 * 3600,
    subject: str | None = None, claims: dict[str, object] | None = None,
) -> str:
    now = int(time.time())
    payload: dict[str, object] = {
        "sub": subject or subject_for_email(email),
        "email": email,
        "iat": now,
        "exp": now + ttl_seconds,
        **(claims or {}),
    }
    if admin:
        payload["role"] = "admin"
    return jwt.encode(payload, secret, algorithm=ALGORITHM)
