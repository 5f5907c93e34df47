"""What becomes of a GraphQL error: one log line written by prebook, and the answer's message.

Strawberry's own error log prints the document around the error, and a `connectAimharder`
with its password inline would put the password in the log. prebook logs each error itself
instead: message, path, operation name (the request id comes from the log context), never the
document and never the input values that graphql-core echoes in its messages. Errors a client
caused (authentication, rate limits, validation, bad variables) are INFO lines, not ERROR
tracebacks; anything else is an ERROR with its traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from api.logging import redact
from schema.context import PublicError

log = logging.getLogger("prebook.graphql")

# graphql-core repeats the offending input after these words ("..., found: {password: …}",
# "String cannot represent a non string value: …"); the log keeps the words, not the value.
_ECHOED_VALUE = re.compile(r"((?:value|found|Found):) (?!Expected ).*", re.DOTALL)
_ECHOED_ENUM = re.compile(r"\bValue '[^']*'")
# " Did you mean 'x' or 'y'?": in production, the schema is not described to strangers.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def scrub(message: str) -> str:
    """The message without the input values graphql-core echoes, and without passwords."""
    message = _ECHOED_VALUE.sub(r"\1 …", message)
    return redact(_ECHOED_ENUM.sub("Value …", message))


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def is_client_error(error: GraphQLError) -> bool:
    """A parse, validation or variable error, or one raised on purpose for the client."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError | StrawberryGraphQLError)


def log_errors(errors: list[GraphQLError],
               execution_context: ExecutionContext | None = None) -> None:
    """`Schema.process_errors`: one line per error, each error once per operation."""
    seen: set[int] = set()
    if execution_context is not None:  # Strawberry reports pre-execution errors twice
        seen = vars(execution_context).setdefault("_prebook_logged_errors", set())
    operation = execution_context.operation_name if execution_context else None
    for error in errors:
        if id(error) in seen:
            continue
        seen.add(id(error))
        path = ".".join(str(part) for part in error.path) if error.path else None
        message = scrub(error.message)
        where = "".join([f" at {path}" if path else "",
                         f" in operation {operation}" if operation else ""])
        extra = {"graphqlPath": path, "operationName": operation}
        if is_client_error(error):
            log.info("graphql error%s: %s", where, message, extra=extra)
        else:
            log.error("graphql error%s: %s", where, message, extra=extra,
                      exc_info=error.original_error)


def _rebuilt(error: GraphQLError, message: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None,
                        extensions=error.extensions)


class ClientErrors(SchemaExtension):
    """Shows the client what it got wrong, and in production only that.

    A variable that does not coerce (`first: 2147483648` as a variable, a misspelt input
    field) reaches the answer as an error wrapping another GraphQLError, which masking would
    turn into "Unexpected error."; it is the caller's error, so its message is kept (and the
    masking extension, which runs after this one, leaves it alone). With `production`, the
    "Did you mean …" hints are removed, as introspection is.
    """

    def __init__(self, *, production: bool) -> None:
        self.production = production

    def on_operation(self) -> Iterator[None]:
        yield
        result: Any = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._shown(error) for error in errors]

    def _shown(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        coercion = isinstance(original, GraphQLError) and not isinstance(original, PublicError)
        message = without_suggestions(error.message) if self.production else error.message
        if coercion or message != error.message:
            return _rebuilt(error, message)
        return error
