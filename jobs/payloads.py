"""Typed job payloads: frozen dataclasses with camelCase JSON, strictly validated."""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from typing import Any, ClassVar, Self

from jobs.errors import PayloadInvalidError


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Payload:
    """Base for payload dataclasses; subclasses are `@dataclass(frozen=True)`."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type,unused-ignore]
            value = getattr(self, f.name)
            out[_camel(f.name)] = str(value) if isinstance(value, uuid.UUID) else value
        return out

    @classmethod
    def from_body(cls, body: bytes | str) -> Self:
        """Parse a delivery body; unknown fields and wrong types raise PayloadInvalidError."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise PayloadInvalidError("body is not JSON") from None
        if not isinstance(data, dict):
            raise PayloadInvalidError("body must be a JSON object")
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        hints = typing.get_type_hints(cls)
        fields = {_camel(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type,unused-ignore]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise PayloadInvalidError(f"unknown field(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, f in fields.items():
            if key not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise PayloadInvalidError(f"missing field: {key}")
                continue
            values[f.name] = _coerce(key, data[key], hints[f.name])
        return cls(**values)


def _coerce(key: str, value: Any, hint: Any) -> Any:
    optional = typing.get_origin(hint) in (typing.Union, __import__("types").UnionType) and type(
        None
    ) in typing.get_args(hint)
    if optional:
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if hint is uuid.UUID:
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        raise PayloadInvalidError(f"{key} must be a UUID string")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise PayloadInvalidError(f"{key} must be a boolean")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise PayloadInvalidError(f"{key} must be an integer")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise PayloadInvalidError(f"{key} must be a number")
    if hint is str:
        if isinstance(value, str):
            return value
        raise PayloadInvalidError(f"{key} must be a string")
    raise PayloadInvalidError(f"{key} has an unsupported type")


@dataclasses.dataclass(frozen=True)
class ExecutePrebooking(Payload):
    prebooking_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class NoPayload(Payload):
    """For scheduled jobs that take no arguments (their body is `{}`)."""


@dataclasses.dataclass(frozen=True)
class PrebookingReminder(Payload):
    prebooking_id: uuid.UUID
    hours_before: int


@dataclasses.dataclass(frozen=True)
class PrebookingRef(Payload):
    prebooking_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class DeleteAccount(Payload):
    user_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class WebhookEvent(Payload):
    """One outbound webhook: its Standard Webhooks id and the JSON body, sent byte for byte."""

    webhook_id: str
    body: str
