"""The prebooking as GraphQL shows it, for outbound webhooks (booking.infra.webhooks).

The body is the answer of a real query on the schema, asked as the prebooking's owner, so a
receiver parses it with the same types as the API's `prebooking(id:)` and they cannot drift.
"""

from __future__ import annotations

from typing import Any

import strawberry

from booking.events import Change
from booking.services import Services
from models.users import User
from schema.context import Context
from schema.principal import Principal

FIELDS = """id status boxId classId className classTime day familyId opensAt createdAt firedAt
  latenessMs attempts outcome bookState bookingId errorMessage waitlist watchIfFull rule { id }"""
QUERY = f"query WebhookPrebooking($id: ID!) {{ prebooking(id: $id) {{ {FIELDS} }} }}"


class RenderError(RuntimeError):
    pass


def renderer(schema: strawberry.Schema, services: Services) -> Any:
    """`render(change)`: the prebooking's fields, or None when it or its owner is gone."""

    async def render(change: Change) -> dict[str, Any] | None:
        user = await User.get_or_none(id=change.user_id)
        if user is None:
            return None
        context = Context(request=None, response=None, services=services,
                          principal=Principal(subject=user.subject, email=user.email))
        result = await schema.execute(QUERY, variable_values={"id": str(change.prebooking_id)},
                                      context_value=context)
        if result.errors:
            raise RenderError("; ".join(e.message for e in result.errors))
        data = (result.data or {}).get("prebooking")
        return data if isinstance(data, dict) else None

    return render
