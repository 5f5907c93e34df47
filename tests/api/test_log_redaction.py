"""The last guard of the logs: the handler's filter takes out password values and `/graphql`
query strings, whoever logged them; GraphQL error lines carry no input values."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from api.graphql_errors import scrub, without_suggestions
from api.logging import JsonFormatter, RedactFilter, redact

SECRET = "Hunter2-in-a-log"


@pytest.mark.parametrize("text", [
    f'{{"email": "a@example.com", "password": "{SECRET}"}}',
    f"{{'email': 'a@example.com', 'password': '{SECRET}'}}",
    f'connectAimharder(input: {{email: "a@example.com", password: "{SECRET}"}})',
    f"username=a%40example.com&password={SECRET}&fingerprint=x",
    f'\\"password\\": \\"{SECRET}\\"',
])
def test_password_values_are_redacted_in_every_notation(text: str) -> None:
    cleaned = redact(text)
    assert SECRET not in cleaned and "[redacted]" in cleaned


def test_the_filter_cleans_message_arguments_and_tracebacks() -> None:
    logger = logging.getLogger("tests.redaction")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RedactFilter())
    logger.addHandler(handler)
    try:
        logger.warning("login with %s", {"password": SECRET})
        try:
            raise ValueError(f"bad form password={SECRET}")
        except ValueError:
            logger.exception("crashed")
        access = logging.getLogger("uvicorn.access")
        access.addHandler(handler)
        level = access.level
        access.setLevel(logging.INFO)
        try:
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET",
                        f"/graphql?query=mutation%7Bx(password%3A%22{SECRET}%22)%7D", "1.1", 200)
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/health?x=1", "1.1", 200)
        finally:
            access.removeHandler(handler)
            access.setLevel(level)
    finally:
        logger.removeHandler(handler)
    lines = [JsonFormatter().format(record) for record in records]
    assert not [line for line in lines if SECRET in line], lines
    assert "[redacted]" in lines[0] and "ValueError" in json.loads(lines[1])["exc"]
    assert json.loads(lines[2])["message"] == '127.0.0.1:1 - "GET /graphql?… HTTP/1.1" 200'
    assert "/health?x=1" in json.loads(lines[3])["message"]  # only /graphql loses its query


def test_the_configured_handler_filters() -> None:
    # In a child process: dictConfig changes the whole process's logging.
    script = (
        "import logging, logging.config\n"
        "from api.logging import log_config\n"
        "logging.config.dictConfig(log_config('text'))\n"
        f"logging.getLogger('some.library').error('sent {{\"password\": \"{SECRET}\"}}')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert "some.library" in done.stderr and SECRET not in done.stderr


def test_graphql_messages_lose_the_values_they_echo() -> None:
    literal = ("Expected value of type 'ConnectAimharderInput' not to include unknown field "
               "'pasword'. Did you mean 'password'? "
               f"Found: {{ email: \"a\", pasword: \"{SECRET}\" }}.")
    variable = ("Variable '$i' has invalid value: Expected value of type 'ConnectAimharderInput' "
                f"to be an object, found: '{SECRET}'.")
    scalar = ("Variable '$p' has invalid value: String cannot represent a non string value: "
              f"['{SECRET}']")
    for message in (literal, variable, scalar):
        cleaned = scrub(message)
        assert SECRET not in cleaned and cleaned.startswith(message[:30]), cleaned
    assert "Did you mean" not in without_suggestions(literal)
    assert without_suggestions(literal).startswith("Expected value of type")
