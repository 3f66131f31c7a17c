"""A node with the pool 'commons' (allowed to reach loopback) and a fake remote server."""

from __future__ import annotations

import pytest

from node.app import create_app
from tests.conftest import make_node
from tests.node.inbox_helpers import start_remote


@pytest.fixture
async def remote(aiohttp_server):  # type: ignore[no-untyped-def]
    return await start_remote(aiohttp_server)


@pytest.fixture
async def client(tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    node = await make_node(tmp_path / "data", allow_private_addresses=True)
    return await aiohttp_client(create_app(node.config))
