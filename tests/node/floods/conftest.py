"""A node with the pool 'commons' (allowed to reach loopback) and a fake remote server."""

from __future__ import annotations

import pytest

from node.app import create_app
from tests.conftest import make_node


@pytest.fixture
async def client(tmp_path, database_url, aiohttp_client):  # type: ignore[no-untyped-def]
    node = await make_node(tmp_path / "data", allow_private_addresses=True)
    return await aiohttp_client(create_app(node.config))
