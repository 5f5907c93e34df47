"""Secrets never reach the logs: a full scenario's log records are searched for them, and so
are those of a password sent inline in the document through every error path."""

from __future__ import annotations

import contextlib
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import jwt
import pytest

from models.encryption import Vault
from tests.e2e.jobkit import query
from tests.e2e.test_scenario import CONNECT, CREATE, wait_final
from tests.stack import DEMO_BOX_ID, Stack, running_stack

PASSWORD = "S3cret-Passw0rd-never-logged"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("secrets")) as running:
        yield running


def test_a_full_scenario_logs_no_secret(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # everything, from every thread and library
    token = stack.token("quiet@example.com")
    email, _ = stack.fake_member("quiet-member@example.com", PASSWORD)
    wrong = stack.gql(CONNECT, {"email": email, "password": PASSWORD + "x"}, token=token)
    assert wrong["data"]["connectAimharder"]["__typename"] == "InvalidCredentials"
    right = stack.gql(CONNECT, {"email": email, "password": PASSWORD}, token=token)
    assert right["data"]["connectAimharder"]["__typename"] == "AimharderAccount"
    demo = stack.fake_class(opens_in=2.5)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=token)
    node_id = created["data"]["createPrebooking"]["id"]
    assert wait_final(stack, token, node_id, demo["opensAt"])["status"] == "COMPLETED"

    vault = Vault(str(stack.settings.auth.secret_key))
    session, refresh = query(stack, "SELECT token_enc, refresh_token_enc FROM "
                                    "aimharder_accounts WHERE email=?", email)[0]
    secrets = {
        "AimHarder password": PASSWORD,
        "AimHarder session cookie": vault.decrypt(str(session)),
        "AimHarder refresh token": vault.decrypt(str(refresh)),
        "the user's JWT": token,
        "SECRET_KEY": str(stack.settings.auth.secret_key),
        "AUTH_JWT_SECRET": str(stack.settings.auth.jwt_secret),
        "QStash token": str(stack.settings.qstash.token),
        "QStash signing key": str(stack.settings.qstash.current_signing_key),
    }
    assert len(caplog.records) > 20  # the scenario was logged: the search means something
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for name, value in secrets.items():
        assert value not in text, f"{name} appears in the logs"


INLINE_PASSWORD = "Inl1ne-Secret-in-the-document"


def test_a_password_inline_in_the_document_is_never_logged(
        stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    """The document is what a careless client (or the old `make run` banner) sends: each error
    path that used to log it with its source excerpt is taken, and the right password too."""
    caplog.set_level(logging.DEBUG)
    email, _ = stack.fake_member("inline-member@example.com", INLINE_PASSWORD)

    def inline(password: str = INLINE_PASSWORD, field: str = "password",
               target: str = email) -> str:
        return (f'mutation Connect {{ connectAimharder(input: {{email: "{target}", '
                f'{field}: "{password}"}}) {{ __typename }} }}')

    def post(document: str, token: str | None, variables: object = None) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{stack.api.url}/graphql", headers=headers, timeout=30,
                          json={"query": document, "variables": variables}).json()  # type: ignore[no-any-return]

    expired = jwt.encode({"sub": "expired-inline", "email": "x@example.com",
                          "exp": int(time.time()) - 5}, str(stack.settings.auth.jwt_secret),
                         algorithm="HS256")
    token = stack.token("inline@example.com")
    errors = [
        post(inline(), expired),  # an expired token
        post(inline(), None),  # no token
        post(inline(field="pasword"), token),  # a typo in the input
        post(inline() + " }", token),  # a syntax error
        post("mutation($i: ConnectAimharderInput!) { connectAimharder(input: $i) { __typename } }",
             token, {"i": {"email": email, "password": INLINE_PASSWORD, "typo": 1}}),
    ]
    assert all("errors" in answer for answer in errors), errors
    guessers = [stack.token(f"inline-guesser{i}@example.com") for i in range(6)]
    for guesser in guessers[:5]:  # five wrong guesses use up the account's allowance
        post(inline(INLINE_PASSWORD + "?"), guesser)
    limited = post(inline(), guessers[5])  # the right password, rate limited
    assert limited["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}  # type: ignore[index]
    # In a URL (sent with urllib, which logs nothing here: httpx would log the URL itself).
    request = urllib.request.Request(f"{stack.api.url}/graphql?query={quote(inline())}",
                                     headers={"Authorization": f"Bearer {token}"})
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=30).close()

    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "graphql error" in text  # the errors were logged: the search means something
    assert INLINE_PASSWORD not in text, [r.getMessage() for r in caplog.records
                                         if INLINE_PASSWORD in r.getMessage()]
    assert not [r for r in caplog.records
                if r.name == "prebook.graphql" and r.levelno >= logging.ERROR]
