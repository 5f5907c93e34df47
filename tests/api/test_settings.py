from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import REAL_AIMHARDER_LOGIN_URL, Settings, SettingsError

PRODUCTION = {
    "PREBOOK_ENV": "production",
    "QSTASH_TOKEN": "token-from-upstash",
    "QSTASH_CURRENT_SIGNING_KEY": "sig_current",
    "QSTASH_NEXT_SIGNING_KEY": "sig_next",
    "PUBLIC_URL": "https://prebook.example.com/",
    "AUTH_JWT_SECRET": "a-long-production-jwt-secret-value",
    "SECRET_KEY": "a-long-production-secret-key-value",
}


@pytest.mark.parametrize("missing", [k for k in PRODUCTION if k != "PREBOOK_ENV"])
def test_production_names_each_missing_variable(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env(env)


def test_production_reads_the_contract() -> None:
    settings = Settings.from_env({**PRODUCTION, "DATABASE_URL": "postgres://db/prebook",
                                  "PREBOOK_LEAD_SECONDS": "7", "PREBOOK_PORT": "9000"})
    assert settings.is_production
    assert settings.server.public_url == "https://prebook.example.com"
    assert settings.qstash.url == "https://qstash.upstash.io"
    assert settings.server.database_url == "postgres://db/prebook"
    assert settings.firing.lead_seconds == 7 and settings.server.port == 9000
    assert str(settings.qstash.token) == "token-from-upstash"


def test_secrets_never_appear_in_repr() -> None:
    settings = Settings.from_env(PRODUCTION)
    text = repr(settings)
    for name in ("QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "AUTH_JWT_SECRET", "SECRET_KEY"):
        assert PRODUCTION[name] not in text


def test_dev_mode_needs_nothing_and_uses_the_local_defaults(tmp_path: object) -> None:
    settings = Settings.from_env({})
    assert settings.mode == "dev"
    assert settings.qstash.url == "http://127.0.0.1:8080"
    assert settings.server.public_url == "http://127.0.0.1:8000"
    assert settings.server.database_url == "sqlite://var/prebook.sqlite3"
    assert settings.aimharder.login_url == REAL_AIMHARDER_LOGIN_URL


@pytest.mark.parametrize(
    ("name", "value"),
    [("PREBOOK_LEAD_SECONDS", "soon"), ("PREBOOK_PORT", "eighty"), ("QSTASH_ENABLED", "maybe"),
     ("AIMHARDER_BOX_URL", "https://box.example.com"), ("PREBOOK_LEAD_SECONDS", "0")],
)
def test_malformed_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("name", ["QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY",
                                  "QSTASH_NEXT_SIGNING_KEY", "AUTH_JWT_SECRET", "SECRET_KEY"])
def test_production_refuses_each_public_dev_value_by_name(name: str) -> None:
    from api.settings import PUBLIC_DEV_VALUES as dev_values

    with pytest.raises(SettingsError, match=f"public development value of: {name} "):
        Settings.from_env({**PRODUCTION, name: dev_values[name]})


def test_production_names_every_public_dev_value_at_once() -> None:
    from api.settings import DEV_AUTH_JWT_SECRET, DEV_SECRET_KEY
    from localqstash import DEV_CURRENT_SIGNING_KEY, DEV_TOKEN

    env = {**PRODUCTION, "QSTASH_TOKEN": DEV_TOKEN,
           "QSTASH_CURRENT_SIGNING_KEY": DEV_CURRENT_SIGNING_KEY,
           "AUTH_JWT_SECRET": DEV_AUTH_JWT_SECRET, "SECRET_KEY": DEV_SECRET_KEY}
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    for name in ("QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "AUTH_JWT_SECRET", "SECRET_KEY"):
        assert name in message
    assert "QSTASH_NEXT_SIGNING_KEY" not in message
    assert DEV_TOKEN not in message and DEV_SECRET_KEY not in message  # never echo a secret


def test_production_refuses_a_short_jwt_secret() -> None:
    with pytest.raises(SettingsError, match="AUTH_JWT_SECRET must be at least 32 bytes"):
        Settings.from_env({**PRODUCTION, "AUTH_JWT_SECRET": "short-secret"})


def test_production_refuses_a_short_secret_key() -> None:
    """SECRET_KEY is the key material of the credentials' encryption: one byte is no key."""
    for short in ("x", "k" * 31):
        with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32 bytes"):
            Settings.from_env({**PRODUCTION, "SECRET_KEY": short})
    long_enough = Settings.from_env({**PRODUCTION, "SECRET_KEY": "k" * 32})
    assert str(long_enough.auth.secret_key) == "k" * 32


def test_token_and_connection_settings() -> None:
    defaults = Settings.from_env(PRODUCTION)
    assert (defaults.auth.jwt_audience, defaults.auth.jwt_issuer) == (None, None)
    assert defaults.auth.jwt_max_ttl_s == 30 * 24 * 3600 and defaults.server.allowed_hosts == ()
    tuned = Settings.from_env({
        **PRODUCTION, "AUTH_JWT_AUDIENCE": "authenticated",
        "AUTH_JWT_ISSUER": "https://idp.example.com/auth/v1", "AUTH_JWT_MAX_TTL": "3600",
        "PREBOOK_ALLOWED_HOSTS": "api.example.com, internal.example ,",
        "PREBOOK_BODY_TIMEOUT_S": "2.5", "PREBOOK_KEEPALIVE_S": "3",
        "PREBOOK_LIMIT_CONCURRENCY": "50", "PREBOOK_WS_INIT_TIMEOUT_S": "1",
        "PREBOOK_WS_ANONYMOUS_S": "2", "PREBOOK_WS_MAX_PER_USER": "3",
    })
    assert (tuned.auth.jwt_audience, tuned.auth.jwt_issuer, tuned.auth.jwt_max_ttl_s) == (
        "authenticated", "https://idp.example.com/auth/v1", 3600)
    assert tuned.server.allowed_hosts == ("api.example.com", "internal.example")
    server = tuned.server
    assert (server.body_timeout_s, server.keepalive_timeout_s, server.limit_concurrency) == (
        2.5, 3, 50)
    assert (server.ws_init_timeout_s, server.ws_anonymous_s, server.ws_max_per_user) == (1, 2, 3)


def test_dev_mode_keeps_the_public_dev_values() -> None:
    from api.settings import DEV_AUTH_JWT_SECRET

    assert str(Settings.from_env({}).auth.jwt_secret) == DEV_AUTH_JWT_SECRET


def test_serving_settings() -> None:
    production = Settings.from_env(PRODUCTION)
    assert production.server.log_format == "json" and production.server.workers == 1
    assert production.server.max_body_bytes == 64 * 1024
    tuned = Settings.from_env({**PRODUCTION, "PREBOOK_WORKERS": "4", "PREBOOK_LOG_FORMAT": "text",
                               "PREBOOK_MAX_BODY_BYTES": "131072"})
    assert (tuned.server.workers, tuned.server.log_format, tuned.server.max_body_bytes) == (
        4, "text", 131072)
    assert Settings.from_env({}).server.log_format == "text"


@pytest.mark.parametrize(("name", "value"), [("PREBOOK_WORKERS", "0"), ("PREBOOK_WORKERS", "many"),
                                             ("PREBOOK_LOG_FORMAT", "xml"),
                                             ("PREBOOK_MAX_BODY_BYTES", "10")])
def test_malformed_serving_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # 24 bytes in base64


def test_webhook_settings_are_read_and_the_secret_kept_out_of_reprs() -> None:
    settings = Settings.from_env({**PRODUCTION, "PREBOOK_WEBHOOK_URL": "https://app.example/h",
                                  "PREBOOK_WEBHOOK_SECRET": WEBHOOK_SECRET,
                                  "PREBOOK_WEBHOOK_RETRY_DELAY": "pow(2, retried) * 1000"})
    assert settings.webhooks.url == "https://app.example/h"
    assert str(settings.webhooks.secret) == WEBHOOK_SECRET
    assert settings.webhooks.retry_delay == "pow(2, retried) * 1000"
    assert WEBHOOK_SECRET not in repr(settings)
    assert Settings.from_env({}).webhooks.url is None  # off unless set


@pytest.mark.parametrize(("env", "message"), [
    ({"PREBOOK_WEBHOOK_URL": "https://app.example/h"}, "needs PREBOOK_WEBHOOK_SECRET"),
    ({"PREBOOK_WEBHOOK_SECRET": WEBHOOK_SECRET}, "PREBOOK_WEBHOOK_URL is not"),
    ({"PREBOOK_WEBHOOK_URL": "ftp://app.example/h", "PREBOOK_WEBHOOK_SECRET": WEBHOOK_SECRET},
     "must start with http"),
    ({"PREBOOK_WEBHOOK_URL": "http://app.example/h", "PREBOOK_WEBHOOK_SECRET": WEBHOOK_SECRET},
     "must be https:// in production"),
    ({"PREBOOK_WEBHOOK_URL": "https://app.example/h", "PREBOOK_WEBHOOK_SECRET": "whsec_!!"},
     "whsec_ followed by base64"),
    ({"PREBOOK_WEBHOOK_URL": "https://app.example/h", "PREBOOK_WEBHOOK_SECRET": "whsec_c2hvcnQ="},
     "too short"),
    ({"PREBOOK_WORKERS": "2", "QSTASH_ENABLED": "false"}, "PREBOOK_WORKERS must be 1"),
])
def test_webhook_and_scheduler_settings_refused_with_the_reason(env: dict[str, str],
                                                                message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({**PRODUCTION, **env})


def test_to_env_reads_back_into_the_same_settings() -> None:
    settings = Settings.from_env({
        **PRODUCTION, "PREBOOK_ALLOWED_HOSTS": "a.example, b.example", "QSTASH_ENABLED": "true",
        "PREBOOK_WEBHOOK_URL": "https://app.example/h", "PREBOOK_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PREBOOK_LEAD_SECONDS": "2.5", "PREBOOK_DATA_DIR": "/srv/prebook"})
    again = Settings.from_env(settings.to_env())
    assert again.to_env() == settings.to_env()  # (Secret values compare by identity)
    assert again.server.allowed_hosts == ("a.example", "b.example")
    assert again.firing.lead_seconds == 2.5
    assert str(again.webhooks.secret) == WEBHOOK_SECRET and again.is_production
    assert settings.is_set("PREBOOK_LEAD_SECONDS") and not settings.is_set("SMTP_URL")


def test_every_field_of_every_group_has_one_variable() -> None:
    import dataclasses

    from api.settings import GROUPS, VARIABLES

    groups = {f.name for f in dataclasses.fields(Settings)} - {"mode", "explicit"}
    assert groups == set(GROUPS)
    fields = {(name, f.name) for name, kind in GROUPS.items() for f in dataclasses.fields(kind)}
    assert sorted((v.group, v.field) for v in VARIABLES) == sorted(fields)
    assert len({v.env for v in VARIABLES}) == len(VARIABLES)


def test_a_group_is_replaced_field_by_field_and_checked_again() -> None:
    settings = Settings.from_env({"PREBOOK_LEAD_SECONDS": "3"})
    moved = settings.replace(server={"port": 9000}, firing={"fire_offset_ms": 2.0})
    assert (moved.server.port, moved.firing.lead_seconds, moved.firing.fire_offset_ms) == (
        9000, 3, 2.0)
    assert moved.server.host == settings.server.host and settings.server.port == 8000
    with pytest.raises(SettingsError, match="PREBOOK_WORKERS must be 1"):
        settings.replace(qstash={"enabled": False}, server={"workers": 2})
    with pytest.raises(TypeError, match="no group 'firng'"):
        settings.replace(firng={"lead_seconds": 2})
    elsewhere = settings.replace(server={"data_dir": Path("/srv/prebook")})
    assert elsewhere.server.database_url == "sqlite:///srv/prebook/prebook.sqlite3"
    given = Settings.from_env({"DATABASE_URL": "postgres://db/prebook"})
    assert given.replace(server={"data_dir": Path("/srv/prebook")}).server.database_url == (
        "postgres://db/prebook")  # a database set on its own stays
