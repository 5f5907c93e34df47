"""The delivery ledger's token ids: each verified signature once, until it expires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jobs.ledger import record_token
from models.deliveries import DeliveryToken
from tests.dbkit import connected, migrated_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("tokens")) as url:
        yield url


async def test_token_ids_are_kept_until_they_expire(database: str) -> None:
    async with connected(database):
        now = datetime.now(UTC)
        assert await record_token("jwt_a", now + timedelta(seconds=300), now=now)
        assert not await record_token("jwt_a", now + timedelta(seconds=300), now=now)
        later = now + timedelta(seconds=301)
        assert await record_token("jwt_b", later + timedelta(seconds=300), now=later)
        assert [t.jti for t in await DeliveryToken.all()] == ["jwt_b"]
