"""What the issue 14 acceptance tests share: a fresh PostgreSQL schema, the CLI as a process,
several ``poolnode serve`` processes on one database, and requests sent to one chosen process.

Only the documented surface is used: the command line, HTTP (C2S, ActivityPub, collections)
and, to look at the outcome, the database's tables as an operator's ``psql`` would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from governance import tally
from node.wire import ballot_from_document, proposal_from_documents, replay_documents
from tests.multinode.harness import AP, REPO, NodeProcess, poll
from tests.multinode.shared_db import Provider
from tests.pg_server import PostgresServer

__all__ = ["AP", "Provider", "cli", "fresh_schema", "pg_url", "poll", "provider", "signed_tally",
           "sql"]


def server_or_skip(postgres_server: PostgresServer | str) -> PostgresServer:
    if isinstance(postgres_server, str):
        pytest.skip(f"PostgreSQL tests skipped: {postgres_server}")
    return postgres_server


def sql(url: str, query: str, *args: Any) -> list[Any]:
    """Run one statement on ``url`` (as an operator's psql would) and return its rows."""
    async def run() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def with_query(url: str, **settings: str) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + "&".join(f"{k}={v}" for k, v in settings.items())


def fresh_schema(server: PostgresServer) -> Iterator[str]:
    """A new empty schema on the throwaway server; its URL (``?search_path=``); dropped after."""
    schema = "a14_" + uuid.uuid4().hex[:12]
    sql(server.url, f"CREATE SCHEMA {schema}")
    try:
        yield with_query(server.url, search_path=schema)
    finally:
        sql(server.url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def cli(*argv: str, env: dict[str, str] | None = None, timeout: float = 120,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``poolnode ARGV...`` as a process; POOLNODE_* settings of the test's own env dropped."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "node.cli", *argv], capture_output=True,
                          text=True, env=environ, cwd=cwd or REPO, timeout=timeout)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text[-3000:]


def call(process: NodeProcess, base_url: str, method: str, url: str,
         body: dict[str, Any] | None = None, token: str | None = None,
         key: str | None = None) -> tuple[int, dict[str, Any]]:
    """One request to this very process (the id's base URL replaced by the process's own)."""
    headers = {"Accept": AP}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = AP
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    target = process.base_url + url.removeprefix(base_url)
    req = urllib.request.Request(target, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw.decode("utf-8", "replace")}


def signed_tally(process: NodeProcess, base_url: str, proposal_uri: str,
                 within: float = 30.0) -> dict[str, Any]:
    """``GET {proposal}/tally`` from this process once the Tally it serves counts every ballot
    stored: a running one is signed by a clock within ``tally_interval``, never by the read
    (docs/PROTOCOL.md, "Running tallies": ``Poolnode-Unsigned-Ballots`` says how many are not)."""
    target = process.base_url + proposal_uri.removeprefix(base_url) + "/tally"

    def read() -> dict[str, Any] | None:
        request = urllib.request.Request(target, headers={"Accept": AP})
        with urllib.request.urlopen(request, timeout=60) as resp:
            document: dict[str, Any] = json.loads(resp.read())
            return document if resp.headers.get("Poolnode-Unsigned-Ballots", "0") == "0" else None

    found: dict[str, Any] = poll(read, within, f"{process.name} to sign every ballot of {proposal_uri}")
    return found


def collect(process: NodeProcess, base_url: str, url: str, token: str | None = None) -> list[Any]:
    """Every item of a paged collection, read from one process."""
    status, page = call(process, base_url, "GET", with_query(url, page="true"), token=token)
    assert status == 200, (url, status, page)
    items = list(page["orderedItems"])
    while "next" in page:
        status, page = call(process, base_url, "GET", page["next"], token=token)
        assert status == 200, (status, page)
        items += page["orderedItems"]
    return items


def add_member(provider: Provider, url: str, name: str, *roles: str) -> dict[str, Any]:
    """``poolnode member add --pool commons --json`` on the shared database."""
    argv = ["member", "add", "--data", str(provider.processes[0].data_dir), name,
            "--pool", "commons", "--json"]
    for role in roles:
        argv += ["--role", role]
    result = cli(*argv, env={"POOLNODE_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def set_voting_period(url: str, seconds: int) -> None:
    """Test-only knob: the pool's next proposals close ``seconds`` after they open."""
    (row,) = sql(url, "SELECT actor_id, bylaws_json FROM pools")
    bylaws = json.loads(row["bylaws_json"])
    bylaws["voting_period_seconds"] = seconds
    sql(url, "UPDATE pools SET bylaws_json = $1 WHERE actor_id = $2", json.dumps(bylaws),
        row["actor_id"])


def recount(process: NodeProcess, base_url: str, proposal_uri: str) -> Any:
    """docs/PROTOCOL.md, "Verifying a result as a third party", steps 1 to 3, over HTTP."""
    status, proposal = call(process, base_url, "GET", proposal_uri)
    assert status == 200, (status, proposal)
    status, electorate = call(process, base_url, "GET", proposal_uri + "/electorate")
    assert status == 200, (status, electorate)
    ballots = [ballot_from_document(b) for b in collect(process, base_url, proposal_uri + "/ballots")]
    rebuilt = proposal_from_documents(proposal, electorate)
    return tally(rebuilt.rule, rebuilt.electorate, ballots)


def replay_ledger(process: NodeProcess, base_url: str, pool: str) -> tuple[Any, str]:
    """The pool's ledger replayed from its pages (oldest first), and the published head hash."""
    entries = collect(process, base_url, pool + "/ledger")
    status, head = call(process, base_url, "GET", pool + "/ledger")
    assert status == 200, (status, head)
    return replay_documents("EUR", list(reversed(entries))), str(head.get("headHash"))


@pytest.fixture
def pg_url(postgres_server: PostgresServer | str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for this test (its URL)."""
    yield from fresh_schema(server_or_skip(postgres_server))


@pytest.fixture
def provider(tmp_path: Path, pg_url: str, request: pytest.FixtureRequest) -> Iterator[Provider]:
    """Three ``poolnode serve`` processes on one PostgreSQL database (a node made on SQLite
    and moved with ``migrate-db``, as docs/OPERATIONS.md says), not yet started."""
    found = Provider(tmp_path / "provider", pg_url, 3)
    try:
        yield found
    finally:
        found.close()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            print(found.logs()[-20000:])
