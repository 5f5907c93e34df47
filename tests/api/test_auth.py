from __future__ import annotations

import time

import jwt
import pytest

from api.auth import AuthError, TokenVerifier, decode_token, mint_token, principal_from_header

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


def claims_token(secret: str = SECRET, **claims: object) -> str:
    return jwt.encode({"sub": "u1", "email": "e@example.com", **claims}, secret,
                      algorithm="HS256")


def test_the_principal_carries_its_expiry_on_the_verifiers_clock() -> None:
    exp = int(time.time()) + 600
    principal = TokenVerifier(SECRET).decode(claims_token(exp=exp))
    assert principal.expires_at == exp
    assert not principal.expired(exp - 1) and principal.expired(exp)
    later = TokenVerifier(SECRET, clock=lambda: exp + 1)
    with pytest.raises(AuthError, match="token expired"):
        later.decode(claims_token(exp=exp))


@pytest.mark.parametrize("claims", [{"exp": 253402300799},  # the year 9999
                                    {"exp": "soon"}, {"exp": 60, "iat": "then"}])
def test_unbounded_or_malformed_lifetimes_are_refused(claims: dict[str, object]) -> None:
    if claims.get("exp") == 60:
        claims = {**claims, "exp": int(time.time()) + 60}
    with pytest.raises(AuthError):
        decode_token(claims_token(**claims), SECRET)


def test_the_maximum_lifetime_counts_from_issue() -> None:
    now = int(time.time())
    verifier = TokenVerifier(SECRET, max_ttl_s=3600)
    assert verifier.decode(claims_token(iat=now, exp=now + 3600)).subject == "u1"
    with pytest.raises(AuthError, match="lifetime"):  # issued long ago, valid a little longer
        verifier.decode(claims_token(iat=now - 7200, exp=now + 60))
    with pytest.raises(AuthError, match="lifetime"):  # no iat: counted from now
        verifier.decode(claims_token(exp=now + 7200))


def test_audience_and_issuer_are_checked_when_configured() -> None:
    exp = int(time.time()) + 600
    plain = claims_token(exp=exp)
    stamped = claims_token(exp=exp, aud="authenticated", iss="https://idp.example/auth/v1")
    assert TokenVerifier(SECRET).decode(stamped).subject == "u1"  # not configured: ignored
    strict = TokenVerifier(SECRET, audience="authenticated", issuer="https://idp.example/auth/v1")
    assert strict.decode(stamped).subject == "u1"
    for token in (plain, claims_token(exp=exp, aud="other", iss="https://idp.example/auth/v1"),
                  claims_token(exp=exp, aud="authenticated", iss="https://elsewhere.example")):
        with pytest.raises(AuthError, match="invalid token"):
            strict.decode(token)


@pytest.mark.parametrize("claims", [{"sub": "s" * 256}, {"email": "e" * 321}])
def test_claims_longer_than_their_columns_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(AuthError, match="invalid token"):
        decode_token(claims_token(exp=int(time.time()) + 60, **claims), SECRET)
