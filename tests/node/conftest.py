"""Fixtures for the node's federation tests: a remote fediverse server and a node that may
reach loopback addresses (as a peer on this machine)."""

from __future__ import annotations

import pytest

from node.app import create_app
from tests.conftest import make_node
from tests.node.inbox_helpers import start_remote


@pytest.fixture
async def remote(aiohttp_server):  # type: ignore[no-untyped-def]
    """A remote server on loopback serving actor documents and taking deliveries."""
    return await start_remote(aiohttp_server)


@pytest.fixture
async def fed(tmp_path, database_url):  # type: ignore[no-untyped-def]
    """A node allowed to fetch from and deliver to loopback addresses."""
    return await make_node(tmp_path / "data", allow_private_addresses=True)


@pytest.fixture
async def fed_client(fed, aiohttp_client):  # type: ignore[no-untyped-def]
    """A test client on ``fed``'s app."""
    return await aiohttp_client(create_app(fed.config))
