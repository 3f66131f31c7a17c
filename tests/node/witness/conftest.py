"""A node whose witnessing clock the test drives, and a remote pool whose ledger it witnesses."""

from __future__ import annotations

import pytest

from node.app import create_app
from node.witness import WITNESS_CLOCK
from tests.conftest import make_node
from tests.node.witness.helpers import start_remote_pool


@pytest.fixture
async def witness_node(tmp_path, database_url):  # type: ignore[no-untyped-def]
    """A node (pool 'commons') that may reach loopback peers, with a short exchange period."""
    return await make_node(tmp_path / "data", allow_private_addresses=True, witness_interval=60.0)


@pytest.fixture
async def client(witness_node, aiohttp_client):  # type: ignore[no-untyped-def]
    """The node's app with its witnessing clock left to the test (``witness_round(app, now)``)."""
    app = create_app(witness_node.config)
    app[WITNESS_CLOCK] = False
    return await aiohttp_client(app)


@pytest.fixture
async def river(aiohttp_server):  # type: ignore[no-untyped-def]
    return await start_remote_pool(aiohttp_server)
