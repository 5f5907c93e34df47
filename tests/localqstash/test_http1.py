"""The response reader of the delivery client, fed in awkward pieces."""

from __future__ import annotations

import pytest

from localqstash.http1 import ProtocolError, Response, ResponseParser


def feed_bytewise(parser: ResponseParser, data: bytes) -> Response | None:
    result = None
    for i in range(len(data)):
        got = parser.feed(data[i:i + 1])
        if got is not None:
            assert result is None
            result = got
    return result


def test_content_length_body_in_single_bytes() -> None:
    raw = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
    response = feed_bytewise(ResponseParser(head=False, max_body=100), raw)
    assert response == Response(201, [("Content-Length", "5"), ("X-A", "b")], b"hello", True)


def test_chunked_body_with_extension_and_trailer() -> None:
    raw = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n")
    response = feed_bytewise(ResponseParser(head=False, max_body=100), raw)
    assert response is not None and response.body == b"abcde" and response.keep_alive


def test_interim_answer_is_skipped_and_body_is_capped() -> None:
    parser = ResponseParser(head=False, max_body=3)
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 6\r\n\r\nabcdef"
    response = parser.feed(raw)
    assert response is not None and (response.status, response.body) == (500, b"abc")


def test_body_until_close_and_connection_close() -> None:
    parser = ResponseParser(head=False, max_body=100)
    assert parser.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart") is None
    assert parser.feed(b"ial") is None
    response = parser.eof()
    assert response is not None and response.body == b"partial" and not response.keep_alive


def test_head_and_204_have_no_body() -> None:
    head = ResponseParser(head=True, max_body=100).feed(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    assert head is not None and head.body == b""
    empty = ResponseParser(head=False, max_body=100).feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert empty is not None and empty.status == 204


def test_garbage_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        ResponseParser(head=False, max_body=100).feed(b"SSH-2.0-OpenSSH\r\n\r\n")
