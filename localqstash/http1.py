"""Reading HTTP/1.1 responses: status line, headers, and a body framed any of the three ways.

Only what the delivery client needs: responses to one request at a time (no pipelining),
bodies framed by Content-Length, chunked transfer coding, or the closing of the connection.
Bodies are consumed in full, so the connection stays usable, but only the first `max_body`
bytes are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

_MAX_HEAD = 64 * 1024


class ProtocolError(Exception):
    """The peer sent something that is not an HTTP/1.x response."""


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool


class ResponseParser:
    """Feed bytes in; `feed` returns the response once it is complete."""

    def __init__(self, *, head: bool, max_body: int) -> None:
        self._head = head
        self._max_body = max_body
        self._buf = bytearray()
        self._state = "head"
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._keep_alive = True
        self._remaining = 0  # body bytes left (length), or of the current chunk (chunked)
        self._body = bytearray()
        self.started = False  # any byte received: the request cannot be sent again safely

    def feed(self, data: bytes) -> Response | None:
        self.started = True
        self._buf += data
        while True:
            if self._state == "head":
                if not self._parse_head():
                    return None
            elif self._state == "length":
                self._take(min(self._remaining, len(self._buf)))
                if self._remaining == 0:
                    return self._done()
                return None
            elif self._state == "close":
                self._take(len(self._buf))
                return None
            elif self._state == "chunk-size":
                line = self._line()
                if line is None:
                    return None
                try:
                    self._remaining = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {line[:40]!r}") from None
                self._state = "chunk-data" if self._remaining else "trailers"
            elif self._state == "chunk-data":
                if self._remaining:
                    self._take(min(self._remaining, len(self._buf)))
                    if self._remaining:
                        return None
                if len(self._buf) < 2:
                    return None
                del self._buf[:2]  # the CRLF after the chunk
                self._state = "chunk-size"
            elif self._state == "trailers":
                line = self._line()
                if line is None:
                    return None
                if not line:
                    return self._done()

    def eof(self) -> Response | None:
        """The peer closed: complete only for a body delimited by the close."""
        if self._state == "close":
            self._keep_alive = False
            return self._done()
        return None

    def _line(self) -> bytes | None:
        end = self._buf.find(b"\r\n")
        if end < 0:
            if len(self._buf) > _MAX_HEAD:
                raise ProtocolError("line too long")
            return None
        line = bytes(self._buf[:end])
        del self._buf[: end + 2]
        return line

    def _take(self, n: int) -> None:
        room = self._max_body - len(self._body)
        if room > 0:
            self._body += self._buf[: min(n, room)]
        del self._buf[:n]
        if self._state != "close":
            self._remaining -= n

    def _parse_head(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > _MAX_HEAD:
                raise ProtocolError("response head too large")
            return False
        lines = bytes(self._buf[:end]).decode("latin-1").split("\r\n")
        del self._buf[: end + 4]
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1."):
            raise ProtocolError(f"not an HTTP/1.x response: {lines[0][:60]!r}")
        try:
            status = int(rest[:3])
        except ValueError:
            raise ProtocolError(f"bad status line {lines[0][:60]!r}") from None
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ProtocolError(f"bad header line {line[:60]!r}")
            headers.append((name.strip(), value.strip()))
        if 100 <= status < 200:  # interim answer (100 Continue, 103 Early Hints): skip it
            return True
        self._status, self._headers = status, headers
        lowered = {name.lower(): value for name, value in headers}
        connection = lowered.get("connection", "").lower()
        self._keep_alive = version == "HTTP/1.1" and "close" not in connection
        if self._head or status in (204, 304):
            self._state, self._remaining = "length", 0
        elif "chunked" in lowered.get("transfer-encoding", "").lower():
            self._state = "chunk-size"
        elif "content-length" in lowered:
            try:
                self._remaining = int(lowered["content-length"])
            except ValueError:
                raise ProtocolError("bad content-length") from None
            self._state = "length"
        else:
            self._state, self._keep_alive = "close", False
        return True

    def _done(self) -> Response:
        self._state = "done"
        return Response(self._status, self._headers, bytes(self._body),
                        self._keep_alive and not self._buf)
