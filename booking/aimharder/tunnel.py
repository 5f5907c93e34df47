"""Opening a raw connection to a box through the egress proxy (AIMHARDER_PROXY).

The pre-armed booking connection (`booking.aimharder.wire.Shot`) is a plain asyncio stream, so
it cannot use httpx's proxy support: it tunnels itself, first to the proxy, then (for https)
TLS to the box over the tunnel, exactly as a browser behind the same proxy would.

- `http://[user:password@]host:port`: `CONNECT box:port` (Proxy-Authorization: Basic);
- `socks5://[user:password@]host:port` (and `socks5h://`): RFC 1928 with the box's name
  resolved by the proxy, RFC 1929 user/password when given.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import struct
from urllib.parse import unquote, urlsplit

from booking.aimharder.errors import UpstreamUnavailableError

SCHEMES = ("http", "https", "socks5", "socks5h")


def check_proxy_url(url: str) -> None:
    """Raise ValueError naming what is wrong with an AIMHARDER_PROXY value."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"AIMHARDER_PROXY must start with one of {', '.join(SCHEMES)}://")
    if not parts.hostname or not parts.port:
        raise ValueError("AIMHARDER_PROXY must name a host and a port (scheme://host:port)")


def _credentials(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


async def _connect_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        proxy: str, host: str, port: int) -> None:
    lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}"]
    creds = _credentials(proxy)
    if creds is not None:
        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0]
    status = first.split()
    if len(status) < 2 or status[1] != b"200":
        raise UpstreamUnavailableError(
            f"the egress proxy (AIMHARDER_PROXY) refused the tunnel to {host}:{port}: "
            f"{first.decode('latin-1')}"
        )


async def _connect_socks5(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          proxy: str, host: str, port: int) -> None:
    creds = _credentials(proxy)
    writer.write(b"\x05\x01" + (b"\x02" if creds else b"\x00"))
    await writer.drain()
    version, method = await reader.readexactly(2)
    if version != 5 or method == 0xFF:
        raise UpstreamUnavailableError("the egress SOCKS5 proxy accepted no authentication method")
    if method == 2:
        if creds is None:
            raise UpstreamUnavailableError("the egress SOCKS5 proxy wants a user and password")
        user, password = creds[0].encode(), creds[1].encode()
        writer.write(b"\x01" + bytes([len(user)]) + user + bytes([len(password)]) + password)
        await writer.drain()
        if (await reader.readexactly(2))[1] != 0:
            raise UpstreamUnavailableError("the egress SOCKS5 proxy refused the user and password")
    name = host.encode("idna")
    writer.write(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", port))
    await writer.drain()
    _, reply, _, kind = await reader.readexactly(4)
    if reply != 0:
        raise UpstreamUnavailableError(f"the egress SOCKS5 proxy could not reach {host}:{port} "
                                  f"(reply {reply})")
    skip = {1: 4, 4: 16}.get(kind) or (await reader.readexactly(1))[0]
    await reader.readexactly(skip + 2)


async def open_stream(
    host: str, port: int, *, tls: ssl.SSLContext | None, proxy: str | None,
    connect_timeout_s: float,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A stream to host:port, through the proxy when one is set, with TLS when `tls`."""
    if proxy is None:
        return await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None),
            connect_timeout_s,
        )
    parts = urlsplit(proxy)
    assert parts.hostname is not None and parts.port is not None

    async def tunnel() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            if parts.scheme.startswith("socks5"):
                await _connect_socks5(reader, writer, proxy, host, port)
            else:
                await _connect_http(reader, writer, proxy, host, port)
            if tls is not None:
                await writer.start_tls(tls, server_hostname=host)
        except BaseException:
            writer.close()
            raise
        return reader, writer

    try:
        return await asyncio.wait_for(tunnel(), connect_timeout_s)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise UpstreamUnavailableError(
            f"the egress proxy (AIMHARDER_PROXY) hung up: {exc!r}") from None
