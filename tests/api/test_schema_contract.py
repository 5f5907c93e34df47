"""The committed `schema.graphql` is the contract frontends build against: the code matches it."""

from __future__ import annotations

import difflib

from api.schema_sdl import REGENERATE, SCHEMA_FILE, schema_sdl


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
    sdl = SCHEMA_FILE.read_text(encoding="utf-8")
    for line in ("enum PrebookingStatus", "prebookingUpdates(id: ID = null): Prebooking!",
                 "createPrebooking(input: CreatePrebookingInput!): CreatePrebookingResult!",
                 "cancelPrebooking(id: ID!): CancelPrebookingResult!"):
        assert line in sdl, line
