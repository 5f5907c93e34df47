"""One frozen settings object, read once from the environment and passed explicitly."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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
class ServerSettings:
    """How the app serves: address, storage, limits of the HTTP server."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    database: str | None = None  # DATABASE_URL as set; None: SQLite in data_dir (`database_url`)
    public_url: str = "http://127.0.0.1:8000"
    workers: int = 1
    # Requests to /graphql and /api/jobs/ larger than this are refused with 413 before parsing.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_format: LogFormat = "text"
    # Host headers answered besides PUBLIC_URL's host and loopback (PREBOOK_ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...] = ()
    # Connections (docs/deploy.md, "Timeouts and connection limits").
    body_timeout_s: float = 10.0
    keepalive_timeout_s: int = 5
    limit_concurrency: int = 1000
    ws_init_timeout_s: float = 5.0
    ws_anonymous_s: float = 5.0
    ws_max_per_user: int = 8

    @property
    def database_url(self) -> str:
        """DATABASE_URL, else SQLite in the data dir (so a new data dir brings its database)."""
        return self.database or f"sqlite://{(self.data_dir / 'prebook.sqlite3').as_posix()}"

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise SettingsError("PREBOOK_WORKERS must be at least 1")
        if self.max_body_bytes < 1024:
            raise SettingsError("PREBOOK_MAX_BODY_BYTES must be at least 1024")
        if self.log_format not in ("json", "text"):
            raise SettingsError(f"PREBOOK_LOG_FORMAT must be json or text, got {self.log_format!r}")


@dataclass(frozen=True)
class QstashSettings:
    """The scheduler: Upstash QStash, or (enabled=False) localqstash inside the app."""

    enabled: bool = True
    url: str = f"http://127.0.0.1:{DEV_QSTASH_PORT}"
    token: Secret = field(default=Secret(DEV_TOKEN), repr=False)
    current_signing_key: Secret = field(default=Secret(DEV_CURRENT_SIGNING_KEY), repr=False)
    next_signing_key: Secret = field(default=Secret(DEV_NEXT_SIGNING_KEY), repr=False)
    dev_port: int = DEV_QSTASH_PORT  # `prebook dev`'s localqstash
    sync_schedules_on_startup: bool = False


@dataclass(frozen=True)
class AuthSettings:
    """Bearer tokens and the key that encrypts stored AimHarder sessions."""

    jwt_secret: Secret = field(default=Secret(DEV_AUTH_JWT_SECRET), repr=False)
    secret_key: Secret = field(default=Secret(DEV_SECRET_KEY), repr=False)
    # Optional audience and issuer checks, and the longest lifetime accepted.
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    jwt_max_ttl_s: float = float(DEFAULT_JWT_MAX_TTL_S)


@dataclass(frozen=True)
class AimharderSettings:
    """Where AimHarder is and how prebook reaches it."""

    login_url: str = REAL_AIMHARDER_LOGIN_URL
    account_url: str = REAL_AIMHARDER_ACCOUNT_URL
    box_url: str = REAL_AIMHARDER_BOX_URL
    # Egress proxy for every AimHarder request (may carry user:password: kept out of reprs).
    proxy: Secret | None = field(default=None, repr=False)
    user_agent: str | None = None  # None: a current desktop Chrome
    fakebox_port: int = DEV_FAKEBOX_PORT  # `prebook dev`'s fake box

    def __post_init__(self) -> None:
        if "{subdomain}" not in self.box_url:
            raise SettingsError("AIMHARDER_BOX_URL must contain '{subdomain}'")
        for name, url in (("AIMHARDER_LOGIN_URL", self.login_url),
                          ("AIMHARDER_ACCOUNT_URL", self.account_url),
                          ("AIMHARDER_BOX_URL", self.box_url)):
            if not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name} must start with http:// or https://, got {url!r}")
        if self.proxy is not None:
            try:
                check_proxy_url(str(self.proxy))
            except ValueError as exc:
                raise SettingsError(str(exc)) from None


@dataclass(frozen=True)
class MailSettings:
    smtp_url: Secret | None = field(default=None, repr=False)  # None: notifications only
    smtp_from: str = "prebook <noreply@prebook.local>"


@dataclass(frozen=True)
class WebhookSettings:
    """Outbound webhooks (booking.infra.webhooks): every prebooking change POSTed, signed."""

    url: str | None = None
    secret: Secret | None = field(default=None, repr=False)
    retry_delay: str | None = None  # a QStash expression in ms; None: QStash's backoff

    def __post_init__(self) -> None:
        if self.url is None:
            if self.secret is not None:
                raise SettingsError("PREBOOK_WEBHOOK_SECRET is set but PREBOOK_WEBHOOK_URL is not")
            return
        if not self.url.startswith(("http://", "https://")):
            raise SettingsError("PREBOOK_WEBHOOK_URL must start with http:// or https://, got "
                                f"{self.url!r}")
        if self.secret is None:
            raise SettingsError("PREBOOK_WEBHOOK_URL needs PREBOOK_WEBHOOK_SECRET (whsec_ and "
                                "base64, as Standard Webhooks gives it) to sign each delivery")
        try:
            secret_key(str(self.secret))
        except WebhookSecretError as exc:
            raise SettingsError(str(exc)) from None


# The groups, by the name `Settings` holds each under (and VARIABLES' `group`). The firing and
# upkeep groups are the domain's own `Timing` and `Policy`.
Group = (ServerSettings | QstashSettings | AuthSettings | AimharderSettings | Timing | Policy
         | MailSettings | WebhookSettings)
GROUPS: dict[str, type[Group]] = {
    "server": ServerSettings, "qstash": QstashSettings, "auth": AuthSettings,
    "aimharder": AimharderSettings, "firing": Timing, "upkeep": Policy, "mail": MailSettings,
    "webhooks": WebhookSettings,
}


@dataclass(frozen=True)
class Settings:
    """Every setting, by group: `settings.server.port`, `settings.firing.lead_seconds`…"""

    mode: Mode = "dev"
    server: ServerSettings = field(default_factory=ServerSettings)
    qstash: QstashSettings = field(default_factory=QstashSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    aimharder: AimharderSettings = field(default_factory=AimharderSettings)
    firing: Timing = field(default_factory=Timing)
    upkeep: Policy = field(default_factory=Policy)
    mail: MailSettings = field(default_factory=MailSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    # The variables the environment set (`from_env`), as opposed to defaults.
    explicit: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Bounds of the domain's groups, and the rules that join two groups.
        if self.firing.lead_seconds < 1:
            raise SettingsError("PREBOOK_LEAD_SECONDS must be at least 1")
        if self.upkeep.retention_days < 1:
            raise SettingsError("PREBOOK_RETENTION_DAYS must be at least 1")
        if self.upkeep.watch_interval_s < 1:
            raise SettingsError("PREBOOK_WATCH_INTERVAL_S must be at least 1")
        if not 1 <= self.upkeep.rule_horizon_days <= 60:
            raise SettingsError("PREBOOK_RULE_HORIZON_DAYS must be between 1 and 60")
        if self.server.workers > 1 and not self.qstash.enabled:
            raise SettingsError("QSTASH_ENABLED=false runs the scheduler inside the one app "
                                "process: PREBOOK_WORKERS must be 1")
        if (self.is_production and self.webhooks.url is not None
                and not self.webhooks.url.startswith("https://")):
            raise SettingsError("PREBOOK_WEBHOOK_URL must be https:// in production")

    @property
    def jobs_url(self) -> str:
        """Where jobs are delivered: PUBLIC_URL for QStash; with QSTASH_ENABLED=false the
        embedded scheduler calls this server on loopback."""
        if self.qstash.enabled:
            return self.server.public_url
        host = self.server.host
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.server.port}"

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    def replace(self, **changes: Mapping[str, object]) -> Settings:
        """A copy with some fields of some groups changed:
        `settings.replace(server={"port": 9000}, firing={"lead_seconds": 2})`."""
        groups: dict[str, object] = {}
        for name, fields in changes.items():
            if name not in GROUPS:
                raise TypeError(f"Settings has no group {name!r}")
            groups[name] = dataclasses.replace(getattr(self, name), **fields)
        return dataclasses.replace(self, **groups)  # type: ignore[arg-type]

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
        values: dict[str, dict[str, Any]] = {name: {} for name in GROUPS}
        for var in VARIABLES:
            if var.env in env:
                values[var.group][var.field] = _parse(var, env[var.env])
        # The defaults that depend on the mode or on another setting; all others are the
        # groups' own.
        server, qstash = values["server"], values["qstash"]
        server.setdefault("host", "127.0.0.1" if chosen == "dev" else "0.0.0.0")
        server.setdefault("log_format", "json" if chosen == "production" else "text")
        server.setdefault("public_url", f"http://127.0.0.1:{server.get('port', 8000)}")
        qstash.setdefault("url", "https://qstash.upstash.io" if chosen == "production"
                          else f"http://127.0.0.1:{qstash.get('dev_port', DEV_QSTASH_PORT)}")
        groups = {name: kind(**values[name]) for name, kind in GROUPS.items()}
        return cls(mode=chosen, explicit=frozenset(v.env for v in VARIABLES if v.env in env),
                   **groups)  # type: ignore[arg-type]

    def is_set(self, variable: str) -> bool:
        """Whether the environment this was read from set `variable` (not a default)."""
        return variable in self.explicit

    def to_env(self) -> dict[str, str]:
        """The environment that `from_env` reads back into these settings (for child
        processes and tests); unset optional values are left out."""
        env: dict[str, str] = {"PREBOOK_ENV": self.mode}
        for var in VARIABLES:
            value = getattr(getattr(self, var.group), var.field)
            if value is None:
                continue
            if isinstance(value, bool):
                env[var.env] = "true" if value else "false"
            elif isinstance(value, tuple):
                env[var.env] = ",".join(value)
            else:
                env[var.env] = str(value)
        return env


Kind = Literal["str", "url", "int", "float", "bool", "secret", "path", "hosts"]


@dataclass(frozen=True)
class Var:
    """One environment variable: the group and field it sets, and how it is parsed."""

    env: str
    group: str  # the `Settings` attribute that holds the group (a key of GROUPS)
    field: str  # the field within the group
    kind: Kind


# Every variable prebook reads, once: `Settings.from_env` parses these and nothing else, and
# `Settings.to_env` writes them back. Defaults are the groups' own fields (a few depend on
# the mode: see `from_env`). README's configuration table documents them by group.
VARIABLES: tuple[Var, ...] = (
    Var("PREBOOK_HOST", "server", "host", "str"),
    Var("PREBOOK_PORT", "server", "port", "int"),
    Var("PREBOOK_DATA_DIR", "server", "data_dir", "path"),
    Var("DATABASE_URL", "server", "database", "str"),
    Var("PUBLIC_URL", "server", "public_url", "url"),
    Var("PREBOOK_WORKERS", "server", "workers", "int"),
    Var("PREBOOK_MAX_BODY_BYTES", "server", "max_body_bytes", "int"),
    Var("PREBOOK_LOG_FORMAT", "server", "log_format", "str"),
    Var("PREBOOK_ALLOWED_HOSTS", "server", "allowed_hosts", "hosts"),
    Var("PREBOOK_BODY_TIMEOUT_S", "server", "body_timeout_s", "float"),
    Var("PREBOOK_KEEPALIVE_S", "server", "keepalive_timeout_s", "int"),
    Var("PREBOOK_LIMIT_CONCURRENCY", "server", "limit_concurrency", "int"),
    Var("PREBOOK_WS_INIT_TIMEOUT_S", "server", "ws_init_timeout_s", "float"),
    Var("PREBOOK_WS_ANONYMOUS_S", "server", "ws_anonymous_s", "float"),
    Var("PREBOOK_WS_MAX_PER_USER", "server", "ws_max_per_user", "int"),
    Var("QSTASH_ENABLED", "qstash", "enabled", "bool"),
    Var("QSTASH_URL", "qstash", "url", "url"),
    Var("QSTASH_TOKEN", "qstash", "token", "secret"),
    Var("QSTASH_CURRENT_SIGNING_KEY", "qstash", "current_signing_key", "secret"),
    Var("QSTASH_NEXT_SIGNING_KEY", "qstash", "next_signing_key", "secret"),
    Var("QSTASH_DEV_PORT", "qstash", "dev_port", "int"),
    Var("PREBOOK_SYNC_SCHEDULES", "qstash", "sync_schedules_on_startup", "bool"),
    Var("AUTH_JWT_SECRET", "auth", "jwt_secret", "secret"),
    Var("SECRET_KEY", "auth", "secret_key", "secret"),
    Var("AUTH_JWT_AUDIENCE", "auth", "jwt_audience", "str"),
    Var("AUTH_JWT_ISSUER", "auth", "jwt_issuer", "str"),
    Var("AUTH_JWT_MAX_TTL", "auth", "jwt_max_ttl_s", "float"),
    Var("AIMHARDER_LOGIN_URL", "aimharder", "login_url", "url"),
    Var("AIMHARDER_ACCOUNT_URL", "aimharder", "account_url", "url"),
    Var("AIMHARDER_BOX_URL", "aimharder", "box_url", "url"),
    Var("AIMHARDER_PROXY", "aimharder", "proxy", "secret"),
    Var("AIMHARDER_USER_AGENT", "aimharder", "user_agent", "str"),
    Var("FAKEBOX_PORT", "aimharder", "fakebox_port", "int"),
    Var("PREBOOK_LEAD_SECONDS", "firing", "lead_seconds", "float"),
    Var("PREBOOK_FIRE_OFFSET_MS", "firing", "fire_offset_ms", "float"),
    Var("PREBOOK_RETRY_WINDOW_MS", "firing", "too_early_window_ms", "float"),
    Var("PREBOOK_ANSWER_TIMEOUT_S", "firing", "answer_timeout_s", "float"),
    Var("PREBOOK_RETENTION_DAYS", "upkeep", "retention_days", "int"),
    Var("PREBOOK_MISSED_AFTER_S", "upkeep", "missed_after_s", "float"),
    Var("PREBOOK_STUCK_AFTER_S", "upkeep", "stuck_after_s", "float"),
    Var("PREBOOK_WATCH_INTERVAL_S", "upkeep", "watch_interval_s", "float"),
    Var("PREBOOK_RULE_HORIZON_DAYS", "upkeep", "rule_horizon_days", "int"),
    Var("SMTP_URL", "mail", "smtp_url", "secret"),
    Var("SMTP_FROM", "mail", "smtp_from", "str"),
    Var("PREBOOK_WEBHOOK_URL", "webhooks", "url", "str"),
    Var("PREBOOK_WEBHOOK_SECRET", "webhooks", "secret", "secret"),
    Var("PREBOOK_WEBHOOK_RETRY_DELAY", "webhooks", "retry_delay", "str"),
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
