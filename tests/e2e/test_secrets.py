"""Secrets never reach the logs: a full scenario's log records are searched for them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

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

    vault = Vault(str(stack.settings.secret_key))
    session, refresh = query(stack, "SELECT token_enc, refresh_token_enc FROM "
                                    "aimharder_accounts WHERE email=?", email)[0]
    secrets = {
        "AimHarder password": PASSWORD,
        "AimHarder session cookie": vault.decrypt(str(session)),
        "AimHarder refresh token": vault.decrypt(str(refresh)),
        "the user's JWT": token,
        "SECRET_KEY": str(stack.settings.secret_key),
        "AUTH_JWT_SECRET": str(stack.settings.auth_jwt_secret),
        "QStash token": str(stack.settings.qstash_token),
        "QStash signing key": str(stack.settings.qstash_current_signing_key),
    }
    assert len(caplog.records) > 20  # the scenario was logged: the search means something
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for name, value in secrets.items():
        assert value not in text, f"{name} appears in the logs"
