"""Issue 14, the operator's side: ``database_url`` errors are a clear message (exit 1, no
traceback, no password), ``backup`` refuses PostgreSQL and points to the docs, ``init`` with
``POOLNODE_DATABASE_URL`` creates the node in PostgreSQL, processes started together on an
empty database all start, and the commands of docs/OPERATIONS.md ("PostgreSQL", "Several
processes", "Backups on PostgreSQL", "Federating two nodes") work as written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.issue14_env import (
    Provider,
    call,
    cli,
    no_traceback,
    pg_url,
    poll,
    provider,
    server_or_skip,
    sql,
    with_query,
)
from tests.multinode.harness import REPO, Cluster, NodeProcess, free_port
from tests.pg_server import PostgresServer

__all__ = ["pg_url", "provider"]

pytestmark = pytest.mark.multinode

SECRET = "Pa55-not-for-logs"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("node") / "data"
    made = cli("init", "--data", str(data), "--url", "http://127.0.0.1:18999")
    assert made.returncode == 0, made.stderr
    return data


def _bad_urls(server: PostgresServer) -> list[tuple[str, str]]:
    where = server.url.split("@", 1)[1]  # host:port/db
    host = where.split("/", 1)[0]
    return [
        ("mysql://root@127.0.0.1/poolnode", "database_url"),
        (f"postgresql://postgres:{SECRET}@127.0.0.1:{free_port()}/poolnode", "cannot connect"),
        (f"postgresql://postgres:{SECRET}@{host}/no_such_database", "no_such_database"),
        (with_query(f"postgresql://postgres:{SECRET}@{where}", search_path="no_such_schema"),
         "no_such_schema"),
        (f"postgresql://postgres:{SECRET}@[::1/poolnode", "database_url"),
    ]


@pytest.mark.parametrize("case", range(5), ids=["scheme", "unreachable", "no-database",
                                                "no-schema", "malformed"])
@pytest.mark.parametrize("command", ["serve", "pool-list"])
def test_a_bad_database_url_is_a_clear_error(
    data_dir: Path, postgres_server: PostgresServer | str, case: int, command: str
) -> None:
    url, says = _bad_urls(server_or_skip(postgres_server))[case]
    argv = (["serve", "--data", str(data_dir), "--port", str(free_port())] if command == "serve"
            else ["pool", "list", "--data", str(data_dir)])
    started = time.monotonic()
    result = cli(*argv, env={"POOLNODE_DATABASE_URL": url}, timeout=120)
    text = result.stdout + result.stderr
    assert result.returncode == 1, text[-800:]
    assert time.monotonic() - started < 90
    assert "Traceback" not in text, text[-1500:]
    assert says in text and "error" in text, text[-800:]
    assert SECRET not in text


def test_a_bad_database_url_in_the_file_names_the_file(data_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = (data_dir / "poolnode.toml").read_text()
    (data / "poolnode.toml").write_text(
        config.replace('database_url = ""', 'database_url = "postgres-ql://db/poolnode"'))
    result = cli("serve", "--data", str(data), "--port", str(free_port()))
    assert result.returncode == 1
    no_traceback(result)
    assert "poolnode.toml" in result.stderr and "database_url" in result.stderr, result.stderr


@pytest.mark.parametrize("size", ["0", "-3", "many"])
def test_a_bad_database_pool_size_is_a_clear_error(data_dir: Path, pg_url: str, size: str) -> None:
    result = cli("pool", "list", "--data", str(data_dir),
                 env={"POOLNODE_DATABASE_URL": pg_url, "POOLNODE_DATABASE_POOL_SIZE": size})
    assert result.returncode == 1
    no_traceback(result)
    assert "database_pool_size" in result.stderr, result.stderr


def test_backup_refuses_postgresql_and_points_to_the_docs(
    data_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    result = cli("backup", "--data", str(data_dir), str(tmp_path / "backup"),
                 env={"POOLNODE_DATABASE_URL": pg_url})
    assert result.returncode == 1
    no_traceback(result)
    assert "pg_dump" in result.stderr and "Backups on PostgreSQL" in result.stderr, result.stderr
    assert not (tmp_path / "backup").exists()


def test_init_with_a_postgresql_database_url_creates_the_node_there(
    pg_url: str, tmp_path: Path
) -> None:
    env = {"POOLNODE_DATABASE_URL": pg_url}
    made = cli("init", "--data", str(tmp_path / "data"), "--url", "http://127.0.0.1:18998",
               "--json", env=env)
    assert made.returncode == 0, made.stderr
    listed = cli("pool", "list", "--data", str(tmp_path / "data"), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "commons" in listed.stdout, listed.stdout
    assert len(sql(pg_url, "SELECT 1 FROM actors")) == 2


def test_processes_started_together_on_an_empty_database_all_start(
    pg_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"  # new: no web_secret yet
    assert cli("init", "--data", str(data_dir), "--url", "http://127.0.0.1:18996").returncode == 0
    assert not (data_dir / "web_secret").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    env["POOLNODE_DATABASE_URL"] = pg_url
    processes = [NodeProcess(f"p{n}", tmp_path / f"p{n}", free_port(), env) for n in range(3)]
    for process in processes:
        process.root.mkdir()
        process.data_dir.symlink_to(data_dir)
    logs = [p.log_path.open("ab") for p in processes]
    try:
        for process, log in zip(processes, logs, strict=True):
            process.proc = subprocess.Popen(
                [sys.executable, "-m", "node.cli", "serve", "--data", str(process.data_dir),
                 "--port", str(process.port)], stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=REPO)

        def up(process: NodeProcess) -> bool:
            assert process.proc is not None
            assert process.proc.poll() is None, process.log_text()[-3000:]
            return call(process, "", "GET", "/.well-known/nodeinfo")[0] == 200 \
                if _listening(process.port) else False

        for process in processes:
            poll(lambda p=process: up(p), 90, f"{process.name} to answer")
        versions = [r["version"] for r in sql(pg_url, "SELECT version FROM schema_migrations")]
        assert len(versions) == len(set(versions)) >= 16
        # They made the node's web_secret at their first start, together: a sign-in form
        # shown by one process must be accepted by the others (not 403 for its CSRF token).
        cookie, token = _signin_form(processes[0])
        for process in processes[1:]:
            status, text = _signin(process, cookie, token)
            assert status != 403, (process.name, status, text[:300])
    finally:
        for process in processes:
            process.stop()
        for log in logs:
            log.close()


def _signin_form(process: NodeProcess) -> tuple[str, str]:
    with urllib.request.urlopen(process.base_url + "/signin", timeout=30) as resp:
        cookie = resp.headers["Set-Cookie"].split(";", 1)[0]
        page = resp.read().decode()
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return cookie, token


def _signin(process: NodeProcess, cookie: str, token: str) -> tuple[int, str]:
    form = urllib.parse.urlencode({"csrf": token, "next": "/", "username": "admin",
                                   "password": "not the password"}).encode()
    req = urllib.request.Request(process.base_url + "/signin", data=form, method="POST", headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_following_a_provider_pool_with_the_documented_request(
    provider: Provider, pg_url: str, cluster: Cluster
) -> None:
    """docs/OPERATIONS.md, "Federating two nodes": the Follow is posted exactly as shown."""
    for process in provider.processes:
        process.start()
    remote = cluster.node("r")
    remote.post_outbox({"type": "Follow", "object": provider.pool_id})

    def followed() -> Any:
        status, collection = call(provider.processes[0], provider.base_url, "GET",
                                  provider.pool_id + "/followers?page=true")
        return status == 200 and remote.admin_id in json.dumps(collection)

    poll(followed, 60, "the pool's followers to list the remote member")



def test_a_database_written_by_a_newer_poolnode_is_refused_by_name(
    data_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    """docs/OPERATIONS.md, "Upgrading": a message naming both schema versions, on PostgreSQL too."""
    env = {"POOLNODE_DATABASE_URL": pg_url}
    assert cli("pool", "list", "--data", str(data_dir), env=env).returncode == 0
    newest = max(r["version"] for r in sql(pg_url, "SELECT version FROM schema_migrations"))
    sql(pg_url, "INSERT INTO schema_migrations (version, name) VALUES (999, 'from_the_future')")
    for argv in (["pool", "list", "--data", str(data_dir)],
                 ["serve", "--data", str(data_dir), "--port", str(free_port())]):
        result = cli(*argv, env=env)
        assert result.returncode == 1, result.stdout
        no_traceback(result)
        assert "999" in result.stderr and str(newest) in result.stderr, result.stderr
