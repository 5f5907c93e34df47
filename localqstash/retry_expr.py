"""`Upstash-Retry-Delay` expressions, parsed once into a closure; never `eval`.

Grammar (milliseconds as a function of `retried`):

    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/' | '%') unary)*
    unary := ('-' | '+') unary | power
    power := atom (('^' | '**') unary)?
    atom  := NUMBER | 'retried' | NAME '(' expr (',' expr)* ')' | '(' expr ')'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

Expr = Callable[[float], float]

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_]\w*)|(\*\*|[-+*/%^(),]))")
_MAX_LENGTH = 500


def _fn_round(x: float) -> float:
    return float(math.floor(x + 0.5))


_FUNCTIONS: dict[str, tuple[Callable[..., float], int | None]] = {
    "pow": (lambda a, b: math.pow(a, b), 2),
    "sqrt": (math.sqrt, 1),
    "abs": (abs, 1),
    "exp": (math.exp, 1),
    "floor": (lambda x: float(math.floor(x)), 1),
    "ceil": (lambda x: float(math.ceil(x)), 1),
    "round": (_fn_round, 1),
    "min": (min, None),
    "max": (max, None),
}


class RetryExprError(ValueError):
    pass


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise RetryExprError(f"unexpected character at {pos}: {text[pos]!r}")
        tokens.append(next(group for group in match.groups() if group is not None))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise RetryExprError(f"expected {expected or 'a token'}, got {token!r}")
        self.pos += 1
        return token

    def expr(self) -> Expr:
        left = self.term()
        while self.peek() in ("+", "-"):
            op, right, lhs = self.take(), self.term(), left
            left = (lambda a, b: lambda r: a(r) + b(r))(lhs, right) if op == "+" else (
                lambda a, b: lambda r: a(r) - b(r)
            )(lhs, right)
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.peek() in ("*", "/", "%"):
            op, right, lhs = self.take(), self.unary(), left
            if op == "*":
                left = (lambda a, b: lambda r: a(r) * b(r))(lhs, right)
            elif op == "/":
                left = (lambda a, b: lambda r: a(r) / b(r))(lhs, right)
            else:
                left = (lambda a, b: lambda r: math.fmod(a(r), b(r)))(lhs, right)
        return left

    def unary(self) -> Expr:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda r: -inner(r)
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.peek() in ("^", "**"):
            self.take()
            exponent = self.unary()
            return lambda r: math.pow(base(r), exponent(r))
        return base

    def atom(self) -> Expr:
        token = self.take()
        if token == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if token[0].isdigit() or token[0] == ".":
            value = float(token)
            return lambda r: value
        if token == "retried":
            return lambda r: r
        if token in _FUNCTIONS:
            fn, arity = _FUNCTIONS[token]
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            if arity is not None and len(args) != arity:
                raise RetryExprError(f"{token}() takes {arity} argument(s)")
            return lambda r: float(fn(*(arg(r) for arg in args)))
        raise RetryExprError(f"unknown name or token: {token!r}")


def compile_retry_delay(text: str) -> Expr:
    """Parse an expression into `f(retried) -> milliseconds`; raises RetryExprError."""
    if len(text) > _MAX_LENGTH:
        raise RetryExprError("expression too long")
    parser = _Parser(_tokenize(text))
    expr = parser.expr()
    if parser.peek() is not None:
        raise RetryExprError(f"unexpected token: {parser.peek()!r}")
    return expr


def evaluate_retry_delay_ms(text: str, retried: int, *, cap_ms: int) -> int | None:
    """Milliseconds to wait before the next retry, clamped to [0, cap]; None if it fails."""
    try:
        value = compile_retry_delay(text)(float(retried))
    except OverflowError:
        return cap_ms
    except (RetryExprError, ArithmeticError, ValueError):
        return None
    if math.isnan(value):
        return None
    return int(min(max(value, 0.0), float(cap_ms)))
