"""Shared fixtures: a node on a temporary data directory, built through the app factory."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from node.accounts import create_member, create_pool, issue_token, join_pool
from node.app import create_app
from node.config import Config, write_config
from node.storage import ActorRecord, ActorStore, Database, TokenStore
from tests.pg_server import PostgresServer
from tests.pg_server import start as start_postgres

# The property tests draw the same examples on every run of `make test` (a submission lands on a
# clean run, not on a lucky one); `HYPOTHESIS_PROFILE=explore` draws new ones each run, to look
# for counterexamples before committing (README, "The two commands").
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

BASE_URL = "http://node.test"
BACKENDS = ("sqlite", "postgresql")
# The database_url of the running test's node ('' is the data directory's SQLite file); a test
# marked both_backends runs twice, the second time on a fresh PostgreSQL schema.
_CURRENT_URL = [""]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` run on SQLite and on PostgreSQL."""
    if metafunc.definition.get_closest_marker("both_backends") is None:
        return
    if any("database_url" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test chose its backends itself
    if "database_url" not in metafunc.fixturenames:
        # First, so the node fixtures (and make_node in the test body) see the URL.
        metafunc.fixturenames.insert(0, "database_url")
    metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | str]:
    """A throwaway PostgreSQL server for the session, or the reason there is none."""
    server = start_postgres()
    yield server
    if isinstance(server, PostgresServer):
        server.stop()


@pytest.fixture
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """'' (SQLite in the data directory), or a fresh PostgreSQL schema's URL for this test."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("postgres_server")
    if isinstance(server, str):
        pytest.skip(f"PostgreSQL tests skipped: {server}")
    schema = "t_" + uuid.uuid4().hex[:16]
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    sep = "&" if "?" in server.url else "?"
    _CURRENT_URL[0] = f"{server.url}{sep}search_path={schema}"
    try:
        yield _CURRENT_URL[0]
    finally:
        _CURRENT_URL[0] = ""
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await conn.close()


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
    settings.setdefault("database_url", _CURRENT_URL[0])
    # Running tallies are signed on a timer: a short one keeps tests that wait for it quick.
    settings.setdefault("tally_interval", 0.2)
    config = Config(data_dir=data_dir, base_url=base_url, **settings)  # type: ignore[arg-type]
    write_config(config)
    db = Database.for_config(config)
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
async def node(tmp_path: Path, database_url: str) -> NodeSetup:
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
