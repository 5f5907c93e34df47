"""One frozen settings object, read once from the environment and passed explicitly."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from starlette.datastructures import Secret

from booking.aimharder.tunnel import check_proxy_url
from booking.infra.webhooks import WebhookSecretError, secret_key
from booking.services import Policy, Timing
from localqstash import DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN

Mode = Literal["dev", "production"]
LogFormat = Literal["json", "text"]

DEV_AUTH_JWT_SECRET = "prebook-dev-jwt-secret-not-for-production"
DEV_SECRET_KEY = "prebook-dev-secret-key-not-for-production"
DEV_QSTASH_PORT = 8080
DEV_FAKEBOX_PORT = 8090
REAL_AIMHARDER_LOGIN_URL = "https://login.aimharder.com"  # serves /api/login
REAL_AIMHARDER_ACCOUNT_URL = "https://aimharder.com"  # serves /api/whoami, /api/tokenUpdate
REAL_AIMHARDER_BOX_URL = "https://{subdomain}.aimharder.com"
# The three AimHarder URLs `prebook dev` points at the fake box unless they are set.
AIMHARDER_URL_VARIABLES = ("AIMHARDER_LOGIN_URL", "AIMHARDER_ACCOUNT_URL", "AIMHARDER_BOX_URL")
# Requests to /graphql and /api/jobs/ larger than this are refused with 413 before parsing.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
MIN_JWT_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash
MIN_SECRET_KEY_BYTES = 32  # SECRET_KEY is key material for HKDF: as much entropy as the key
DEFAULT_JWT_MAX_TTL_S = 30 * 24 * 3600

# Values published in this repository (and, for QStash, in Upstash's docs): anyone can sign
# deliveries or mint tokens with them, so production mode refuses to start with any of them.
PUBLIC_DEV_VALUES = {
    "QSTASH_TOKEN": DEV_TOKEN,
    "QSTASH_CURRENT_SIGNING_KEY": DEV_CURRENT_SIGNING_KEY,
    "QSTASH_NEXT_SIGNING_KEY": DEV_NEXT_SIGNING_KEY,
    "AUTH_JWT_SECRET": DEV_AUTH_JWT_SECRET,
    "SECRET_KEY": DEV_SECRET_KEY,
}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _number(name: str, raw: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    mode: Mode = "dev"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    qstash_enabled: bool = True
    qstash_url: str = f"http://127.0.0.1:{DEV_QSTASH_PORT}"
    qstash_token: Secret = field(default=Secret(DEV_TOKEN), repr=False)
    qstash_current_signing_key: Secret = field(default=Secret(DEV_CURRENT_SIGNING_KEY), repr=False)
    qstash_next_signing_key: Secret = field(default=Secret(DEV_NEXT_SIGNING_KEY), repr=False)
    auth_jwt_secret: Secret = field(default=Secret(DEV_AUTH_JWT_SECRET), repr=False)
    secret_key: Secret = field(default=Secret(DEV_SECRET_KEY), repr=False)
    aimharder_login_url: str = REAL_AIMHARDER_LOGIN_URL
    aimharder_account_url: str = REAL_AIMHARDER_ACCOUNT_URL
    aimharder_box_url: str = REAL_AIMHARDER_BOX_URL
    # Egress proxy for every AimHarder request (may carry user:password: kept out of reprs).
    aimharder_proxy: Secret | None = field(default=None, repr=False)
    aimharder_user_agent: str | None = None  # None: a current desktop Chrome
    lead_seconds: float = 5.0
    fire_offset_ms: float = 0.0
    too_early_window_ms: float = 3000.0
    answer_timeout_s: float = 10.0
    qstash_dev_port: int = DEV_QSTASH_PORT
    fakebox_port: int = DEV_FAKEBOX_PORT
    retention_days: int = 90
    missed_after_s: float = 60.0
    stuck_after_s: float = 180.0
    watch_interval_s: float = 60.0
    rule_horizon_days: int = 8
    sync_schedules_on_startup: bool = False
    smtp_url: Secret | None = field(default=None, repr=False)
    smtp_from: str = "prebook <noreply@prebook.local>"
    # Outbound webhooks (booking.infra.webhooks): every prebooking change POSTed here, signed.
    webhook_url: str | None = None
    webhook_secret: Secret | None = field(default=None, repr=False)
    webhook_retry_delay: str | None = None  # a QStash expression in ms; None: QStash's backoff
    workers: int = 1
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_format: LogFormat = "text"
    # Bearer tokens: optional audience and issuer checks, and the longest lifetime accepted.
    auth_jwt_audience: str | None = None
    auth_jwt_issuer: str | None = None
    auth_jwt_max_ttl_s: float = float(DEFAULT_JWT_MAX_TTL_S)
    # Host headers answered besides PUBLIC_URL's host and loopback (PREBOOK_ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...] = ()
    # Connections (docs/deploy.md, "Timeouts and connection limits").
    body_timeout_s: float = 10.0
    keepalive_timeout_s: int = 5
    limit_concurrency: int = 1000
    ws_init_timeout_s: float = 5.0
    ws_anonymous_s: float = 5.0
    ws_max_per_user: int = 8
    # The variables the environment set (`from_env`), as opposed to defaults.
    explicit: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite://{(self.data_dir / 'prebook.sqlite3').as_posix()}"
            )
        if "{subdomain}" not in self.aimharder_box_url:
            raise SettingsError("AIMHARDER_BOX_URL must contain '{subdomain}'")
        for name, url in (("AIMHARDER_LOGIN_URL", self.aimharder_login_url),
                          ("AIMHARDER_ACCOUNT_URL", self.aimharder_account_url),
                          ("AIMHARDER_BOX_URL", self.aimharder_box_url)):
            if not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name} must start with http:// or https://, got {url!r}")
        if self.aimharder_proxy is not None:
            try:
                check_proxy_url(str(self.aimharder_proxy))
            except ValueError as exc:
                raise SettingsError(str(exc)) from None
        if self.lead_seconds < 1:
            raise SettingsError("PREBOOK_LEAD_SECONDS must be at least 1")
        if self.retention_days < 1:
            raise SettingsError("PREBOOK_RETENTION_DAYS must be at least 1")
        if self.watch_interval_s < 1:
            raise SettingsError("PREBOOK_WATCH_INTERVAL_S must be at least 1")
        if not 1 <= self.rule_horizon_days <= 60:
            raise SettingsError("PREBOOK_RULE_HORIZON_DAYS must be between 1 and 60")
        if self.workers < 1:
            raise SettingsError("PREBOOK_WORKERS must be at least 1")
        if self.workers > 1 and not self.qstash_enabled:
            raise SettingsError("QSTASH_ENABLED=false runs the scheduler inside the one app "
                                "process: PREBOOK_WORKERS must be 1")
        self._check_webhook()
        if self.max_body_bytes < 1024:
            raise SettingsError("PREBOOK_MAX_BODY_BYTES must be at least 1024")

    def _check_webhook(self) -> None:
        if self.webhook_url is None:
            if self.webhook_secret is not None:
                raise SettingsError("PREBOOK_WEBHOOK_SECRET is set but PREBOOK_WEBHOOK_URL is not")
            return
        if not self.webhook_url.startswith(("http://", "https://")):
            raise SettingsError("PREBOOK_WEBHOOK_URL must start with http:// or https://, got "
                                f"{self.webhook_url!r}")
        if self.is_production and not self.webhook_url.startswith("https://"):
            raise SettingsError("PREBOOK_WEBHOOK_URL must be https:// in production")
        if self.webhook_secret is None:
            raise SettingsError("PREBOOK_WEBHOOK_URL needs PREBOOK_WEBHOOK_SECRET (whsec_ and "
                                "base64, as Standard Webhooks gives it) to sign each delivery")
        try:
            secret_key(str(self.webhook_secret))
        except WebhookSecretError as exc:
            raise SettingsError(str(exc)) from None

    @property
    def jobs_url(self) -> str:
        """Where jobs are delivered: PUBLIC_URL for QStash; with QSTASH_ENABLED=false the
        embedded scheduler calls this server on loopback."""
        if self.qstash_enabled:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, mode: Mode | None = None) -> Settings:
        """Read the environment contract of ARCHITECTURE.md.

        In production mode every secret and the public URL are required; in dev mode they fall
        back to the embedded localqstash, the fake box's neighbours and dev-only secrets.
        """
        env = {k: v for k, v in environ.items() if v != ""}
        chosen: Mode = mode or ("production" if env.get("PREBOOK_ENV") == "production" else "dev")
        if chosen == "production":
            required = [
                "QSTASH_TOKEN",
                "QSTASH_CURRENT_SIGNING_KEY",
                "QSTASH_NEXT_SIGNING_KEY",
                "PUBLIC_URL",
                "AUTH_JWT_SECRET",
                "SECRET_KEY",
            ]
            if not _bool("QSTASH_ENABLED", env.get("QSTASH_ENABLED", "true")):
                required = [n for n in required if not n.startswith("QSTASH_")]
            missing = [name for name in required if name not in env]
            if missing:
                raise SettingsError(
                    "production mode needs these environment variables: " + ", ".join(missing)
                )
            public = [name for name in required
                      if name in PUBLIC_DEV_VALUES and env[name] == PUBLIC_DEV_VALUES[name]]
            if public:
                raise SettingsError(
                    "production mode refuses the public development value of: "
                    + ", ".join(public) + " (anyone could sign deliveries or tokens with it; "
                    "set your own secrets)"
                )
            if len(env["AUTH_JWT_SECRET"].encode()) < MIN_JWT_SECRET_BYTES:
                raise SettingsError(
                    f"AUTH_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes for HS256"
                )
            if len(env["SECRET_KEY"].encode()) < MIN_SECRET_KEY_BYTES:
                raise SettingsError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes")
        values: dict[str, object] = {}
        for var in VARIABLES:
            if var.env in env:
                values[var.field] = _parse(var, env[var.env])
        if values.get("log_format", "json" if chosen == "production" else "text") not in (
                "json", "text"):
            raise SettingsError(
                f"PREBOOK_LOG_FORMAT must be json or text, got {env['PREBOOK_LOG_FORMAT']!r}")
        # The defaults that depend on the mode or on another setting; all others are the
        # dataclass's own.
        values.setdefault("host", "127.0.0.1" if chosen == "dev" else "0.0.0.0")
        values.setdefault("log_format", "json" if chosen == "production" else "text")
        values.setdefault("public_url", f"http://127.0.0.1:{values.get('port', 8000)}")
        values.setdefault("qstash_url", "https://qstash.upstash.io" if chosen == "production"
                          else f"http://127.0.0.1:{values.get('qstash_dev_port', DEV_QSTASH_PORT)}")
        return cls(mode=chosen, explicit=frozenset(v.env for v in VARIABLES if v.env in env),
                   **values)  # type: ignore[arg-type]

    def is_set(self, variable: str) -> bool:
        """Whether the environment this was read from set `variable` (not a default)."""
        return variable in self.explicit

    def to_env(self) -> dict[str, str]:
        """The environment that `from_env` reads back into these settings (for child
        processes and tests); unset optional values are left out."""
        env: dict[str, str] = {"PREBOOK_ENV": self.mode}
        for var in VARIABLES:
            value = getattr(self, var.field)
            if value is None:
                continue
            if isinstance(value, bool):
                env[var.env] = "true" if value else "false"
            elif isinstance(value, tuple):
                env[var.env] = ",".join(value)
            else:
                env[var.env] = str(value)
        return env

    @property
    def timing(self) -> Timing:
        """The firing group, as the booking domain takes it."""
        return Timing(lead_seconds=self.lead_seconds, fire_offset_ms=self.fire_offset_ms,
                      too_early_window_ms=self.too_early_window_ms,
                      answer_timeout_s=self.answer_timeout_s)

    @property
    def policy(self) -> Policy:
        """The retention and upkeep group, as the booking domain takes it."""
        return Policy(retention_days=self.retention_days, missed_after_s=self.missed_after_s,
                      stuck_after_s=self.stuck_after_s, watch_interval_s=self.watch_interval_s,
                      rule_horizon_days=self.rule_horizon_days)


Kind = Literal["str", "url", "int", "float", "bool", "secret", "path", "hosts"]


@dataclass(frozen=True)
class Var:
    """One environment variable: the field it sets, how it is parsed, the group it is in."""

    env: str
    field: str
    kind: Kind
    group: str


# Every variable prebook reads, once: `Settings.from_env` parses these and nothing else, and
# `Settings.to_env` writes them back. Defaults are the `Settings` fields' own (a few depend on
# the mode: see `from_env`). README's configuration table documents them by group.
VARIABLES: tuple[Var, ...] = (
    Var("PREBOOK_HOST", "host", "str", "server"),
    Var("PREBOOK_PORT", "port", "int", "server"),
    Var("PREBOOK_DATA_DIR", "data_dir", "path", "server"),
    Var("DATABASE_URL", "database_url", "str", "server"),
    Var("PUBLIC_URL", "public_url", "url", "server"),
    Var("PREBOOK_WORKERS", "workers", "int", "server"),
    Var("PREBOOK_MAX_BODY_BYTES", "max_body_bytes", "int", "server"),
    Var("PREBOOK_LOG_FORMAT", "log_format", "str", "server"),
    Var("PREBOOK_ALLOWED_HOSTS", "allowed_hosts", "hosts", "server"),
    Var("PREBOOK_BODY_TIMEOUT_S", "body_timeout_s", "float", "server"),
    Var("PREBOOK_KEEPALIVE_S", "keepalive_timeout_s", "int", "server"),
    Var("PREBOOK_LIMIT_CONCURRENCY", "limit_concurrency", "int", "server"),
    Var("PREBOOK_WS_INIT_TIMEOUT_S", "ws_init_timeout_s", "float", "server"),
    Var("PREBOOK_WS_ANONYMOUS_S", "ws_anonymous_s", "float", "server"),
    Var("PREBOOK_WS_MAX_PER_USER", "ws_max_per_user", "int", "server"),
    Var("QSTASH_ENABLED", "qstash_enabled", "bool", "qstash"),
    Var("QSTASH_URL", "qstash_url", "url", "qstash"),
    Var("QSTASH_TOKEN", "qstash_token", "secret", "qstash"),
    Var("QSTASH_CURRENT_SIGNING_KEY", "qstash_current_signing_key", "secret", "qstash"),
    Var("QSTASH_NEXT_SIGNING_KEY", "qstash_next_signing_key", "secret", "qstash"),
    Var("QSTASH_DEV_PORT", "qstash_dev_port", "int", "qstash"),
    Var("PREBOOK_SYNC_SCHEDULES", "sync_schedules_on_startup", "bool", "qstash"),
    Var("AUTH_JWT_SECRET", "auth_jwt_secret", "secret", "auth"),
    Var("SECRET_KEY", "secret_key", "secret", "auth"),
    Var("AUTH_JWT_AUDIENCE", "auth_jwt_audience", "str", "auth"),
    Var("AUTH_JWT_ISSUER", "auth_jwt_issuer", "str", "auth"),
    Var("AUTH_JWT_MAX_TTL", "auth_jwt_max_ttl_s", "float", "auth"),
    Var("AIMHARDER_LOGIN_URL", "aimharder_login_url", "url", "aimharder"),
    Var("AIMHARDER_ACCOUNT_URL", "aimharder_account_url", "url", "aimharder"),
    Var("AIMHARDER_BOX_URL", "aimharder_box_url", "url", "aimharder"),
    Var("AIMHARDER_PROXY", "aimharder_proxy", "secret", "aimharder"),
    Var("AIMHARDER_USER_AGENT", "aimharder_user_agent", "str", "aimharder"),
    Var("FAKEBOX_PORT", "fakebox_port", "int", "aimharder"),
    Var("PREBOOK_LEAD_SECONDS", "lead_seconds", "float", "firing"),
    Var("PREBOOK_FIRE_OFFSET_MS", "fire_offset_ms", "float", "firing"),
    Var("PREBOOK_RETRY_WINDOW_MS", "too_early_window_ms", "float", "firing"),
    Var("PREBOOK_ANSWER_TIMEOUT_S", "answer_timeout_s", "float", "firing"),
    Var("PREBOOK_RETENTION_DAYS", "retention_days", "int", "upkeep"),
    Var("PREBOOK_MISSED_AFTER_S", "missed_after_s", "float", "upkeep"),
    Var("PREBOOK_STUCK_AFTER_S", "stuck_after_s", "float", "upkeep"),
    Var("PREBOOK_WATCH_INTERVAL_S", "watch_interval_s", "float", "upkeep"),
    Var("PREBOOK_RULE_HORIZON_DAYS", "rule_horizon_days", "int", "upkeep"),
    Var("SMTP_URL", "smtp_url", "secret", "mail"),
    Var("SMTP_FROM", "smtp_from", "str", "mail"),
    Var("PREBOOK_WEBHOOK_URL", "webhook_url", "str", "webhooks"),
    Var("PREBOOK_WEBHOOK_SECRET", "webhook_secret", "secret", "webhooks"),
    Var("PREBOOK_WEBHOOK_RETRY_DELAY", "webhook_retry_delay", "str", "webhooks"),
)


def _parse(var: Var, raw: str) -> object:
    if var.kind == "int":
        return int(_number(var.env, raw, int))
    if var.kind == "float":
        return _number(var.env, raw, float)
    if var.kind == "bool":
        return _bool(var.env, raw)
    if var.kind == "secret":
        return Secret(raw)
    if var.kind == "path":
        return Path(raw)
    if var.kind == "url":
        return raw.rstrip("/")
    if var.kind == "hosts":
        return tuple(h.strip() for h in raw.split(",") if h.strip())
    return raw
