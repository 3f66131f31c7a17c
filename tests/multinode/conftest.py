"""The ``cluster`` fixture: start real nodes, stop them after the test, show logs on failure."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.multinode.harness import Cluster
from tests.pg_server import PostgresServer


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def cluster(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    nodes = Cluster(tmp_path)
    try:
        yield nodes
    finally:
        nodes.close()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            print(nodes.logs())


@pytest.fixture
def database_url(postgres_server: PostgresServer | str) -> Iterator[str]:
    """A fresh schema of the session's PostgreSQL server for the processes of one test."""
    if isinstance(postgres_server, str):
        pytest.skip(f"PostgreSQL tests skipped: {postgres_server}")
    schema = "m_" + uuid.uuid4().hex[:16]

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(postgres_server.url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in postgres_server.url else "?"
    yield f"{postgres_server.url}{sep}search_path={schema}"
    asyncio.run(run(f"DROP SCHEMA {schema} CASCADE"))
