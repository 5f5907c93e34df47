"""The Strawberry schema: types, queries, mutations, subscriptions, permissions, context."""

from __future__ import annotations

from functools import cache

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import MaskErrors, ParserCache, QueryDepthLimiter, ValidationCache

from schema.context import PublicError
from schema.me import MeMutation
from schema.mutations import Mutation as CoreMutation
from schema.queries import Query as CoreQuery
from schema.rules import RuleMutation, RuleQuery
from schema.subscriptions import Subscription


@strawberry.type(description="Reads of the caller's own data, and of a box's schedule. Every "
                             "field needs a token: Authorization: Bearer <JWT>.")
class Query(CoreQuery, RuleQuery):
    """The root query: the fields of every query module."""


@strawberry.type(description="Changes to the caller's own data. Expected failures are members "
                             "of each result union; unexpected ones are masked errors.")
class Mutation(CoreMutation, RuleMutation, MeMutation):
    """The root mutation: the fields of every mutation module."""


MAX_QUERY_DEPTH = 10


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:  # parse and validation errors
        return False
    return not isinstance(original, PublicError | StrawberryGraphQLError)


@cache
def build_schema() -> strawberry.Schema:
    """The schema, built once a process: Strawberry's relay fields cannot be built twice."""
    # One instance each, shared by every request, so the caches persist between requests.
    parser_cache, validation_cache = ParserCache(maxsize=512), ValidationCache(maxsize=512)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: MaskErrors(should_mask_error=_should_mask),
            lambda: QueryDepthLimiter(MAX_QUERY_DEPTH),
            lambda: parser_cache,
            lambda: validation_cache,
        ],
    )
