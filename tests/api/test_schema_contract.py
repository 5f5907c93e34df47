"""The committed `schema.graphql` is the contract frontends build against: the code matches it."""

from __future__ import annotations

import dataclasses
import difflib

from graphql import parse, print_ast
from graphql.language import Node, Visitor, visit

from api.schema_sdl import REGENERATE, SCHEMA_FILE, schema_sdl


class _WithoutDescriptions(Visitor):
    def enter(self, node: Node, *_: object) -> Node | None:
        if getattr(node, "description", None) is not None:
            return dataclasses.replace(node, description=None)
        return None


def signatures(sdl: str) -> str:
    """The SDL without its descriptions: each field and its arguments on one line."""
    return print_ast(visit(parse(sdl), _WithoutDescriptions()))


def test_code_schema_matches_the_committed_sdl() -> None:
    assert SCHEMA_FILE.exists(), f"schema.graphql is missing; generate it: {REGENERATE}"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    current = schema_sdl()
    if committed != current:
        diff = "".join(difflib.unified_diff(
            committed.splitlines(keepends=True), current.splitlines(keepends=True),
            fromfile="schema.graphql (committed)", tofile="schema from the code",
        ))
        raise AssertionError(
            "The GraphQL schema changed. If the change is intended (and frontends know), "
            f"regenerate the contract and commit it:\n    {REGENERATE}\n\n{diff}"
        )


def test_contract_keeps_the_documented_names() -> None:
    sdl = signatures(SCHEMA_FILE.read_text(encoding="utf-8"))
    for line in ("enum PrebookingStatus", "prebookingUpdates(id: ID = null): Prebooking!",
                 "createPrebooking(input: CreatePrebookingInput!): CreatePrebookingResult!",
                 "cancelPrebooking(id: ID!): CancelPrebookingResult!"):
        assert line in sdl, line
