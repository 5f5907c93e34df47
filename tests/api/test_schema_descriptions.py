"""The schema teaches: every type, field, argument, input field, union and enum value of ours
has a description, which GraphiQL's docs pane and generated clients show."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    specified_scalar_types,
)

from schema import build_schema

# Types whose descriptions are not ours to write. Strawberry already describes the Relay
# built-ins (Node, PageInfo, the Connection and Edge types) and its scalars (Date, DateTime),
# so they are checked like ours; only GraphQL's own scalars are left out.
NOT_OURS = frozenset(specified_scalar_types)


def described_items(named: GraphQLNamedType) -> Iterator[tuple[str, str | None]]:
    """(path, description) for a type and everything in it that takes a description."""
    yield named.name, named.description
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in named.fields.items():
            yield f"{named.name}.{field_name}", field.description
            for arg_name, arg in field.args.items():
                yield f"{named.name}.{field_name}({arg_name}:)", arg.description
    elif isinstance(named, GraphQLInputObjectType):
        for field_name, input_field in named.fields.items():
            yield f"{named.name}.{field_name}", input_field.description
    elif isinstance(named, GraphQLEnumType):
        for value_name, value in named.values.items():
            yield f"{named.name}.{value_name}", value.description


def our_items() -> dict[str, str | None]:
    schema = build_schema()._schema
    return {
        path: description
        for name, named in schema.type_map.items()
        if not name.startswith("__") and name not in NOT_OURS
        for path, description in described_items(named)
    }


def test_everything_in_the_schema_is_described() -> None:
    missing = sorted(path for path, text in our_items().items() if not (text or "").strip())
    assert not missing, "add a description to:\n  " + "\n  ".join(missing)


def test_the_walk_reaches_every_kind_of_item() -> None:
    items = our_items()
    for path in ("Query", "Mutation", "Subscription", "Prebooking.latenessMs",
                 "Query.classes(day:)", "Mutation.cancelBooking(late:)",
                 "CreatePrebookingInput.opensAt", "CreatePrebookingResult",
                 "PrebookingOutcome.FULL", "Subscription.prebookingUpdates(id:)"):
        assert path in items, path
    scalars = [name for name, named in build_schema()._schema.type_map.items()
               if isinstance(named, GraphQLScalarType) and name not in NOT_OURS]
    assert {"Date", "DateTime"} <= set(scalars)
