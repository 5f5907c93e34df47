"""The headers every AimHarder request carries, so it looks like the official web front's XHR.

AimHarder answers 403 to many networks, and "an implausible User-Agent can trigger a 403"
(AIMHARDER.md f). Every bot that works sends some User-Agent, an `Accept` and (most)
`X-Requested-With: XMLHttpRequest`; box calls carry the box's `Origin` and `Referer`.
The same headers go into the pre-armed booking bytes, since those are built from these requests.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# A current desktop Chrome on Windows (AIMHARDER_USER_AGENT overrides it).
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/148.0.0.0 Safari/537.36"
)
ACCEPT_JSON = "application/json, text/javascript, */*; q=0.01"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL (the box URL template may carry a path in development)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class BrowserHeaders:
    """Builds the header set of each kind of request."""

    def __init__(self, user_agent: str | None = None) -> None:
        self.user_agent = user_agent or DEFAULT_USER_AGENT

    def base(self) -> dict[str, str]:
        return {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT_JSON,
            "Accept-Language": "es-ES,es;q=0.9,en;q=0.8",
            "X-Requested-With": "XMLHttpRequest",
        }

    def page(self, page_url: str) -> dict[str, str]:
        """Headers of an XHR made by the page at `page_url` (its origin and the page itself)."""
        return {**self.base(), "Origin": origin_of(page_url), "Referer": page_url}
