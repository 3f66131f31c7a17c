"""Shared fixtures: a node on a temporary data directory, built through the app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from node.accounts import create_member, create_pool, issue_token, join_pool
from node.app import create_app
from node.config import Config, write_config
from node.storage import ActorRecord, ActorStore, Database, TokenStore

BASE_URL = "http://node.test"


@dataclass
class NodeSetup:
    """A data directory with one pool, an admin and a second member, and their tokens."""

    config: Config
    pool: ActorRecord
    admin: ActorRecord
    admin_token: str
    alice: ActorRecord
    alice_token: str


async def make_node(data_dir: Path, base_url: str = BASE_URL, **settings: object) -> NodeSetup:
    """Initialise a node the way `poolnode init` does, plus a member 'alice'."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(data_dir=data_dir, base_url=base_url, **settings)  # type: ignore[arg-type]
    write_config(config)
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        actors, tokens = ActorStore(db), TokenStore(db)
        pool = await create_pool(config, actors, "commons", purpose="A shared fund for the club")
        admin = await create_member(config, actors, "admin", is_admin=True)
        await join_pool(actors, pool, admin.uri, ("member", "steward", "treasurer"))
        alice = await create_member(config, actors, "alice")
        await join_pool(actors, pool, alice.uri)
        admin_token = await issue_token(tokens, admin)
        alice_token = await issue_token(tokens, alice)
    finally:
        await db.close()
    return NodeSetup(config, pool, admin, admin_token.secret, alice, alice_token.secret)


@pytest.fixture
async def node(tmp_path: Path) -> NodeSetup:
    return await make_node(tmp_path / "data")


@pytest.fixture
async def client(node: NodeSetup, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(node.config))


@pytest.fixture
async def small_limit_client(tmp_path: Path, aiohttp_client) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "small", max_body_bytes=2048)
    client = await aiohttp_client(create_app(setup.config))
    client.setup = setup
    yield client
