from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qstash import AsyncQStash, QStash, Receiver

from localqstash import (
    DEV_CURRENT_SIGNING_KEY,
    DEV_NEXT_SIGNING_KEY,
    DEV_TOKEN,
    LocalQStashConfig,
    create_app,
)
from tests.localqstash.sink import Sink
from tests.servers import ServerThread, serve


@pytest.fixture
def sink() -> Iterator[tuple[Sink, str]]:
    recorder = Sink()
    with serve(recorder.app) as server:
        yield recorder, server.url


@pytest.fixture
def config(tmp_path: Path) -> LocalQStashConfig:
    return LocalQStashConfig(data_dir=tmp_path / "lq")


@pytest.fixture
def server(config: LocalQStashConfig) -> Iterator[ServerThread]:
    with serve(create_app(config)) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> QStash:
    return QStash(DEV_TOKEN, base_url=server.url, retry=False)


@pytest.fixture
def aclient(server: ServerThread) -> AsyncQStash:
    return AsyncQStash(DEV_TOKEN, base_url=server.url, retry=False)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver(DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY)
