"""Opening and closing what the app and the CLI commands share: database, QStash, AimHarder."""

from __future__ import annotations

import contextlib
import http.cookiejar
from collections.abc import AsyncIterator

import httpx
from qstash import AsyncQStash
from tortoise import Tortoise

from api.container import Container
from api.settings import Settings
from booking.aimharder import AimharderClient, BrowserHeaders
from booking.events import PrebookingEvents
from booking.infra.mail import Mailer
from booking.infra.webhooks import Webhooks, secret_key
from booking.services import Services
from jobs.client import JobClient
from models.config import secure_database_file, tortoise_config
from models.encryption import Vault

# Connections to the box are opened ahead of the instant and kept; the pool must hold one per
# prebooking firing at the same instant.
AIMHARDER_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=512,
                                keepalive_expiry=60)


def aimharder_http(settings: Settings) -> httpx.AsyncClient:
    """The one HTTP client for AimHarder: through AIMHARDER_PROXY when set (and only then:
    HTTP(S)_PROXY from the environment is not used, as the pre-armed booking connection could
    not follow it), no redirects followed, and a cookie jar that keeps nothing (sessions travel
    in explicit headers). SSL_CERT_FILE still names the trusted certificates."""
    proxy = str(settings.aimharder.proxy) if settings.aimharder.proxy is not None else None
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=5.0), limits=AIMHARDER_LIMITS,
        follow_redirects=False, proxy=proxy, trust_env=False,
        verify=httpx.create_ssl_context(),
        cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
    )


def aimharder_client(settings: Settings, http: httpx.AsyncClient) -> AimharderClient:
    return AimharderClient(
        http=http, login_url=settings.aimharder.login_url,
        account_url=settings.aimharder.account_url, box_url_template=settings.aimharder.box_url,
        headers=BrowserHeaders(settings.aimharder.user_agent),
        proxy=str(settings.aimharder.proxy) if settings.aimharder.proxy is not None else None,
    )


def webhooks(settings: Settings, http: httpx.AsyncClient) -> Webhooks | None:
    if settings.webhooks.url is None or settings.webhooks.secret is None:
        return None
    return Webhooks(settings.webhooks.url, secret_key(str(settings.webhooks.secret)), http=http)


def build_services(settings: Settings, http: httpx.AsyncClient,
                   webhook_http: httpx.AsyncClient | None = None) -> Services:
    return Container(
        aimharder=aimharder_client(settings, http),
        jobs=JobClient(AsyncQStash(str(settings.qstash.token), base_url=settings.qstash.url),
                       public_url=settings.jobs_url),
        vault=Vault(str(settings.auth.secret_key)),
        events=PrebookingEvents(),
        timing=settings.firing,
        policy=settings.upkeep,
        mailer=(Mailer(str(settings.mail.smtp_url), settings.mail.smtp_from)
                if settings.mail.smtp_url else None),
        webhooks=webhooks(settings, webhook_http) if webhook_http is not None else None,
    )


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, global_db: bool = True) -> AsyncIterator[Services]:
    """Tortoise, one shared HTTP client and the services over them, closed on exit."""
    secure_database_file(settings.server.database_url)
    await Tortoise.init(config=tortoise_config(settings.server.database_url),
                        _enable_global_fallback=global_db)
    client = aimharder_http(settings)
    # Webhooks go to the frontend's backend: not through AIMHARDER_PROXY, no redirects.
    webhook_http = httpx.AsyncClient(follow_redirects=False, trust_env=False)
    try:
        yield build_services(settings, client, webhook_http)
    finally:
        await client.aclose()
        await webhook_http.aclose()
        await Tortoise.close_connections()
