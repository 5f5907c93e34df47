"""`updateMe`: the caller changes their own settings (the language of their texts), through
the service, the resolver and GraphQL, in-process against a real migrated database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from api.runtime import open_services
from api.settings import Settings
from booking.services import Services
from models.migrate import apply_migrations
from models.users import Language as Choice
from models.users import User as UserRow
from schema import build_schema
from schema.context import Context
from schema.enums import Language
from schema.me import UpdateMeInput, resolve_update_me, update_user, user_type
from schema.principal import Principal
from tests.postgres import fresh_database

UPDATE = "mutation($input: UpdateMeInput!) { updateMe(input: $input) { email language } }"
ME = "{ me { email language } }"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if os.environ.get("PREBOOK_TEST_DATABASE") == "postgres":
        with ExitStack() as stack:
            yield stack.enter_context(fresh_database())
        return
    yield f"sqlite://{tmp_path / 'me.sqlite3'}"


@pytest.fixture
async def services(tmp_path: Path, database_url: str) -> AsyncIterator[Services]:
    await apply_migrations(database_url)
    async with open_services(Settings().replace(
            server={"data_dir": tmp_path, "database": database_url})) as running:
        yield running


def context(services: Services, subject: str | None = "me-1") -> Context:
    principal = Principal(subject, f"{subject}@example.com") if subject else None
    return Context(request=None, response=None, services=services, principal=principal)


async def run(ctx: Context, query: str, variables: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    result = await build_schema().execute(query, variable_values=variables, context_value=ctx)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_the_service_sets_the_language_and_none_leaves_it(services: Services) -> None:
    user = await UserRow.create(subject="svc", email="svc@example.com")
    assert user.effective_language is Choice.ES  # nothing chosen, nothing learnt
    assert (await update_user(user, language=Choice.CA)).language is Choice.CA
    assert (await UserRow.get(id=user.id)).language is Choice.CA
    await update_user(user, language=None)
    assert (await UserRow.get(id=user.id)).language is Choice.CA


async def test_the_resolver_answers_with_the_updated_user(services: Services) -> None:
    ctx = context(services)
    answer = await resolve_update_me(ctx, UpdateMeInput(language=Language.EN))
    assert answer.language is Language.EN and answer.email == "me-1@example.com"
    assert (await UserRow.get(subject="me-1")).language is Choice.EN
    # The user the request loaded sees the change (later fields of the same request).
    assert (await ctx.user()).language is Choice.EN
    same = await user_type(await ctx.user(), ctx.principal)
    assert same == answer


async def test_update_me_over_graphql(services: Services) -> None:
    ctx = context(services)
    assert (await run(ctx, ME))["me"]["language"] == "ES"
    changed = await run(ctx, UPDATE, {"input": {"language": "CA"}})
    assert changed["updateMe"] == {"email": "me-1@example.com", "language": "CA"}
    for unchanged in ({}, {"language": None}):
        answer = await run(context(services), UPDATE, {"input": unchanged})
        assert answer["updateMe"]["language"] == "CA"
    assert (await run(context(services), ME))["me"]["language"] == "CA"


async def test_without_a_choice_the_box_language_shows(services: Services) -> None:
    await UserRow.create(subject="boxed", email="boxed@example.com", box_language=Choice.EN)
    assert (await run(context(services, "boxed"), ME))["me"]["language"] == "EN"


async def test_anonymous_callers_are_refused(services: Services) -> None:
    result = await build_schema().execute(UPDATE, variable_values={"input": {"language": "EN"}},
                                  context_value=context(services, None))
    assert result.errors and result.errors[0].message == "authentication required"
    assert await UserRow.all().count() == 0


def test_the_mutation_is_described() -> None:
    sdl = build_schema().as_str()
    assert "input: UpdateMeInput!\n  ): User!" in sdl
    assert "  language: Language\n}" in sdl  # no default: absent and null both leave it
    for text in ("Settings of the caller to change", "The language of notifications",
                 "The settings to change", "Change the caller's settings"):
        assert text in sdl, text
