from __future__ import annotations

import time

import jwt
import pytest

from api.auth import AuthError, decode_token, mint_token, principal_from_header

SECRET = "test-secret-that-is-long-enough-for-hs256"


def test_minted_tokens_round_trip_with_role() -> None:
    principal = decode_token(mint_token(email="a@example.com", secret=SECRET, admin=True), SECRET)
    assert principal.email == "a@example.com" and principal.is_admin
    plain = decode_token(mint_token(email="a@example.com", secret=SECRET), SECRET)
    assert not plain.is_admin and plain.subject == principal.subject


@pytest.mark.parametrize(
    ("claims", "secret", "message"),
    [
        ({"sub": "u1", "email": "e", "exp": -10}, SECRET, "token expired"),
        ({"sub": "u1", "email": "e", "exp": 60}, "x" * 40, "invalid token"),
        ({"email": "e", "exp": 60}, SECRET, "invalid token"),
        ({"sub": "u1", "email": "e"}, SECRET, "invalid token"),
        ({"sub": 5, "email": "e", "exp": 60}, SECRET, "invalid token"),
    ],
)
def test_bad_tokens_are_refused(claims: dict[str, object], secret: str, message: str) -> None:
    """`exp` is given relative to now (the test may run long after collection)."""
    if "exp" in claims:
        claims = {**claims, "exp": int(time.time()) + int(claims["exp"])}  # type: ignore[call-overload]
    token = jwt.encode(claims, secret, algorithm="HS256")
    with pytest.raises(AuthError, match=message):
        decode_token(token, SECRET)


def test_only_hs256_is_accepted() -> None:
    token = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, None, algorithm="none")
    with pytest.raises(AuthError):
        decode_token(token, SECRET)


def test_header_forms() -> None:
    assert principal_from_header(None, SECRET) is None
    with pytest.raises(AuthError, match="Bearer"):
        principal_from_header("Basic abc", SECRET)
    token = mint_token(email="b@example.com", secret=SECRET)
    assert principal_from_header(f"Bearer {token}", SECRET) is not None
