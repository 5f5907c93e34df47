"""An egress proxy on loopback that counts what it carried: HTTP CONNECT tunnels, plain
absolute-form HTTP requests (how httpx sends http:// URLs through an HTTP proxy) and SOCKS5.

Used by the tests (in a thread: `running_proxy()`) and by `bench/precision.py --proxy` (as a
process: `python -m tests.egress_proxy --port N`, counts at `GET /_proxy/stats`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from tests.servers import free_port


class EgressProxy:
    def __init__(self, port: int | None = None, *, user: str | None = None,
                 password: str | None = None) -> None:
        self.port = port or free_port()
        self.auth = (f"{user}:{password}" if user is not None else None)
        self.carried: Counter[str] = Counter()  # "connect host:port", "http GET url", "socks5 …"
        self.refused = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self) -> asyncio.Server:
        return await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.readexactly(1)
            if first == b"\x05":
                await self._socks5(reader, writer)
            else:
                await self._http(first, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            writer.close()

    def _authorised(self, head: bytes) -> bool:
        if self.auth is None:
            return True
        want = "Basic " + base64.b64encode(self.auth.encode()).decode()
        return any(line.lower().startswith(b"proxy-authorization:")
                   and line.split(b":", 1)[1].strip().decode() == want
                   for line in head.split(b"\r\n"))

    async def _http(self, first: bytes, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
        head = first + await reader.readuntil(b"\r\n\r\n")
        method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        if target == "/_proxy/stats":
            body = json.dumps({"carried": dict(self.carried), "refused": self.refused}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            writer.close()
            return
        if not self._authorised(head):
            self.refused += 1
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            self.carried[f"connect {target}"] += 1
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await self._pipe(reader, writer, up_reader, up_writer)
            return
        # absolute-form: GET http://host:port/path HTTP/1.1 -> origin-form upstream
        rest = target.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
        self.carried[f"http {method} {target.split('?', 1)[0]}"] += 1
        # One request per connection (Connection: close), so each one is counted.
        lines = [line for line in head.split(b"\r\n")[1:]
                 if line and not line.lower().startswith((b"proxy-", b"connection:"))]
        up_writer.write(b"\r\n".join([f"{method} /{path} HTTP/1.1".encode(), *lines,
                                       b"Connection: close", b"", b""]))
        await self._pipe(reader, writer, up_reader, up_writer)

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        methods = await reader.readexactly((await reader.readexactly(1))[0])
        if self.auth is not None:
            if 2 not in methods:
                writer.write(b"\x05\xff")
                self.refused += 1
                writer.close()
                return
            writer.write(b"\x05\x02")
            await reader.readexactly(1)
            user = await reader.readexactly((await reader.readexactly(1))[0])
            password = await reader.readexactly((await reader.readexactly(1))[0])
            ok = f"{user.decode()}:{password.decode()}" == self.auth
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                self.refused += 1
                writer.close()
                return
        else:
            writer.write(b"\x05\x00")
        _, _, _, kind = await reader.readexactly(4)
        if kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            raw = await reader.readexactly(4 if kind == 1 else 16)
            host = ".".join(str(b) for b in raw) if kind == 1 else raw.hex()
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        up_reader, up_writer = await asyncio.open_connection(host, port)
        self.carried[f"socks5 {host}:{port}"] += 1
        writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
        await writer.drain()
        await self._pipe(reader, writer, up_reader, up_writer)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with suppress(ConnectionError, OSError):
                dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    def total(self, prefix: str = "") -> int:
        return sum(n for key, n in self.carried.items() if key.startswith(prefix))


@contextmanager
def running_proxy(**kwargs: str) -> Iterator[EgressProxy]:
    """The proxy in a thread of its own, for the duration of the block."""
    proxy = EgressProxy(**kwargs)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server: list[asyncio.Server] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        server.append(loop.run_until_complete(proxy.serve()))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(server[0].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def main() -> None:
    """As a process of its own (the bench), on uvloop as the fake box and uvicorn are, with
    what start-up built frozen out of the collector's sight: it stands in for an egress proxy
    that real deployments run elsewhere, in C, so its own pauses should be as small as can be.
    """
    import gc

    import uvloop  # uvicorn[standard]'s

    parser = argparse.ArgumentParser(description="a counting egress proxy on loopback")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    proxy = EgressProxy(args.port)

    async def forever() -> None:
        async with await proxy.serve() as server:
            gc.collect()
            gc.freeze()
            await server.serve_forever()

    with suppress(KeyboardInterrupt):
        uvloop.run(forever())


if __name__ == "__main__":
    main()
